"""Reading situations with permission."""

from __future__ import annotations

import datetime as dt
from typing import Any

from warroom.geo.models import Area
from warroom.situation.models import Situation


def latest(user: Any, area: Area, *, day: dt.date | None = None) -> Situation | None:
    """The area's situation on ``day`` (or its latest), if ``user`` may see the area."""
    qs = Situation.objects.restrict(user).filter(area=area)
    if day is not None:
        qs = qs.filter(day__lte=day)
    return qs.order_by("-day").first()


def followed_areas(user: Any) -> list[Area]:
    """The city and districts ``user`` may see (what the area filter offers)."""
    return list(Area.objects.restrict(user).filter(depth__lte=1).order_by("path"))
