"""Propose: the day's waiting people matched to free beds by the exact allocation.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from warroom.analytics.allocate import (
    allocate_beds,
    distance_matrix_km,
    steps_above_need,
)
from warroom.beds.models import BED_TYPE_ORDER, KIND_BED_TYPES, BedPool
from warroom.beds.services import ensure_pools
from warroom.cases.waiting import waiting_people
from warroom.core import bulk
from warroom.core.context import is_system
from warroom.core.errors import InvalidInput
from warroom.dispatch._base import _check_dispatcher, _user, facilities_of, people_of
from warroom.dispatch.models import (
    Proposal,
    ProposalLine,
)
from warroom.geo.models import Area

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
    rows = bulk.value_rows(
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


@bulk.without_gc
def do_propose(*, actor: Any, at: dt.datetime | None = None) -> Proposal:
    """Run the allocation for everyone ``actor`` dispatches and store the proposal.

    People: those waiting in his subtree. Beds: the free beds (capacity − occupied of
    the live pools) of the facilities of his subtree that take admissions. Every waiting
    person gets a line: a facility and bed type with the distance and the reason, or
    "no bed" with the reason. Nothing is taken yet: confirming does that.
    """
    _check_dispatcher(actor)
    plan = plan_proposal(actor=actor, at=at or timezone.now())
    with transaction.atomic():
        proposal = store_proposal(plan, actor=actor)
        bulk.insert_tuples(
            ProposalLine,
            ["proposal", *LINE_FIELDS],
            [(proposal.pk, *line, "", "", None, None) for line in plan.lines],
        )
        stamp_seconds(proposal, plan)
    return proposal


@dataclass(frozen=True)
class Plan:
    """A proposal computed, not stored yet: its lines (:data:`LINE_FIELDS` up to the
    state: person, need, waiting since, facility, bed type, km, steps, nearest, state)
    and its figures."""

    at: dt.datetime
    area: Any
    waiting: int
    placed: int
    free_beds: int
    distance_km: float
    lines: list[tuple[Any, ...]]
    started: float


def store_proposal(plan: Plan, *, actor: Any) -> Proposal:
    """The proposal row of ``plan`` (its lines are the caller's: as proposed, or decided)."""
    proposal = Proposal(
        area=plan.area,
        created_by=_user(actor),
        created_at=plan.at,
        waiting=plan.waiting,
        placed=plan.placed,
        free_beds=plan.free_beds,
        distance_km=plan.distance_km,
    )
    proposal.save()
    return proposal


def stamp_seconds(proposal: Proposal, plan: Plan) -> None:
    proposal.seconds = round(time.perf_counter() - plan.started, 3)
    Proposal.objects.filter(pk=proposal.pk).update(seconds=proposal.seconds)


def plan_proposal(*, actor: Any, at: dt.datetime) -> Plan:
    """The allocation of :func:`do_propose`, computed (nothing written but the pools)."""
    started = time.perf_counter()
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
    return Plan(
        at, area, len(waiting.ids), placed, int(free.sum()), round(total_km, 2), lines, started
    )


# A line's columns: a plan's line, then what the dispatcher's decision sets.
LINE_FIELDS = [
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
    "decided_at",
    "decided_by",
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
