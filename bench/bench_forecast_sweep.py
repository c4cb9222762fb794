"""The published forecast's skill on the 75-series sweep (issue 15, docs/situation.md).

Rolling origins every day from day 21, horizons 1-14, relative MAE of the published
median against tomorrow = today and the 7-day mean (< 1: better than the baseline). The
series: the twin's scenario ``wuhan-2020`` (90 days), seeds 1-20 at scale 0.1 and 11-24 at
scale 1, each with artefacts planted with two seeds (the twin seed and seed + 100); 6
hand-built negative-binomial (k = 20) rise/peak/decline curves with planted artefacts;
Hubei's published series (JHU CSSE). Prints, per group, the median (min-max) ratio at 1,
7 and 14 days, the series with some ratio >= 1, the worst ratio and Hubei's ratios.

Target: no series with a ratio >= 1 against either baseline at 1, 7 or 14 days (exits 1
otherwise). The peer is the baselines themselves (the ratio is the figure).

The twin runs take minutes on a loaded machine: ``--cache FILE`` keeps their series in
a ``.npz`` file between runs (the forecasts are always recomputed).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target

from warroom.analytics.backtest import backtest
from warroom.analytics.forecast import (
    EnsembleForecaster,
    LastValueForecaster,
    MovingMeanForecaster,
)
from warroom.twin.artefacts import plant_artefacts

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2020, 1, 1)
HORIZONS = (1, 7, 14)
BASELINES = ("last_value", "mean_7d")
HUBEI = ROOT / "docs" / "data" / "hubei-jhu-csse-2020.csv"


def twin(seed: int, scale: float) -> np.ndarray:
    from warroom.twin.runner import run_scenario
    from warroom.twin.scenario import load_scenario

    scenario = load_scenario("wuhan-2020").with_overrides(scale=scale, seed=seed)
    return run_scenario(scenario).series.new_confirmed.astype(float)


def twins(cache: Path | None) -> dict[str, np.ndarray]:
    runs = [(s, 0.1) for s in range(1, 21)] + [(s, 1.0) for s in range(11, 25)]
    stored: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        stored = dict(np.load(cache))
    for seed, scale in runs:
        key = f"{scale}:{seed}"
        if key not in stored:
            stored[key] = twin(seed, scale)
            if cache is not None:
                np.savez(cache, **stored)
    return {k: stored[k] for k in (f"{sc}:{s}" for s, sc in runs)}


def hand_built(i: int) -> np.ndarray:
    """Asymmetric Gaussian rise/peak/decline, negative-binomial noise (k = 20), 90 days."""
    rng = np.random.default_rng(1000 + i)
    t = np.arange(90)
    peak_day = 35 + 4 * i
    height = float(np.geomspace(80, 3000, 6)[i])
    rise, fall = 8.0 + i, 6.0 + 2 * (5 - i)
    width = np.where(t < peak_day, rise, fall)
    mu = height * np.exp(-0.5 * ((t - peak_day) / width) ** 2) + 1.0
    k = 20.0
    return rng.negative_binomial(k, k / (k + mu)).astype(float)


def hubei() -> np.ndarray:
    rows = list(csv.DictReader(HUBEI.open(encoding="utf-8")))
    return np.array([float(r["new_confirmed"]) if r["new_confirmed"] else np.nan for r in rows])


def ratios(counts: np.ndarray) -> np.ndarray:
    """Relative MAE, shape (baseline, horizon 1/7/14)."""
    res = backtest(
        counts,
        {
            "published": EnsembleForecaster(),
            "last_value": LastValueForecaster(),
            "mean_7d": MovingMeanForecaster(),
        },
        baselines=BASELINES,
    )
    return res.relative_mae[0][:, [h - 1 for h in HORIZONS]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="npz file for the twin runs")
    args = parser.parse_args()
    t0 = time.perf_counter()
    groups: dict[str, list[tuple[str, np.ndarray]]] = {
        "twin, scale 0.1": [],
        "twin, scale 1": [],
        "hand-built curves": [],
        "Hubei, JHU CSSE": [("hubei", hubei())],
    }
    for key, y in twins(args.cache).items():
        scale, seed = key.split(":")
        group = "twin, scale 0.1" if scale == "0.1" else "twin, scale 1"
        for plant in (int(seed), int(seed) + 100):
            groups[group].append((f"{key}/{plant}", plant_artefacts(y, START, plant).counts))
    for i in range(6):
        y = hand_built(i)
        groups["hand-built curves"].append((f"curve {i}", plant_artefacts(y, START, i).counts))
    t_series = time.perf_counter() - t0
    t0 = time.perf_counter()
    losing: list[tuple[str, float]] = []
    worst = 0.0
    total = 0
    print("relative MAE of the published median, median (min-max) over the series")
    header = " | ".join(f"{b} h{h}" for b in BASELINES for h in HORIZONS)
    print(f"  group | n | {header} | some ratio >= 1")
    for name, series in groups.items():
        scores = np.array([ratios(y) for _, y in series])  # (S, B, H)
        total += len(series)
        cells = []
        for b in range(len(BASELINES)):
            for j in range(len(HORIZONS)):
                col = scores[:, b, j]
                cells.append(f"{np.median(col):.2f} ({col.min():.2f}-{col.max():.2f})")
        bad = [(label, float(s.max())) for (label, _), s in zip(series, scores, strict=True)]
        bad = [(label, r) for label, r in bad if r >= 1]
        losing += bad
        worst = max(worst, float(scores.max()))
        print(f"  {name} | {len(series)} | {' | '.join(cells)} | {len(bad)}")
        if name.startswith("Hubei"):
            h = scores[0]
            print(
                f"  Hubei vs last value {h[0, 0]:.2f}/{h[0, 1]:.2f}/{h[0, 2]:.2f}, "
                f"vs 7-day mean {h[1, 0]:.2f}/{h[1, 1]:.2f}/{h[1, 2]:.2f} at 1/7/14 days"
            )
    for label, r in losing:
        print(f"  ratio >= 1: {label} worst {r:.3f}")
    print(f"  {len(losing)} of {total} series with some ratio >= 1; worst ratio {worst:.3f}")
    print(f"  series built in {t_series:.0f} s, scored in {time.perf_counter() - t0:.0f} s")
    print(f"  {target('worst relative MAE (must be < 1)', worst, 0.999999, '')}")


if __name__ == "__main__":
    main()
    finish()
