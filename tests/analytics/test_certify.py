"""Tests of warroom.analytics.certify: the 14-day rule and the roll-up."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from warroom.analytics.certify import (
    CertificationFacts,
    Reason,
    build_tree,
    certify,
    describe_reasons,
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
    assert certify(tree, clean_facts(6)).certified.all()
    recent = {"days_since_confirmed": (4, 0.0)}
    hit = certify(tree, clean_facts(6, **recent))
    assert hit.certified.tolist() == [False, False, True, True, False, True]
    healed = certify(tree, clean_facts(6, days_since_confirmed=(4, 14.0)))
    assert healed.certified.all()
    # Two failing compounds: the district passes only when both pass.
    two = clean_facts(6, days_since_confirmed=(3, 2.0))
    two.days_since_confirmed[4] = 20.0
    one = certify(tree, two)
    assert one.certified.tolist() == [False, False, True, False, True, True]
    assert one.uncertified_children[1] == 1


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
