"""Bed reservations under contention: 8 workers reserving overlapping beds at once.

Figure: reservations per second with zero over-filled beds, on PostgreSQL (the
production database; pass ``sqlite`` to run it on the embedded one too). Each worker is
a thread with its own database connection, reserving 1-3 beds at a time in facilities
drawn from the same small set, until every bed is taken.

Peer: the naive read-check-write (read the free count, then write occupied + n) run the
same way against fresh pools, which is what the CHECK constraint and the conditional
UPDATE exist to prevent; its over-filled count is printed next to ours (it runs with the
CHECK temporarily dropped, so the over-filling shows instead of failing).

    python bench/bench_beds_reserve.py              # PostgreSQL
    python bench/bench_beds_reserve.py sqlite postgres
"""

from __future__ import annotations

import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, run_child, setup_django, target

WORKERS = 8
FACILITIES = 12
BEDS = 200  # per facility: 2,400 beds to fill


def _setup(tag: str) -> list[object]:
    from django.utils import timezone

    from warroom.beds.services import do_create_facility, do_record_capacity_change
    from warroom.geo.models import Area

    city = Area.objects.filter(parent__isnull=True).first()
    if city is None:
        city = Area.objects.create(
            code="9901", level="city", name_zh="测试市", path="/9901/", depth=0
        )
    out = []
    for i in range(FACILITIES):
        f = do_create_facility(
            code=f"{tag}{i:03d}", name=f"bench {tag}{i}", kind="SHELTER", area=city, actor=None
        )
        do_record_capacity_change(
            f,
            bed_type="SHELTER",
            kind="opening",
            delta=BEDS,
            effective=timezone.localdate(),
            actor=None,
        )
        out.append(f)
    return out


def _race(reserve, facilities: list[object]) -> tuple[int, int, int, float]:
    from django.db import connection

    granted = [0] * WORKERS
    beds = [0] * WORKERS
    refused = [0] * WORKERS
    barrier = threading.Barrier(WORKERS + 1)

    def worker(w: int) -> None:
        rng = random.Random(w)
        open_ = list(facilities)
        try:
            barrier.wait()
            while open_:
                f = rng.choice(open_)
                n = rng.randint(1, 3)
                if reserve(f, n):
                    granted[w] += 1
                    beds[w] += n
                else:
                    refused[w] += 1
                    if n == 1:  # not even one bed: this facility is full
                        open_.remove(f)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return sum(granted), sum(beds), sum(refused), time.perf_counter() - start


def child(kind: str) -> None:
    setup_django()
    from django.db import connection
    from django.db.models import F

    from warroom.beds.models import BedPool, BedReservation
    from warroom.beds.services import NoBedsFree, do_reserve_beds

    def ours(f: object, n: int) -> bool:
        while True:
            try:
                do_reserve_beds(f, "SHELTER", n, actor=None, reference="bench")
                return True
            except NoBedsFree:
                return False

    facilities = _setup("A")
    granted, beds, refused, seconds = _race(ours, facilities)
    pools = BedPool.objects.filter(facility__in=facilities)
    over = sum(max(0, p.occupied - p.capacity) for p in pools)
    taken = sum(p.occupied for p in pools)
    assert taken == beds, f"pools say {taken} beds taken, workers were granted {beds}"
    print(
        f"[{kind}] ours: {granted} reservations ({beds} beds of {FACILITIES * BEDS}) in "
        f"{seconds:.2f} s = {granted / seconds:.0f} reservations/s; {refused} refused; "
        f"over-filled beds: {over} {target(f'[{kind}] over-filled beds', over, 0)}"
    )

    # The peer: read, check in Python, write — without the database as the judge.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE beds_bedpool DROP CONSTRAINT beds_pool_never_overfilled")
    peers = _setup("B")

    def naive(f: object, n: int) -> bool:
        from django.db import transaction

        with transaction.atomic():
            pool = BedPool.objects.get(facility=f, bed_type="SHELTER")
            if pool.capacity - pool.occupied < n:
                return False
            time.sleep(0)  # yield, as any real request would between read and write
            BedPool.objects.filter(pk=pool.pk).update(occupied=pool.occupied + n)
            BedReservation(facility=f, bed_type="SHELTER", beds=n, reference="peer").save()
            return True

    p_granted, p_beds, _, p_seconds = _race(naive, peers)
    p_pools = BedPool.objects.filter(facility__in=peers)
    p_taken = sum(p.occupied for p in p_pools)
    print(
        f"[{kind}] peer (read-check-write): {p_granted} reservations granted for "
        f"{p_beds} beds but only {p_taken} counted (lost updates: {p_beds - p_taken} "
        f"beds promised twice) in {p_seconds:.2f} s = {p_granted / p_seconds:.0f}/s; "
        f"ratio ours/peer throughput {(granted / seconds) / (p_granted / p_seconds):.2f}"
    )
    BedPool.objects.filter(facility__in=peers).update(occupied=F("capacity"))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    kinds = sys.argv[1:] or ["postgres"]
    for kind in kinds:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
