"""Where the capacity plan gets its case numbers: observed new confirmed and the forecast.

Surveillance and forecasting register a provider (in their AppConfig.ready)::

    from warroom.beds.demand import register_case_series_provider

    def case_series(day, horizon):  # -> CaseSeries or None
        ...

    register_case_series_provider(case_series)

With none registered (or none answering) the plan page asks the planner for an
assumption (new confirmed per day) and says so; it never invents one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseSeries:
    """New confirmed per day: observed for ``today`` days before ``day``, then forecast.

    ``daily_confirmed[today]`` is the plan's first day; the series must reach
    ``today + horizon - 1``. ``daily_quarantine`` (same length), if given, is the number
    of suspected, febrile and contacts to quarantine per day. ``label`` names the source.
    ``upper_confirmed`` (same length), if given, is the same series with the forecast days
    at the upper end of the forecast's band: the plan states what it would ask for then.
    """

    daily_confirmed: Sequence[float]
    today: int
    label: str
    daily_quarantine: Sequence[float] | None = None
    upper_confirmed: Sequence[float] | None = None


CaseSeriesProvider = Callable[[dt.date, int], "CaseSeries | None"]
_PROVIDERS: list[CaseSeriesProvider] = []


def register_case_series_provider(fn: CaseSeriesProvider) -> None:
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)


def unregister_case_series_provider(fn: CaseSeriesProvider) -> None:
    if fn in _PROVIDERS:
        _PROVIDERS.remove(fn)


def case_series(day: dt.date, horizon: int) -> CaseSeries | None:
    """The first registered provider's answer for ``day``, or None."""
    for provider in _PROVIDERS:
        found = provider(day, horizon)
        if found is not None:
            return found
    return None


def constant_assumption(per_day: float, quarantine_per_day: float, horizon: int) -> CaseSeries:
    """A planner's assumption: the same new confirmed (and quarantined) every day."""
    return CaseSeries(
        daily_confirmed=[float(per_day)] * horizon,
        today=0,
        label="assumption",
        daily_quarantine=[float(quarantine_per_day)] * horizon,
    )
