"""Benchmark: the twin against Covasim (an agent-based peer) at equal population size, 60 days.

Covasim simulates every resident as an agent; the twin keeps susceptible people as counts
per compound. Covasim cannot run Wuhan's 12.3 M people in reasonable time, so it runs at
growing sizes (100k, 250k, 500k, 1M, 2M, ...) until a run would exceed 5 minutes (the
next size is skipped when the last time × the size ratio exceeds it, and a run is killed
at 5 minutes); the twin runs at each same size (scale = size / 12.3 M) and at full scale.
Prints both times and the ratio at equal size. Both pinned to the same 2 cores.

Speed alone says nothing if the models disagree, so the bench also compares their
epidemic sizes: at ``--compare-n`` residents (100,000), both run the same unmitigated
epidemic (the twin with every measure of wuhan-2020 switched off, Covasim with its
defaults, both seeded with the twin's initial infections at that scale) for
``COMPARE_DAYS`` days, long enough to burn out, and the final attack rates (infected /
residents) must agree within ``ATTACK_RATE_TOLERANCE`` (absolute). Exit 1 on a miss.

Covasim is a bench-only peer, not a project dependency. If missing:
    .venv/bin/pip install covasim

    .venv/bin/python bench/bench_twin_covasim.py [--sizes 100000,250000,...] [--limit 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target  # noqa: E402

WUHAN = 12_326_518
DAYS = 60
COMPARE_DAYS = 240  # an unmitigated epidemic at R0 2.7 burns out well within this
ATTACK_RATE_TOLERANCE = 0.15  # |twin - Covasim| final attack rate, absolute


def _unmitigated(n: int, days: int) -> Any:
    """wuhan-2020 at ``n`` residents with every measure switched off."""
    import dataclasses

    from warroom.twin.scenario import load_scenario

    sc = load_scenario("wuhan-2020")
    off = {
        m: dataclasses.replace(getattr(sc, m), enabled=False)
        for m in ("lockdown", "community_closure", "admit_all", "central_isolation")
    }
    return sc.with_overrides(scale=min(1.0, n / WUHAN), days=days, **off)


def covasim_once(n: int, days: int = DAYS, seeds: int | None = None) -> dict[str, float]:
    import covasim as cv

    t = time.perf_counter()
    # Covasim's default SARS-CoV-2 parameters; "hybrid" = households, schools, work, community.
    sim = cv.Sim(
        pop_size=n,
        n_days=days,
        pop_type="hybrid",
        pop_infected=seeds if seeds is not None else max(10, n // 10_000),
        verbose=0,
        rand_seed=1,
    )
    sim.run()
    return {
        "seconds": time.perf_counter() - t,
        "infections": float(sim.results["cum_infections"][-1]),
    }


def twin_once(n: int) -> dict[str, float]:
    from warroom.twin.scenario import load_scenario
    from warroom.twin.sim import Simulation

    sc = load_scenario("wuhan-2020").with_overrides(scale=min(1.0, n / WUHAN), days=DAYS)
    t = time.perf_counter()
    sim = Simulation(sc)
    for _ in range(DAYS):
        sim.step()
    return {"seconds": time.perf_counter() - t, "infections": float(sim.inf.n)}


def attack_rates(n: int) -> dict[str, float]:
    """Final attack rates of the same unmitigated epidemic in both models."""
    from warroom.twin.sim import Simulation

    sc = _unmitigated(n, COMPARE_DAYS)
    sim = Simulation(sc)
    for _ in range(sc.days):
        sim.step()
    twin = sim.inf.n / (sc.scale * WUHAN)
    seeds = max(1, round(sc.initial_infections * sc.scale))
    cov = covasim_once(n, COMPARE_DAYS, seeds)["infections"] / n
    return {"twin": twin, "covasim": cov, "seeds": seeds}


def run_child(kind: str, n: int, limit: float, env: dict[str, str], cores: str) -> dict | None:
    cmd = ["taskset", "-c", cores, sys.executable, __file__, "--child", kind, "--n", str(n)]
    try:
        res = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=limit, check=True
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,250000,500000,1000000,2000000,4000000")
    ap.add_argument("--limit", type=float, default=300.0, help="seconds per Covasim run")
    ap.add_argument("--repeats", type=int, default=3, help="twin repeats (median)")
    ap.add_argument("--compare-n", type=int, default=100_000, help="residents, sizes compared")
    ap.add_argument("--child", choices=["covasim", "twin", "sizes"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        fn = {"covasim": covasim_once, "twin": twin_once, "sizes": attack_rates}[args.child]
        print(json.dumps(fn(args.n)))
        return
    try:
        import covasim  # noqa: F401
    except ImportError:
        sys.exit("Covasim is not installed: .venv/bin/pip install covasim (bench-only peer)")
    env = dict(
        os.environ,
        OMP_NUM_THREADS="2",
        OPENBLAS_NUM_THREADS="2",
        MKL_NUM_THREADS="2",
        NUMBA_NUM_THREADS="2",
        STARSIM_INSTALL_FONTS="0",
    )
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cores = ",".join(map(str, sorted(os.sched_getaffinity(0))[:2]))
    sizes = run_child("sizes", args.compare_n, 4 * args.limit, env, cores)
    if sizes is None:
        sys.exit(f"the epidemic-size comparison did not finish in {4 * args.limit:.0f} s")
    gap = abs(sizes["twin"] - sizes["covasim"])
    print(
        f"  epidemic size, unmitigated, {args.compare_n:,} residents, {COMPARE_DAYS} days, "
        f"{sizes['seeds']:.0f} initial infections: attack rate twin {sizes['twin']:.1%}, "
        f"Covasim {sizes['covasim']:.1%}; gap {gap:.1%} "
        + target("attack rate gap", gap, ATTACK_RATE_TOLERANCE)
    )
    rows = []
    last: tuple[int, float] | None = None
    for n in [int(s) for s in args.sizes.split(",")]:
        if last and last[1] * n / last[0] > args.limit:
            print(
                f"  skip Covasim at {n:,}: predicted {last[1] * n / last[0]:.0f} s > "
                f"{args.limit:.0f} s"
            )
            break
        cov = run_child("covasim", n, args.limit, env, cores)
        if cov is None:
            print(f"  Covasim at {n:,} did not finish in {args.limit:.0f} s")
            break
        tw = [run_child("twin", n, args.limit, env, cores) for _ in range(args.repeats)]
        tw_s = statistics.median(t["seconds"] for t in tw if t)
        rows.append((n, cov["seconds"], tw_s))
        last = (n, cov["seconds"])
        print(
            f"  {n:>10,} residents: Covasim {cov['seconds']:7.1f} s, twin {tw_s:6.2f} s, "
            f"ratio Covasim/twin {cov['seconds'] / tw_s:6.1f}x"
        )
    full = [run_child("twin", WUHAN, args.limit, env, cores) for _ in range(args.repeats)]
    full_s = statistics.median(t["seconds"] for t in full if t)
    n, cov_s, tw_s = rows[-1]
    print(
        f"Largest size Covasim finished within {args.limit:.0f} s: {n:,} residents, "
        f"{cov_s:.1f} s; the twin at that size {tw_s:.2f} s: ratio {cov_s / tw_s:.1f}x "
        f"at equal size ({DAYS} days, 2 cores)."
    )
    print(
        f"Twin at full scale ({WUHAN:,} residents): {full_s:.2f} s; Covasim at full scale "
        f"is out of reach (linear extrapolation ≥ {cov_s * WUHAN / n:,.0f} s; it grew "
        "faster than linearly here)."
    )


if __name__ == "__main__":
    main()
    finish()
