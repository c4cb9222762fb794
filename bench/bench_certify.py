"""Benchmark: epidemic-free certification over a Wuhan-sized area tree (DESIGN §3.6, §5).

Tree: 1 city, 13 districts, 170 streets, 3,300 communities, 7,100 compounds (10,584
nodes). Facts: ~2 % of compounds with a recent case, a few unreleased contacts and
backlogs. Targets: full recompute ``certify`` <= 50 ms; one ``recertify`` (a new case in
one compound) <= 1 ms, both as ``recertify`` (returns a new frozen result, copies the
arrays) and ``CertificationBoard.update`` (in place). Medians of many runs. No external
peer exists; the ratios printed are full recompute / incremental, in the same run.

Run: ``.venv/bin/python bench/bench_certify.py``
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

from warroom.analytics.certify import (
    CertificationBoard,
    CertificationFacts,
    build_tree,
    certify,
    recertify,
)


def wuhan_tree(seed: int = 1):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    sizes = [1, 13, 170, 3300, 7100]
    parent = [np.array([-1])]
    start = 0
    for level in range(1, len(sizes)):
        prev = np.arange(start, start + sizes[level - 1])
        start += sizes[level - 1]
        # every unit of the level above gets at least one child
        extra = rng.choice(prev, sizes[level] - prev.size)
        parent.append(np.sort(np.concatenate([prev, extra])))
    return np.concatenate(parent)


def main() -> None:
    rng = np.random.default_rng(7)
    parent = wuhan_tree()
    n = parent.size
    tree = build_tree(parent)
    days_case = np.where(rng.random(n) < 0.02, rng.integers(0, 14, n), np.inf)
    facts = CertificationFacts.from_arrays(
        days_since_confirmed=days_case,
        unreleased_suspected=(rng.random(n) < 0.005).astype(int),
        unreleased_febrile=(rng.random(n) < 0.005).astype(int),
        unreleased_contacts=(rng.random(n) < 0.01).astype(int) * 3,
        clearance_backlog=(rng.random(n) < 0.005).astype(int),
        days_since_inspection=rng.integers(0, 10, n).astype(float),
    )
    full = []
    for _ in range(30):
        t0 = time.perf_counter()
        cert = certify(tree, facts)
        full.append(time.perf_counter() - t0)
    leaves = np.flatnonzero(tree.is_leaf)
    inc = []
    for leaf in rng.choice(leaves, 300):
        t0 = time.perf_counter()
        recertify(tree, cert, int(leaf), days_since_confirmed=0.0, days_since_inspection=1.0)
        inc.append(time.perf_counter() - t0)
    board = CertificationBoard(tree, cert)
    live = []
    for leaf in rng.choice(leaves, 300):
        t0 = time.perf_counter()
        board.update(int(leaf), days_since_confirmed=0.0, days_since_inspection=1.0)
        live.append(time.perf_counter() - t0)
    f_ms, i_ms = statistics.median(full) * 1e3, statistics.median(inc) * 1e3
    b_ms = statistics.median(live) * 1e3
    print(f"tree: {n:,} nodes, depth {len(tree.by_depth)}, {int(cert.certified.sum()):,} certified")
    print(f"certify (full recompute): median {f_ms:.2f} ms " + target("certify", f_ms, 50, "ms"))
    print(f"recertify (one new case): median {i_ms:.3f} ms " + target("recertify", i_ms, 1, "ms"))
    print(
        f"CertificationBoard.update (in place, O(depth)): median {b_ms:.4f} ms "
        + target("CertificationBoard.update", b_ms, 1, "ms")
    )
    print(
        f"ratio full recompute / recertify (copying): {f_ms / i_ms:.1f}x; "
        f"full recompute / board update: {f_ms / b_ms:.1f}x"
    )


if __name__ == "__main__":
    main()
    finish()
