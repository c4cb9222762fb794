"""Exact placement of waiting people into free beds, as a min-cost flow (DESIGN §3.3).

People waiting for a bed are aggregated into *groups*: one group per (home area, need,
wait band). Facilities offer free beds by type. The rule of DESIGN §3.3:

- critical → ICU; severe → SEVERE (or ICU); mild/moderate confirmed → SHELTER or
  GENERAL (or, above need, SEVERE / ICU); suspected, febrile and close contacts →
  QUARANTINE (single rooms) and nothing else. Nobody is ever placed below his need.
- Objective, lexicographic:

  1. place as many people as possible by priority rank: need class first (critical >
     severe > confirmed > suspected > febrile > contact), then the longest wait first;
  2. then place as few people above their need as possible (measured in steps of the
     bed ladder GENERAL/SHELTER < SEVERE < ICU; a mild patient in ICU is two steps);
  3. then minimise the total travel distance from home area to facility.

The solution is computed in two exact stages.

**Stage 1 (how many of each rank).** Every facility is reachable from every area (the
distance matrix is finite), so only bed *totals* constrain the counts. The pools of
bed types usable by the need classes are nested (ICU ⊂ ICU+SEVERE ⊂ all hospital types)
and the quarantine pool is shared by the three quarantine classes alone. By Hall's
theorem a set of ranks can be placed together iff, for every pool, the people whose
pool lies inside it do not outnumber its beds; with nested pools taken in priority
order, the greedy count ``placed[r] = min(waiting[r], pool(r) − placed by earlier ranks
of the same pool family)`` is therefore the lexicographic maximum.

**Stage 2 (who goes where).** A :class:`ortools.graph.python.min_cost_flow.
SimpleMinCostFlow` network routes exactly ``placed[r]`` people of each rank r:
group → (area, bed type) → (facility, bed type) → sink, plus a bypass group →
"unplaced of rank r" → sink whose capacity ``waiting[r] − placed[r]`` forces the stage-1
count. Costs are integers: the distance arc costs ``round(km / distance_resolution_km)``
units (rounded to the nearest unit, so each placement's distance is off by at most half
a unit and the reported optimum is exact for the rounded matrix, within ``placed ×
resolution`` km of the unrounded one); the group arc costs ``steps × P`` with
``P = 1 + placed_total × max_units``. *Proof that the order is exact:* any two feasible
stage-2 flows place the same people count, so their distance costs both lie in
``[0, placed_total × max_units] < P``; one step above need fewer therefore always
outweighs any difference in distance, and among flows with equal steps only distance
remains.

**Arc pruning (exact).** An optimal flow sends area a's type-t patients to facility f
only if every type-t facility strictly closer to a is full: otherwise moving one
person to the closer free bed lowers the cost and changes nothing else. The full
facilities hold at most ``B_t`` people (the stage-1 bound on type-t placements), so
arcs whose strictly-closer capacity is ``≥ B_t`` are never used by any optimum and are
left out. The groups of a rank whose stage-1 count is zero carry no flow to a bed in
any feasible flow (the bypasses force exactly ``placed[r]`` per rank), so they are left
out of the network too: on a day when a few hundred freed rooms meet ten thousand
waiting contacts, the network holds only the areas of the ranks placed. The hospital
types and QUARANTINE share no person and no bed, so the two components are solved as
separate flows. This keeps the W1 peak (7,000 compounds × 300
facilities) well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from warroom.analytics._checks import as_float_array, as_int_array, check_length
from warroom.analytics.parameters import DISTANCE_RESOLUTION_KM
from warroom.analytics.vocabulary import ALLOWED_BEDS, BedType, Need, steps_above_need

__all__ = [
    "ALLOWED_BEDS",
    "Allocation",
    "BedType",
    "Need",
    "allocate_beds",
    "distance_matrix_km",
    "steps_above_need",
]

IntArray = NDArray[np.int64]
_MAX_COST = 2**62  # int64 head-room for OR-Tools' internal cost scaling
_MAX_WAIT = 2**40  # keeps the (need, wait) rank code inside int64


N_NEEDS = len(Need)
N_BED_TYPES = len(BedType)


@dataclass(frozen=True, eq=False)
class Allocation:
    """The placement of waiting groups into free beds.

    Attributes
    ----------
    placement_group, placement_facility, placement_bed_type, placement_count : ndarray
        One row per (group, facility, bed type) with a positive count.
    unplaced : ndarray
        People of each group left waiting.
    rank_need, rank_wait, rank_waiting, rank_placed : ndarray
        The priority ranks (need, wait) in priority order, with people waiting and placed.
    placed_by_need : ndarray
        People placed per :class:`Need` (length 6).
    steps_above_need : int
        Sum over placed people of the steps their bed lies above their need.
    total_distance_units : int
        The minimised distance objective, in integer units of ``distance_resolution_km``.
    total_distance_km : float
        The same placements' travel distance from the unrounded matrix.
    distance_resolution_km : float
        Kilometres per distance unit.
    """

    placement_group: IntArray
    placement_facility: IntArray
    placement_bed_type: IntArray
    placement_count: IntArray
    unplaced: IntArray
    rank_need: IntArray
    rank_wait: IntArray
    rank_waiting: IntArray
    rank_placed: IntArray
    placed_by_need: IntArray
    steps_above_need: int
    total_distance_units: int
    total_distance_km: float
    distance_resolution_km: float


def _ranks(need: IntArray, wait: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Priority ranks: need ascending, then wait descending. Returns rank keys and ranks."""
    span = int(wait.max()) + 1 if wait.size else 1
    code = need * span + (span - 1 - wait)  # ascending code = descending priority
    keys, rank_of = np.unique(code, return_inverse=True)
    rank_need = (keys // span).astype(np.int64)
    rank_wait = (span - 1 - keys % span).astype(np.int64)
    return rank_need, rank_wait, rank_of.astype(np.int64).reshape(-1)


def _stage1(
    rank_need: IntArray, rank_waiting: IntArray, type_capacity: IntArray
) -> tuple[IntArray, IntArray]:
    """Lexicographic-maximum placed count per rank, and the bound B_t per bed type."""
    placed = np.zeros_like(rank_waiting)
    hospital_used = {Need.CRITICAL: 0, Need.SEVERE: 0, Need.CONFIRMED: 0}
    icu = int(type_capacity[BedType.ICU])
    sev = int(type_capacity[BedType.SEVERE])
    hosp = int(type_capacity[: BedType.SHELTER + 1].sum())
    pool = {Need.CRITICAL: icu, Need.SEVERE: icu + sev, Need.CONFIRMED: hosp}
    quarantine_left = int(type_capacity[BedType.QUARANTINE])
    for r in range(rank_need.shape[0]):
        need = Need(int(rank_need[r]))
        if need in pool:
            # Earlier ranks are at least as needy, so their pools lie inside this one.
            used = sum(hospital_used.values())
            p = min(int(rank_waiting[r]), pool[need] - used)
            hospital_used[need] += p
        else:
            p = min(int(rank_waiting[r]), quarantine_left)
            quarantine_left -= p
        placed[r] = p
    bound = np.zeros(N_BED_TYPES, dtype=np.int64)
    for t in BedType:
        allowed = steps_above_need[rank_need, t] >= 0
        bound[t] = min(int(placed[allowed].sum()), int(type_capacity[t]))
    return placed, bound


def _candidate_arcs(
    area_ids: IntArray, units: IntArray, cap_t: IntArray, bound: int
) -> tuple[IntArray, IntArray]:
    """(area position, facility) pairs an optimum may use; see the module docstring."""
    fac = np.flatnonzero(cap_t > 0)
    if fac.size == 0 or area_ids.size == 0 or bound <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    d = units[np.ix_(area_ids, fac)]
    # A stable sort's order is fixed by the keys alone: distances that fit 16 bits (a
    # city's, in the default resolution) are sorted as such (numpy's radix sort).
    keys = d.astype(np.uint16) if int(d.min()) >= 0 and int(d.max()) < 2**16 else d
    order = np.argsort(keys, axis=1, kind="stable")
    cs = cap_t[fac][order]
    excl = np.cumsum(cs, axis=1) - cs  # capacity of the facilities sorted before
    # Every facility holds a bed, so ``excl`` grows along a row: those with less than
    # ``bound`` before them are the row's first ``k`` (k >= 1), and the facilities whose
    # strictly-closer capacity is below ``bound`` (the first of their tie run among
    # those) are the first ``k`` and the rest of the k-th one's tie run: all those no
    # farther than the k-th.
    n_rows = d.shape[0]
    k = (excl < bound).sum(axis=1)
    kth = d[np.arange(n_rows), order[np.arange(n_rows), k - 1]]
    length = (d <= kth[:, None]).sum(axis=1)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), length)
    cols = np.arange(rows.size, dtype=np.int64) - np.repeat(np.cumsum(length) - length, length)
    return rows, fac[order[rows, cols]].astype(np.int64)


EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG; Moritz 2000, Geodetic Reference System 1980)


def distance_matrix_km(
    lat_from: Any, lon_from: Any, lat_to: Any, lon_to: Any
) -> NDArray[np.float64]:
    """Great-circle (haversine) distances in km, shape ``(len(lat_from), len(lat_to))``.

    The travel distance the allocation minimises when no road network is known; in a
    city the road distance is roughly proportional to it, which keeps the order of the
    choices.
    """
    la1 = np.radians(as_float_array("lat_from", lat_from, 1, nonnegative=False))[:, None]
    lo1 = np.radians(as_float_array("lon_from", lon_from, 1, nonnegative=False))[:, None]
    la2 = np.radians(as_float_array("lat_to", lat_to, 1, nonnegative=False))[None, :]
    lo2 = np.radians(as_float_array("lon_to", lon_to, 1, nonnegative=False))[None, :]
    if la1.shape[0] != lo1.shape[0] or la2.shape[1] != lo2.shape[1]:
        raise ValueError("latitudes and longitudes must have the same length")
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    out: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def _validate(
    group_area: Any,
    group_need: Any,
    group_count: Any,
    group_wait: Any,
    free_beds: Any,
    distance_km: Any,
    distance_resolution_km: Any,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, NDArray[np.float64], float]:
    area = as_int_array("group_area", group_area, 1)
    n = area.shape[0]
    need = as_int_array("group_need", group_need, 1)
    count = as_int_array("group_count", group_count, 1)
    wait = as_int_array("group_wait", group_wait, 1)
    for name, arr in (("group_need", need), ("group_count", count), ("group_wait", wait)):
        check_length(name, arr, n, "group")
    if n and int(wait.max()) >= _MAX_WAIT:
        raise ValueError(f"group_wait must be below {_MAX_WAIT}, got {wait.max()}")
    if n and int(need.max()) >= N_NEEDS:
        raise ValueError(f"group_need must be a Need code in 0..{N_NEEDS - 1}, got {need.max()}")
    beds = as_int_array("free_beds", free_beds, 2)
    if beds.shape[1] != N_BED_TYPES:
        raise ValueError(
            f"free_beds must have one column per bed type ({N_BED_TYPES}), got {beds.shape[1]}"
        )
    dist = as_float_array("distance_km", distance_km, 2)
    if dist.shape[1] != beds.shape[0]:
        raise ValueError(
            f"distance_km must have one column per facility ({beds.shape[0]}), got {dist.shape[1]}"
        )
    if n and int(area.max()) >= dist.shape[0]:
        raise ValueError(
            f"group_area must index a row of distance_km (< {dist.shape[0]}), got {area.max()}"
        )
    if (
        isinstance(distance_resolution_km, bool)
        or not isinstance(distance_resolution_km, int | float)
        or not np.isfinite(distance_resolution_km)
        or distance_resolution_km <= 0
    ):
        raise ValueError(
            f"distance_resolution_km must be a positive number, got {distance_resolution_km!r}"
        )
    return area, need, count, wait, beds, dist, float(distance_resolution_km)


def allocate_beds(
    group_area: Any,
    group_need: Any,
    group_count: Any,
    group_wait: Any,
    free_beds: Any,
    distance_km: Any,
    *,
    distance_resolution_km: float = DISTANCE_RESOLUTION_KM,
) -> Allocation:
    """Place waiting groups into free beds, exactly, by the rule of DESIGN §3.3.

    Parameters
    ----------
    group_area : array of int, shape (n_groups,)
        Home area of each group: a row of ``distance_km``.
    group_need : array of int, shape (n_groups,)
        :class:`Need` code of each group.
    group_count : array of int, shape (n_groups,)
        People in each group (zero allowed).
    group_wait : array of int, shape (n_groups,)
        Wait band of each group, any non-negative unit (hours, days); larger waited longer.
    free_beds : array of int, shape (n_facilities, 5)
        Free beds per facility and :class:`BedType`.
    distance_km : array of float, shape (n_areas, n_facilities)
        Travel distance from each area to each facility; finite and non-negative.
    distance_resolution_km : float, default ``DISTANCE_RESOLUTION_KM`` (0.01 km)
        Kilometres per integer cost unit; distances are rounded to the nearest unit.

    Returns
    -------
    Allocation
        Placements, people left waiting, and the objective's three components.

    Raises
    ------
    ValueError
        On malformed input, or when the resolution is so fine that the integer costs
        would overflow (choose a coarser ``distance_resolution_km``).

    Notes
    -----
    The lexicographic order and its proof are in the module docstring.
    """
    area, need, count, wait, beds, dist, res = _validate(
        group_area,
        group_need,
        group_count,
        group_wait,
        free_beds,
        distance_km,
        distance_resolution_km,
    )
    n_groups = area.shape[0]
    units = np.rint(dist / res).astype(np.int64)
    type_capacity = beds.sum(axis=0)

    rank_need, rank_wait, rank_of = _ranks(need, wait)
    n_ranks = rank_need.shape[0]
    rank_waiting = np.bincount(rank_of, weights=count, minlength=n_ranks).astype(np.int64)
    rank_placed, bound = _stage1(rank_need, rank_waiting, type_capacity)

    p_parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []
    unplaced = np.zeros(n_groups, dtype=np.int64)
    hospital = need <= Need.CONFIRMED
    # A rank placing nobody (stage 1) routes all its people to its bypass in every
    # feasible flow: its groups stay out of the network, unplaced whole.
    active = rank_placed[rank_of] > 0
    unplaced[~active] = count[~active]
    for sel in (np.flatnonzero(hospital & active), np.flatnonzero(~hospital & active)):
        if sel.size == 0:
            continue
        ranks_in = np.unique(rank_of[sel])
        sub_unplaced, part = _solve_component(
            area[sel],
            need[sel],
            count[sel],
            np.searchsorted(ranks_in, rank_of[sel]).astype(np.int64),
            rank_waiting[ranks_in] - rank_placed[ranks_in],
            beds,
            units,
            bound,
            res,
        )
        unplaced[sel] = sub_unplaced
        p_parts.append((sel[part[0]], part[1], part[2], part[3]))
    p_group, p_fac, p_type, p_count = (
        np.concatenate([p[i] for p in p_parts]) if p_parts else np.zeros(0, dtype=np.int64)
        for i in range(4)
    )
    steps = int((steps_above_need[need[p_group], p_type] * p_count).sum())
    dist_units = int((units[area[p_group], p_fac] * p_count).sum())
    dist_km = float((dist[area[p_group], p_fac] * p_count).sum())
    placed_by_need = np.bincount(rank_need, weights=rank_placed, minlength=N_NEEDS).astype(np.int64)
    return Allocation(
        placement_group=p_group,
        placement_facility=p_fac,
        placement_bed_type=p_type,
        placement_count=p_count,
        unplaced=unplaced,
        rank_need=rank_need,
        rank_wait=rank_wait,
        rank_waiting=rank_waiting,
        rank_placed=rank_placed,
        placed_by_need=placed_by_need,
        steps_above_need=steps,
        total_distance_units=dist_units,
        total_distance_km=dist_km,
        distance_resolution_km=res,
    )


def _solve_component(
    area: IntArray,
    need: IntArray,
    count: IntArray,
    rank_of: IntArray,
    rank_unplaced: IntArray,
    beds: IntArray,
    units: IntArray,
    bound: IntArray,
    res: float,
) -> tuple[IntArray, tuple[IntArray, IntArray, IntArray, IntArray]]:
    """Stage 2 on one independent component (hospital or quarantine bed types).

    The two components share no bed type, so solving them apart is exact and faster.
    Returns unplaced per group and the placement pieces (local group indices).
    """
    n_groups = area.shape[0]
    n_ranks = rank_unplaced.shape[0]
    total_n = int(count.sum())
    placed_total = total_n - int(rank_unplaced.sum())
    max_units = int(units.max()) if units.size else 0
    penalty = 1 + placed_total * max_units
    if (2 * penalty + max_units + 1) * (total_n + 1) * (n_groups + 8) > _MAX_COST:
        raise ValueError(
            "distance_resolution_km must be coarser for an instance this large, "
            f"got {res} (integer costs would overflow)"
        )

    mcf = min_cost_flow.SimpleMinCostFlow()
    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []
    next_node = n_groups
    sink = next_node
    next_node += 1
    unplaced_node = next_node + np.arange(n_ranks, dtype=np.int64)
    next_node += n_ranks
    # Bypass: group → unplaced(rank) → sink, forcing exactly placed[r] placements.
    tails += [np.arange(n_groups, dtype=np.int64), unplaced_node]
    heads += [unplaced_node[rank_of], np.full(n_ranks, sink, dtype=np.int64)]
    caps += [count, rank_unplaced]
    costs += [np.zeros(n_groups, dtype=np.int64), np.zeros(n_ranks, dtype=np.int64)]
    n_bypass = n_groups

    at_tails: list[IntArray] = []  # (area, type) node → facility, for decomposition
    at_fac: list[IntArray] = []
    at_type: list[IntArray] = []
    ga_group: list[IntArray] = []  # group → (area, type) arcs
    ga_node: list[IntArray] = []
    ga_type: list[IntArray] = []
    arc_blocks: list[tuple[str, int]] = []  # (kind, length) in order of addition
    arc_blocks.append(("bypass", n_bypass + n_ranks))

    for t in BedType:
        allowed_groups = np.flatnonzero((steps_above_need[need, t] >= 0) & (count > 0))
        cap_t = beds[:, t]
        if allowed_groups.size == 0 or bound[t] == 0:
            continue
        areas_t, area_pos = np.unique(area[allowed_groups], return_inverse=True)
        rows, facs = _candidate_arcs(areas_t, units, cap_t, int(bound[t]))
        if rows.size == 0:
            continue
        area_node = next_node + np.arange(areas_t.size, dtype=np.int64)
        next_node += areas_t.size
        used_fac = np.unique(facs)
        fac_node = np.full(beds.shape[0], -1, dtype=np.int64)
        fac_node[used_fac] = next_node + np.arange(used_fac.size)
        next_node += used_fac.size
        # group → (area, t)
        g_steps = steps_above_need[need[allowed_groups], t]
        tails.append(allowed_groups.astype(np.int64))
        heads.append(area_node[area_pos])
        caps.append(count[allowed_groups])
        costs.append(g_steps * penalty)
        arc_blocks.append(("group", allowed_groups.size))
        ga_group.append(allowed_groups.astype(np.int64))
        ga_node.append(area_node[area_pos])
        ga_type.append(np.full(allowed_groups.size, int(t), dtype=np.int64))
        # (area, t) → (facility, t)
        demand_at = np.bincount(area_pos, weights=count[allowed_groups], minlength=areas_t.size)
        tails.append(area_node[rows])
        heads.append(fac_node[facs])
        caps.append(demand_at.astype(np.int64)[rows])
        costs.append(units[areas_t[rows], facs])
        arc_blocks.append(("travel", rows.size))
        at_tails.append(area_node[rows])
        at_fac.append(facs)
        at_type.append(np.full(rows.size, int(t), dtype=np.int64))
        # (facility, t) → sink
        tails.append(fac_node[used_fac])
        heads.append(np.full(used_fac.size, sink, dtype=np.int64))
        caps.append(cap_t[used_fac])
        costs.append(np.zeros(used_fac.size, dtype=np.int64))
        arc_blocks.append(("sink", used_fac.size))

    all_tails = np.concatenate(tails)
    mcf.add_arcs_with_capacity_and_unit_cost(
        all_tails, np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[:n_groups] = count
    supplies[sink] = -total_n
    mcf.set_nodes_supplies(np.arange(next_node, dtype=np.int64), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:  # cannot happen: stage 1 counts are feasible by construction
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = mcf.flows(np.arange(all_tails.size, dtype=np.int64))

    # Split the flow vector back into its blocks.
    group_flow: list[IntArray] = []
    travel_flow: list[IntArray] = []
    pos = 0
    unplaced = flows[:n_groups].astype(np.int64)
    for kind, length in arc_blocks:
        if kind == "group":
            group_flow.append(flows[pos : pos + length])
        elif kind == "travel":
            travel_flow.append(flows[pos : pos + length])
        pos += length
    p_parts = _decompose(
        ga_group, ga_node, ga_type, group_flow, at_tails, at_fac, at_type, travel_flow
    )
    return unplaced, p_parts


def _decompose(
    ga_group: list[IntArray],
    ga_node: list[IntArray],
    ga_type: list[IntArray],
    group_flow: list[IntArray],
    at_node: list[IntArray],
    at_fac: list[IntArray],
    at_type: list[IntArray],
    travel_flow: list[IntArray],
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Split each (area, type) node's flow among its groups and facilities.

    Every group of a node has the same distance to a facility, so any split is optimal;
    inflows and outflows are laid end to end (sorted by node; per-node totals are equal
    by conservation) and cut at the union of their breakpoints.
    """
    empty = np.zeros(0, dtype=np.int64)
    if not ga_group:
        return empty, empty, empty, empty
    g_group = np.concatenate(ga_group)
    g_node = np.concatenate(ga_node)
    g_flow = np.concatenate(group_flow).astype(np.int64)
    a_node = np.concatenate(at_node)
    a_fac = np.concatenate(at_fac)
    a_type = np.concatenate(at_type)
    a_flow = np.concatenate(travel_flow).astype(np.int64)
    gi = np.flatnonzero(g_flow > 0)
    ai = np.flatnonzero(a_flow > 0)
    gi = gi[np.argsort(g_node[gi], kind="stable")]
    ai = ai[np.argsort(a_node[ai], kind="stable")]
    g_end = np.cumsum(g_flow[gi])
    a_end = np.cumsum(a_flow[ai])
    if g_end.size == 0:
        return empty, empty, empty, empty
    cuts = np.union1d(g_end, a_end)
    starts = np.concatenate([[0], cuts[:-1]])
    lengths = cuts - starts
    gsel = gi[np.searchsorted(g_end, starts, side="right")]
    asel = ai[np.searchsorted(a_end, starts, side="right")]
    return (
        g_group[gsel].astype(np.int64),
        a_fac[asel].astype(np.int64),
        a_type[asel].astype(np.int64),
        lengths.astype(np.int64),
    )
