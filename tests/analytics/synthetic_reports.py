"""Clean synthetic daily reports for the quality tests: consistent by construction."""

from __future__ import annotations

from typing import Any

import numpy as np

from warroom.analytics.quality import COLUMNS


def clean_reports(
    n_districts: int = 3, leaves_per_district: int = 4, n_days: int = 60, seed: int = 0
) -> dict[str, Any]:
    """A root, districts and leaves; leaves simulate an outbreak, parents sum children.

    Daily confirmed follow a log-linear rise and fall with a rounded top (so counts span
    about three orders of magnitude, as real epidemic curves do) with Poisson noise; the
    stock and flow columns obey every identity of DESIGN §3.5.
    """
    rng = np.random.default_rng(seed)
    parent = np.concatenate(
        [
            [-1],
            np.zeros(n_districts, int),
            1 + np.repeat(np.arange(n_districts), leaves_per_district),
        ]
    )
    n_areas = parent.size
    codes = np.array([f"A{i:05d}" for i in range(n_areas)])
    leaves = np.arange(1 + n_districts, n_areas)
    t = np.arange(n_days)
    cube = np.zeros((n_areas, n_days, len(COLUMNS)))
    for leaf in leaves:
        peak_day = rng.uniform(0.35, 0.65) * n_days
        peak = 10 ** rng.uniform(2.3, 3.0)
        slope = np.log(peak) / (0.5 * n_days)
        # A tent in log scale, rounded over about a week at the top (real peaks are smooth).
        log_lam = np.log(peak) - slope * (np.hypot(t - peak_day, 4.0) - 4.0)
        lam = np.exp(log_lam)
        ut = 0
        cum_c = cum_d = cum_r = 0
        for day in range(n_days):
            nc = rng.poisson(lam[day])
            deaths = rng.binomial(ut, 0.004)
            disch = rng.binomial(ut - deaths, 0.08)
            ut += nc - deaths - disch
            cum_c += nc
            cum_d += deaths
            cum_r += disch
            severe = rng.binomial(ut, 0.15)
            critical = rng.binomial(ut - severe, 0.05)
            cube[leaf, day] = [
                nc,
                rng.poisson(2 * lam[day]),
                rng.poisson(4 * lam[day]),
                rng.poisson(9 * lam[day]),
                deaths,
                disch,
                cum_c,
                cum_d,
                cum_r,
                ut,
                severe,
                critical,
            ]
    for node in [*range(1, 1 + n_districts), 0]:
        cube[node] = cube[parent == node].sum(axis=0)
    area_idx, day_idx = np.meshgrid(np.arange(n_areas), t, indexing="ij")
    start = np.datetime64("2020-01-20", "D")
    return {
        "date": (start + day_idx.ravel()).astype("datetime64[D]"),
        "area_code": codes[area_idx.ravel()],
        "columns": {name: cube[:, :, i].ravel().copy() for i, name in enumerate(COLUMNS)},
        "area_codes": codes,
        "parent": parent,
        "cube": cube,
        "start": start,
    }
