"""The daily cycle on a W1 peak day, the database filled by the twin's outbreak.

Target: <= 30 s on SQLite and on PostgreSQL, with the time of each step. The cycle is
recomputed (``force``) three times on the peak day; each step's median is printed.

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
    from warroom.core.daily import run_daily_cycle
    from warroom.geo.models import Area
    from warroom.surveillance.models import DailyReport

    day, hq = fill(kind)
    city = Area.objects.get(depth=0)
    report = DailyReport.objects.filter(area=city, date=day, source="report").first()
    print(f"[{kind}] peak day {day}: city new confirmed {report and report.new_confirmed}")
    totals, steps = [], {}
    for _ in range(3):
        start = time.perf_counter()
        result = run_daily_cycle(day, actor=hq, force=True)
        totals.append(time.perf_counter() - start)
        for name, seconds, _summary in result.ran:
            steps.setdefault(name, []).append(seconds)
    for name, times in steps.items():
        print(f"[{kind}]   {name:28s} {statistics.median(times):7.2f} s")
    print(
        f"[{kind}] daily cycle: {statistics.median(totals):.2f} s median of 3 "
        f"({', '.join(f'{t:.2f}' for t in totals)}) "
        f"{target(f'[{kind}] daily cycle', statistics.median(totals), 30, 's')}"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
