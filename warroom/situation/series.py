"""An area's daily series from the platform's daily reports, as arrays for the analytics.

A district's report is preferred to the figures computed from the line list for the same
day (the report is what the district signs); a day without either is missing (NaN),
never zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from warroom.geo.models import Area
from warroom.surveillance.models import FIGURES, DailyReport, Source


@dataclass(frozen=True)
class DailySeries:
    area_code: str
    start: dt.date
    figures: dict[str, NDArray[np.float64]]  # one value per day, NaN unknown

    @property
    def n_days(self) -> int:
        return int(next(iter(self.figures.values())).size) if self.figures else 0

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.n_days)]

    def digest(self) -> str:
        h = hashlib.sha256(f"{self.area_code}{self.start}".encode())
        for name in sorted(self.figures):
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.figures[name]).tobytes())
        return h.hexdigest()


def area_series(area: Area, *, until: dt.date) -> DailySeries | None:
    """The area's series from its first report to ``until``; None if it has no report."""
    return area_series_of([area], until=until)[area.pk]


def area_series_of(areas: list[Area], *, until: dt.date) -> dict[int, DailySeries | None]:
    """:func:`area_series` of several areas, their reports read in one query."""
    rows = (
        DailyReport.objects.filter(area__in=areas, date__lte=until)
        .order_by("area_id", "date", "source")
        .values("area_id", "date", "source", *FIGURES)
    )
    by_area: dict[int, dict[dt.date, dict[str, object]]] = {a.pk: {} for a in areas}
    for row in rows:
        by_day = by_area[row["area_id"]]
        day = row["date"]
        if day not in by_day or row["source"] == Source.REPORT:
            by_day[day] = row
    return {a.pk: _series(a, by_area[a.pk], until) for a in areas}


def _series(
    area: Area, by_day: dict[dt.date, dict[str, object]], until: dt.date
) -> DailySeries | None:
    if not by_day:
        return None
    start = min(by_day)
    n = (until - start).days + 1
    figures = {name: np.full(n, np.nan) for name in FIGURES}
    for day, row in by_day.items():
        i = (day - start).days
        for name in FIGURES:
            value = row[name]
            if value is not None:
                figures[name][i] = float(value)  # type: ignore[arg-type]
    return DailySeries(area.code, start, figures)
