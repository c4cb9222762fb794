"""Dispatching people to beds: propose, confirm, place by hand, refuse, transfer, discharge.

Every write is a ``do_<verb>_<noun>(..., *, actor)`` in one transaction. The rules:

- **Who waits, what he needs**: case management says (:mod:`warroom.cases.waiting`).
- **Where he goes**: :func:`warroom.analytics.allocate.allocate_beds`, the exact
  min-cost flow of DESIGN §3.3, over the free beds of the live pools
  (:class:`warroom.beds.models.BedPool`: capacity − occupied, reservations included).
- **No bed filled twice**: a confirmation locks its lines, then the people, then the pools
  (always in that order and by primary key, so two confirmations cannot deadlock; the
  daily dispatch's rounds, :func:`do_propose_and_confirm`, write their lines already
  decided, so they lock only the people, then the pools), takes
  at most the free beds of each pool with one conditional UPDATE per pool (the CHECK
  ``occupied <= capacity`` is the final judge), and refuses the rest with a reason. At
  most one open placement per person is a unique constraint.
- **The person moves with the bed**: admission or isolation through
  :func:`warroom.cases.services.do_assign_beds` (set-based, one audit entry per batch);
  discharge, death and release through the cases state machine, which frees the bed at
  once (also when case management records them first: :func:`_on_transition`).

The module is the one place the app's changes are called from; its sections live in
``proposing``, ``confirming``, ``placing``, ``moves``, ``rounds``."""

from __future__ import annotations

from warroom.dispatch._base import (  # noqa: F401
    HOSPITAL_TYPES,
    LOCKED_FIELDS,
    can_dispatch,
    facilities_of,
    people_of,
)
from warroom.dispatch.confirming import (  # noqa: F401
    Confirmation,
    Refused,
    do_confirm_proposal,
    do_propose_and_confirm,
)
from warroom.dispatch.moves import (  # noqa: F401
    FacilityMoves,
    do_record_facility_moves,
    holds_bed,
)
from warroom.dispatch.placing import (  # noqa: F401
    END_TARGETS,
    direction,
    do_end_placement,
    do_place_person,
    do_refuse_line,
    do_transfer_person,
)
from warroom.dispatch.proposing import (  # noqa: F401
    do_propose,
)
from warroom.dispatch.rounds import (  # noqa: F401
    DISPATCH_ROUNDS,
    DispatchRun,
    do_dispatch_all,
    register,
)
