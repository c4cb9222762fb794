"""Allocation of supplies by priority (ICU first): properties, and HiGHS as the peer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from warroom.analytics.supplies import allocate_supplies, days_of_stock, waste_backlog


@st.composite
def instances(draw):
    tiers = draw(st.integers(1, 4))
    fac = draw(st.integers(1, 6))
    items = draw(st.integers(1, 3))
    need = np.array(
        draw(
            st.lists(st.integers(0, 40), min_size=tiers * fac * items, max_size=tiers * fac * items)
        ),
        dtype=np.int64,
    ).reshape(tiers, fac, items)
    stock = np.array(
        draw(st.lists(st.integers(0, 200), min_size=items, max_size=items)), dtype=np.int64
    )
    return need, stock


def _lexicographic_optimum(need: np.ndarray, stock: int) -> list[float]:
    """Units served per tier, maximised tier by tier with HiGHS (one item)."""
    tiers, fac = need.shape
    served: list[float] = []
    n = tiers * fac
    bounds = [(0, int(need[t, f])) for t in range(tiers) for f in range(fac)]
    a_ub = [np.ones(n)]
    b_ub = [stock]
    a_eq, b_eq = [], []
    for t in range(tiers):
        c = np.zeros(n)
        c[t * fac : (t + 1) * fac] = -1
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq or None,
            b_eq=b_eq or None,
            bounds=bounds,
            method="highs",
        )
        assert res.status == 0
        served.append(-res.fun)
        row = np.zeros(n)
        row[t * fac : (t + 1) * fac] = 1
        a_eq.append(row)
        b_eq.append(-res.fun)
    return served


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_allocation_serves_each_tier_as_much_as_the_lexicographic_optimum(inst):
    need, stock = inst
    got = allocate_supplies(need, stock)
    assert (got.by_tier >= 0).all() and (got.by_tier <= need).all()
    assert (got.amount.sum(axis=0) <= stock).all()
    for i in range(need.shape[2]):
        best = _lexicographic_optimum(need[:, :, i], int(stock[i]))
        assert got.by_tier[:, :, i].sum(axis=1).tolist() == pytest.approx(best)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_a_short_tier_is_shared_in_proportion_to_need_and_later_tiers_wait(inst):
    need, stock = inst
    got = allocate_supplies(need, stock)
    for i in range(need.shape[2]):
        b = int(got.binding_tier[i])
        if b == need.shape[0]:
            assert (got.by_tier[:, :, i] == need[:, :, i]).all()
            continue
        assert (got.by_tier[:b, :, i] == need[:b, :, i]).all()  # earlier tiers in full
        assert (got.by_tier[b + 1 :, :, i] == 0).all()  # later tiers nothing
        left = int(stock[i]) - int(need[:b, :, i].sum())
        d = need[b, :, i]
        exact = d * left / d.sum()
        assert np.all(np.abs(got.by_tier[b, :, i] - exact) < 1)  # within one unit of the share
        assert got.by_tier[b, :, i].sum() == left  # nothing held back


def test_icu_first():
    need = np.array([[[10], [0]], [[0], [10]]], dtype=np.int64)  # ICU at f0, SEVERE at f1
    got = allocate_supplies(need, np.array([12]))
    assert got.amount[:, 0].tolist() == [10, 2]


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="whole units"):
        allocate_supplies(np.ones((1, 1, 1)), np.array([1]))
    with pytest.raises(ValueError, match="non-negative"):
        allocate_supplies(np.array([[[-1]]]), np.array([1]))
    with pytest.raises(ValueError, match="one entry per item"):
        allocate_supplies(np.array([[[1]]]), np.array([1, 2]))


def test_days_of_stock():
    got = days_of_stock(np.array([10.0, 5.0, 0.0]), np.array([2.0, 0.0, 1.0]))
    assert got.tolist() == [5.0, np.inf, 0.0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 80)), min_size=1, max_size=20))
def test_waste_backlog_is_first_in_first_out(days):
    g = np.array([d[0] for d in days], dtype=float)
    # Dispose at most what is stored: the plant cannot burn what nobody produced.
    d = np.zeros_like(g)
    stored = 0.0
    for t, (_, cap) in enumerate(days):
        d[t] = min(cap, stored + g[t])
        stored += g[t] - d[t]
    got = waste_backlog(g, d)
    # Replay with an explicit queue of (day, tonnes).
    queue: list[list[float]] = []
    for t in range(len(g)):
        queue.append([t, g[t]])
        take = d[t]
        while take > 1e-9 and queue:
            q = queue[0]
            used = min(q[1], take)
            q[1] -= used
            take -= used
            if q[1] <= 1e-9:
                queue.pop(0)
        queue = [q for q in queue if q[1] > 1e-9]
        assert got.backlog[t] == pytest.approx(sum(q[1] for q in queue), abs=1e-6)
        assert got.over_48h[t] == pytest.approx(sum(q[1] for q in queue if q[0] <= t - 2), abs=1e-6)
        assert got.oldest_days[t] == (t - queue[0][0] if queue else -1)


def test_disposing_more_than_was_generated_is_refused():
    with pytest.raises(ValueError, match="more waste disposed"):
        waste_backlog(np.array([1.0]), np.array([2.0]))
