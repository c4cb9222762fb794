"""The published forecast and its skill per area-day, as the daily cycle computes them.

16 areas (a city and its districts) x 30 consecutive days of a 90-day series: the forecast
(fit + 14-day quantiles) and its skill (relative MAE against the two baselines). Prints the
cost of one area-day with the skill's origins remembered (the daily cycle of a running
process: only a new origin is fitted) and cold (a fresh process). Target: <= 0.05 s per
area-day remembered, so that 16 areas cost <= 0.8 s of the daily cycle. The peer is the
previous implementation's cost, recomputing every origin (measured in this bench: cold).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target

from warroom.analytics import backtest as bt
from warroom.analytics.forecast import EnsembleForecaster, fill_missing

AREAS = 16
DAYS = range(60, 90)
LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def series(seed: int) -> np.ndarray:
    t = np.arange(90)
    curve = 150 * np.exp(-0.5 * ((t - 40) / 10.0) ** 2) + 2
    return np.random.default_rng(seed).poisson(curve).astype(float)


def area_day(y: np.ndarray) -> None:
    EnsembleForecaster(max_horizon=14).fit(fill_missing(y)).predict(14, LEVELS)
    bt.forecast_skill(y, EnsembleForecaster(max_horizon=14))


def main() -> None:
    areas = [series(seed) for seed in range(AREAS)]
    for y in areas:
        area_day(y[: DAYS.start - 1])  # the previous day's cycle: origins remembered
    t0 = time.perf_counter()
    for n in DAYS:
        for y in areas:
            area_day(y[:n])
    warm = (time.perf_counter() - t0) / (len(DAYS) * AREAS)
    t0 = time.perf_counter()
    for n in DAYS[:5]:
        for y in areas:
            bt._MEDIAN_CACHE.clear()
            area_day(y[:n])
    cold = (time.perf_counter() - t0) / (5 * AREAS)
    print(f"forecast + skill per area-day, {AREAS} areas x {len(DAYS)} days:")
    print(f"  remembered origins {warm * 1000:.1f} ms, cold {cold * 1000:.1f} ms")
    print(f"  16 areas: {16 * warm:.2f} s remembered, {16 * cold:.2f} s cold")
    print(f"  peer ratio (cold / remembered) {cold / warm:.1f}x")
    print(f"  {target('forecast + skill per area-day', warm, 0.05, 's')}")


if __name__ == "__main__":
    main()
    finish()
