"""The shapes every list endpoint of the API shares: the area a call asks about, a list
kept under an area, a period of days, and a page shaped row by row.

The supervision, supplies, waste, economy and surveillance routers each carried their own
copy of these (``_area``, ``_area_or_home``, ``since``/``until`` filters, ``Shaped``); a
list endpoint now says what it filters and leaves the how to this module. Every lookup
goes through the scoped selector (:func:`warroom.geo.selectors.get_area`): an area
outside the caller's jurisdiction is a 404 exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest

from warroom.geo import selectors as geo
from warroom.geo.models import Area


def query_text(value: str | None) -> str:
    """A query parameter's text, trimmed (the edge guard has refused control characters)."""
    return (value or "").strip()


def area_or_home(request: HttpRequest, code: str | None) -> Area:
    """The area ``code`` names (scoped), else the caller's own area."""
    code = query_text(code)
    return geo.get_area(request.auth, code) if code else geo.home_area(request.auth)


def area_or_none(request: HttpRequest, code: str | None) -> Area | None:
    """The area ``code`` names (scoped), else None: a list not narrowed by area."""
    code = query_text(code)
    return geo.get_area(request.auth, code) if code else None


def under_area(
    qs: models.QuerySet[Any], request: HttpRequest, code: str | None, *, field: str = "area"
) -> models.QuerySet[Any]:
    """``qs`` narrowed to the rows whose ``field`` lies at or under the area ``code``
    (unchanged when no code is given: the queryset is already scoped to the caller)."""
    area = area_or_none(request, code)
    if area is None:
        return qs
    return qs.filter(**{f"{field}__path__under": area.path})


def in_period(
    qs: models.QuerySet[Any],
    since: dt.date | None,
    until: dt.date | None,
    *,
    field: str = "day",
) -> models.QuerySet[Any]:
    """``qs`` narrowed to ``since <= field <= until`` (each bound optional)."""
    if since:
        qs = qs.filter(**{f"{field}__gte": since})
    if until:
        qs = qs.filter(**{f"{field}__lte": until})
    return qs


def matching(qs: models.QuerySet[Any], **values: Any) -> models.QuerySet[Any]:
    """``qs`` filtered by each given value that is not empty (an empty filter is no filter)."""
    given = {name: value for name, value in values.items() if value not in (None, "")}
    return qs.filter(**given) if given else qs


class Shaped:
    """A queryset shaped row by row for the paginator: only the page is read and shaped
    (``len`` is the queryset's count), never the whole list."""

    def __init__(self, qs: Any, shape: Callable[[Any], dict[str, Any]]) -> None:
        self.qs = qs
        self.shape = shape

    def __len__(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [self.shape(row) for row in self.qs[key]]
