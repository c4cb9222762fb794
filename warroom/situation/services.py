"""The situation of the city and each district: phases, Rt, forecast, the three quantities.

The analysis itself is :mod:`warroom.analytics`; this module only loads the series,
calls it, and stores the result per area and day (idempotent: the same day recomputed
replaces its row, and the forecast's randomness is seeded by the day).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from django.db import transaction

from warroom.analytics import parameters as P
from warroom.analytics.forecast import RenewalForecaster
from warroom.analytics.phases import UNKNOWN, Direction, Phase, classify_phases, next_band
from warroom.analytics.rt import estimate_rt
from warroom.geo.models import Area
from warroom.situation.models import Situation
from warroom.situation.series import DailySeries, area_series

FORECAST_HORIZON = 14  # days; the dashboard's forecast fan (DESIGN §3.4)


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), 4)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _quantity(values: np.ndarray) -> dict[str, float | None]:
    today = _num(values[-1]) if values.size else None
    yesterday = _num(values[-2]) if values.size > 1 else None
    change = today - yesterday if today is not None and yesterday is not None else None
    return {"today": today, "yesterday": yesterday, "change": change}


def analyse(series: DailySeries, day: dt.date) -> dict[str, Any]:
    """Everything the dashboard and the briefing show of one area on ``day``."""
    dates = series.dates
    nc = series.figures["new_confirmed"]
    missing = [
        f"new_confirmed {d.isoformat()}" for d, v in zip(dates, nc, strict=True) if math.isnan(v)
    ]
    timeline = classify_phases(nc)
    last = len(dates) - 1
    spans: list[dict[str, Any]] = []
    pairs: list[tuple[int, int]] = []
    for p, s in zip(timeline.phase.tolist(), timeline.phase_start.tolist(), strict=True):
        if s >= 0 and (not pairs or pairs[-1] != (p, s)):
            pairs.append((p, s))
    for i, (p, s) in enumerate(pairs):
        end = pairs[i + 1][1] - 1 if i + 1 < len(pairs) else last
        spans.append(
            {"phase": Phase(p).name, "start": _iso(dates[s]), "end": _iso(dates[max(s, end)])}
        )
    phase_code = int(timeline.phase[last])
    declared = Phase(phase_code).name if phase_code >= 0 else None
    nb = next_band(nc, phase_code) if declared else None
    changed_today = (
        last > 0 and int(timeline.phase[last - 1]) != phase_code and declared is not None
    )
    phase = {
        "band": [Phase(int(b)).name if b >= 0 else None for b in timeline.band],
        "declared": declared,
        "start": _iso(dates[int(timeline.phase_start[last])]) if declared else None,
        "declared_on": _iso(dates[int(timeline.declared_on[last])]) if declared else None,
        "direction": Direction(int(timeline.direction[last])).name
        if int(timeline.direction[last]) != UNKNOWN
        else None,
        "days_in_phase": int(timeline.days_in_phase[last]),
        "changed_today": bool(changed_today),
        "next_band": None
        if nb is None
        else {
            "phase": nb.phase.name,
            "days_ahead": int(nb.days_ahead),
            "date": _iso(day + dt.timedelta(days=int(nb.days_ahead))),
        },
        "spans": spans,
    }
    # Rt and the forecast need complete days: use those after the last missing one.
    known = np.flatnonzero(np.isnan(nc))
    first = int(known[-1]) + 1 if known.size else 0
    tail = nc[first:]
    rt: dict[str, Any] | None = None
    forecast: dict[str, Any] | None = None
    notes: list[str] = []
    try:
        est = estimate_rt(tail)
        levels = list(est.quantile_levels)
        lo, hi = levels.index(0.025), levels.index(0.975)
        end_dates = [_iso(dates[first + int(t)]) for t in est.t_end]
        rt = {
            "dates": end_dates,
            "mean": [_num(x) for x in est.mean],
            "q025": [_num(x) for x in est.quantiles[:, lo]],
            "q975": [_num(x) for x in est.quantiles[:, hi]],
            "latest": {
                "date": end_dates[-1],
                "mean": _num(est.mean[-1]),
                "q025": _num(est.quantiles[-1, lo]),
                "q975": _num(est.quantiles[-1, hi]),
            },
        }
        model = RenewalForecaster(random_state=day.toordinal()).fit(tail)
        fc = model.predict(FORECAST_HORIZON, quantile_levels=(0.05, 0.25, 0.5, 0.75, 0.95))
        forecast = {
            "dates": [_iso(day + dt.timedelta(days=h)) for h in range(1, FORECAST_HORIZON + 1)],
            "mean": [_num(x) for x in fc.mean],
            **{
                key: [_num(x) for x in fc.quantiles[:, i]]
                for i, key in enumerate(("q05", "q25", "median", "q75", "q95"))
            },
        }
    except ValueError as exc:
        notes.append(f"Rt and forecast not computed: {exc}")
    f = series.figures
    return {
        "day": _iso(day),
        "area": series.area_code,
        "dates": [_iso(d) for d in dates],
        "new_confirmed": [_num(x) for x in nc],
        "phase": phase,
        "rt": rt,
        "forecast": forecast,
        "quantities": {
            "increment": _quantity(f["new_confirmed"]),
            "stock": _quantity(f["under_treatment"]),
            "severe": _quantity(f["severe"] + f["critical"]),
            "deaths": _quantity(f["new_deaths"]),
        },
        "missing": missing[-30:],
        "missing_count": len(missing),
        "notes": notes,
        "parameters": {
            "phase_confirm_days": P.PHASE_CONFIRM_DAYS,
            "rt_window_days": P.RT_WINDOW_DAYS,
            "serial_interval": [P.SERIAL_INTERVAL_MEAN, P.SERIAL_INTERVAL_SD],
        },
    }


def situation_areas() -> list[Area]:
    """The areas the headquarters follows: the city and its districts."""
    return list(Area.objects.filter(depth__lte=1).order_by("path"))


def do_compute_situation(day: dt.date, *, actor: Any = None) -> int:
    """Recompute the situation of the city and every district for ``day``. Idempotent."""
    written = 0
    with transaction.atomic():
        for area in situation_areas():
            series = area_series(area, until=day)
            if series is None:
                Situation.objects.filter(area=area, day=day).delete()
                continue
            payload = analyse(series, day)
            Situation.objects.update_or_create(
                area=area, day=day, defaults={"payload": payload, "inputs_hash": series.digest()}
            )
            written += 1
    return written


def daily_step(day: dt.date) -> str:
    n = do_compute_situation(day)
    return f"{n} areas analysed" if n else "no daily reports yet: nothing to analyse"
