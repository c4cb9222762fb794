"""The daily cycle on a W1 peak day, the database filled by the twin's outbreak.

Target (issue 21): <= 2 s on SQLite and on PostgreSQL, with the time of each step. The cycle
is recomputed (``force``) three times on the peak day one step at a time (each step's median
is printed, with its CPU and statements), then three times as the platform runs it (two
steps at once on PostgreSQL: ``WARROOM_CYCLE_WORKERS``), the target's figure; the peers:
the one-at-a-time run, and the figure before issue 21 (4.9 s SQLite, 5.9 s PostgreSQL).

``BENCH_ROOM_REUSE=<sqlite data dir>`` measures on a database filled before (e.g. by
``warroom demo --no-serve --days 45`` with that ``WARROOM_DATA_DIR``) instead of filling a
fresh one (the fill takes many minutes at full scale); ``BENCH_ROOM_REUSE_PG=<database
URL>`` the same on PostgreSQL. ``BENCH_ROOM_DAYS`` names the peak day then (day N of 2020).
Each step's statements are counted too (``execute``/``executemany``; not ``COPY`` rows),
and its CPU time in this process (Python and SQLite; not the PostgreSQL server's): on a
loaded, shared machine the wall clock mostly measures waiting for a core.
``BENCH_ONLY=supervision.signals,situation.briefing`` runs those steps alone.

    python bench/bench_daily_cycle.py            # both databases
    python bench/bench_daily_cycle.py sqlite     # one
    BENCH_ROOM_SCALE=0.2 python bench/bench_daily_cycle.py sqlite   # a quick look
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, run_child, setup_django, target
from _room_db import fill


def child(kind: str) -> None:
    setup_django()
    import datetime as dt
    import os

    from warroom.accounts.models import User
    from warroom.core.daily import run_daily_cycle
    from warroom.geo.models import Area
    from warroom.surveillance.models import DailyReport

    if os.environ.get("BENCH_ROOM_REUSE") or os.environ.get("BENCH_ROOM_REUSE_PG"):
        from _room_db import PEAK_DAYS

        day, hq = (
            dt.date(2020, 1, 1) + dt.timedelta(days=PEAK_DAYS - 1),
            User.objects.get(username="hq"),
        )
    else:
        day, hq = fill(kind)
    city = Area.objects.get(depth=0)
    report = DailyReport.objects.filter(area=city, date=day, source="report").first()
    print(f"[{kind}] peak day {day}: city new confirmed {report and report.new_confirmed}")
    from django.conf import settings
    from django.db import connection

    # BENCH_ONLY=step,step: those steps alone (a look at a few; the target is the cycle's)
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s] or None
    totals, cpus, steps = [], [], {}
    queries: dict[str, int] = {}
    current = [""]
    cpu_steps: dict[str, list[float]] = {}
    cpu_start = [0.0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries[current[0]] = queries.get(current[0], 0) + 1
        return execute(sql, params, many, context)

    def on_step(step, state):  # type: ignore[no-untyped-def]
        if state == "running":
            current[0] = step.name
            queries[step.name] = 0  # the last run's count
            cpu_start[0] = time.process_time()
        elif state == "done":
            cpu_steps.setdefault(step.name, []).append(time.process_time() - cpu_start[0])

    for _ in range(3):  # one step at a time: each step's time, CPU and statements are its own
        start, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            result = run_daily_cycle(
                day, actor=hq, force=True, on_step=on_step, only=only, workers=1
            )
        totals.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        for name, seconds, _summary in result.ran:
            steps.setdefault(name, []).append(seconds)
    for name, times in steps.items():
        print(
            f"[{kind}]   {name:28s} {statistics.median(times):7.2f} s "
            f"(CPU {statistics.median(cpu_steps.get(name, [0.0])):5.2f} s; runs "
            f"{', '.join(f'{t:.2f}' for t in times)}) {queries.get(name, 0):6d} statements"
        )
    print(f"[{kind}] statements per cycle: {sum(queries.values())}")
    # This process's CPU (Python and SQLite; not the PostgreSQL server's): on a shared,
    # loaded machine the wall clock waits for the cores, the CPU time much less so.
    print(
        f"[{kind}] CPU time of this process: {statistics.median(cpus):.2f} s median "
        f"({', '.join(f'{t:.2f}' for t in cpus)})"
    )
    one_by_one = statistics.median(totals)
    print(
        f"[{kind}] daily cycle, one step at a time: {one_by_one:.2f} s median of 3 "
        f"({', '.join(f'{t:.2f}' for t in totals)})"
    )
    # As the platform runs it: WARROOM_CYCLE_WORKERS steps at once on PostgreSQL (the
    # steps' own times overlap there, so only the whole is printed), one by one on SQLite.
    totals = []
    for _ in range(3):
        start = time.perf_counter()
        run_daily_cycle(day, actor=hq, force=True, only=only)
        totals.append(time.perf_counter() - start)
    median = statistics.median(totals)
    print(
        f"[{kind}] daily cycle as run (workers {settings.WARROOM_CYCLE_WORKERS}): "
        f"{median:.2f} s median of 3 ({', '.join(f'{t:.2f}' for t in totals)}); "
        f"x{one_by_one / median:.2f} against one step at a time "
        f"{target(f'[{kind}] daily cycle', median, 2, 's')}"
    )
    before = BEFORE.get(kind)
    if before:
        print(f"[{kind}] peer (before issue 21): {before} s; x{before / median:.2f}")


BEFORE = {"sqlite": 4.9, "postgres": 5.9}  # the W1 peak day's cycle before issue 21


def main() -> None:
    import os

    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    reuse = os.environ.get("BENCH_ROOM_REUSE")
    reuse_pg = os.environ.get("BENCH_ROOM_REUSE_PG")
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        if reuse_pg and kind == "postgres":
            import subprocess

            env = dict(os.environ, DATABASE_URL=reuse_pg, DJANGO_SETTINGS_MODULE="warroom.settings")
            subprocess.run([sys.executable, __file__, "--child", kind], env=env, check=False)
            continue
        if reuse and kind == "sqlite":
            import subprocess

            env = dict(
                os.environ, WARROOM_DATA_DIR=reuse, DJANGO_SETTINGS_MODULE="warroom.settings"
            )
            env.pop("DATABASE_URL", None)
            subprocess.run([sys.executable, __file__, "--child", kind], env=env, check=False)
            continue
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
