"""Summaries of a run: the city's daily series, milestones, and a side-by-side comparison.

Phase milestones use the four-phase rule of :mod:`warroom.analytics.phases`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from warroom.twin import records as R
from warroom.twin.facilities import BED_TYPES


@dataclass(frozen=True)
class CitySeries:
    """Daily city-level series of a run (index = day of the run)."""

    dates: tuple[dt.date, ...]
    new_confirmed: np.ndarray
    new_deaths: np.ndarray
    cum_confirmed: np.ndarray
    cum_deaths: np.ndarray
    under_treatment: np.ndarray
    waiting: np.ndarray  # people on the waiting list at the cut-off
    waiting_confirmed: np.ndarray  # confirmed patients among them ("patients wait for beds")
    beds: np.ndarray  # usable beds (all types)
    free_beds: np.ndarray
    new_infections: np.ndarray  # ground truth
    waste_tonnes: np.ndarray
    appeals: np.ndarray

    @classmethod
    def from_days(cls, days: list[R.DayRecords], beds: list[tuple[int, int]]) -> CitySeries:
        """Build from a run's records and its (usable, free) beds per day."""
        city = [d.true_report[0] for d in days]
        return cls(
            dates=tuple(d.date for d in days),
            new_confirmed=np.array([c["new_confirmed"] for c in city]),
            new_deaths=np.array([c["new_deaths"] for c in city]),
            cum_confirmed=np.array([c["cum_confirmed"] for c in city]),
            cum_deaths=np.array([c["cum_deaths"] for c in city]),
            under_treatment=np.array([c["under_treatment"] for c in city]),
            waiting=np.array([d.waiting.size for d in days]),
            waiting_confirmed=np.array(
                [int((d.waiting["category"] == R.CONFIRMED).sum()) for d in days]
            ),
            beds=np.array([b[0] for b in beds]),
            free_beds=np.array([b[1] for b in beds]),
            new_infections=np.array([d.true_new_infections for d in days]),
            waste_tonnes=np.array([float(d.waste["tonnes"].sum()) for d in days]),
            appeals=np.array([d.appeals.size for d in days]),
        )


@dataclass(frozen=True)
class Milestones:
    """The calibration figures of a run (dates are None when not reached)."""

    total_confirmed: int
    total_deaths: int
    peak_date: dt.date
    peak_new_confirmed: int
    under_1000: dt.date | None
    under_100: dt.date | None
    under_10: dt.date | None
    peak_waiting_confirmed: int
    last_confirmed_waiting: dt.date | None  # last day with confirmed patients waiting
    beds_on: dict[str, int]


def phase_milestones(
    dates: tuple[dt.date, ...] | list[dt.date], new_confirmed: np.ndarray, scale: float = 1.0
) -> dict[int, dt.date | None]:
    """The retrospective start of the first declared MIDDLE, LOW and TAIL phase after the
    peak, keyed by the band's upper threshold (1000, 100, 10): the days new confirmed fell
    under 1,000, 100 and 10 by the four-phase rule (DESIGN §3.1, a short dip does not count).

    ``scale`` is the run's population fraction: counts are compared at full scale.
    """
    from warroom.analytics.phases import Phase, classify_phases

    counts = np.asarray(new_confirmed, dtype=float) / scale
    timeline = classify_phases(np.round(counts))
    peak = int(np.argmax(counts))
    out: dict[int, dt.date | None] = {}
    for threshold, phase in ((1000, Phase.MIDDLE), (100, Phase.LOW), (10, Phase.TAIL)):
        declared = np.flatnonzero(timeline.phase[peak:] <= phase)
        if declared.size == 0:
            out[threshold] = None
            continue
        out[threshold] = dates[int(timeline.phase_start[peak + int(declared[0])])]
    return out


def milestones(
    series: CitySeries, scale: float = 1.0, bed_dates: tuple[str, ...] = ("2020-02-25",)
) -> Milestones:
    """Peak, phase thresholds, totals, waiting and beds of a run, as simulated (scaled)."""
    nc = series.new_confirmed
    peak = int(np.argmax(nc))
    ph = phase_milestones(series.dates, nc, scale)
    waiting_days = np.flatnonzero(series.waiting_confirmed > 0)
    beds = {}
    for text in bed_dates:
        day = dt.date.fromisoformat(text)
        if day in series.dates:
            beds[text] = int(series.beds[series.dates.index(day)])
    return Milestones(
        total_confirmed=int(series.cum_confirmed[-1]),
        total_deaths=int(series.cum_deaths[-1]),
        peak_date=series.dates[peak],
        peak_new_confirmed=int(nc[peak]),
        under_1000=ph[1000],
        under_100=ph[100],
        under_10=ph[10],
        peak_waiting_confirmed=int(series.waiting_confirmed.max()),
        last_confirmed_waiting=series.dates[int(waiting_days[-1])] if waiting_days.size else None,
        beds_on=beds,
    )


__all__ = ["BED_TYPES", "CitySeries", "Milestones", "milestones", "phase_milestones"]
