"""Who may dispatch, and the locks every section takes: people, open placements, bed
pools.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from typing import Any

from django.db import connection
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
    # One statement (a temporary table of the ids past 5,000), rows locked in key order.
    with bulk.among(ids, integer=True) as keys:
        return _locked(keys)


def _locked(keys: Any) -> dict[int, Person]:
    # The instances are what ``.only(*LOCKED_FIELDS)`` makes, without ``from_db`` per row.
    people = bulk.loaded(
        Person.objects.select_for_update().filter(pk__in=keys).order_by("pk"), LOCKED_FIELDS
    )
    return {p.pk: p for p in people}


def _open_placements(person_ids: list[int]) -> dict[int, Placement]:
    if not person_ids:
        return {}
    with bulk.among(person_ids, integer=True) as keys:
        return _held(keys)


def _held(keys: Any) -> dict[int, Placement]:
    held = bulk.loaded(Placement.objects.filter(person_id__in=keys, ended_at__isnull=True))
    return {pl.person_id: pl for pl in held}


def _lock_people_and_placements(
    ids: list[int],
) -> tuple[dict[int, Person], dict[int, Placement]]:
    """:func:`_lock_people` and :func:`_open_placements` of the same people, over one
    table of their ids (a person's placements are those of a person found)."""
    if not ids:
        return {}, {}
    with bulk.among(ids, integer=True) as keys:
        return _locked(keys), _held(keys)


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


def _take_many(
    asked: Mapping[tuple[int, str], int], pools: Mapping[tuple[int, str], BedPool]
) -> dict[tuple[int, str], int]:
    """:func:`_take` for many pools (``key -> beds asked``), all locked by :func:`_lock_pools`
    (a key without a pool takes nothing): each pool's conditional UPDATE in one statement
    (a block) instead of one a pool; returns the beds taken per key."""
    taken = {key: 0 for key in asked}
    wanted: dict[int, tuple[tuple[int, str], int]] = {}
    for key, n in asked.items():
        pool = pools.get(key)
        if pool is not None and (n := min(n, pool.capacity - pool.occupied)) > 0:
            wanted[pool.pk] = (key, n)
    if len(wanted) <= 1 or sqlite3.sqlite_version_info < (3, 35):  # no UPDATE ... RETURNING
        for key, n in wanted.values():
            taken[key] = _take(pools[key], n)
        return taken
    table = connection.ops.quote_name(BedPool._meta.db_table)
    free = f"{table}.occupied <= {table}.capacity - v.column2"  # what _take asks
    done: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in bulk.chunks(sorted(wanted.items()), 1000):
            cursor.execute(
                f"UPDATE {table} SET occupied = {table}.occupied + v.column2 "  # noqa: S608
                f"FROM (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) AS v "
                f"WHERE {table}.id = v.column1 AND {free} "
                f"RETURNING {table}.id",
                [value for pk, (_key, n) in chunk for value in (pk, n)],
            )
            done.update(row[0] for row in cursor.fetchall())
    for pk, (key, n) in wanted.items():
        if pk in done:  # always, under the pools' locks
            pools[key].occupied += n
            taken[key] = n
    return taken


def _free(facility_id: int, bed_type: str, n: int = 1) -> None:
    """Give ``n`` beds back (never below zero: a report may have reset the census)."""
    BedPool.objects.filter(facility_id=facility_id, bed_type=bed_type, occupied__gte=n).update(
        occupied=F("occupied") - n
    )


def _free_many(counts: Mapping[tuple[int, str], int]) -> None:
    """:func:`_free` for many pools (``(facility, bed type) -> n``) in two statements, not
    one a pool (an import that discharges people from 300 facilities): the facilities'
    pools locked in key order, as :func:`_lock_pools` takes them (no deadlock with a
    confirmation), then one UPDATE joined to the counts, each pool under the same
    condition (never below zero)."""
    items = sorted((key, n) for key, n in counts.items() if n)
    if len(items) <= 1 or sqlite3.sqlite_version_info < (3, 33):  # no UPDATE ... FROM
        for (facility_id, bed_type), n in items:
            _free(facility_id, bed_type, n)
        return
    with bulk.among({f for (f, _t), _n in items}, integer=True) as facilities:
        list(
            BedPool.objects.select_for_update()
            .filter(facility_id__in=facilities)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    table = connection.ops.quote_name(BedPool._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in bulk.chunks(items, 1000):
            cursor.execute(
                f"UPDATE {table} SET occupied = {table}.occupied - v.column3 "  # noqa: S608
                f"FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))}) AS v "
                f"WHERE {table}.facility_id = v.column1 AND {table}.bed_type = v.column2 "
                f"AND {table}.occupied >= v.column3",
                [value for (f, t), n in chunk for value in (f, t, n)],
            )


def _allowed(need: int | None, bed_type: str) -> bool:
    return need is not None and int(steps_above_need[need, BED_TYPE_ORDER.index(bed_type)]) >= 0
