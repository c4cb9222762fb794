"""A database filled by the twin's outbreak up to the W1 peak, for the situation-room benches.

The wuhan-2020 scenario at full scale (a city of 11 million) fed day by day through the
platform (``warroom.demo.feed.do_feed_twin``: the line lists, lab results and reports
imported, the platform's dispatch placing whoever waits, the daily cycle run each day) until
``PEAK_DAYS``: the peak of daily new confirmed (W1).
"""

from __future__ import annotations

import os
import time
from typing import Any

# Days from 2020-01-01 to the scenario's peak of new confirmed (~2,000/day, W1).
PEAK_DAYS = int(os.environ.get("BENCH_ROOM_DAYS", "45"))
SCALE = float(os.environ.get("BENCH_ROOM_SCALE", "1.0"))


def fill(kind: str) -> Any:
    """Load the demo city, facilities and users, feed the twin; return (peak day, hq)."""
    from warroom.accounts.models import User
    from warroom.beds.imports import do_load_demo_facilities
    from warroom.cli import ensure_demo_users
    from warroom.demo.dispatch import platform_dispatcher
    from warroom.demo.feed import do_feed_twin
    from warroom.geo.services import do_load_demo_city

    start = time.perf_counter()
    do_load_demo_city()
    do_load_demo_facilities(scale=SCALE)
    ensure_demo_users()
    hq = User.objects.get(username="hq")
    fed = do_feed_twin(
        "wuhan-2020",
        actor=hq,
        scale=SCALE,
        days=PEAK_DAYS,
        dispatcher=platform_dispatcher(hq),  # as `make demo`: the platform places the waiting
    )
    print(
        f"[{kind}] twin fed: {fed.days} days to {fed.last_day} at scale {SCALE} "
        f"({fed.rows:,} report rows) in {time.perf_counter() - start:.0f} s"
    )
    return fed.last_day, hq
