"""The certification roll-up (DESIGN §3.6): facts of every unit in, statuses out.

``roll_up`` is the one function the certification service calls. It takes arrays over
the area tree (one entry per area, any order, ``parent`` as indices) and returns which
units are certified and why the others are not, as a bitmask of reasons.

The rule, exactly:

- a unit's own checks: no confirmed case for at least ``min_days`` days (a case on day
  ``as_of - min_days`` passes, one a day later does not), no suspected / febrile / close
  contact unreleased within those days, no open clearance backlog;
- a leaf (a compound, or a village without compounds) also needs the "six in place"
  passed by its latest inspection: every item passed, or every failed item's
  rectification task verified;
- a parent (community, street, district, city) needs every child certified, plus its
  own checks (facts recorded at the unit itself, not at a compound).

The roll-up itself is :func:`warroom.analytics.certify.certify`; this module maps the
platform's facts onto it (and its reason flags back onto the platform's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warroom.analytics.certify import CertificationFacts, build_tree, certify
from warroom.analytics.vocabulary import Reason

# Why a unit is not certified: the bits of Reason (warroom.analytics.vocabulary), stored
# as Reason.STORED's codes.

# The inspection state of a leaf: its latest six-in-place inspection on or before the day.
INSPECTION_NONE = 0
INSPECTION_PASSED = 1  # every item passed, or every failed item's rectification verified
INSPECTION_PENDING = 2  # a failed item's rectification is not verified yet

NO_CASE = np.iinfo(np.int64).max  # days since the last confirmed case, when there was none


@dataclass(frozen=True)
class RollUp:
    certified: NDArray[np.bool_]
    reasons: NDArray[np.int64]
    children_total: NDArray[np.int64]
    children_certified: NDArray[np.int64]


def roll_up(
    parent: NDArray[np.int64],
    days_since_case: NDArray[np.int64],
    unreleased: NDArray[np.int64],
    open_backlog: NDArray[np.int64],
    inspection: NDArray[np.int8],
    *,
    min_days: int = 14,
) -> RollUp:
    """Certify every unit of the tree from its own facts and its children's status.

    Parameters
    ----------
    parent : index of each unit's parent, -1 for the root.
    days_since_case : days from the last confirmed case to the day, ``NO_CASE`` if none.
    unreleased : suspected / febrile / contacts of the window not released.
    open_backlog : open clearance backlog.
    inspection : ``INSPECTION_NONE``, ``INSPECTION_PASSED`` or ``INSPECTION_PENDING``;
        read for leaves only.
    min_days : days without a confirmed case (DESIGN §3.6: 14, configurable).
    """
    n = np.asarray(parent).shape[0]
    arrays = (days_since_case, unreleased, open_backlog, inspection)
    if any(np.shape(a) != (n,) for a in arrays):
        raise ValueError("every fact array must have one entry per unit (the length of parent)")
    if min_days < 1:
        raise ValueError(f"min_days must be at least 1, got {min_days}")
    tree = build_tree(parent)
    days = np.asarray(days_since_case, dtype=np.int64)
    state = np.asarray(inspection, dtype=np.int8)
    facts = CertificationFacts.from_arrays(
        np.where(days == NO_CASE, np.inf, days).astype(float),
        np.asarray(unreleased, dtype=np.int64),
        np.zeros(n, dtype=np.int64),  # the unreleased of the four categories come summed
        np.zeros(n, dtype=np.int64),
        np.asarray(open_backlog, dtype=np.int64),
        # A leaf's six-in-place state is decided by its latest inspection (any age).
        np.where(state == INSPECTION_PASSED, 0.0, np.inf),
    )
    cert = certify(tree, facts, window_days=min_days, inspection_max_age_days=0)
    r = cert.reasons
    leaf = tree.is_leaf
    # A leaf not passed: never inspected, or a failed item's rectification not verified.
    reasons = (
        (r & ~Reason.INSPECTION_MISSING)
        | np.where(leaf & (state == INSPECTION_NONE), Reason.INSPECTION_MISSING, 0)
        | np.where(leaf & (state == INSPECTION_PENDING), Reason.RECTIFICATION_PENDING, 0)
    ).astype(np.int64)
    children_total = np.bincount(tree.parent[tree.parent >= 0], minlength=n).astype(np.int64)
    return RollUp(
        cert.certified, reasons, children_total, children_total - cert.uncertified_children
    )


def subtree_counts(
    parent: NDArray[np.int64], level: NDArray[np.int64], certified: NDArray[np.bool_], levels: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per unit and level, the certified units and all units of its subtree (itself included).

    ``level`` holds each unit's level as an index below ``levels``. Returns two arrays of
    shape (units, levels): certified counts and totals.
    """
    n = parent.shape[0]
    totals = np.zeros((n, levels), dtype=np.int64)
    good = np.zeros((n, levels), dtype=np.int64)
    ok = certified.astype(np.int64)
    np.add.at(totals, (np.arange(n), level), 1)
    np.add.at(good, (np.arange(n), level), ok)
    up = parent.copy()
    for _ in range(n + 1):
        alive = up >= 0
        if not alive.any():
            break
        np.add.at(totals, (up[alive], level[alive]), 1)
        np.add.at(good, (up[alive], level[alive]), ok[alive])
        up = np.where(alive, parent[np.where(alive, up, 0)], -1)
    else:
        raise ValueError("parent contains a cycle")
    return good, totals


# The figure stored with each reason code (a date, a count, ...); True if none.
_FIGURE = {
    Reason.CONFIRMED_IN_WINDOW: "last_confirmed",
    Reason.UNRELEASED: "unreleased",
    Reason.CLEARANCE_BACKLOG: "open_backlog",
    Reason.CHILD_NOT_CERTIFIED: "children",
}


def reasons_of(bits: int, **figures: Any) -> dict[str, Any]:
    """The stored reasons of a unit: reason code → its figure (a date, a count, ...)."""
    return {
        code: figures.get(_FIGURE[flag]) if flag in _FIGURE else True
        for flag, code in Reason.STORED.items()
        if bits & flag
    }


_FLAG = {code: flag for flag, code in Reason.STORED.items()}


def describe_reasons(reasons: dict[str, Any]) -> list[str]:
    """The reasons of a unit, in words a person can act on (the current language)."""
    from django.utils.translation import gettext as _

    from warroom.core import words

    texts: list[str] = []
    for code, figure in reasons.items():
        flag = _FLAG.get(code)
        if flag == Reason.CONFIRMED_IN_WINDOW:
            texts.append(_("a confirmed case on %(date)s, within the window") % {"date": figure})
        elif flag == Reason.UNRELEASED:
            texts.append(
                _("%(n)s suspected, febrile or close contacts not released") % {"n": figure}
            )
        elif flag == Reason.CLEARANCE_BACKLOG:
            texts.append(_("%(n)s in the open clearance backlog") % {"n": figure})
        elif flag == Reason.INSPECTION_MISSING:
            texts.append(_("the six in place not passed by an inspection yet"))
        elif flag == Reason.RECTIFICATION_PENDING:
            texts.append(_("rectification of a failed inspection item not verified"))
        elif flag == Reason.CHILD_NOT_CERTIFIED:
            bad, total = figure
            texts.append(
                _("%(bad)s of %(total)s subdivisions not certified") % {"bad": bad, "total": total}
            )
        elif code == "no_case_data":
            texts.append(_("unknown: no case data"))
        elif code == "new_case":
            # the case's reason, stored as its words (or, written before, as its text)
            why = words.shown(str(figure), figure) if isinstance(figure, dict) else figure
            texts.append(_("decertified by a new case: %(reason)s") % {"reason": why})
        else:
            texts.append(f"{code}: {figure}")
    return texts


def name_reason_codes(codes: str) -> str:
    """A lost certification's stored reason codes (``backlog; children``) named in the
    current language; an unknown code as it is."""
    from django.utils.translation import gettext as _

    names = {  # by flag: the stored codes are the vocabulary's (Reason.STORED)
        Reason.CONFIRMED_IN_WINDOW: _("a confirmed case within the window"),
        Reason.UNRELEASED: _("suspected, febrile or close contacts not released"),
        Reason.CLEARANCE_BACKLOG: _("open clearance backlog"),
        Reason.INSPECTION_MISSING: _("the six in place not passed by an inspection yet"),
        Reason.RECTIFICATION_PENDING: _("rectification of a failed inspection item not verified"),
        Reason.CHILD_NOT_CERTIFIED: _("subdivisions not certified"),
    }

    def name(code: str) -> str:
        if code == "no_case_data":
            return _("unknown: no case data")
        return names.get(_FLAG.get(code, 0), code)

    return "; ".join(name(c) for c in (x.strip() for x in codes.split(";")) if c)
