"""Benchmark: 8 dispatchers confirming overlapping proposals at once (PostgreSQL).

Figure: confirmations per second with zero over-filled beds and nobody placed twice.
World: 8,000 waiting (critical 300, severe 700, mild 1,500, suspected 1,500, febrile
1,500, contacts 2,500) and 5,000 free beds (ICU 200, SEVERE 600, GENERAL 700, SHELTER
1,000, QUARANTINE 2,500) in 44 facilities. Eight proposals are made first, each over
everyone and every free bed (they overlap entirely); then 40 % of the free beds are
reported taken, so the proposals promise more beds than remain. Eight processes, each
with its own connection, confirm at once a window of their proposal's lines: a quarter
of the people, each window overlapping its neighbours by half, so every person is in
two dispatchers' hands and every facility in all eight, and the beds run out.

Peer: the same eight confirmations one after another in one process (inside a
transaction rolled back afterwards): the ratio is what concurrency buys or costs.

    python bench/bench_dispatch_concurrent.py            # PostgreSQL
    python bench/bench_dispatch_concurrent.py sqlite     # SQLite too (writers queue)
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, target
from _communities_db import run_child_isolated

WORKERS = 8
MIX = {
    ("confirmed", "critical"): 300,
    ("confirmed", "severe"): 700,
    ("confirmed", "mild"): 1_500,
    ("suspected", ""): 1_500,
    ("febrile", ""): 1_500,
    ("contact", ""): 2_500,
}
BEDS = {"ICU": 200, "SEVERE": 600, "GENERAL": 700, "SHELTER": 1_000, "QUARANTINE": 2_500}


class _Rollback(Exception):
    pass


def _worker(proposal_id: int, line_ids: list[int], barrier: object) -> tuple[int, int, float]:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warroom.settings")
    import django

    django.setup()
    from warroom.dispatch.models import Proposal
    from warroom.dispatch.services import do_confirm_proposal

    proposal = Proposal.objects.get(pk=proposal_id)
    barrier.wait()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    done = do_confirm_proposal(proposal, actor=None, line_ids=line_ids)
    elapsed = time.perf_counter() - t0
    if any(not r.refusal or not r.message for r in done.refused):
        raise SystemExit("a refusal without a reason")
    return done.confirmed, len(done.refused), elapsed


def child(kind: str) -> None:
    from _common import setup_django

    setup_django()
    from _dispatch_world import build
    from django.db import transaction
    from django.db.models import Count

    from warroom.beds.models import BedPool
    from warroom.dispatch.models import Placement, ProposalLine
    from warroom.dispatch.services import do_confirm_proposal, do_propose

    build(compounds=2_000, facilities=(10, 4, 30), mix=MIX, beds=BEDS)
    proposals = [do_propose(actor=None) for _ in range(WORKERS)]
    # Meanwhile the facilities report 40 % of the free beds taken: the proposals now
    # promise more beds than there are, and the dispatchers race for the rest.
    from django.db.models import F

    for pool in BedPool.objects.all():
        BedPool.objects.filter(pk=pool.pk).update(
            occupied=F("occupied") + (pool.capacity - pool.occupied) * 2 // 5
        )
    people = sorted(
        ProposalLine.objects.filter(proposal=proposals[0]).values_list("person_id", flat=True)
    )
    n = len(people)
    size = n // 4  # each window: a quarter of the people, sliding by an eighth
    jobs = []
    for k, proposal in enumerate(proposals):
        lo = (k * n) // WORKERS
        window = set(people[lo : lo + size] + people[: max(0, lo + size - n)])
        ids = list(
            ProposalLine.objects.filter(
                proposal=proposal, state="proposed", person_id__in=window
            ).values_list("pk", flat=True)
        )
        jobs.append((proposal.pk, ids))
    lines = sum(len(ids) for _p, ids in jobs)

    t0 = time.perf_counter()
    serial_placed = 0
    try:
        with transaction.atomic():
            for (_pk, ids), proposal in zip(jobs, proposals, strict=True):
                serial_placed += do_confirm_proposal(proposal, actor=None, line_ids=ids).confirmed
            raise _Rollback
    except _Rollback:
        pass
    serial = time.perf_counter() - t0

    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(WORKERS + 1)
        with ctx.Pool(WORKERS) as pool:
            pending = pool.starmap_async(_worker, [(pk, ids, barrier) for pk, ids in jobs])
            barrier.wait()
            t0 = time.perf_counter()
            results = pending.get()
            wall = time.perf_counter() - t0
    placed = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    over = BedPool.objects.filter(occupied__gt=0).extra(where=["occupied > capacity"]).count()
    twice = (
        Placement.objects.filter(ended_at__isnull=True)
        .values("person_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    open_total = Placement.objects.filter(ended_at__isnull=True).count()
    print(
        f"[{kind}] {WORKERS} dispatchers, {lines:,} proposed lines over {n:,} people "
        f"(each in 2 windows), {sum(BEDS.values()):,} free beds"
    )
    print(
        f"[{kind}] concurrent: {placed:,} placed, {refused:,} refused with a reason, "
        f"in {wall:.2f} s: {placed / wall:,.0f} confirmations/s "
        f"({lines / wall:,.0f} lines decided/s); over-filled pools: {over}, "
        f"placed twice: {twice}, open placements {open_total:,} = placed {placed:,}"
    )
    print(
        f"[{kind}] peer, one dispatcher after another: {serial_placed:,} placed in "
        f"{serial:.2f} s: {serial_placed / serial:,.0f} confirmations/s; "
        f"ratio concurrent / serial: {(placed / wall) / (serial_placed / serial):.2f}x"
    )
    print(
        f"[{kind}] over-filled pools {target('over-filled pools', over, 0)}, placed twice "
        f"{target('placed twice', twice, 0)}, open placements not placed "
        f"{target('open placements not placed', abs(open_total - placed), 0)}"
    )


def main() -> None:
    if "--child" in sys.argv:
        child(sys.argv[sys.argv.index("--child") + 1])
        return
    kinds = [a for a in sys.argv[1:] if a in ("sqlite", "postgres")] or ["postgres"]
    for kind in kinds:
        run_child_isolated(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
