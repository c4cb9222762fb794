"""The daily rates of the three quantities for the demo city with 300,000 people.

Target: ``do_compute_rates`` (the city and its districts, one pass over the line list)
<= 10 s. Peer: the same counts area by area (one pass per area: what the selector did
before it counted every area in one pass), in the same run on the same database.

    python bench/bench_supervision_rates.py            # both databases
    python bench/bench_supervision_rates.py sqlite     # one
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, setup_django, target
from _communities_db import run_child_isolated
from bench_cases_clearance import PEOPLE, populate


def child(kind: str) -> None:
    setup_django()
    from django.utils import timezone

    from warroom.core.context import SYSTEM
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city
    from warroom.supervision.selectors import rate_counts_by_area
    from warroom.supervision.services import do_compute_rates

    do_load_demo_city()
    populate()
    today = timezone.localdate()
    areas = list(Area.objects.filter(depth__lte=1))
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        n = do_compute_rates(today, actor=SYSTEM)
        seconds.append(time.perf_counter() - start)
    best = min(seconds)
    print(
        f"[{kind}] rates of {n} areas over {PEOPLE:,} people: {best:.2f} s best of 3 "
        f"{target(f'[{kind}] rates', best, 10, 's')}"
    )
    start = time.perf_counter()
    for area in areas:
        rate_counts_by_area([area], today)
    peer = time.perf_counter() - start
    print(f"[{kind}] peer (area by area): {peer:.2f} s; ratio {peer / best:.1f}x")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child_isolated(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
