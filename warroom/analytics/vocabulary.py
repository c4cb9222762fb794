"""The platform's shared words, each defined once (pure: no Django).

- the bed types and the placement ladder of DESIGN §3.3 (who may lie in which bed);
- the count columns of the daily aggregate report of DESIGN §4;
- the reasons a unit is not certified epidemic-free (DESIGN §3.6).

Every module that needs one of them imports it from here: the allocation, the bed
balance, dispatch, case management, the surveillance import, the quality checks, the
certification and the twin (``tests/test_architecture.py`` fails if a copy reappears).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ALLOWED_BEDS",
    "BED_TYPES",
    "HOSPITAL_BED_TYPES",
    "LADDER",
    "LOWEST_BED",
    "QUARANTINE_NEEDS",
    "REPORT_COLUMNS",
    "BedType",
    "Need",
    "Reason",
    "steps_above_need",
]


# --- beds: DESIGN §3.3 -------------------------------------------------------------------


class Need(IntEnum):
    """What a waiting person needs, in priority order (0 = highest)."""

    CRITICAL = 0
    SEVERE = 1
    CONFIRMED = 2  # mild or moderate confirmed
    SUSPECTED = 3
    FEBRILE = 4
    CONTACT = 5


class BedType(IntEnum):
    """The bed types, in the column order of every (facility or day × type) array."""

    ICU = 0
    SEVERE = 1
    GENERAL = 2
    SHELTER = 3
    QUARANTINE = 4


BED_TYPES: tuple[str, ...] = tuple(t.name for t in BedType)
"""The bed type codes, in :class:`BedType` order (the platform stores these strings)."""

HOSPITAL_BED_TYPES: tuple[str, ...] = tuple(t.name for t in BedType if t != BedType.QUARANTINE)
"""Beds for confirmed patients; QUARANTINE rooms are for the other three categories."""

LADDER: dict[str, int] = {"ICU": 3, "SEVERE": 2, "GENERAL": 1, "SHELTER": 1, "QUARANTINE": 0}
"""The rung of each bed type: a higher rung is a step up (GENERAL and SHELTER are one);
QUARANTINE is off the hospital ladder."""

_NEED_RUNG = {Need.CRITICAL: 3, Need.SEVERE: 2, Need.CONFIRMED: 1}
QUARANTINE_NEEDS: tuple[Need, ...] = (Need.SUSPECTED, Need.FEBRILE, Need.CONTACT)
"""Needs answered by a quarantine room (a single room) and by nothing else."""


def _build_steps() -> NDArray[np.int64]:
    steps = np.full((len(Need), len(BedType)), -1, dtype=np.int64)
    for need, rung in _NEED_RUNG.items():
        for bed in HOSPITAL_BED_TYPES:
            if LADDER[bed] >= rung:
                steps[need, BedType[bed]] = LADDER[bed] - rung
    for need in QUARANTINE_NEEDS:
        steps[need, BedType.QUARANTINE] = 0
    steps.setflags(write=False)
    return steps


steps_above_need: NDArray[np.int64] = _build_steps()
"""``steps_above_need[need, bed_type]``: −1 if not allowed, else steps above need."""

ALLOWED_BEDS: dict[Need, tuple[BedType, ...]] = {
    need: tuple(BedType(int(t)) for t in np.flatnonzero(steps_above_need[need] >= 0))
    for need in Need
}
"""Bed types each need may be placed in (never below need)."""


def _lowest(need: Need) -> str:
    """At the need first (SHELTER before GENERAL, the Wuhan default), then fewest steps."""

    def rank(bed: BedType) -> tuple[int, int]:
        return int(steps_above_need[need, bed]), -int(bed)

    return min(ALLOWED_BEDS[need], key=rank).name


LOWEST_BED: dict[Need, str] = {need: _lowest(need) for need in Need}
"""The bed type that answers each need in the bed balance (mild confirmed: SHELTER, the
Wuhan default; a GENERAL bed serves too, which the allocation knows)."""


# --- the daily report: DESIGN §4 ----------------------------------------------------------

REPORT_COLUMNS: tuple[str, ...] = (
    "new_confirmed",
    "new_suspected",
    "new_febrile",
    "new_contacts",
    "new_deaths",
    "new_discharged",
    "cum_confirmed",
    "cum_deaths",
    "cum_discharged",
    "under_treatment",
    "severe",
    "critical",
)
"""The count columns of the daily aggregate report, after ``date`` and ``area_code``."""


# --- certification: DESIGN §3.6 -----------------------------------------------------------


class Reason:
    """Bit flags of why a unit is not certified, their stable codes, and the codes the
    platform stores (``CertificationStatus.reasons``: code → its figure)."""

    CONFIRMED_IN_WINDOW = 1
    UNRELEASED_SUSPECTED = 2
    UNRELEASED_FEBRILE = 4
    UNRELEASED_CONTACTS = 8
    CLEARANCE_BACKLOG = 16
    INSPECTION_MISSING = 32
    CHILD_NOT_CERTIFIED = 64
    # A leaf whose latest inspection failed an item whose rectification is not verified
    # yet (the platform tells it apart from a missing inspection).
    RECTIFICATION_PENDING = 128
    UNRELEASED = UNRELEASED_SUSPECTED | UNRELEASED_FEBRILE | UNRELEASED_CONTACTS

    NAMES: dict[int, str] = {
        1: "confirmed_in_window",
        2: "unreleased_suspected",
        4: "unreleased_febrile",
        8: "unreleased_contacts",
        16: "clearance_backlog",
        32: "inspection_missing",
        64: "child_not_certified",
        128: "rectification_pending",
    }

    STORED: dict[int, str] = {
        CONFIRMED_IN_WINDOW: "recent_case",
        UNRELEASED: "unreleased",
        CLEARANCE_BACKLOG: "backlog",
        INSPECTION_MISSING: "not_inspected",
        RECTIFICATION_PENDING: "rectification",
        CHILD_NOT_CERTIFIED: "children",
    }
