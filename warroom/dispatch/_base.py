"""Who may dispatch, and the locks every section takes: people, open placements, bed
pools.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F

from warroom.analytics.allocate import (
    steps_above_need,
)
from warroom.analytics.vocabulary import HOSPITAL_BED_TYPES
from warroom.beds.models import BED_TYPE_ORDER, BedPool, Facility
from warroom.beds.selectors import open_to_admissions
from warroom.beds.services import pool_day
from warroom.cases.models import Person
from warroom.cases.services import (
    STATE_FIELDS,
)
from warroom.core import bulk
from warroom.core.context import is_system
from warroom.core.errors import Forbidden
from warroom.dispatch.models import (
    Placement,
)

HOSPITAL_TYPES = HOSPITAL_BED_TYPES
# What a placement reads and writes of a person (a partial load also skips the audit
# snapshot the full model takes on load: 20,000 of them cost seconds).
LOCKED_FIELDS = ("pk", "version", "merged_into", "home", "name", *STATE_FIELDS)


# --- who may dispatch -------------------------------------------------------------------


def can_dispatch(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.can("dispatch"))


def _check_dispatcher(actor: Any) -> None:
    if is_system(actor):  # the demo feed, the CLI
        return
    if not can_dispatch(actor):
        raise Forbidden("your role may not dispatch patients to beds")


def people_of(actor: Any) -> Any:
    """The people ``actor`` dispatches: his subtree (everyone for the system)."""
    if is_system(actor):
        return Person.objects.all()
    if not can_dispatch(actor):
        return Person.objects.none()
    return Person.objects.restrict(actor, "change")


def facilities_of(actor: Any, day: dt.date | None = None) -> Any:
    """The facilities whose beds ``actor`` fills: those of his subtree that take
    admissions on ``day`` (the pools' day: today by default)."""
    return Facility.objects.restrict(actor, "view").filter(open_to_admissions(day or pool_day()))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _lock_people(ids: list[int]) -> dict[int, Person]:
    """The people ``ids`` locked for this transaction (by primary key: no deadlock)."""
    if not ids:
        return {}
    # One statement (a temporary table of the ids past 5,000), rows locked in key order;
    # the instances are what ``.only(*LOCKED_FIELDS)`` makes, without ``from_db`` per row.
    with bulk.among(ids, integer=True) as keys:
        people = bulk.loaded(
            Person.objects.select_for_update().filter(pk__in=keys).order_by("pk"),
            LOCKED_FIELDS,
        )
    return {p.pk: p for p in people}


def _open_placements(person_ids: list[int]) -> dict[int, Placement]:
    if not person_ids:
        return {}
    with bulk.among(person_ids, integer=True) as keys:
        held = bulk.loaded(Placement.objects.filter(person_id__in=keys, ended_at__isnull=True))
    return {pl.person_id: pl for pl in held}


def _lock_pools(keys: set[tuple[int, str]]) -> dict[tuple[int, str], BedPool]:
    facility_ids = sorted({f for f, _ in keys})
    out: dict[tuple[int, str], BedPool] = {}
    for chunk in bulk.chunks(facility_ids):
        for pool in (
            BedPool.objects.select_for_update().filter(facility_id__in=chunk).order_by("pk")
        ):
            if (pool.facility_id, pool.bed_type) in keys:
                out[(pool.facility_id, pool.bed_type)] = pool
    return out


def _take(pool: BedPool, n: int) -> int:
    """Take up to ``n`` beds of ``pool`` (locked): one conditional UPDATE. Returns taken."""
    n = min(n, pool.capacity - pool.occupied)
    if n <= 0:
        return 0
    updated = BedPool.objects.filter(pk=pool.pk, occupied__lte=F("capacity") - n).update(
        occupied=F("occupied") + n
    )
    if not updated:  # only without a row lock (never under select_for_update)
        return 0
    pool.occupied += n
    return n


def _free(facility_id: int, bed_type: str, n: int = 1) -> None:
    """Give ``n`` beds back (never below zero: a report may have reset the census)."""
    BedPool.objects.filter(facility_id=facility_id, bed_type=bed_type, occupied__gte=n).update(
        occupied=F("occupied") - n
    )


def _allowed(need: int | None, bed_type: str) -> bool:
    return need is not None and int(steps_above_need[need, BED_TYPE_ORDER.index(bed_type)]) >= 0
