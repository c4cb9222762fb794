"""Benchmark: every data-quality rule over 60 days × 9,000 areas (DESIGN §3.5, §5 W1).

Instance: a city tree (1 city, 13 districts, 170 streets, 1,716 communities, 7,100
compounds = 9,000 areas) and 60 days of daily reports (540,000 rows, 12 columns), with
compound counts from a W1-sized outbreak (city peak about 2,000 confirmed, 4,000
suspected, 10,000 febrile, 20,000 contacts a day), every parent the sum of its children,
3 % of cells unknown, and a few planted faults; plus the confirmed-case line list
(one record per case). Deterministic.

Target: ``run_all`` (all 13 rules, line list included) <= 2 s, median of 5 runs. Also
printed: building the cube from the rows (``DailyReports.from_rows``). No external peer
implements these rules, so no ratio is printed.

Run: ``.venv/bin/python bench/bench_quality.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target

from warroom.analytics.quality import COLUMNS, DailyReports, run_all

RUNS = 5
TARGET_S = 2.0
N_DAYS = 60


def city_tree(rng: np.random.Generator) -> np.ndarray:
    sizes = [1, 13, 170, 1716, 7100]
    parent = [np.array([-1])]
    start = 0
    for level in range(1, len(sizes)):
        prev = np.arange(start, start + sizes[level - 1])
        start += sizes[level - 1]
        extra = rng.choice(prev, sizes[level] - prev.size)
        parent.append(np.sort(np.concatenate([prev, extra])))
    return np.concatenate(parent)


def w1_reports(seed: int = 2020):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    parent = city_tree(rng)
    n = parent.size
    leaves = np.flatnonzero(~np.isin(np.arange(n), parent))
    t = np.arange(N_DAYS)
    # City curve: log-linear rise to ~2,000/day on day 30, then decline; spread over leaves.
    city = 2000.0 * np.exp(-np.abs(t - 30) * np.log(200) / 30)
    weight = rng.gamma(0.7, 1.0, leaves.size)
    lam = city[None, :] * (weight / weight.sum())[:, None]
    k = leaves.size
    leaf = np.zeros((k, N_DAYS, len(COLUMNS)))
    ut = np.zeros(k, dtype=np.int64)
    cum = np.zeros((k, 3), dtype=np.int64)
    for day in range(N_DAYS):
        nc = rng.poisson(lam[:, day])
        deaths = rng.binomial(ut, 0.004)
        disch = rng.binomial(ut - deaths, 0.08)
        ut = ut + nc - deaths - disch
        cum += np.stack([nc, deaths, disch], axis=1)
        severe = rng.binomial(ut, 0.15)
        critical = rng.binomial(ut - severe, 0.05)
        leaf[:, day] = np.stack(
            [
                nc,
                rng.poisson(2 * lam[:, day]),
                rng.poisson(5 * lam[:, day]),
                rng.poisson(10 * lam[:, day]),
                deaths,
                disch,
                cum[:, 0],
                cum[:, 1],
                cum[:, 2],
                ut,
                severe,
                critical,
            ],
            axis=1,
        )
    cube = np.zeros((n, N_DAYS, len(COLUMNS)))
    cube[leaves] = leaf
    depth = np.zeros(n, dtype=int)
    for i in range(1, n):
        depth[i] = depth[parent[i]] + 1
    for lvl in range(depth.max(), 0, -1):
        nodes = np.flatnonzero(depth == lvl)
        np.add.at(cube, parent[nodes], cube[nodes])
    # Line list from the clean compound counts.
    counts = leaf[:, :, 0].astype(int)
    a, d = np.meshgrid(leaves, t, indexing="ij")
    start = np.datetime64("2020-01-20", "D")
    case_date = start + np.repeat(d.ravel(), counts.ravel())
    codes = np.array([f"420{i:09d}" for i in range(n)])
    case_area = codes[np.repeat(a.ravel(), counts.ravel())]
    # Planted faults and unknown cells.
    cube[leaves[5], 20, 0] += 40  # spike (also breaks sums, identities, line list)
    cube[leaves[9], 33, 6] -= 5  # cumulative falls
    cube[rng.random(cube.shape) < 0.03] = np.nan
    busiest = leaves[np.argmax(weight)]
    cube[busiest, 40:48] = cube[busiest, 39]  # a busy compound's report copied forward
    a, d = np.meshgrid(np.arange(n), t, indexing="ij")
    a, d = a.ravel(), d.ravel()
    rows = {
        "date": start + d,
        "area_code": codes[a],
        "columns": {name: cube[a, d, i] for i, name in enumerate(COLUMNS)},
        "area_codes": codes,
        "parent": parent,
    }
    return rows, case_date, case_area, start


def main() -> None:
    rows, case_date, case_area, start = w1_reports()
    n_rows = rows["date"].size
    print(
        f"{rows['area_codes'].size:,} areas × {N_DAYS} days = {n_rows:,} report rows, "
        f"{case_date.size:,} line-list cases"
    )
    build, check = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        reports = DailyReports.from_rows(
            rows["date"],
            rows["area_code"],
            rows["columns"],
            area_codes=rows["area_codes"],
            parent=rows["parent"],
        )
        t1 = time.perf_counter()
        flags = run_all(
            reports, as_of=start + N_DAYS - 1, case_date=case_date, case_area_code=case_area
        )
        t2 = time.perf_counter()
        build.append(t1 - t0)
        check.append(t2 - t1)
    med = statistics.median(check)
    print(f"DailyReports.from_rows: median {statistics.median(build):.3f} s")
    print(
        f"run_all (13 rules): median {med:.3f} s over {RUNS} runs "
        + target("run_all", med, TARGET_S, "s")
    )
    rules, counts = np.unique(flags.rule, return_counts=True)
    print("flags:", ", ".join(f"{r} {c}" for r, c in zip(rules, counts, strict=True)))
    print("peer: none (no external implementation of these rules)")


if __name__ == "__main__":
    main()
    finish()
