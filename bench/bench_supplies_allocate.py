"""Allocation of supplies by priority: 300 facilities × 50 items (× 4 tiers).

Figure: the median time of ``warroom.analytics.supplies.allocate_supplies`` on a random
instance with every item short (the proportional share is computed for every item):
target <= 1 s. Peer: HiGHS (``scipy.optimize.linprog``) solving the same lexicographic
problem tier by tier, for the same instance; the ratio is printed.

    python bench/bench_supplies_allocate.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, target

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from warroom.analytics.supplies import allocate_supplies

FACILITIES, ITEMS, TIERS = 300, 50, 4


def _peer(need: np.ndarray, stock: np.ndarray) -> float:
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    t0 = time.perf_counter()
    tiers, fac, items = need.shape
    n = tiers * fac * items
    idx = np.arange(n).reshape(tiers, fac, items)
    bounds = np.stack([np.zeros(n), need.reshape(-1)], axis=1)
    rows = [
        csr_matrix(
            (np.ones(tiers * fac), (np.repeat(0, tiers * fac), idx[:, :, i].reshape(-1))),
            shape=(1, n),
        )
        for i in range(items)
    ]
    a_ub = vstack(rows)
    eq_rows, eq_vals = [], []
    for t in range(tiers):
        c = np.zeros(n)
        c[idx[t].reshape(-1)] = -1
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=stock,
            A_eq=vstack(eq_rows) if eq_rows else None,
            b_eq=eq_vals or None,
            bounds=bounds,
            method="highs",
        )
        for i in range(items):
            row = np.zeros(n)
            row[idx[t, :, i]] = 1
            eq_rows.append(csr_matrix(row))
            eq_vals.append(res.x[idx[t, :, i]].sum())
    return time.perf_counter() - t0


def main() -> None:
    rng = np.random.default_rng(1)
    need = rng.integers(0, 200, size=(TIERS, FACILITIES, ITEMS)).astype(np.int64)
    stock = (need.sum(axis=(0, 1)) * rng.uniform(0.2, 0.9, ITEMS)).astype(np.int64)
    ms = median_ms(lambda: allocate_supplies(need, stock), repeat=15)
    print(
        f"allocate {FACILITIES} facilities x {ITEMS} items x {TIERS} tiers: {ms:.1f} ms "
        + target("allocation 300 x 50", ms / 1000, 1, "s")
    )
    peer = _peer(need, stock)
    print(
        f"peer (HiGHS, tier by tier): {peer * 1000:.0f} ms; ratio peer/ours {peer * 1000 / ms:.0f}"
    )


if __name__ == "__main__":
    main()
    finish()
