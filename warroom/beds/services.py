"""Changing beds: facilities, capacity history, occupancy reports, reservations, balance.

Every write is a ``do_<verb>_<noun>(..., *, actor)`` in one transaction. Capacity is a
history: a change is appended, never edited, and the capacity on any day is derived
from it (:func:`warroom.beds.selectors.capacity_on`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Least
from django.utils import timezone

from warroom.beds import selectors
from warroom.beds.models import (
    BED_TYPE_ORDER,
    KIND_BED_TYPES,
    BedBalance,
    BedPool,
    BedReport,
    BedReservation,
    CapacityChange,
    ChangeKind,
    Facility,
    FacilityStatus,
)
from warroom.core import bulk
from warroom.core.context import is_system
from warroom.core.errors import Conflict, Forbidden, InvalidInput, WarroomError
from warroom.core.scoping import in_scope
from warroom.core.today import today as platform_today


class OverCapacity(WarroomError):
    code = "over_capacity"
    status = 409


class NoBedsFree(WarroomError):
    code = "no_beds_free"
    status = 409


def _can_change(actor: Any, facility: Facility) -> None:
    if is_system(actor):  # the CLI, the daily cycle, the demo
        return
    if not actor.can("change") or not in_scope(actor, facility.area.path):
        raise Forbidden("you may not change this facility")


def _check_bed_type(facility: Facility, bed_type: str) -> None:
    if bed_type not in BED_TYPE_ORDER:
        raise InvalidInput(f"unknown bed type {bed_type!r}; use one of {', '.join(BED_TYPE_ORDER)}")
    if bed_type not in KIND_BED_TYPES[facility.kind]:
        raise InvalidInput(
            f"a {facility.get_kind_display()} has no {bed_type} beds "
            f"(it has {', '.join(KIND_BED_TYPES[facility.kind])})"
        )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --- facilities -------------------------------------------------------------------------

FACILITY_FIELDS = (
    "name",
    "kind",
    "operator",
    "area",
    "lat",
    "lon",
    "contact_name",
    "contact_phone",
    "status",
    "opened_on",
    "closing_on",
    "closed_on",
    "doctors",
    "nurses",
    "other_staff",
    "synthetic",
    "source",
    "notes",
)


def do_create_facility(*, code: str, actor: Any, **fields: Any) -> Facility:
    """Add a facility (no beds yet: beds come as capacity changes)."""
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown facility field(s): {', '.join(sorted(unknown))}")
    facility = Facility(code=code, **fields)
    _can_change(actor, facility)
    with transaction.atomic():
        if Facility.objects.filter(code=code).exists():
            raise Conflict(f"a facility with code {code!r} already exists")
        facility.save()
    return facility


def do_update_facility(facility: Facility, *, actor: Any, **fields: Any) -> Facility:
    """Change a facility's details or status (its beds change through capacity changes)."""
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown facility field(s): {', '.join(sorted(unknown))}")
    _can_change(actor, facility)
    if "area" in fields:
        _can_change(actor, Facility(area=fields["area"]))
    changed = [k for k, v in fields.items() if getattr(facility, k) != v]
    if not changed:
        return facility
    with transaction.atomic():
        for k in changed:
            setattr(facility, k, fields[k])
        facility.save(update_fields=[("area" if k == "area" else k) for k in changed])
    return facility


def do_set_facility_status(
    facility: Facility, status: str, *, day: dt.date, actor: Any
) -> Facility:
    """Move a facility to ``status`` on ``day`` (preparing → open → closing → closed)."""
    if status not in FacilityStatus.values:
        raise InvalidInput(f"unknown status {status!r}")
    fields: dict[str, Any] = {"status": status}
    if status == "open" and facility.opened_on is None:
        fields["opened_on"] = day
    elif status == "closing":
        fields["closing_on"] = day
    elif status == "closed":
        if facility.opened_on is not None and day < facility.opened_on:
            raise InvalidInput(
                f"{facility.name} opened on {facility.opened_on}; it cannot close before"
            )
        fields["closed_on"] = day
    return do_update_facility(facility, actor=actor, **fields)


# --- capacity history -------------------------------------------------------------------


def _level(facility: Facility, bed_type: str, day: dt.date, *, schedule: bool = False) -> int:
    return selectors.capacity_on(day, facility_ids=[facility.pk], schedule=schedule).get(
        (facility.pk, bed_type), 0
    )


def _check_never_negative(facility: Facility, bed_type: str) -> None:
    """Refuse a history under which the facility would have fewer than 0 beds on some day."""
    level = 0
    changes = (
        CapacityChange.objects.filter(facility=facility, bed_type=bed_type)
        .exclude(kind="planned")
        .order_by("effective")
        .values_list("effective", "delta")
    )
    by_day: dict[dt.date, int] = {}
    for day, delta in changes:
        by_day[day] = by_day.get(day, 0) + delta
    for day in sorted(by_day):
        level += by_day[day]
        if level < 0:
            raise InvalidInput(
                f"{facility.name} would have {level} {bed_type} beds on {day}: "
                "a closure cannot remove more beds than are open"
            )


def do_record_capacity_change(
    facility: Facility,
    *,
    bed_type: str,
    kind: str,
    effective: dt.date,
    actor: Any,
    delta: int | None = None,
    level: int | None = None,
    note: str = "",
    realises: CapacityChange | None = None,
) -> CapacityChange:
    """Append one change to a facility's capacity history.

    Give either ``delta`` (signed beds) or ``level`` (the new number of beds of that type
    from ``effective``; the delta is computed from the history). Openings and planned
    openings add beds, closures remove them; a conversion may do either (use
    :func:`do_convert_beds` to move beds between types). Nothing is ever overwritten.
    """
    _can_change(actor, facility)
    _check_bed_type(facility, bed_type)
    if kind not in ChangeKind.values:
        raise InvalidInput(f"unknown kind of change {kind!r}")
    if (delta is None) == (level is None):
        raise InvalidInput("give either the change in beds or the new level, not both")
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).first()  # one writer
        if level is not None:
            if level < 0:
                raise InvalidInput("the new level cannot be negative")
            current = _level(facility, bed_type, effective, schedule=kind == "planned")
            delta = level - current
            if delta == 0:
                raise InvalidInput(
                    f"{facility.name} already has {level} {bed_type} beds on {effective}"
                )
        assert delta is not None
        if delta == 0:
            raise InvalidInput("a change of 0 beds changes nothing")
        if kind in ("opening", "planned") and delta < 0:
            raise InvalidInput("an opening adds beds; record a closure to remove them")
        if kind == "closure" and delta > 0:
            raise InvalidInput("a closure removes beds; record an opening to add them")
        if realises is not None:
            if kind != "opening":
                raise InvalidInput("only an actual opening realises a planned one")
            if realises.facility_id != facility.pk or realises.bed_type != bed_type:
                raise InvalidInput("the planned opening is for another facility or bed type")
            if realises.kind != "planned":
                raise InvalidInput("only a planned opening can be realised")
            if CapacityChange.objects.filter(realises=realises).exists():
                raise Conflict("this planned opening was already realised")
        change = CapacityChange(
            facility=facility,
            bed_type=bed_type,
            kind=kind,
            delta=delta,
            level=level,
            effective=effective,
            note=note,
            realises=realises,
            actor=_user(actor),
        )
        change.save()
        if kind != "planned":
            _check_never_negative(facility, bed_type)
            _apply_to_pool(facility, bed_type, delta, effective)
    return change


def do_convert_beds(
    facility: Facility,
    *,
    from_type: str,
    to_type: str,
    beds: int,
    effective: dt.date,
    actor: Any,
    note: str = "",
) -> tuple[CapacityChange, CapacityChange]:
    """Convert ``beds`` beds of one type into another (two changes, one transaction)."""
    if beds <= 0:
        raise InvalidInput("convert at least one bed")
    if from_type == to_type:
        raise InvalidInput("a conversion needs two different bed types")
    with transaction.atomic():
        out = do_record_capacity_change(
            facility,
            bed_type=from_type,
            kind="conversion",
            delta=-beds,
            effective=effective,
            actor=actor,
            note=note,
        )
        into = do_record_capacity_change(
            facility,
            bed_type=to_type,
            kind="conversion",
            delta=beds,
            effective=effective,
            actor=actor,
            note=note,
        )
    return out, into


def do_plan_opening(
    facility: Facility,
    *,
    bed_type: str,
    beds: int,
    effective: dt.date,
    actor: Any,
    note: str = "",
) -> CapacityChange:
    """A planned opening: part of the capacity schedule the plan uses, not yet beds."""
    return do_record_capacity_change(
        facility,
        bed_type=bed_type,
        kind="planned",
        delta=beds,
        effective=effective,
        actor=actor,
        note=note,
    )


def do_realise_opening(
    planned: CapacityChange, *, effective: dt.date, actor: Any, beds: int | None = None
) -> CapacityChange:
    """The planned beds opened (all of them, or ``beds``): an actual opening replaces it."""
    return do_record_capacity_change(
        planned.facility,
        bed_type=planned.bed_type,
        kind="opening",
        delta=beds if beds is not None else planned.delta,
        effective=effective,
        actor=actor,
        note=planned.note,
        realises=planned,
    )


# --- the live pool: where "no bed is filled twice" is decided ---------------------------


def pool_day() -> dt.date:
    return platform_today()


def _pool(facility: Facility, bed_type: str) -> BedPool:
    pool = BedPool.objects.filter(facility=facility, bed_type=bed_type).first()
    if pool is not None:
        return pool
    capacity = _level(facility, bed_type, pool_day())
    try:
        with transaction.atomic():
            return BedPool.objects.create(facility=facility, bed_type=bed_type, capacity=capacity)
    except IntegrityError:  # created by a concurrent writer meanwhile
        return BedPool.objects.get(facility=facility, bed_type=bed_type)


def _apply_to_pool(facility: Facility, bed_type: str, delta: int, effective: dt.date) -> None:
    if effective > pool_day():
        return  # a future change reaches the pool on its day (daily step beds.pools)
    existed = BedPool.objects.filter(facility=facility, bed_type=bed_type).exists()
    pool = _pool(facility, bed_type)
    if not existed:
        return  # just created from the history, which already holds this change
    updated = BedPool.objects.filter(
        pk=pool.pk, occupied__lte=F("capacity") + delta, capacity__gte=-delta
    ).update(capacity=F("capacity") + delta)
    if not updated:
        pool.refresh_from_db()
        raise OverCapacity(
            f"{facility.name}: {pool.occupied} {bed_type} beds are taken; closing {-delta} "
            f"of {pool.capacity} would leave fewer beds than patients. Discharge or "
            "transfer them first."
        )


def ensure_pools(day: dt.date | None = None) -> int:
    """Create the missing live pools of the facilities that have beds on ``day`` (today).

    Existing pools are left alone (the daily step ``beds.pools`` aligns capacities); this
    only makes sure that every bed in the history can be counted before a placement.
    """
    day = day or pool_day()
    levels = selectors.capacity_on(day)
    existing = set(BedPool.objects.values_list("facility_id", "bed_type"))
    missing = [
        BedPool(facility_id=fid, bed_type=t, capacity=n)
        for (fid, t), n in levels.items()
        if (fid, t) not in existing and n > 0
    ]
    if missing:
        BedPool.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def do_sync_pools(day: dt.date | None = None) -> str:
    """Set every pool's capacity to the history's level on ``day`` (the daily step).

    A pool whose occupied beds exceed the new level keeps its beds until they empty (the
    CHECK forbids fewer beds than patients); the summary names how many are in that case.
    """
    day = day or pool_day()
    levels = selectors.capacity_on(day)
    held = 0
    with transaction.atomic():
        pools = {(p.facility_id, p.bed_type): p for p in BedPool.objects.select_for_update()}
        for key, level in levels.items():
            if key not in pools:
                pools[key] = BedPool.objects.create(
                    facility_id=key[0], bed_type=key[1], capacity=level
                )
        changed = []
        for key, pool in pools.items():
            level = levels.get(key, 0)
            if pool.capacity != level:
                if pool.occupied > level:
                    held += 1
                    level = pool.occupied
                pool.capacity = level
                changed.append(pool)
        # The new capacities in one statement a block, not one UPDATE a pool.
        bulk.update_rows(BedPool, changed, ["capacity"])
    return f"{len(pools)} pools at {day}" + (f", {held} closing with patients" if held else "")


@dataclass(frozen=True)
class Reservation:
    reservation: BedReservation
    free_after: int


def do_reserve_beds(
    facility: Facility,
    bed_type: str,
    beds: int,
    *,
    actor: Any,
    reference: str = "",
) -> Reservation:
    """Take ``beds`` beds of ``bed_type`` in ``facility`` at once, or none.

    One conditional UPDATE on the pool row (``occupied + beds <= capacity``) decides:
    of two concurrent reservations for the last bed, exactly one succeeds, on SQLite and
    PostgreSQL alike; the other is refused with the number of beds still free. This is
    the primitive dispatch builds placements on (docs/beds.md).
    """
    _can_change(actor, facility)
    _check_bed_type(facility, bed_type)
    if beds <= 0:
        raise InvalidInput("reserve at least one bed")
    with transaction.atomic():
        pool = _pool(facility, bed_type)
        taken = BedPool.objects.filter(pk=pool.pk, occupied__lte=F("capacity") - beds).update(
            occupied=F("occupied") + beds
        )
        pool.refresh_from_db()
        if not taken:
            raise NoBedsFree(
                f"{facility.name}: {beds} {bed_type} bed(s) asked, {pool.free} free of "
                f"{pool.capacity} ({pool.occupied} taken)",
                details={"asked": beds, "free": pool.free, "capacity": pool.capacity},
            )
        reservation = BedReservation(
            facility=facility,
            bed_type=bed_type,
            beds=beds,
            reference=reference,
            actor=_user(actor),
        )
        reservation.save()
    return Reservation(reservation, pool.free)


def do_release_reservation(reservation: BedReservation, *, actor: Any) -> BedReservation:
    """Give the beds of a reservation back (idempotent: a released one stays released)."""
    _can_change(actor, reservation.facility)
    with transaction.atomic():
        locked = BedReservation.objects.select_for_update().get(pk=reservation.pk)
        if locked.released_at is not None:
            return locked
        BedPool.objects.filter(
            facility_id=locked.facility_id, bed_type=locked.bed_type, occupied__gte=locked.beds
        ).update(occupied=F("occupied") - locked.beds)
        locked.released_at = timezone.now()
        locked.save(update_fields=["released_at"])
    return locked


# --- occupancy reports ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    report: BedReport
    created: bool


def do_report_occupancy(
    facility: Facility,
    *,
    day: dt.date,
    bed_type: str,
    occupied: int,
    actor: Any,
    free: int | None = None,
    source: str = "web",
) -> ReportResult:
    """Record a facility's occupied beds of one type on ``day``; a later report replaces it.

    Refused when ``occupied`` exceeds the capacity on that day (from the history), and
    when ``free`` is given and does not add up with it.
    """
    _can_change(actor, facility)
    _check_bed_type(facility, bed_type)
    if occupied < 0 or (free is not None and free < 0):
        raise InvalidInput("occupied and free beds cannot be negative")
    if day > platform_today():
        raise InvalidInput(f"{day} is in the future: report what is, not what will be")
    with transaction.atomic():
        capacity = _level(facility, bed_type, day)
        if occupied > capacity:
            raise OverCapacity(
                f"{facility.name} has {capacity} {bed_type} beds on {day}; {occupied} occupied "
                "is more than it has. Record the opening of the extra beds first.",
                details={"capacity": capacity, "occupied": occupied},
            )
        if free is not None and free != capacity - occupied:
            raise InvalidInput(
                f"{occupied} occupied + {free} free = {occupied + free}, but {facility.name} "
                f"has {capacity} {bed_type} beds on {day}",
                details={"capacity": capacity, "occupied": occupied, "free": free},
            )
        report = (
            BedReport.objects.select_for_update()
            .filter(facility=facility, date=day, bed_type=bed_type)
            .first()
        )
        created = report is None
        values = {
            "occupied": occupied,
            "free": capacity - occupied,
            "capacity": capacity,
            "source": source,
            "reporter": _user(actor),
        }
        if report is None:
            report = BedReport(facility=facility, date=day, bed_type=bed_type, **values)
            report.save()
        else:
            for k, v in values.items():
                setattr(report, k, v)
            report.save(update_fields=[*values, "reported_at"])
        if day == pool_day():
            # The census counts the people in the beds; the beds reservations hold for
            # people on their way are in no census and stay taken (the same definition as
            # a past day's free beds: census + moves + reservations held, selectors).
            pool = _pool(facility, bed_type)
            held = (
                BedReservation.objects.filter(
                    facility=facility, bed_type=bed_type, released_at__isnull=True
                ).aggregate(n=Sum("beds"))["n"]
                or 0
            )
            BedPool.objects.filter(pk=pool.pk, capacity__gte=occupied).update(
                occupied=Least(occupied + held, F("capacity"))
            )
    return ReportResult(report, created)


# --- bed balance (the daily step) -------------------------------------------------------


def do_compute_bed_balance(day: dt.date) -> str:
    """Store the bed balance of ``day`` per district and bed type (replaces the day's rows).

    Free beds come from the capacity history and the latest reports; waiting people from
    the registered waiting providers (case management). Without a provider, waiting and
    balance are stored empty: unknown, not zero.
    """
    result = selectors.balance_on(day)
    rows = [
        BedBalance(
            day=day,
            area_id=r.area_id,
            bed_type=r.bed_type,
            capacity=r.capacity,
            occupied=r.occupied,
            free=r.free,
            waiting=r.waiting,
            balance=r.balance,
        )
        for r in result.rows
    ]
    with transaction.atomic():
        BedBalance.objects.filter(day=day).delete()
        BedBalance.objects.bulk_create(rows)
    if not result.case_data:
        return f"{len(rows)} district × type rows; no case data (waiting unknown)"
    short = sum(1 for r in rows if r.balance is not None and r.balance < 0)
    return f"{len(rows)} district × type rows; {short} with patients waiting for beds"


def register_daily_steps() -> None:
    from warroom.core.daily import register_step

    register_step("beds.pools", do_sync_pools, label="beds: live pools")
    register_step(
        "beds.balance",
        do_compute_bed_balance,
        after=["beds.pools"],
        # the waiting people read from the states kept at the cut-off (case management)
        after_if_present=["cases.states"],
        label="beds: bed balance",
    )
