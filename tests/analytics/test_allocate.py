"""Tests of warroom.analytics.allocate against an independent lexicographic LP (HiGHS)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from warroom.analytics import allocate as allocate_module
from warroom.analytics.allocate import (
    ALLOWED_BEDS,
    Allocation,
    BedType,
    Need,
    allocate_beds,
    steps_above_need,
)

# Below-need ladder written out by hand from DESIGN §3.3, independent of the module's table.
HAND_ALLOWED = {
    Need.CRITICAL: {BedType.ICU: 0},
    Need.SEVERE: {BedType.SEVERE: 0, BedType.ICU: 1},
    Need.CONFIRMED: {BedType.SHELTER: 0, BedType.GENERAL: 0, BedType.SEVERE: 1, BedType.ICU: 2},
    Need.SUSPECTED: {BedType.QUARANTINE: 0},
    Need.FEBRILE: {BedType.QUARANTINE: 0},
    Need.CONTACT: {BedType.QUARANTINE: 0},
}


def lexicographic_lp(
    area: np.ndarray,
    need: np.ndarray,
    count: np.ndarray,
    wait: np.ndarray,
    beds: np.ndarray,
    units: np.ndarray,
) -> tuple[list[int], int, int]:
    """Placed per rank, steps above need, distance units — by successive LPs."""
    n_fac = beds.shape[0]
    var: list[tuple[int, int, int, int, int]] = []  # group, facility, type, steps, dist
    for g in range(len(count)):
        for t, s in HAND_ALLOWED[Need(int(need[g]))].items():
            for f in range(n_fac):
                var.append((g, f, int(t), s, int(units[area[g], f])))
    nv = len(var)
    ranks = sorted({(int(need[g]), -int(wait[g])) for g in range(len(count))})
    if nv == 0:
        return [0] * len(ranks), 0, 0
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    for g in range(len(count)):
        row = np.array([1.0 if v[0] == g else 0.0 for v in var])
        a_ub.append(row)
        b_ub.append(float(count[g]))
    for f in range(n_fac):
        for t in range(5):
            row = np.array([1.0 if (v[1] == f and v[2] == t) else 0.0 for v in var])
            a_ub.append(row)
            b_ub.append(float(beds[f, t]))
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []
    placed: list[int] = []

    def solve(c: np.ndarray) -> float:
        res = linprog(
            c,
            A_ub=np.array(a_ub),
            b_ub=b_ub,
            A_eq=np.array(a_eq) if a_eq else None,
            b_eq=b_eq if b_eq else None,
            bounds=(0, None),
            method="highs",
        )
        assert res.status == 0, res.message
        return float(res.fun)

    for key in ranks:
        row = np.array([1.0 if (int(need[v[0]]), -int(wait[v[0]])) == key else 0.0 for v in var])
        best = -solve(-row)
        placed.append(round(best))
        a_eq.append(row)
        b_eq.append(float(round(best)))
    steps_row = np.array([float(v[3]) for v in var])
    steps = round(solve(steps_row))
    a_eq.append(steps_row)
    b_eq.append(float(steps))
    dist = round(solve(np.array([float(v[4]) for v in var])))
    return placed, steps, dist


def check_feasible(
    alloc: Allocation,
    area: np.ndarray,
    need: np.ndarray,
    count: np.ndarray,
    beds: np.ndarray,
    units: np.ndarray,
) -> None:
    per_group = np.bincount(alloc.placement_group, alloc.placement_count, minlength=len(count))
    assert np.array_equal(per_group.astype(int) + alloc.unplaced, count)
    assert np.all(alloc.placement_count > 0)
    used = np.zeros_like(beds)
    np.add.at(used, (alloc.placement_facility, alloc.placement_bed_type), alloc.placement_count)
    assert np.all(used <= beds)
    for g, t in zip(alloc.placement_group, alloc.placement_bed_type, strict=True):
        assert BedType(int(t)) in HAND_ALLOWED[Need(int(need[g]))]
    d = int(
        (units[area[alloc.placement_group], alloc.placement_facility] * alloc.placement_count).sum()
    )
    assert d == alloc.total_distance_units


@st.composite
def instances(draw: Any) -> tuple[np.ndarray, ...]:
    n_areas = draw(st.integers(1, 4))
    n_fac = draw(st.integers(1, 4))
    n_groups = draw(st.integers(0, 8))
    area = np.array(
        draw(st.lists(st.integers(0, n_areas - 1), min_size=n_groups, max_size=n_groups)),
        dtype=np.int64,
    )
    need = np.array(
        draw(st.lists(st.integers(0, 5), min_size=n_groups, max_size=n_groups)), dtype=np.int64
    )
    count = np.array(
        draw(st.lists(st.integers(0, 6), min_size=n_groups, max_size=n_groups)), dtype=np.int64
    )
    wait = np.array(
        draw(st.lists(st.integers(0, 2), min_size=n_groups, max_size=n_groups)), dtype=np.int64
    )
    beds = np.array(
        draw(
            st.lists(
                st.lists(st.integers(0, 4), min_size=5, max_size=5), min_size=n_fac, max_size=n_fac
            )
        ),
        dtype=np.int64,
    )
    # Small integer distances make ties (degenerate optima) common.
    dist = np.array(
        draw(
            st.lists(
                st.lists(st.integers(0, 5), min_size=n_fac, max_size=n_fac),
                min_size=n_areas,
                max_size=n_areas,
            )
        ),
        dtype=np.float64,
    )
    return area, need, count, wait, beds, dist


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_objective_equals_independent_lexicographic_lp(inst: tuple[np.ndarray, ...]) -> None:
    area, need, count, wait, beds, dist = inst
    alloc = allocate_beds(area, need, count, wait, beds, dist, distance_resolution_km=1.0)
    units = np.rint(dist).astype(np.int64)
    check_feasible(alloc, area, need, count, beds, units)
    placed, steps, total = lexicographic_lp(area, need, count, wait, beds, units)
    assert alloc.rank_placed.tolist() == placed
    assert alloc.steps_above_need == steps
    assert alloc.total_distance_units == total


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_larger_random_instances_match_lp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_groups, n_fac, n_areas = 14, 6, 5
    area = rng.integers(0, n_areas, n_groups)
    need = rng.integers(0, 6, n_groups)
    count = rng.integers(0, 12, n_groups)
    wait = rng.integers(0, 3, n_groups)
    beds = rng.integers(0, 6, (n_fac, 5)) * (rng.random((n_fac, 5)) < 0.6)
    dist = rng.random((n_areas, n_fac)) * 30.0
    alloc = allocate_beds(area, need, count, wait, beds, dist, distance_resolution_km=0.1)
    units = np.rint(dist / 0.1).astype(np.int64)
    check_feasible(alloc, area, need, count, beds, units)
    placed, steps, total = lexicographic_lp(area, need, count, wait, beds, units)
    assert alloc.rank_placed.tolist() == placed
    assert (alloc.steps_above_need, alloc.total_distance_units) == (steps, total)


def test_critical_takes_the_last_icu_bed_before_severe_and_longest_wait_first() -> None:
    alloc = allocate_beds(
        group_area=[0, 0, 0],
        group_need=[Need.SEVERE, Need.CRITICAL, Need.CRITICAL],
        group_count=[1, 1, 1],
        group_wait=[9, 1, 5],
        free_beds=[[1, 0, 0, 0, 0]],
        distance_km=[[1.0]],
    )
    assert alloc.unplaced.tolist() == [1, 1, 0]  # critical who waited 5 gets the bed
    assert alloc.placed_by_need.tolist() == [1, 0, 0, 0, 0, 0]


def test_mild_goes_above_need_only_when_nothing_else_is_free() -> None:
    # ICU is next door, a shelter bed is 50 km away: the shelter bed wins.
    beds = [[1, 0, 0, 0, 0], [0, 0, 0, 1, 0]]
    alloc = allocate_beds([0], [Need.CONFIRMED], [2], [0], beds, [[0.0, 50.0]])
    got = sorted(
        zip(alloc.placement_bed_type.tolist(), alloc.placement_count.tolist(), strict=True)
    )
    assert got == [(BedType.ICU, 1), (BedType.SHELTER, 1)]
    assert alloc.steps_above_need == 2
    assert alloc.total_distance_km == pytest.approx(50.0)


def test_quarantine_needs_never_get_hospital_beds_and_no_one_below_need() -> None:
    beds = [[5, 5, 5, 5, 0]]
    alloc = allocate_beds([0, 0, 0, 0], [3, 4, 5, 1], [2, 2, 2, 2], [0] * 4, beds, [[1.0]])
    assert alloc.unplaced.tolist() == [2, 2, 2, 0]
    assert alloc.placement_bed_type.tolist() == [BedType.SEVERE]


def test_no_beds_leaves_everyone_waiting() -> None:
    alloc = allocate_beds([0, 1], [0, 5], [3, 4], [0, 0], np.zeros((2, 5)), np.ones((2, 2)))
    assert alloc.unplaced.tolist() == [3, 4]
    assert alloc.placement_count.size == 0
    assert alloc.total_distance_units == 0


def test_nearest_facility_is_chosen() -> None:
    beds = [[0, 0, 0, 0, 3], [0, 0, 0, 0, 3]]
    alloc = allocate_beds([0, 1], [5, 5], [2, 2], [0, 0], beds, [[1.0, 9.0], [9.0, 2.0]])
    pairs = sorted(
        zip(alloc.placement_group.tolist(), alloc.placement_facility.tolist(), strict=True)
    )
    assert pairs == [(0, 0), (1, 1)]
    assert alloc.total_distance_km == pytest.approx(2 * 1.0 + 2 * 2.0)


def test_allowed_table_matches_design() -> None:
    for need, allowed in HAND_ALLOWED.items():
        assert set(ALLOWED_BEDS[need]) == set(allowed)
        for t, s in allowed.items():
            assert steps_above_need[need, t] == s


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_need": [7]}, "group_need must be a Need code"),
        ({"group_count": [-1]}, "group_count must be non-negative"),
        ({"group_count": [1, 2]}, "group_count must have one entry per group"),
        ({"free_beds": [[1, 1, 1]]}, "free_beds must have one column per bed type"),
        ({"distance_km": [[np.inf]]}, "distance_km must be finite"),
        ({"distance_km": [[-1.0]]}, "distance_km must be non-negative"),
        ({"group_area": [3]}, "group_area must index a row of distance_km"),
        ({"distance_resolution_km": 0.0}, "distance_resolution_km must be a positive number"),
        ({"group_wait": [0.5]}, "group_wait must hold integers"),
    ],
)
def test_bad_input_raises_uniform_value_error(kwargs: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {
        "group_area": [0],
        "group_need": [0],
        "group_count": [1],
        "group_wait": [0],
        "free_beds": [[1, 0, 0, 0, 0]],
        "distance_km": [[1.0]],
    }
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        allocate_beds(**base)


def _all_arcs(area_ids: np.ndarray, units: np.ndarray, cap_t: np.ndarray, bound: int) -> Any:
    fac = np.flatnonzero(cap_t > 0)
    rows = np.repeat(np.arange(area_ids.size), fac.size)
    return rows.astype(np.int64), np.tile(fac, area_ids.size).astype(np.int64)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_arc_pruning_is_exact_where_it_prunes(seed: int, scarce: bool) -> None:
    # Mid-size instances (60 areas × 40 facilities) where most arcs are pruned; the
    # unpruned network must reach exactly the same objective.
    rng = np.random.default_rng(seed)
    n_areas, n_fac, n_groups = 60, 40, 150
    area = rng.integers(0, n_areas, n_groups)
    need = rng.integers(0, 6, n_groups)
    count = rng.integers(0, 5, n_groups)
    wait = rng.integers(0, 3, n_groups)
    beds = rng.integers(0, 4 if scarce else 30, (n_fac, 5))
    xy_a, xy_f = rng.random((n_areas, 2)) * 40, rng.random((n_fac, 2)) * 40
    dist = np.round(np.hypot(*(xy_a[:, None, :] - xy_f[None, :, :]).transpose(2, 0, 1)), 1)
    pruned = allocate_beds(area, need, count, wait, beds, dist)
    mp = pytest.MonkeyPatch()
    mp.setattr(allocate_module, "_candidate_arcs", _all_arcs)
    try:
        full = allocate_beds(area, need, count, wait, beds, dist)
    finally:
        mp.undo()
    assert pruned.rank_placed.tolist() == full.rank_placed.tolist()
    assert pruned.steps_above_need == full.steps_above_need
    assert pruned.total_distance_units == full.total_distance_units
