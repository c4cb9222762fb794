"""Reading daily reports with permission (aggregates: every role with ``view``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from warroom.geo.models import Area
from warroom.surveillance.models import DailyReport


def reports(
    user: Any, *, area: Area | None = None, day: dt.date | None = None, source: str = ""
) -> QuerySet[DailyReport]:
    qs = DailyReport.objects.restrict(user).select_related("area")
    if area is not None:
        qs = qs.filter(area__path__under=area.path)
    if day is not None:
        qs = qs.filter(date=day)
    if source:
        qs = qs.filter(source=source)
    return qs.order_by("-date", "area__path", "source")
