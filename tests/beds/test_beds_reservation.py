"""Reserving beds: all or none, never more than the capacity, each refusal explained."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from warroom.beds.models import BedPool, BedReservation
from warroom.beds.services import (
    NoBedsFree,
    OverCapacity,
    do_record_capacity_change,
    do_release_reservation,
    do_reserve_beds,
)
from warroom.core.context import SYSTEM
from warroom.core.errors import Forbidden


@pytest.fixture
def today_shelter(make_facility):
    f = make_facility("ST", "SHELTER", name="今日方舱")
    do_record_capacity_change(
        f,
        bed_type="SHELTER",
        kind="opening",
        delta=10,
        effective=timezone.localdate(),
        actor=SYSTEM,
    )
    return f


@pytest.mark.django_db
def test_reservations_take_beds_until_none_are_free(today_shelter, officer):
    first = do_reserve_beds(today_shelter, "SHELTER", 6, actor=officer, reference="batch 1")
    assert first.free_after == 4
    with pytest.raises(NoBedsFree, match="5 SHELTER bed\\(s\\) asked, 4 free of 10"):
        do_reserve_beds(today_shelter, "SHELTER", 5, actor=officer)
    do_reserve_beds(today_shelter, "SHELTER", 4, actor=officer)
    assert BedPool.objects.get().occupied == 10
    do_release_reservation(first.reservation, actor=officer)
    do_release_reservation(first.reservation, actor=officer)  # twice: released once
    assert BedPool.objects.get().occupied == 4
    assert BedReservation.objects.filter(released_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_an_overfilled_pool(today_shelter):
    do_reserve_beds(today_shelter, "SHELTER", 1, actor=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        BedPool.objects.update(occupied=11)


@pytest.mark.django_db
def test_closing_beds_under_patients_is_refused(today_shelter):
    do_reserve_beds(today_shelter, "SHELTER", 8, actor=SYSTEM)
    with pytest.raises(OverCapacity, match="8 SHELTER beds are taken"):
        do_record_capacity_change(
            today_shelter,
            bed_type="SHELTER",
            kind="closure",
            delta=-5,
            effective=timezone.localdate(),
            actor=SYSTEM,
        )


@pytest.mark.django_db
def test_another_district_cannot_reserve(today_shelter, outsider):
    with pytest.raises(Forbidden):
        do_reserve_beds(today_shelter, "SHELTER", 1, actor=outsider)


def _reserve(facility, beds: int, reference: str):
    """Reserve; on SQLite, wait for the write lock as a file database's busy_timeout does.

    The test database on SQLite is an in-memory shared cache, which answers "table is
    locked" at once instead of waiting; PostgreSQL and a file database wait by themselves.
    """
    while True:
        try:
            return do_reserve_beds(facility, "SHELTER", beds, actor=SYSTEM, reference=reference)
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.001)


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_exceed_capacity(make_facility):
    """Several threads, each on its own database connection, race for 3 pools of 25 beds.

    Run on PostgreSQL (DATABASE_URL) this is the real race: READ COMMITTED, row locks,
    the conditional UPDATE re-checked on the latest row version.
    """
    today = timezone.localdate()
    facilities = []
    for i in range(3):
        f = make_facility(f"C{i}", "SHELTER")
        do_record_capacity_change(
            f, bed_type="SHELTER", kind="opening", delta=25, effective=today, actor=SYSTEM
        )
        facilities.append(f)
    granted: list[tuple[int, int]] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(w: int) -> None:
        try:
            start.wait()
            for k in range(30):
                f = facilities[(w + k) % 3]
                beds = 1 + (w * 7 + k) % 3
                try:
                    done = _reserve(f, beds, f"w{w}")
                    with lock:
                        granted.append((f.pk, beds))
                    assert done.free_after >= 0
                except NoBedsFree as exc:
                    with lock:
                        refused.append(exc.message)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for f in facilities:
        pool = BedPool.objects.get(facility=f)
        taken = sum(b for pk, b in granted if pk == f.pk)
        assert pool.occupied == taken <= pool.capacity == 25
        assert taken >= 23  # nearly full: refusals only when too few beds were left
    assert refused and all("free of 25" in m for m in refused)
    assert BedReservation.objects.count() == len(granted)


@pytest.mark.django_db
def test_a_past_days_free_beds_subtract_the_reservations_held_at_its_cutoff(make_facility):
    # Valid time: a past day's free beds count the beds reservations held at its cut-off
    # (made at or before it, not yet released), read from each reservation's own history;
    # a reservation made or released after the cut-off does not move the past day.
    import datetime as dt

    import time_machine

    from warroom.beds.selectors import balance_on
    from warroom.beds.services import do_report_occupancy
    from warroom.core.today import cutoff_for
    from warroom.core.today import today as platform_today

    day = platform_today() - dt.timedelta(days=1)
    cut = cutoff_for(day)
    f = make_facility("SP", "SHELTER")
    do_record_capacity_change(
        f,
        bed_type="SHELTER",
        kind="opening",
        delta=10,
        effective=day - dt.timedelta(days=3),
        actor=SYSTEM,
    )

    def free_then() -> int:
        return balance_on(day).by_type()["SHELTER"]["free"]

    def at(hours: float):
        return time_machine.travel(cut + dt.timedelta(hours=hours), tick=False)

    with at(-6):
        do_report_occupancy(f, day=day, bed_type="SHELTER", occupied=2, actor=SYSTEM)
        held = do_reserve_beds(f, "SHELTER", 3, actor=SYSTEM, reference="held at the cut-off")
    with at(-5):
        gone = do_reserve_beds(f, "SHELTER", 1, actor=SYSTEM, reference="released before it")
    with at(-4):
        do_release_reservation(gone.reservation, actor=SYSTEM)
    assert free_then() == 10 - 2 - 3
    with at(1):
        do_reserve_beds(f, "SHELTER", 2, actor=SYSTEM, reference="made after the cut-off")
    with at(2):
        do_release_reservation(held.reservation, actor=SYSTEM)
    assert free_then() == 10 - 2 - 3  # after the cut-off: the day does not move
    # the day before: nothing held yet at its cut-off
    assert balance_on(day - dt.timedelta(days=1)).by_type()["SHELTER"]["free"] == 10


@pytest.mark.django_db
def test_a_census_report_keeps_the_beds_reservations_hold(today_shelter):
    # A census counts the people in the beds, not those on their way: the beds held by
    # reservations stay taken in the live pool after a report (today's free beds follow the
    # same definition as a past day's), and releasing them afterwards gives back exactly
    # those beds.
    from warroom.beds.services import do_report_occupancy

    held = do_reserve_beds(today_shelter, "SHELTER", 3, actor=SYSTEM)
    do_report_occupancy(
        today_shelter, day=timezone.localdate(), bed_type="SHELTER", occupied=2, actor=SYSTEM
    )
    assert BedPool.objects.get().occupied == 2 + 3
    do_release_reservation(held.reservation, actor=SYSTEM)
    assert BedPool.objects.get().occupied == 2
