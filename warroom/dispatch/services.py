"""Dispatching people to beds: propose, confirm, place by hand, refuse, transfer, discharge.

Every write is a ``do_<verb>_<noun>(..., *, actor)`` in one transaction. The rules:

- **Who waits, what he needs**: case management says (:mod:`warroom.cases.waiting`).
- **Where he goes**: :func:`warroom.analytics.allocate.allocate_beds`, the exact
  min-cost flow of DESIGN §3.3, over the free beds of the live pools
  (:class:`warroom.beds.models.BedPool`: capacity − occupied, reservations included).
- **No bed filled twice**: a confirmation locks its lines, then the people, then the pools
  (always in that order and by primary key, so two confirmations cannot deadlock), takes
  at most the free beds of each pool with one conditional UPDATE per pool (the CHECK
  ``occupied <= capacity`` is the final judge), and refuses the rest with a reason. At
  most one open placement per person is a unique constraint.
- **The person moves with the bed**: admission or isolation through
  :func:`warroom.cases.services.do_assign_beds` (set-based, one audit entry per batch);
  discharge, death and release through the cases state machine, which frees the bed at
  once (also when case management records them first: :func:`_on_transition`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from warroom.analytics.allocate import (
    allocate_beds,
    distance_matrix_km,
    steps_above_need,
)
from warroom.analytics.vocabulary import HOSPITAL_BED_TYPES, LADDER
from warroom.audit.mixins import snapshot
from warroom.audit.services import record, record_batch
from warroom.beds.models import BED_TYPE_ORDER, KIND_BED_TYPES, BedPool, Facility
from warroom.beds.selectors import open_to_admissions, takes_admissions
from warroom.beds.services import NoBedsFree, do_sync_pools, ensure_pools, pool_day
from warroom.cases.models import Person
from warroom.cases.services import (
    STATE_FIELDS,
    BedAssignment,
    do_assign_beds,
    do_transition_person,
)
from warroom.cases.states import Isolation, Status
from warroom.cases.waiting import QUARANTINE_STATUSES, is_waiting, need_of, waiting_people
from warroom.core import bulk
from warroom.core.context import SYSTEM, is_system
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.core.scoping import in_scope
from warroom.dispatch.models import (
    LineState,
    Outcome,
    Placement,
    Proposal,
    ProposalLine,
    Refusal,
)
from warroom.geo.models import Area

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
    out: dict[int, Person] = {}
    for chunk in bulk.chunks(sorted(set(ids))):
        for p in (
            Person.objects.select_for_update()
            .filter(pk__in=chunk)
            .only(*LOCKED_FIELDS)
            .order_by("pk")
        ):
            out[p.pk] = p
    return out


def _open_placements(person_ids: list[int]) -> dict[int, Placement]:
    out: dict[int, Placement] = {}
    for chunk in bulk.chunks(sorted(set(person_ids))):
        for pl in Placement.objects.filter(person_id__in=chunk, ended_at__isnull=True):
            out[pl.person_id] = pl
    return out


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


# --- propose ----------------------------------------------------------------------------


def _coordinates(area_ids: list[int]) -> dict[int, tuple[float, float]]:
    """(lat, lon) of each area: its own, else its nearest ancestor's (else 0, 0)."""
    out: dict[int, tuple[float, float]] = {}
    missing: dict[int, str] = {}
    for chunk in bulk.chunks(sorted(set(area_ids))):
        for pk, path, lat, lon in Area.objects.filter(pk__in=chunk).values_list(
            "pk", "path", "lat", "lon"
        ):
            if lat is not None and lon is not None:
                out[pk] = (lat, lon)
            else:
                missing[pk] = path
    if missing:
        prefixes = {p for path in missing.values() for p in _ancestors(path)}
        known = {
            path: (lat, lon)
            for path, lat, lon in Area.objects.filter(
                path__in=prefixes, lat__isnull=False, lon__isnull=False
            ).values_list("path", "lat", "lon")
        }
        for pk, path in missing.items():
            out[pk] = next((known[p] for p in _ancestors(path) if p in known), (0.0, 0.0))
    return out


def _ancestors(path: str) -> list[str]:
    """``path`` and its ancestors' paths, nearest first (paths look like ``/9901/990101/``)."""
    parts = [p for p in path.split("/") if p]
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") else ""
    return [lead + "/".join(parts[:i]) + trail for i in range(len(parts), 0, -1)]


@dataclass(frozen=True)
class _Waiting:
    ids: list[int]
    home: list[int]
    need: list[int]
    since: list[dt.datetime]
    home_coords: dict[int, tuple[float, float]]


def _load_waiting(actor: Any) -> _Waiting:
    rows = list(
        waiting_people(people_of(actor)).values_list(
            "pk", "home_id", "need", "waiting_since", "home__lat", "home__lon"
        )
    )
    coords = {r[1]: (r[4], r[5]) for r in rows if r[4] is not None and r[5] is not None}
    return _Waiting(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        coords,
    )


def do_propose(*, actor: Any, at: dt.datetime | None = None) -> Proposal:
    """Run the allocation for everyone ``actor`` dispatches and store the proposal.

    People: those waiting in his subtree. Beds: the free beds (capacity − occupied of
    the live pools) of the facilities of his subtree that take admissions. Every waiting
    person gets a line: a facility and bed type with the distance and the reason, or
    "no bed" with the reason. Nothing is taken yet: confirming does that.
    """
    _check_dispatcher(actor)
    started = time.perf_counter()
    at = at or timezone.now()
    day = timezone.localdate(at)
    ensure_pools(day)
    waiting = _load_waiting(actor)
    facilities = list(
        facilities_of(actor, day).values_list("pk", "kind", "lat", "lon", "area_id").order_by("pk")
    )
    fac_index = {f[0]: i for i, f in enumerate(facilities)}
    free = np.zeros((len(facilities), len(BED_TYPE_ORDER)), dtype=np.int64)
    pools = BedPool.objects.filter(facility_id__in=facilities_of(actor, day).values("pk"))
    for fid, bed_type, cap, occ in pools.values_list(
        "facility_id", "bed_type", "capacity", "occupied"
    ):
        if fid in fac_index and bed_type in KIND_BED_TYPES[facilities[fac_index[fid]][1]]:
            free[fac_index[fid], BED_TYPE_ORDER.index(bed_type)] = max(cap - occ, 0)
    homes = sorted(set(waiting.home))
    home_index = {a: i for i, a in enumerate(homes)}
    coords = dict(waiting.home_coords)
    coords.update(
        _coordinates(
            [a for a in homes if a not in coords]
            + [f[4] for f in facilities if f[2] is None or f[3] is None]
        )
    )
    fac_lat = [f[2] if f[2] is not None else coords[f[4]][0] for f in facilities]
    fac_lon = [f[3] if f[3] is not None else coords[f[4]][1] for f in facilities]
    dist = (
        distance_matrix_km(
            [coords[a][0] for a in homes], [coords[a][1] for a in homes], fac_lat, fac_lon
        )
        if homes and facilities
        else np.zeros((len(homes), len(facilities)))
    )
    # Groups: (home, need, whole days waited); within a group the longest waiting first.
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i in range(len(waiting.ids)):
        days = max((at - waiting.since[i]).days, 0)
        groups[(home_index[waiting.home[i]], waiting.need[i], days)].append(i)
    keys = list(groups)
    lines: list[tuple[Any, ...]] = []
    placed = 0
    total_km = 0.0
    if keys and facilities:
        alloc = allocate_beds(
            [k[0] for k in keys],
            [k[1] for k in keys],
            [len(groups[k]) for k in keys],
            [k[2] for k in keys],
            free,
            dist,
        )
        # (areas, types): the distance to the nearest facility with a free bed of the type
        nearest_km = np.full((len(homes), len(BED_TYPE_ORDER)), np.inf)
        for t in range(len(BED_TYPE_ORDER)):
            has = free[:, t] > 0
            if has.any():
                nearest_km[:, t] = dist[:, has].min(axis=1)
        by_group: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        for g, f, t, n in zip(
            alloc.placement_group.tolist(),
            alloc.placement_facility.tolist(),
            alloc.placement_bed_type.tolist(),
            alloc.placement_count.tolist(),
            strict=True,
        ):
            by_group[g].append((int(steps_above_need[keys[g][1], t]), f, t, n))
        for g, key in enumerate(keys):
            members = sorted(groups[key], key=lambda i: (waiting.since[i], waiting.ids[i]))
            pos = 0
            rows = sorted(by_group.get(g, []), key=lambda r: (r[0], dist[key[0], r[1]]))
            for steps, f, t, n in rows:
                km = float(dist[key[0], f])
                near = km <= float(nearest_km[key[0], t]) + 1e-9
                fid, bed_type = facilities[f][0], BED_TYPE_ORDER[t]
                for i in members[pos : pos + n]:
                    lines.append(
                        (
                            waiting.ids[i],
                            key[1],
                            waiting.since[i],
                            fid,
                            bed_type,
                            round(km, 2),
                            steps,
                            near,
                            "proposed",
                        )
                    )
                total_km += km * n
                pos += n
            placed += pos
            lines += [_unplaced(waiting, i, key[1]) for i in members[pos:]]
    else:
        lines = [_unplaced(waiting, i, waiting.need[i]) for i in range(len(waiting.ids))]
    area = Area.objects.filter(parent__isnull=True).first() if is_system(actor) else actor.area
    if area is None:
        raise InvalidInput("no area tree: load the areas first")
    with transaction.atomic():
        proposal = Proposal(
            area=area,
            created_by=_user(actor),
            created_at=at,
            waiting=len(waiting.ids),
            placed=placed,
            free_beds=int(free.sum()),
            distance_km=round(total_km, 2),
        )
        proposal.save()
        bulk.insert_tuples(
            ProposalLine,
            ["proposal", *_LINE_FIELDS],
            [(proposal.pk, *line, "", "") for line in lines],
        )
        proposal.seconds = round(time.perf_counter() - started, 3)
        Proposal.objects.filter(pk=proposal.pk).update(seconds=proposal.seconds)
    return proposal


_LINE_FIELDS = [
    "person",
    "need",
    "waiting_since",
    "facility",
    "bed_type",
    "distance_km",
    "steps_above",
    "nearest",
    "state",
    "refusal",
    "note",
]


def _unplaced(waiting: _Waiting, i: int, need: int) -> tuple[Any, ...]:
    return (
        waiting.ids[i],
        need,
        waiting.since[i],
        None,
        "",
        None,
        0,
        False,
        "unplaced",
    )


# --- confirm ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    line_id: int
    person_id: int
    refusal: str
    message: str


@dataclass
class Confirmation:
    """What a confirmation did: the placements made and every line refused, with why."""

    proposal_id: int
    placements: list[tuple[int, int, str]] = field(default_factory=list)  # person, facility, type
    refused: list[Refused] = field(default_factory=list)

    @property
    def confirmed(self) -> int:
        return len(self.placements)


def do_confirm_proposal(
    proposal: Proposal,
    *,
    actor: Any,
    line_ids: list[int] | None = None,
    at: dt.datetime | None = None,
) -> Confirmation:
    """Confirm all the proposed lines of ``proposal`` (or those of ``line_ids``) at once.

    One transaction: a line whose person no longer waits, was placed meanwhile or needs
    another bed type now, or whose bed was taken meanwhile, is refused with that reason;
    every other line becomes a placement, its bed is taken and the person is admitted or
    isolated in case management. Concurrent confirmations of overlapping proposals never
    over-fill a pool and never place a person twice.
    """
    _check_dispatcher(actor)
    at = at or timezone.now()
    result = Confirmation(proposal.pk)
    with transaction.atomic():
        lines_qs = ProposalLine.objects.filter(proposal=proposal, state=LineState.PROPOSED)
        if not is_system(actor):
            lines_qs = lines_qs.filter(person__in=people_of(actor))
        if line_ids is not None:
            lines_qs = lines_qs.filter(pk__in=line_ids)
        lines = list(
            lines_qs.select_for_update()
            .order_by("pk")
            .values_list("pk", "person_id", "facility_id", "bed_type", "need", "waiting_since")
        )
        if not lines:
            return result
        people = _lock_people([ln[1] for ln in lines])
        open_now = _open_placements(list(people))
        lines.sort(key=lambda ln: (ln[4], ln[5], ln[0]))  # priority: need, then longest wait
        want: dict[tuple[int, str], list[tuple[Any, ...]]] = defaultdict(list)
        taken_person: set[int] = set()
        for ln in lines:
            pk, pid, fid, bed_type = ln[0], ln[1], ln[2], ln[3]
            p = people.get(pid)
            held = open_now.get(pid)
            need = need_of(p.status, p.severity) if p is not None else None
            if p is None or not is_waiting(p):
                code = (
                    Refusal.PLACED
                    if held is not None or (p and p.status == Status.ADMITTED)
                    else Refusal.NOT_WAITING
                )
                result.refused.append(_refused(pk, pid, code))
            elif pid in taken_person or (held is not None and not _upgrade(held, bed_type)):
                result.refused.append(_refused(pk, pid, Refusal.PLACED))
            elif not _allowed(need, bed_type):
                result.refused.append(_refused(pk, pid, Refusal.NEED_CHANGED))
            else:
                want[(fid, bed_type)].append(ln)
                taken_person.add(pid)
        pools = _lock_pools(set(want))
        granted: list[tuple[Any, ...]] = []
        for key in sorted(want, key=lambda k: pools[k].pk if k in pools else 0):
            asked = want[key]
            n = _take(pools[key], len(asked)) if key in pools else 0
            granted += asked[:n]
            result.refused += [_refused(ln[0], ln[1], Refusal.NO_BED) for ln in asked[n:]]
        _place(
            [(ln[1], ln[2], ln[3], ln[0]) for ln in granted],
            people,
            open_now,
            actor=actor,
            at=at,
            reason=f"dispatch proposal #{proposal.pk}",
        )
        for chunk in bulk.chunks([ln[0] for ln in granted]):
            ProposalLine.objects.filter(pk__in=chunk).update(
                state=LineState.CONFIRMED, decided_at=at, decided_by=_user(actor)
            )
        by_code: dict[Any, list[int]] = defaultdict(list)
        for r in result.refused:
            by_code[r.refusal].append(r.line_id)
        for code, ids in by_code.items():
            for chunk in bulk.chunks(ids):
                ProposalLine.objects.filter(pk__in=chunk).update(
                    state=LineState.REFUSED, refusal=code, decided_at=at, decided_by=_user(actor)
                )
        result.placements = [(ln[1], ln[2], ln[3]) for ln in granted]
        record_batch(
            object_type="dispatch.proposal",
            rows=len(granted),
            sha256=hashlib.sha256(
                ",".join(f"{p}:{f}:{t}" for p, f, t in result.placements).encode()
            ).hexdigest(),
            area_path=proposal.area.path,
            action="confirm",
            message=f"proposal #{proposal.pk}: {len(granted)} placed, "
            f"{len(result.refused)} refused",
            details={
                "proposal": proposal.pk,
                "refused": {c: len(v) for c, v in by_code.items()},
            },
        )
    return result


def _refused(line_id: int, person_id: int, code: Any) -> Refused:
    return Refused(line_id, person_id, str(code), str(Refusal(code).label))


def _upgrade(held: Placement, bed_type: str) -> bool:
    """A person in a quarantine room who was confirmed may go to a hospital bed."""
    return held.bed_type == "QUARANTINE" and bed_type in HOSPITAL_TYPES


def _place(
    items: list[tuple[int, int, str, int | None]],
    people: dict[int, Person],
    open_now: dict[int, Placement],
    *,
    actor: Any,
    at: dt.datetime,
    reason: str,
    note: str = "",
) -> None:
    """Write the placements of ``items`` (person, facility, bed type, line) whose beds are
    already taken: end the quarantine placements they replace, free those beds, and move
    the people in case management. Set-based."""
    if not items:
        return
    ended = [open_now[pid] for pid, _f, _t, _l in items if pid in open_now]
    if ended:
        for chunk in bulk.chunks([pl.pk for pl in ended]):
            Placement.objects.filter(pk__in=chunk, ended_at__isnull=True).update(
                ended_at=at, outcome=Outcome.ADMITTED
            )
        counts: dict[tuple[int, str], int] = defaultdict(int)
        for pl in ended:
            counts[(pl.facility_id, pl.bed_type)] += 1
        for (fid, t), n in sorted(counts.items()):
            _free(fid, t, n)
    names = dict(
        Facility.objects.filter(pk__in={f for _p, f, _t, _l in items}).values_list("pk", "name")
    )
    areas = dict(
        Facility.objects.filter(pk__in={f for _p, f, _t, _l in items}).values_list("pk", "area_id")
    )
    bulk.insert_tuples(
        Placement,
        ["person", "facility", "bed_type", "started_at", "line", "placed_by", "note", "outcome"],
        [
            (pid, fid, t, at, line, getattr(actor, "pk", None), note, "")
            for pid, fid, t, line in items
        ],
    )
    do_assign_beds(
        [
            BedAssignment(people[pid], names[fid], areas[fid], t in HOSPITAL_TYPES)
            for pid, fid, t, _l in items
        ],
        actor=actor,
        reason=reason,
        at=at,
    )


# --- one person: place, refuse, transfer, end -------------------------------------------


def _person_for(actor: Any, person: Person) -> None:
    if not people_of(actor).filter(pk=person.pk).exists():
        raise NotFound("person not found")


def _facility_for(actor: Any, facility: Facility, bed_type: str) -> None:
    if not in_scope(actor, facility.area.path):
        raise NotFound("facility not found")
    if bed_type not in BED_TYPE_ORDER:
        raise InvalidInput(f"unknown bed type {bed_type!r}; use one of {', '.join(BED_TYPE_ORDER)}")
    if bed_type not in KIND_BED_TYPES[facility.kind]:
        raise InvalidInput(
            f"{facility.name} has no {bed_type} beds "
            f"(it has {', '.join(KIND_BED_TYPES[facility.kind])})"
        )
    if not takes_admissions(facility, pool_day()):
        raise Conflict(f"{facility.name} is {facility.status}: it takes no new patients")


def _take_one(facility: Facility, bed_type: str) -> None:
    ensure_pools()
    pools = _lock_pools({(facility.pk, bed_type)})
    pool = pools.get((facility.pk, bed_type))
    if pool is None or not _take(pool, 1):
        free = 0 if pool is None else pool.capacity - pool.occupied
        raise NoBedsFree(
            f"{facility.name}: no {bed_type} bed free ({free} free)",
            details={"free": free},
        )


def do_place_person(
    person: Person,
    facility: Facility,
    bed_type: str,
    *,
    actor: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> Placement:
    """Place one waiting person by hand (the dispatcher's choice, or a facility's report).

    Never below his need (above it is allowed, as when nothing else is free); refused if
    he no longer waits or no bed of the type is free.
    """
    _check_dispatcher(actor)
    _person_for(actor, person)
    _facility_for(actor, facility, bed_type)
    at = at or timezone.now()
    with transaction.atomic():
        people = _lock_people([person.pk])
        p = people[person.pk]
        held = _open_placements([p.pk])
        if not is_waiting(p) or (p.pk in held and not _upgrade(held[p.pk], bed_type)):
            raise Conflict(
                f"person #{p.pk} is not waiting for a bed ({p.get_status_display() or '-'})",
                code="not_waiting",
            )
        need = need_of(p.status, p.severity)
        if not _allowed(need, bed_type):
            raise InvalidInput(
                f"person #{p.pk} needs a better bed than {bed_type}: never below need",
                code="below_need",
            )
        _take_one(facility, bed_type)
        _place(
            [(p.pk, facility.pk, bed_type, None)],
            people,
            held,
            actor=actor,
            at=at,
            reason=f"placed by hand in {facility.name}",
            note=note[:300],
        )
        placement = Placement.objects.get(person=p, ended_at__isnull=True)
        record("place", placement, before=None, after=snapshot(placement), message=note[:300])
    return placement


def do_refuse_line(line: ProposalLine, *, actor: Any, note: str) -> ProposalLine:
    """The dispatcher refuses one proposed placement, saying why (kept with the line)."""
    _check_dispatcher(actor)
    if not note.strip():
        raise InvalidInput("say why the placement is refused", details={"field": "note"})
    at = timezone.now()
    with transaction.atomic():
        updated = ProposalLine.objects.filter(pk=line.pk, state=LineState.PROPOSED).update(
            state=LineState.REFUSED,
            refusal=Refusal.DISPATCHER,
            note=note.strip()[:300],
            decided_at=at,
            decided_by=_user(actor),
        )
        if not updated:
            raise Conflict("this line was already decided", code="decided")
        line.refresh_from_db()
        record(
            "refuse",
            line.proposal,
            before=None,
            after={"line": line.pk, "person": line.person_id, "note": line.note},
            message=f"person #{line.person_id}: {line.note}",
        )
    return line


def direction(from_type: str, to_type: str) -> str:
    """``step_up``, ``step_down`` or ``move`` (same rung) on the bed ladder."""
    diff = LADDER[to_type] - LADDER[from_type]
    return "step_up" if diff > 0 else "step_down" if diff < 0 else "move"


def do_transfer_person(
    placement: Placement,
    facility: Facility,
    bed_type: str,
    *,
    actor: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> Placement:
    """Move a placed person to another bed, atomically: the new bed is taken, the old one
    freed, the occupancy moves. Step-up (a patient worsens: shelter → designated) and
    step-down (never below the current need); hospital beds to hospital beds, quarantine
    rooms to quarantine rooms."""
    _check_dispatcher(actor)
    _person_for(actor, placement.person)
    _facility_for(actor, facility, bed_type)
    at = at or timezone.now()
    with transaction.atomic():
        people = _lock_people([placement.person_id])
        p = people[placement.person_id]
        old = (
            Placement.objects.select_for_update()
            .filter(pk=placement.pk, ended_at__isnull=True)
            .first()
        )
        if old is None:
            raise Conflict("this placement has ended", code="ended")
        if (old.bed_type == "QUARANTINE") != (bed_type == "QUARANTINE"):
            raise InvalidInput(
                "a transfer moves between hospital beds or between quarantine rooms; "
                "a confirmed person in a quarantine room is admitted through dispatch"
            )
        if (old.facility_id, old.bed_type) == (facility.pk, bed_type):
            raise InvalidInput("the person is already in this bed type of this facility")
        need = need_of(p.status, p.severity)
        if not _allowed(need, bed_type):
            raise InvalidInput(
                f"person #{p.pk} needs a better bed than {bed_type}: never below need",
                code="below_need",
            )
        _take_one(facility, bed_type)
        _free(old.facility_id, old.bed_type)
        way = direction(old.bed_type, bed_type)
        Placement.objects.filter(pk=old.pk).update(ended_at=at, outcome=Outcome.TRANSFERRED)
        new = Placement.objects.create(
            person=p,
            facility=facility,
            bed_type=bed_type,
            started_at=at,
            transferred_from=old,
            placed_by=_user(actor),
            note=note[:300],
        )
        do_assign_beds(
            [BedAssignment(p, facility.name, facility.area_id, bed_type in HOSPITAL_TYPES)],
            actor=actor,
            reason=f"{way}: {old.bed_type} → {bed_type} ({facility.name})",
            at=at,
        )
        record(
            "transfer",
            new,
            before=snapshot(old),
            after=snapshot(new),
            message=f"{way}: {old.bed_type} → {bed_type}",
        )
    return new


# How a placement ends, by outcome: the status the person moves to (None: none).
END_TARGETS = {
    Outcome.DISCHARGED: Status.DISCHARGED,
    Outcome.DIED: Status.DIED,
    Outcome.RELEASED: Status.RELEASED,
}


def do_end_placement(
    placement: Placement,
    outcome: str,
    *,
    actor: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> Placement:
    """Discharge, death or release: the bed is free at once and the person moves on in
    case management (admitted → discharged / died; quarantined → released; a suspected
    or febrile person leaving a quarantine room goes home to wait for his results)."""
    _check_dispatcher(actor)
    _person_for(actor, placement.person)
    if outcome not in END_TARGETS:
        raise InvalidInput(
            f"unknown outcome {outcome!r}; use one of {', '.join(str(o) for o in END_TARGETS)}"
        )
    at = at or timezone.now()
    with transaction.atomic():
        people = _lock_people([placement.person_id])
        p = people[placement.person_id]
        old = (
            Placement.objects.select_for_update()
            .filter(pk=placement.pk, ended_at__isnull=True)
            .first()
        )
        if old is None:
            raise Conflict("this placement has ended already", code="ended")
        hospital = old.bed_type in HOSPITAL_TYPES
        if hospital and outcome == Outcome.RELEASED:
            raise InvalidInput("a hospital patient is discharged (or died), not released")
        if not hospital and outcome == Outcome.DISCHARGED:
            raise InvalidInput("a quarantine room is left by release, not discharge")
        Placement.objects.filter(pk=old.pk).update(
            ended_at=at, outcome=outcome, note=note[:300] or old.note
        )
        _free(old.facility_id, old.bed_type)
        target = END_TARGETS[Outcome(outcome)]
        if (
            hospital
            or p.status == Status.QUARANTINED
            or (outcome == Outcome.DIED and p.status == Status.CONFIRMED)
        ):
            do_transition_person(p, target, actor=actor, at=at, reason=note or str(outcome))
        elif outcome == Outcome.RELEASED and p.status in QUARANTINE_STATUSES:
            from warroom.cases.services import do_isolate_person

            do_isolate_person(p, Isolation.HOME, actor=actor, at=at)
        else:
            raise Conflict(
                f"person #{p.pk} is {p.get_status_display()}: record it in case management",
                code="illegal_transition",
            )
        old.refresh_from_db()
        record("end", old, before=None, after=snapshot(old), message=str(outcome))
    return old


# --- a facility reports its admissions and discharges (API) ------------------------------


@dataclass
class FacilityMoves:
    admitted: list[Placement] = field(default_factory=list)
    discharged: list[Placement] = field(default_factory=list)


def do_record_facility_moves(
    facility: Facility,
    *,
    admissions: list[tuple[int, str]],
    discharges: list[tuple[int, str]],
    actor: Any,
) -> FacilityMoves:
    """A facility's report of who it admitted (person id, bed type) and who left (person
    id, outcome): all or nothing, with the guarantees of the dispatcher's own actions
    (never over-filled, never below need). Idempotent: a retry of an admission already
    recorded here, or of a discharge already recorded with the same outcome, returns the
    recorded placement instead of failing."""
    _check_dispatcher(actor)
    ids = [pid for pid, _t in admissions] + [pid for pid, _o in discharges]
    if len(set(ids)) != len(ids):
        raise InvalidInput("each person may appear once per report")
    people = {p.pk: p for p in people_of(actor).filter(pk__in=ids)} if ids else {}
    missing = sorted(set(ids) - set(people))
    if missing:
        raise NotFound(f"person #{missing[0]} not found")
    out = FacilityMoves()
    with transaction.atomic():
        for pid, bed_type in admissions:
            held = Placement.objects.filter(person_id=pid, ended_at__isnull=True).first()
            if held is not None and (held.facility_id, held.bed_type) == (facility.pk, bed_type):
                out.admitted.append(held)  # a retry
                continue
            out.admitted.append(
                do_place_person(
                    people[pid], facility, bed_type, actor=actor, note="facility report"
                )
            )
        for pid, outcome in discharges:
            held = Placement.objects.filter(person_id=pid, ended_at__isnull=True).first()
            if held is None or held.facility_id != facility.pk:
                last = (
                    Placement.objects.filter(person_id=pid, facility=facility)
                    .order_by("-started_at", "-pk")
                    .first()
                )
                if last is not None and last.outcome == outcome:
                    out.discharged.append(last)  # a retry
                    continue
                raise Conflict(f"person #{pid} is not in {facility.name}", code="not_here")
            out.discharged.append(
                do_end_placement(held, outcome, actor=actor, note="facility report")
            )
    return out


# --- case management moved first: free the bed at once ---------------------------------


def holds_bed(person: Person, bed_type: str) -> bool:
    """Whether ``person``'s state still justifies his bed of ``bed_type``."""
    if bed_type in HOSPITAL_TYPES:
        return person.status == Status.ADMITTED
    return (
        person.status in (*QUARANTINE_STATUSES, Status.CONFIRMED)
        and person.isolation == Isolation.QUARANTINE
    )


_OUTCOME_OF = {
    Status.DISCHARGED: Outcome.DISCHARGED,
    Status.DIED: Outcome.DIED,
    Status.RELEASED: Outcome.RELEASED,
    Status.EXCLUDED: Outcome.RELEASED,
    Status.RULED_OUT: Outcome.RELEASED,
    Status.ADMITTED: Outcome.ADMITTED,
}


def _on_transition(person: Person, steps: list[Any]) -> None:
    """A status change recorded in case management ends the placement it no longer
    justifies (a discharge, a death, a released contact) and frees the bed at once."""
    held = (
        Placement.objects.select_for_update()
        .filter(person_id=person.pk, ended_at__isnull=True)
        .first()
    )
    if held is None or holds_bed(person, held.bed_type):
        return
    at = steps[-1].at if steps else timezone.now()
    outcome = _OUTCOME_OF.get(person.status, Outcome.ENDED)
    Placement.objects.filter(pk=held.pk).update(ended_at=max(at, held.started_at), outcome=outcome)
    _free(held.facility_id, held.bed_type)


def _on_bulk_transitions(people: Any) -> None:
    """The same for an import that moved many people at once: set-based."""
    by_id = {p.pk: p for p in people}
    ending: list[Placement] = []
    for chunk in bulk.chunks(sorted(by_id)):
        for held in Placement.objects.select_for_update().filter(
            person_id__in=chunk, ended_at__isnull=True
        ):
            if not holds_bed(by_id[held.person_id], held.bed_type):
                ending.append(held)
    if not ending:
        return
    at = timezone.now()
    by_outcome: dict[Any, list[int]] = defaultdict(list)
    freed: dict[tuple[int, str], int] = defaultdict(int)
    for held in ending:
        by_outcome[_OUTCOME_OF.get(by_id[held.person_id].status, Outcome.ENDED)].append(held.pk)
        freed[(held.facility_id, held.bed_type)] += 1
    for outcome, ids in by_outcome.items():
        for chunk in bulk.chunks(ids):
            Placement.objects.filter(pk__in=chunk).update(ended_at=at, outcome=outcome)
    for (fid, bed_type), n in sorted(freed.items()):
        _free(fid, bed_type, n)


# --- the demo feed's daily call ---------------------------------------------------------


@dataclass(frozen=True)
class DispatchRun:
    proposal_id: int
    waiting: int
    placements: list[tuple[int, int, str]]  # (person id, facility id, bed type)
    refused: int


def do_dispatch_all(day: dt.date | None = None, *, actor: Any = SYSTEM) -> DispatchRun:
    """Propose and confirm everything proposed: the twin's dispatcher, once a day.

    ``day`` stamps the run at noon of that day (a simulated day); default now. The live
    pools are first brought to that day's capacity (``do_sync_pools``): beds opened or
    closed on the day count at once, as they would in real time.
    """
    at = None
    if day is not None:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        do_sync_pools(day)
    day = timezone.localdate(at) if at is not None else None
    first = proposal = do_propose(actor=actor, at=at)
    done = do_confirm_proposal(proposal, actor=actor, at=at)
    placements, refused = list(done.placements), len(done.refused)
    # A confirmed case admitted from a quarantine room frees the room: while a round frees
    # beds, the next one gives them to whoever still waits (no room stays empty while
    # someone waits for one). A later round places only into the freed beds.
    for _ in range(DISPATCH_ROUNDS - 1):
        freed = _free_beds(actor, day) - (proposal.free_beds - len(done.placements))
        if freed <= 0 or len(done.placements) == proposal.waiting:
            break
        proposal = do_propose(actor=actor, at=at)
        done = do_confirm_proposal(proposal, actor=actor, at=at)
        placements += done.placements
        refused += len(done.refused)
    return DispatchRun(first.pk, first.waiting, placements, refused)


# At most this many propose-and-confirm rounds in one dispatch of the day.
DISPATCH_ROUNDS = 3


def _free_beds(actor: Any, day: dt.date | None) -> int:
    """Free beds of the live pools of the facilities ``actor`` fills on ``day``."""
    pools = BedPool.objects.filter(facility_id__in=facilities_of(actor, day).values("pk"))
    return sum(max(cap - occ, 0) for cap, occ in pools.values_list("capacity", "occupied"))


def register() -> None:
    from warroom.cases.services import (
        register_bulk_transition_listener,
        register_transition_listener,
    )

    register_transition_listener(_on_transition)
    register_bulk_transition_listener(_on_bulk_transitions)
