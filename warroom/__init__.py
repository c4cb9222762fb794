"""warroom: the command platform of a city's epidemic response headquarters."""

__version__ = "0.1.0"
