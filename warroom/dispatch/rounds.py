"""The daily dispatch rounds (the demo feed's and the platform's daily call).

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from warroom.beds.models import BedPool
from warroom.beds.services import do_sync_pools
from warroom.core.context import SYSTEM
from warroom.dispatch._base import facilities_of
from warroom.dispatch.confirming import do_propose_and_confirm
from warroom.dispatch.models import Proposal
from warroom.dispatch.moves import _on_bulk_transitions, _on_transition

# --- the demo feed's daily call ---------------------------------------------------------


@dataclass(frozen=True)
class DispatchRun:
    proposal_id: int
    waiting: int
    placements: list[tuple[int, int, str]]  # (person id, facility id, bed type)
    refused: int


def do_dispatch_all(day: dt.date | None = None, *, actor: Any = SYSTEM) -> DispatchRun:
    """Propose and confirm everything proposed: the twin's dispatcher, once a day. Each
    round is one transaction (:func:`do_propose_and_confirm`: the lines written as decided).

    ``day`` stamps the run at noon of that day (a simulated day); default now. The live
    pools are first brought to that day's capacity (``do_sync_pools``): beds opened or
    closed on the day count at once, as they would in real time.
    """
    at = None
    if day is not None:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        do_sync_pools(day)
    day = timezone.localdate(at) if at is not None else None
    done = do_propose_and_confirm(actor=actor, at=at)
    first = proposal = Proposal.objects.get(pk=done.proposal_id)
    placements, refused = list(done.placements), len(done.refused)
    # A confirmed case admitted from a quarantine room frees the room: while a round frees
    # beds, the next one gives them to whoever still waits (no room stays empty while
    # someone waits for one). A later round places only into the freed beds.
    for _ in range(DISPATCH_ROUNDS - 1):
        freed = _free_beds(actor, day) - (proposal.free_beds - len(done.placements))
        if freed <= 0 or len(done.placements) == proposal.waiting:
            break
        done = do_propose_and_confirm(actor=actor, at=at)
        proposal = Proposal.objects.get(pk=done.proposal_id)
        placements += done.placements
        refused += len(done.refused)
    return DispatchRun(first.pk, first.waiting, placements, refused)


# At most this many propose-and-confirm rounds in one dispatch of the day.
DISPATCH_ROUNDS = 3


def _free_beds(actor: Any, day: dt.date | None) -> int:
    """Free beds of the live pools of the facilities ``actor`` fills on ``day``."""
    pools = BedPool.objects.filter(facility_id__in=facilities_of(actor, day).values("pk"))
    return sum(max(cap - occ, 0) for cap, occ in pools.values_list("capacity", "occupied"))


def register() -> None:
    from warroom.beds.moves import register_moves_provider
    from warroom.cases.services import (
        register_bulk_transition_listener,
        register_transition_listener,
    )
    from warroom.dispatch.selectors import placement_moves

    register_moves_provider(placement_moves)
    register_transition_listener(_on_transition)
    register_bulk_transition_listener(_on_bulk_transitions)
