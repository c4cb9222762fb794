"""The demo: the twin's outbreak fed into the platform through its own import paths."""
