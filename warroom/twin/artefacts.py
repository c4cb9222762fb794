"""Reporting artefacts planted on a twin's daily series: what real published series carry.

The twin reports every case on the day it is confirmed. Real daily series do not: offices
report less at weekends and catch up on Monday, a change of case definition applied
retroactively adds weeks of cases on one day (Wuhan, 12-13 February 2020: 6-7 times the
days around it), a day's report is missed or cleared a backlog the next day. Forecasts
are tested on series carrying these (DESIGN §3.4); this module plants them, seeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

WEEKEND_SHORTFALL = (0.3, 0.45)  # fraction of a Saturday's or Sunday's cases reported Monday
RECLASSIFICATION_FACTOR = (6.0, 7.0)  # the jump day reports this many times the days around
RECLASSIFICATION_AFTER_PEAK = (3, 9)  # days after the peak the new definition is applied
BACKLOG_DAYS = 2  # days reporting 20 % of their cases, the rest the next day
BACKLOG_SHARE_HELD = 0.8


@dataclass(frozen=True)
class PlantedSeries:
    """A series with artefacts, and where they are (0-based day indices)."""

    counts: FloatArray  # NaN on the missing day
    reclassification_day: int
    backlog_days: tuple[int, ...]
    missing_day: int


def plant_artefacts(series: ArrayLike, start: dt.date, seed: int) -> PlantedSeries:
    """Weekend dips caught up on Monday, one reclassification jump a few days after the
    peak, backlog days and a missing day, on a copy of the daily counts ``series``
    (day 0 is ``start``). The same seed plants the same artefacts."""
    rng = np.random.default_rng(seed)
    y = np.asarray(series, dtype=np.float64).copy()
    n = y.size
    if n < 30:
        raise ValueError(f"series must cover at least 30 days, got {n}")
    for i in range(n):
        weekday = (start + dt.timedelta(days=i)).weekday()
        if weekday >= 5:
            held = np.floor(y[i] * rng.uniform(*WEEKEND_SHORTFALL))
            y[i] -= held
            monday = i + 7 - weekday
            if monday < n:
                y[monday] += held
    peak = int(np.argmax(y))
    jump = min(n - 2, peak + int(rng.integers(*RECLASSIFICATION_AFTER_PEAK)))
    around = np.r_[y[max(0, jump - 3) : jump], y[jump + 1 : jump + 4]]
    y[jump] = np.round(float(np.median(around)) * rng.uniform(*RECLASSIFICATION_FACTOR))
    candidates = [d for d in range(max(1, peak - 10), n - 2) if abs(d - jump) > 1]
    backlog = tuple(sorted(int(d) for d in rng.choice(candidates, BACKLOG_DAYS, replace=False)))
    for d in backlog:
        held = np.floor(y[d] * BACKLOG_SHARE_HELD)
        y[d] -= held
        y[d + 1] += held
    others = [
        d
        for d in range(max(1, peak - 5), min(n - 1, peak + 15))
        if abs(d - jump) > 1 and d not in backlog
    ]
    missing = int(rng.choice(others))
    y[missing] = np.nan
    return PlantedSeries(y, jump, backlog, missing)


def daily_csv(counts: ArrayLike, start: dt.date, area_code: str) -> str:
    """The daily report file (DESIGN §4 columns, only ``new_confirmed`` filled) of one area:
    a missing day is an empty cell, never 0."""
    values = np.asarray(counts, dtype=np.float64)
    lines = ["date,area_code,new_confirmed"]
    for i, value in enumerate(values):
        cell = "" if np.isnan(value) else str(int(value))
        lines.append(f"{start + dt.timedelta(days=i)},{area_code},{cell}")
    return "\n".join(lines) + "\n"
