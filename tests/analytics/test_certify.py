"""Tests of warroom.analytics.certify: the 14-day rule, roll-up, incremental == full."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.analytics.certify import (
    Certification,
    CertificationBoard,
    CertificationFacts,
    Reason,
    build_tree,
    certify,
    describe_reasons,
    recertify,
    uncertified_children,
)

INF = float("inf")


def clean_facts(n: int, **override: Any) -> CertificationFacts:
    values: dict[str, Any] = {
        "days_since_confirmed": np.full(n, INF),
        "unreleased_suspected": np.zeros(n, dtype=int),
        "unreleased_febrile": np.zeros(n, dtype=int),
        "unreleased_contacts": np.zeros(n, dtype=int),
        "clearance_backlog": np.zeros(n, dtype=int),
        "days_since_inspection": np.full(n, 1.0),
    }
    for key, (i, v) in override.items():
        values[key][i] = v
    return CertificationFacts.from_arrays(**values)


# city 0 → districts 1, 2 → compounds 3, 4 (under 1) and 5 (under 2)
PARENT = [-1, 0, 0, 1, 1, 2]


def test_thirteen_days_fails_fourteen_days_passes() -> None:
    tree = build_tree(PARENT)
    c13 = certify(tree, clean_facts(6, days_since_confirmed=(3, 13.0)))
    c14 = certify(tree, clean_facts(6, days_since_confirmed=(3, 14.0)))
    assert not c13.certified[3] and c14.certified[3]
    assert c13.reasons[3] == Reason.CONFIRMED_IN_WINDOW
    assert c13.certified.tolist() == [False, False, True, False, True, True]
    assert c14.certified.all()
    # The window is configurable.
    c7 = certify(tree, clean_facts(6, days_since_confirmed=(3, 7.0)), window_days=7)
    assert c7.certified.all()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("unreleased_suspected", 1, Reason.UNRELEASED_SUSPECTED),
        ("unreleased_febrile", 2, Reason.UNRELEASED_FEBRILE),
        ("unreleased_contacts", 3, Reason.UNRELEASED_CONTACTS),
        ("clearance_backlog", 1, Reason.CLEARANCE_BACKLOG),
        ("days_since_inspection", 15.0, Reason.INSPECTION_MISSING),
        ("days_since_inspection", INF, Reason.INSPECTION_MISSING),
    ],
)
def test_each_own_check_decertifies_leaf_and_ancestors(field: str, value: Any, reason: int) -> None:
    tree = build_tree(PARENT)
    cert = certify(tree, clean_facts(6, **{field: (5, value)}))
    assert cert.certified.tolist() == [False, True, False, True, True, False]
    assert cert.reasons[5] == reason
    assert cert.reasons[2] == Reason.CHILD_NOT_CERTIFIED
    assert cert.uncertified_children.tolist() == [1, 0, 1, 0, 0, 0]
    assert uncertified_children(tree, cert, 2).tolist() == [5]
    assert describe_reasons(int(cert.reasons[0])) == ["child_not_certified"]


def test_inner_unit_needs_its_own_checks_but_no_inspection() -> None:
    tree = build_tree(PARENT)
    facts = clean_facts(6, days_since_inspection=(1, INF))
    assert certify(tree, facts).certified.all()  # inspections are read for leaves only
    cert = certify(tree, clean_facts(6, clearance_backlog=(1, 4)))
    assert cert.certified.tolist() == [False, False, True, True, True, True]
    assert cert.reasons[1] == Reason.CLEARANCE_BACKLOG


def test_new_case_decertifies_all_ancestors_and_passing_restores_them() -> None:
    tree = build_tree(PARENT)
    cert = certify(tree, clean_facts(6))
    assert cert.certified.all()
    hit = recertify(tree, cert, 4, days_since_confirmed=0.0, days_since_inspection=1.0)
    assert hit.certified.tolist() == [False, False, True, True, False, True]
    assert cert.certified.all()  # the input is not mutated
    healed = recertify(tree, hit, 4, days_since_confirmed=14.0, days_since_inspection=1.0)
    assert healed.certified.all()
    # Two failing compounds: the district passes only when both pass.
    two = recertify(tree, hit, 3, days_since_confirmed=2.0, days_since_inspection=1.0)
    one = recertify(tree, two, 4, days_since_confirmed=20.0, days_since_inspection=1.0)
    assert one.certified.tolist() == [False, False, True, False, True, True]
    assert one.uncertified_children[1] == 1


@st.composite
def trees_and_changes(draw: Any) -> tuple[list[int], list[tuple[int, dict[str, Any]]], Any]:
    n = draw(st.integers(1, 40))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    if n > 3 and draw(st.booleans()):
        parent[n - 1] = -1  # a forest: two roots
    fact = st.fixed_dictionaries(
        {
            "days_since_confirmed": st.sampled_from([0.0, 5.0, 13.0, 14.0, 30.0, INF]),
            "unreleased_suspected": st.sampled_from([0, 0, 0, 1]),
            "unreleased_febrile": st.sampled_from([0, 0, 0, 2]),
            "unreleased_contacts": st.sampled_from([0, 0, 0, 3]),
            "clearance_backlog": st.sampled_from([0, 0, 0, 1]),
            "days_since_inspection": st.sampled_from([0.0, 14.0, 15.0, INF]),
        }
    )
    initial = draw(st.lists(fact, min_size=n, max_size=n))
    changes = draw(st.lists(st.tuples(st.integers(0, n - 1), fact), max_size=25))
    return parent, changes, initial


def facts_from_rows(rows: list[dict[str, Any]]) -> CertificationFacts:
    return CertificationFacts.from_arrays(**{k: [r[k] for r in rows] for k in rows[0]})


def assert_same(a: Certification, b: Certification) -> None:
    assert np.array_equal(a.certified, b.certified)
    assert np.array_equal(a.reasons, b.reasons)
    assert np.array_equal(a.uncertified_children, b.uncertified_children)


def brute_force(parent: list[int], rows: list[dict[str, Any]]) -> list[bool]:
    """Recursive definition, written independently of the vectorised code."""
    n = len(parent)

    def own_ok(i: int) -> bool:
        r = rows[i]
        is_leaf = i not in parent
        return (
            r["days_since_confirmed"] >= 14
            and r["unreleased_suspected"] == 0
            and r["unreleased_febrile"] == 0
            and r["unreleased_contacts"] == 0
            and r["clearance_backlog"] == 0
            and (not is_leaf or r["days_since_inspection"] <= 14)
        )

    def ok(i: int) -> bool:
        return own_ok(i) and all(ok(c) for c in range(n) if parent[c] == i)

    return [ok(i) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(trees_and_changes())
def test_incremental_equals_full_recompute(data: Any) -> None:
    parent, changes, initial = data
    tree = build_tree(parent)
    rows = [dict(r) for r in initial]
    cert = certify(tree, facts_from_rows(rows))
    assert cert.certified.tolist() == brute_force(parent, rows)
    board = CertificationBoard(tree, cert)
    for node, new in changes:
        rows[node] = dict(new)
        before = board.snapshot().certified
        cert = recertify(tree, cert, node, **new)
        changed = board.update(node, **new)
        full = certify(tree, facts_from_rows(rows))
        assert_same(cert, full)
        assert_same(board.snapshot(), full)
        assert sorted(changed) == np.flatnonzero(before != full.certified).tolist()
    assert cert.certified.tolist() == brute_force(parent, rows)


@pytest.mark.parametrize(
    ("parent", "message"),
    [([1, 0], "parent must describe a tree, got a cycle"), ([-1, 5], "parent must hold")],
)
def test_bad_tree_raises(parent: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_tree(parent)


def test_bad_facts_and_params_raise() -> None:
    with pytest.raises(ValueError, match="days_since_confirmed must be non-negative days"):
        CertificationFacts.from_arrays([np.nan], [0], [0], [0], [0], [1.0])
    with pytest.raises(ValueError, match="unreleased_febrile must have one entry per node"):
        CertificationFacts.from_arrays([1.0], [0], [0, 0], [0], [0], [1.0])
    tree = build_tree([-1])
    facts = clean_facts(1)
    with pytest.raises(ValueError, match="window_days must be a non-negative integer"):
        certify(tree, facts, window_days=-1)
    with pytest.raises(ValueError, match="node must be a node index"):
        recertify(tree, certify(tree, facts), 3, days_since_confirmed=1.0)
    with pytest.raises(ValueError, match="clearance_backlog must be an integer"):
        recertify(tree, certify(tree, facts), 0, days_since_confirmed=1.0, clearance_backlog=0.5)
