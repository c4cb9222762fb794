"""The 30-day capacity plan (长统筹、短安排): the database side of ``analytics.beds.plan_beds``.

Loads the capacity schedule (actual history plus planned openings not yet realised) and
the census through the selectors, the case series from a registered provider (or the
planner's stated assumption), and hands arrays to :func:`warroom.analytics.beds.plan_beds`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from warroom.beds import selectors
from warroom.beds.demand import CaseSeries, case_series
from warroom.beds.models import BED_TYPE_ORDER


@dataclass(frozen=True)
class PlanWindow:
    start: dt.date
    end: dt.date
    open_beds: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.open_beds.values())


@dataclass(frozen=True)
class PlanResult:
    start: dt.date
    days: list[dt.date]
    source: str
    target: float
    occupancy: dict[str, list[float]]  # beds needed per type and day
    schedule: dict[str, list[int]]  # capacity per type and day as scheduled
    capacity: dict[str, list[float]]  # the schedule plus the plan's openings
    windows: list[PlanWindow]
    beds_wait_day_scheduled: dt.date | None  # from then on, the schedule alone suffices
    total_to_open_upper: int | None = None  # the same plan on the forecast's upper band

    @property
    def total_to_open(self) -> int:
        return sum(w.total for w in self.windows)


def capacity_plan(
    user: Any,
    start: dt.date,
    *,
    assumption: CaseSeries | None = None,
    target: float | None = None,
    horizon: int | None = None,
) -> PlanResult | None:
    """The plan from ``start`` over the user's facilities, or None without case numbers.

    A provider's series (observed days, then the forecast) is used when one answers;
    otherwise ``assumption``. With an assumption (no observed days), the census of the
    day before ``start`` is the patients already in bed; with observed days, those days'
    admissions carry them instead (passing both would count them twice).
    """
    from warroom.analytics import parameters
    from warroom.analytics.beds import plan_beds

    horizon = horizon or parameters.PLAN_HORIZON_DAYS
    target = target if target is not None else parameters.OCCUPANCY_TARGET
    series = case_series(start, horizon) or assumption
    if series is None:
        return None
    schedule = selectors.capacity_series(start, horizon, user=user, schedule=True)
    census = None
    if series.today == 0:
        reports = selectors.occupied_on(start - dt.timedelta(days=1), user=user).values()
        census = [
            float(sum(r.occupied for r in reports if r.bed_type == t)) for t in BED_TYPE_ORDER
        ]

    def plan_for(confirmed: Any) -> Any:
        return plan_beds(
            [float(x) for x in confirmed],
            series.today,
            [[float(day[t]) for t in BED_TYPE_ORDER] for day in schedule],
            daily_quarantine=(
                None
                if series.daily_quarantine is None
                else [float(x) for x in series.daily_quarantine]
            ),
            current_occupied=census,
            target=target,
            horizon_days=horizon,
        )

    plan = plan_for(series.daily_confirmed)
    upper = None
    if series.upper_confirmed is not None:  # the forecast's uncertainty, stated
        upper = int(plan_for(series.upper_confirmed).open_beds.sum())
    days = [start + dt.timedelta(days=i) for i in range(horizon)]
    windows = []
    for i, first in enumerate(plan.window_start):
        begin = start + dt.timedelta(days=int(first))
        last = min(horizon - 1, int(first) + parameters.PLAN_BATCH_DAYS - 1)
        windows.append(
            PlanWindow(
                begin,
                start + dt.timedelta(days=last),
                {t: int(plan.open_beds[i, j]) for j, t in enumerate(BED_TYPE_ORDER)},
            )
        )
    wait = _wait_from(plan.balance_scheduled)
    return PlanResult(
        start=start,
        days=days,
        source=series.label,
        target=float(plan.target),
        occupancy={
            t: [round(float(x), 1) for x in plan.occupancy[:, j]]
            for j, t in enumerate(BED_TYPE_ORDER)
        },
        schedule={t: [day[t] for day in schedule] for t in BED_TYPE_ORDER},
        capacity={t: [float(x) for x in plan.capacity[:, j]] for j, t in enumerate(BED_TYPE_ORDER)},
        windows=windows,
        beds_wait_day_scheduled=None if wait is None else days[wait],
        total_to_open_upper=upper,
    )


def _wait_from(balance: Any) -> int | None:
    """The day from which, under the schedule alone, beds wait for patients to the end of
    the horizon: after the last day any type falls short, the first with none short
    (``analytics.beds.beds_wait_day``); None if the last day is still short."""
    import numpy as np

    from warroom.analytics.beds import beds_wait_day

    short = np.flatnonzero(np.any(np.asarray(balance) < 0, axis=1))
    offset = int(short[-1]) + 1 if short.size else 0
    if offset >= len(balance):
        return None
    found = beds_wait_day(balance[offset:])
    return None if found is None else offset + found
