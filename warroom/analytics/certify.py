"""Epidemic-free certification (无疫情) rolled up an area tree (DESIGN §3.6).

A unit is certified when its own checks pass and every child is certified:

- no confirmed case for at least ``window_days`` (default 14): a unit whose last case
  was 14 days ago passes, 13 days ago fails;
- no suspected case, febrile patient or close contact still unreleased within the window
  (the caller counts them per unit);
- no open daily-clearance backlog;
- for a leaf (a compound): a passed "six in place" (六个到位) inspection no older than
  ``inspection_max_age_days``. Inner units (community, street, district, city) have no
  inspection of their own; their condition is their children.

As Wuhan applied it from 1 March 2020 (DESIGN §3.6): a new case decertifies the compound
and every ancestor at once; an ancestor passes again only when all its children do and
its own checks pass.

:func:`certify` recomputes every node, vectorised bottom-up by depth, and returns a
:class:`Certification` (frozen). The platform recomputes the whole tree each run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warroom.analytics._checks import as_int_array, check_length
from warroom.analytics.parameters import CERTIFICATION_WINDOW_DAYS, INSPECTION_MAX_AGE_DAYS
from warroom.analytics.vocabulary import Reason

__all__ = [
    "AreaTree",
    "Certification",
    "CertificationFacts",
    "Reason",
    "build_tree",
    "certify",
    "describe_reasons",
    "uncertified_children",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class AreaTree:
    """An area tree prepared for roll-ups. Build it with :func:`build_tree`.

    Attributes
    ----------
    parent : ndarray of int
        Parent of each node, −1 for a root.
    depth : ndarray of int
        0 for a root.
    child_ptr, child_idx : ndarray of int
        Children of node i are ``child_idx[child_ptr[i]:child_ptr[i + 1]]`` (CSR).
    by_depth : tuple of ndarray
        Nodes at each depth, root level first.
    is_leaf : ndarray of bool
    """

    parent: IntArray
    depth: IntArray
    child_ptr: IntArray
    child_idx: IntArray
    by_depth: tuple[IntArray, ...]
    is_leaf: BoolArray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.parent.shape[0])


def build_tree(parent: Any) -> AreaTree:
    """Validate a parent array and precompute depths and children.

    Parameters
    ----------
    parent : array of int, shape (n_nodes,)
        Parent index of each node; −1 marks a root. Must be acyclic.

    Raises
    ------
    ValueError
        If an index is out of range or the parent links form a cycle.
    """
    par = as_int_array("parent", parent, 1, nonnegative=False)
    n = par.shape[0]
    if n and (int(par.min()) < -1 or int(par.max()) >= n):
        raise ValueError(f"parent must hold −1 or a node index in 0..{n - 1}")
    depth = np.zeros(n, dtype=np.int64)
    anc = par.copy()
    for _ in range(n + 1):
        live = anc >= 0
        if not live.any():
            break
        depth += live
        anc[live] = par[anc[live]]
    else:
        raise ValueError("parent must describe a tree, got a cycle")
    has_parent = np.flatnonzero(par >= 0)
    order = has_parent[np.argsort(par[has_parent], kind="stable")]
    counts = np.bincount(par[has_parent], minlength=n)
    child_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    by_depth = tuple(
        np.flatnonzero(depth == d).astype(np.int64) for d in range(int(depth.max(initial=-1)) + 1)
    )
    return AreaTree(
        parent=par,
        depth=depth,
        child_ptr=child_ptr,
        child_idx=order.astype(np.int64),
        by_depth=by_depth,
        is_leaf=counts == 0,
    )


@dataclass(frozen=True, eq=False)
class CertificationFacts:
    """Per-node facts on the certification day (one entry per node of the tree).

    Attributes
    ----------
    days_since_confirmed : ndarray of float
        Days since the unit's last confirmed case; ``inf`` if it never had one.
    unreleased_suspected, unreleased_febrile, unreleased_contacts : ndarray of int
        People of each category within the window who are not yet released.
    clearance_backlog : ndarray of int
        Open items of the daily clearance (DESIGN §3.2).
    days_since_inspection : ndarray of float
        Days since the last *passed* "six in place" inspection; ``inf`` if never.
        Read for leaves only.
    """

    days_since_confirmed: FloatArray
    unreleased_suspected: IntArray
    unreleased_febrile: IntArray
    unreleased_contacts: IntArray
    clearance_backlog: IntArray
    days_since_inspection: FloatArray

    @classmethod
    def from_arrays(
        cls,
        days_since_confirmed: Any,
        unreleased_suspected: Any,
        unreleased_febrile: Any,
        unreleased_contacts: Any,
        clearance_backlog: Any,
        days_since_inspection: Any,
    ) -> CertificationFacts:
        """Validate and build the facts (all arrays of one length, non-negative)."""
        dsc = _days("days_since_confirmed", days_since_confirmed, 1)
        n = dsc.shape[0]
        ints = [
            as_int_array(name, value, 1)
            for name, value in (
                ("unreleased_suspected", unreleased_suspected),
                ("unreleased_febrile", unreleased_febrile),
                ("unreleased_contacts", unreleased_contacts),
                ("clearance_backlog", clearance_backlog),
            )
        ]
        dsi = _days("days_since_inspection", days_since_inspection, 1)
        names = ("unreleased_suspected", "unreleased_febrile", "unreleased_contacts")
        for name, arr in zip((*names, "clearance_backlog"), ints, strict=True):
            check_length(name, arr, n, "node")
        check_length("days_since_inspection", dsi, n, "node")
        return cls(dsc, ints[0], ints[1], ints[2], ints[3], dsi)


def _days(name: str, value: Any, ndim: int) -> FloatArray:
    """Non-negative days, ``inf`` allowed (never), NaN refused."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {type(value).__name__}") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative days or inf (never)")
    return arr


@dataclass(frozen=True, eq=False)
class Certification:
    """Certification status of every node.

    Attributes
    ----------
    certified : ndarray of bool
    reasons : ndarray of int
        Bit mask of :class:`Reason` flags; 0 exactly when certified.
    own_reasons : ndarray of int
        The flags of the node's own checks (without ``CHILD_NOT_CERTIFIED``).
    uncertified_children : ndarray of int
        How many children are not certified.
    facts : CertificationFacts
        The facts the status was computed from.
    window_days, inspection_max_age_days : int
        The thresholds used.
    """

    certified: BoolArray
    reasons: IntArray
    own_reasons: IntArray
    uncertified_children: IntArray
    facts: CertificationFacts
    window_days: int
    inspection_max_age_days: int


def _check_days_param(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _own_reasons(
    facts: CertificationFacts, is_leaf: BoolArray, window: int, max_age: int, idx: Any
) -> IntArray:
    """Own-check flags of the nodes ``idx`` (a slice or an index array)."""
    r = np.where(facts.days_since_confirmed[idx] < window, Reason.CONFIRMED_IN_WINDOW, 0)
    r |= np.where(facts.unreleased_suspected[idx] > 0, Reason.UNRELEASED_SUSPECTED, 0)
    r |= np.where(facts.unreleased_febrile[idx] > 0, Reason.UNRELEASED_FEBRILE, 0)
    r |= np.where(facts.unreleased_contacts[idx] > 0, Reason.UNRELEASED_CONTACTS, 0)
    r |= np.where(facts.clearance_backlog[idx] > 0, Reason.CLEARANCE_BACKLOG, 0)
    stale = is_leaf[idx] & ~(facts.days_since_inspection[idx] <= max_age)
    r |= np.where(stale, Reason.INSPECTION_MISSING, 0)
    return np.asarray(r, dtype=np.int64)


def certify(
    tree: AreaTree,
    facts: CertificationFacts,
    *,
    window_days: int = CERTIFICATION_WINDOW_DAYS,
    inspection_max_age_days: int = INSPECTION_MAX_AGE_DAYS,
) -> Certification:
    """Certify every node of the tree, bottom-up by depth (DESIGN §3.6).

    Parameters
    ----------
    tree : AreaTree
        From :func:`build_tree`.
    facts : CertificationFacts
        One entry per node.
    window_days : int, default 14
        Days without a confirmed case required (:data:`CERTIFICATION_WINDOW_DAYS`).
    inspection_max_age_days : int, default 14
        Maximum age of the last passed leaf inspection (:data:`INSPECTION_MAX_AGE_DAYS`).

    Returns
    -------
    Certification
    """
    window = _check_days_param("window_days", window_days)
    max_age = _check_days_param("inspection_max_age_days", inspection_max_age_days)
    n = tree.n_nodes
    check_length("facts.days_since_confirmed", facts.days_since_confirmed, n, "node")
    own = _own_reasons(facts, tree.is_leaf, window, max_age, slice(None))
    uncert = np.zeros(n, dtype=np.int64)
    certified = np.zeros(n, dtype=bool)
    for nodes in reversed(tree.by_depth):
        ok = (own[nodes] == 0) & (uncert[nodes] == 0)
        certified[nodes] = ok
        bad = nodes[~ok]
        par = tree.parent[bad]
        par = par[par >= 0]
        if par.size:
            uncert += np.bincount(par, minlength=n)
    reasons = own | np.where(uncert > 0, Reason.CHILD_NOT_CERTIFIED, 0)
    return Certification(
        certified=certified,
        reasons=reasons.astype(np.int64),
        own_reasons=own,
        uncertified_children=uncert,
        facts=facts,
        window_days=window,
        inspection_max_age_days=max_age,
    )


def uncertified_children(tree: AreaTree, cert: Certification, node: int) -> IntArray:
    """The children of ``node`` that are not certified (the detail behind the count)."""
    kids = tree.child_idx[tree.child_ptr[node] : tree.child_ptr[node + 1]]
    return kids[~cert.certified[kids]]


def describe_reasons(mask: int) -> list[str]:
    """Stable reason codes of a :attr:`Certification.reasons` bit mask, in flag order."""
    return [name for bit, name in Reason.NAMES.items() if mask & bit]
