"""Backtest of all forecasters (renewal + 3 baselines) over a 120-day series, horizons 1-14.

Prints the median wall time of several runs (target <= 2 s). There is no peer
implementation of the same harness to time against in the same run, so no ratio.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target

from warroom.analytics.backtest import backtest

DAYS = 120
RUNS = 5


def series() -> np.ndarray:
    t = np.arange(DAYS)
    curve = 2000 * np.exp(-0.5 * ((t - 45) / 12.0) ** 2) + 5
    return np.random.default_rng(2020).poisson(curve).astype(float)


def main() -> None:
    y = series()
    backtest(y)  # warm-up
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = backtest(y)
        samples.append(time.perf_counter() - t0)
    median = statistics.median(samples)
    print(f"backtest, {DAYS}-day series, {len(result.names)} forecasters, horizons 1-14,")
    print(f"  {result.origins.size} rolling origins: median {median:.3f} s over {RUNS} runs")
    print(f"  {target('backtest', median, 2, 's')}; no peer implementation to compare")


if __name__ == "__main__":
    main()
    finish()
