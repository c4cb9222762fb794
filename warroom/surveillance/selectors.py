"""Reading daily reports with permission (aggregates: every role with ``view``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from warroom.core.scoping import load_for
from warroom.geo.models import Area
from warroom.surveillance.models import DailyReport, FlagStatus, QualityFlag


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


def quality_flags(
    user: Any, *, status: str = "", area: Area | None = None
) -> QuerySet[QualityFlag]:
    """The quality flags ``user`` may see, errors first, newest first."""
    qs = QualityFlag.objects.restrict(user).select_related("area")
    if area is not None:
        qs = qs.filter(area__path__under=area.path)
    if status == "pending":
        qs = qs.exclude(status=FlagStatus.RESOLVED)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("severity", "-day", "area__code", "rule")


def get_flag(user: Any, flag_id: int, action: str = "view") -> QualityFlag:
    return load_for(user, action, QualityFlag.objects.select_related("area"), flag_id)
