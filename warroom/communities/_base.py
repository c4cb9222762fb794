"""Who may change a unit of communities: the check every section shares.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from warroom.core.errors import Forbidden, NotFound
from warroom.core.scoping import in_scope
from warroom.geo.models import Area, Level

INSPECTOR_LEVELS = {Level.CITY, Level.DISTRICT, Level.STREET}
DEFAULT_DEADLINE_DAYS = 3  # a rectification's deadline when the inspector gives none


def _check_change(actor: Any, area: Area, capability: str = "change") -> None:
    if actor is None or not actor.can("view") or not in_scope(actor, area.path):
        raise NotFound("area not found")
    if not actor.can(capability):
        raise Forbidden(_("You may not do this."))


def check_change(actor: Any, area: Area, capability: str = "change") -> str | None:
    """Why ``actor`` may not change ``area`` ("not_found" for another district), or None:
    the rule of :func:`_check_change`, for imports that report it row by row."""
    try:
        _check_change(actor, area, capability)
    except NotFound:
        return "not_found"
    except Forbidden as exc:
        return exc.message
    return None
