"""What every section of communities shares (who may change a unit is
``warroom.core.permits.require_in_area``, the one check of every app).

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

from warroom.geo.models import Level

INSPECTOR_LEVELS = {Level.CITY, Level.DISTRICT, Level.STREET}
DEFAULT_DEADLINE_DAYS = 3  # a rectification's deadline when the inspector gives none
