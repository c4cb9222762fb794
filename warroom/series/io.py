"""Read a daily aggregate report (DESIGN §4) into one contiguous daily series per area.

The file is CSV (UTF-8 with or without BOM, or GBK) or Excel, read through
:mod:`warroom.tables`, so a malformed file is refused whole with row-level errors
(:class:`warroom.tables.TableRejected`). One row per area and day; columns in English
(the names below) or Chinese (the labels below), in any order. Only ``date``,
``area_code`` and ``new_confirmed`` must be present as columns; any *cell* may be empty,
which means unknown: it becomes NaN, never zero. Other columns are optional. A city-level
file (one area) is enough.

Within an area the days are made contiguous from its first to its last date; a day
without a row is a missing day (NaN in every column). Two rows for the same area and
day are an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warroom import tables
from warroom.analytics.vocabulary import REPORT_COLUMNS
from warroom.tables import Cell, Column, RowError, TableRejected

FloatArray = NDArray[np.float64]


def _area_code(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # Excel stores a numeric code as a number
    value = str(cell).strip()
    if not value:
        raise ValueError("empty area code")
    return value


# Chinese label and aliases of each count of the daily report (REPORT_COLUMNS, DESIGN §4).
_LABELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "new_confirmed": ("新增确诊", ("新增确诊病例", "新增确诊人数")),
    "new_suspected": ("新增疑似", ("新增疑似病例",)),
    "new_febrile": ("新增发热", ("新增发热病人", "新增发热患者")),
    "new_contacts": ("新增密接", ("新增密切接触者", "新增密切接触")),
    "new_deaths": ("新增死亡", ("新增死亡病例",)),
    "new_discharged": ("新增出院", ("新增治愈出院",)),
    "cum_confirmed": ("累计确诊", ("累计确诊病例",)),
    "cum_deaths": ("累计死亡", ("累计死亡病例",)),
    "cum_discharged": ("累计出院", ("累计治愈出院",)),
    "under_treatment": ("在院治疗", ("现有确诊", "在治")),
    "severe": ("重症", ("重症病例",)),
    "critical": ("危重症", ("危重症病例", "危重")),
}
# (name, Chinese label, aliases): the counts of the daily report, in its column order.
COUNT_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (name, *_LABELS[name]) for name in REPORT_COLUMNS
)
COUNT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in COUNT_COLUMNS)

DATE = Column("date", "日期", tables.date, help="YYYY-MM-DD", aliases=("报告日期",))
AREA = Column("area_code", "地区编码", _area_code, help="区划代码", aliases=("区划代码",))

# Cells: only date and area code must be filled; an empty count is unknown (NaN).
COLUMNS: tuple[Column, ...] = (
    DATE,
    AREA,
    *(
        Column(name, zh, tables.count, required=False, aliases=aliases)
        for name, zh, aliases in COUNT_COLUMNS
    ),
)
# Header: these three columns must be present.
REQUIRED_HEADER: tuple[Column, ...] = (
    DATE,
    AREA,
    Column("new_confirmed", "新增确诊", tables.count, aliases=COUNT_COLUMNS[0][2]),
)


@dataclass(frozen=True, eq=False)
class AreaSeries:
    """Contiguous daily series of one area: day ``i`` is ``start + i`` days.

    ``counts[name]`` holds one value per day, NaN where unknown (an empty cell or a day
    without a row); every name of :data:`COUNT_NAMES` is present.
    """

    area_code: str
    start: dt.date
    counts: dict[str, FloatArray] = field(repr=False)

    @property
    def n_days(self) -> int:
        return int(self.counts["new_confirmed"].size)

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.n_days)]

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.n_days - 1)

    def until(self, as_of: dt.date) -> AreaSeries:
        """The series cut after ``as_of`` (only what was known on that day)."""
        if as_of < self.start:
            raise ValueError(
                f"as_of {as_of} is before the first day of area {self.area_code} ({self.start})"
            )
        keep = (as_of - self.start).days + 1
        return AreaSeries(self.area_code, self.start, {k: v[:keep] for k, v in self.counts.items()})

    def missing_days(self, name: str = "new_confirmed") -> list[dt.date]:
        return [
            self.start + dt.timedelta(days=int(i))
            for i in np.flatnonzero(np.isnan(self.counts[name]))
        ]

    def complete_tail(self, name: str = "new_confirmed") -> AreaSeries:
        """The days after the last missing value of ``name`` (all of them if none is missing)."""
        missing = np.flatnonzero(np.isnan(self.counts[name]))
        if missing.size == 0:
            return self
        first = int(missing[-1]) + 1
        return AreaSeries(
            self.area_code,
            self.start + dt.timedelta(days=first),
            {k: v[first:] for k, v in self.counts.items()},
        )


@dataclass(frozen=True, eq=False)
class DailyReport:
    """Every area of a report file, with the facts of the file it came from."""

    areas: dict[str, AreaSeries]
    sha256: str
    encoding: str

    def root_code(self) -> str:
        """The default area: the only one; else the one whose code prefixes every other
        (the city above its districts); else the single shortest code.

        Raises ``ValueError`` when none of these picks one area (say which with --area).
        """
        codes = sorted(self.areas)
        if len(codes) == 1:
            return codes[0]
        prefixes = [c for c in codes if all(o.startswith(c) for o in codes)]
        if prefixes:
            return prefixes[0]
        shortest = min(len(c) for c in codes)
        candidates = [c for c in codes if len(c) == shortest]
        if len(candidates) == 1:
            return candidates[0]
        raise ValueError(
            "the file holds several areas and none is the root; choose one with --area: "
            + ", ".join(codes[:20])
            + (" ..." if len(codes) > 20 else "")
        )

    def area(self, code: str | None = None) -> AreaSeries:
        """The series of ``code``, or of :meth:`root_code` when ``code`` is None."""
        key = self.root_code() if code is None else code.strip()
        if key not in self.areas:
            raise ValueError(
                f"area {key!r} is not in the file; it has: " + ", ".join(sorted(self.areas)[:20])
            )
        return self.areas[key]


def build_series(rows: Sequence[dict[str, Any]]) -> dict[str, AreaSeries]:
    """Group parsed rows by area into contiguous daily series (gaps are NaN)."""
    seen: dict[tuple[str, dt.date], int] = {}
    errors: list[RowError] = []
    by_area: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["area_code"], row["date"])
        if key in seen:
            errors.append(
                RowError(
                    row["_row"],
                    "date",
                    str(row["date"]),
                    f"area {row['area_code']} already has a row for this day (row {seen[key]})",
                )
            )
            continue
        seen[key] = row["_row"]
        by_area.setdefault(row["area_code"], []).append(row)
    if errors:
        raise TableRejected(errors[: tables.MAX_ERRORS], total=len(errors))
    out: dict[str, AreaSeries] = {}
    for code, area_rows in by_area.items():
        start = min(r["date"] for r in area_rows)
        end = max(r["date"] for r in area_rows)
        n = (end - start).days + 1
        counts = {name: np.full(n, np.nan) for name in COUNT_NAMES}
        for r in area_rows:
            i = (r["date"] - start).days
            for name in COUNT_NAMES:
                if r.get(name) is not None:
                    counts[name][i] = float(r[name])
        out[code] = AreaSeries(code, start, counts)
    return out


def read_daily_report(source: str | Path | bytes, *, filename: str = "") -> DailyReport:
    """Read a daily report file (CSV UTF-8/GBK or Excel) into per-area daily series.

    Raises
    ------
    warroom.tables.TableRejected
        With every problem of the file, row by row (missing column, bad date, negative
        count, duplicate area-day...).
    """
    table = tables.read_table(source, filename=filename)
    tables.map_columns(table, REQUIRED_HEADER)
    rows = tables.parse_rows(table, COLUMNS)
    if not rows:
        raise TableRejected([RowError(2, "", "", "the file has a header but no data rows")])
    return DailyReport(build_series(rows), table.sha256, table.encoding)
