"""Benchmark: the twin against Covasim (an agent-based peer) at equal population size, 60 days.

Covasim simulates every resident as an agent; the twin keeps susceptible people as counts
per compound. Covasim cannot run Wuhan's 12.3 M people in reasonable time, so it runs at
growing sizes (100k, 250k, 500k, 1M, 2M, ...) until a run would exceed 5 minutes (the
next size is skipped when the last time × the size ratio exceeds it, and a run is killed
at 5 minutes); the twin runs at each same size (scale = size / 12.3 M) and at full scale.
Prints both times and the ratio at equal size. Both pinned to the same 2 cores.

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

ROOT = Path(__file__).resolve().parent.parent
WUHAN = 12_326_518
DAYS = 60


def covasim_once(n: int) -> dict[str, float]:
    import covasim as cv

    t = time.perf_counter()
    # Covasim's default SARS-CoV-2 parameters; "hybrid" = households, schools, work, community.
    sim = cv.Sim(
        pop_size=n,
        n_days=DAYS,
        pop_type="hybrid",
        pop_infected=max(10, n // 10_000),
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
    ap.add_argument("--child", choices=["covasim", "twin"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        fn = covasim_once if args.child == "covasim" else twin_once
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
