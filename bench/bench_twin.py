"""Benchmark: the twin at full scale (W1: Wuhan, 12.3 M residents, 7,100 compounds), 60 days.

Targets (issue): ≤ 60 s and ≤ 4 GB peak memory on 2 cores, no database. Each repeat runs
in a fresh process pinned to 2 cores (peak RSS measured per process); prints the median
wall time, the peak memory, the cost of the most expensive day and of the peak day, the
peak day's record counts against the W1 reference workload (DESIGN §5), and the time to
write every CSV (not part of the 60 s target: the platform feed reads records in memory).

    .venv/bin/python bench/bench_twin.py [--repeats 3] [--days 60]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target  # noqa: E402

W1 = {  # DESIGN §5: the reference workload's peak day
    "new_confirmed": 2_000,
    "new_suspected": 4_000,
    "new_febrile": 10_000,
    "new_contacts": 20_000,
    "tests": 50_000,
    "appeals": 5_000,
}


def once(days: int, write_csv: bool) -> dict[str, object]:
    import resource

    import numpy as np

    from warroom.twin.scenario import load_scenario
    from warroom.twin.sim import Simulation

    sc = load_scenario("wuhan-2020").with_overrides(scale=1.0, days=days)
    t0 = time.perf_counter()
    sim = Simulation(sc)
    setup = time.perf_counter() - t0
    day_times, recs = [], []
    for _ in range(days):
        t = time.perf_counter()
        rec = sim.step()
        day_times.append(time.perf_counter() - t)
        recs.append(rec)
    total = time.perf_counter() - t0
    nc = np.array([r.report[0]["new_confirmed"] for r in recs])
    peak = int(np.argmax(nc))
    pr = recs[peak]
    city = pr.report[0]
    out: dict[str, object] = {
        "total_s": total,
        "setup_s": setup,
        "peak_day": str(pr.date),
        "peak_day_s": day_times[peak],
        "max_day_s": max(day_times),
        "max_day": str(recs[int(np.argmax(day_times))].date),
        "counts": {
            "new_confirmed": int(city["new_confirmed"]),
            "new_suspected": int(city["new_suspected"]),
            "new_febrile": int(city["new_febrile"]),
            "new_contacts": int(city["new_contacts"]),
            "tests": int(pr.samples.size),
            "appeals": int(pr.appeals.size),
        },
        "compounds": int((sim.city.area_level == "compound").sum()),
        "patches": sim.n_patch,
        "residents": sim.city.population,
        "facilities": len(sim.facilities),
        "people_records": sim.per.n,
        "infections": sim.inf.n,
    }
    if write_csv:
        import tempfile

        from warroom.twin.export import write_run
        from warroom.twin.report import CitySeries
        from warroom.twin.runner import RunResult

        result = RunResult(sim, recs, CitySeries.from_days(recs, [(0, 0)] * len(recs)))
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            write_run(result, Path(tmp))
        out["csv_s"] = time.perf_counter() - t
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--csv", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.once:
        print(json.dumps(once(args.days, args.csv)))
        return
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cores = sorted(os.sched_getaffinity(0))[:2]
    runs = []
    for i in range(args.repeats):
        cmd = [
            "taskset",
            "-c",
            ",".join(map(str, cores)),
            sys.executable,
            __file__,
            "--once",
            "--days",
            str(args.days),
        ] + (["--csv"] if i == 0 else [])
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    r0 = runs[0]
    med = statistics.median(r["total_s"] for r in runs)
    mem = max(r["maxrss_mb"] for r in runs)
    print(
        f"twin W1 full scale: {r0['residents']:,} residents, {r0['compounds']:,} compounds "
        f"({r0['patches']:,} patches with villages), {r0['facilities']} facilities, "
        f"{args.days} days, 2 cores {cores}"
    )
    print(
        f"  wall time median of {len(runs)}: {med:.2f} s  {target('twin run', med, 60, 's')} "
        + "(runs: "
        + ", ".join(f"{r['total_s']:.2f}" for r in runs)
        + ")"
    )
    print(f"  peak memory: {mem:,.0f} MB  " + target("peak memory", mem, 4096, "MB"))
    print(f"  set-up (city, facilities): {statistics.median(r['setup_s'] for r in runs):.2f} s")
    peak_ms = statistics.median(r["peak_day_s"] for r in runs) * 1000
    print(
        f"  peak day {r0['peak_day']}: {peak_ms:.0f}"
        f" ms; most expensive day {r0['max_day']}: "
        f"{statistics.median(r['max_day_s'] for r in runs) * 1000:.0f} ms"
    )
    print(f"  records: {r0['people_records']:,} people, {r0['infections']:,} infections (truth)")
    print(
        "  peak-day counts vs W1 reference: "
        + ", ".join(f"{k} {v:,} (W1 {W1[k]:,})" for k, v in r0["counts"].items())
    )
    print(f"  writing every CSV (first run only, not in the target): {r0['csv_s']:.1f} s")
    print("  peer: Covasim at equal size → bench/bench_twin_covasim.py")


if __name__ == "__main__":
    main()
    finish()
