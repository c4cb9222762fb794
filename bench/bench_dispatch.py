"""Benchmark: propose and confirm placements for the W1 peak (DESIGN §5).

Figures: ``do_propose`` (read the waiting people and the free beds, run the exact
allocation, store 20,000 proposal lines) <= 2 s and ``do_confirm_proposal`` of every
line (lock, take the beds with one conditional UPDATE per pool, write 20,000
placements, move 20,000 people in case management in bulk, audit per batch) <= 10 s,
medians of 3 runs on SQLite and PostgreSQL. Each run starts from the same state: it runs
inside a transaction rolled back after the timing (so COMMIT is not in the median); one
last run commits, and its time is printed too. The world: ``_dispatch_world.py``.

Peer: the allocation alone (``allocate_beds`` on the same instance, as
``bench_allocate.py`` times it): the ratio says what the database side costs.

    python bench/bench_dispatch.py [sqlite] [postgres]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, target
from _communities_db import run_child_isolated

RUNS = 3
PROPOSE_TARGET_S = 2.0
CONFIRM_TARGET_S = 10.0


class _Rollback(Exception):
    pass


def child(kind: str) -> None:
    from _common import setup_django

    setup_django()
    from _dispatch_world import build
    from django.db import transaction

    from warroom.dispatch.models import Placement
    from warroom.dispatch.services import do_confirm_proposal, do_propose

    t0 = time.perf_counter()
    world = build()
    print(
        f"[{kind}] world: {world['people']:,} waiting, {world['beds']:,} beds in "
        f"{world['facilities']} facilities (built in {time.perf_counter() - t0:.1f} s)"
    )
    propose_s, confirm_s, placed = [], [], 0
    for _ in range(RUNS):
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                proposal = do_propose(actor=None)
                propose_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                done = do_confirm_proposal(proposal, actor=None)
                confirm_s.append(time.perf_counter() - t0)
                placed = done.confirmed
                raise _Rollback
        except _Rollback:
            pass
    t0 = time.perf_counter()
    proposal = do_propose(actor=None)
    p_commit = time.perf_counter() - t0
    t0 = time.perf_counter()
    done = do_confirm_proposal(proposal, actor=None)
    c_commit = time.perf_counter() - t0
    assert Placement.objects.filter(ended_at__isnull=True).count() == done.confirmed
    p, c = statistics.median(propose_s), statistics.median(confirm_s)
    print(
        f"[{kind}] propose: median {p:.2f} s over {RUNS} runs "
        f"{target(f'[{kind}] propose', p, PROPOSE_TARGET_S, 's')}; "
        f"committed run {p_commit:.2f} s; its own timer {proposal.seconds:.2f} s"
    )
    print(
        f"[{kind}] confirm all {placed:,}: median {c:.2f} s over {RUNS} runs "
        f"{target(f'[{kind}] confirm all', c, CONFIRM_TARGET_S, 's')}; "
        f"committed run {c_commit:.2f} s, {done.confirmed / c_commit:,.0f} placements/s"
    )
    _peer(kind, p)


def _peer(kind: str, propose_median: float) -> None:
    import numpy as np
    from bench_allocate import w1_instance

    from warroom.analytics.allocate import allocate_beds

    area, need, count, wait, beds, dist = w1_instance()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        allocate_beds(area, need, count, wait, beds, dist)
        times.append(time.perf_counter() - t0)
    alone = statistics.median(times)
    print(
        f"[{kind}] peer: allocate_beds alone {alone:.2f} s; propose / allocation alone: "
        f"{propose_median / alone:.1f}x ({int(np.sum(count)):,} people)"
    )


def main() -> None:
    if "--child" in sys.argv:
        child(sys.argv[sys.argv.index("--child") + 1])
        return
    kinds = [a for a in sys.argv[1:] if a in ("sqlite", "postgres")] or ["sqlite", "postgres"]
    for kind in kinds:
        run_child_isolated(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
