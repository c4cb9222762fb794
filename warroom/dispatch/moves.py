"""Facilities' own admissions and discharges, and the bed freed at once when case
management moves a person first.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.beds.models import Facility
from warroom.cases.models import Person
from warroom.cases.states import Isolation, Status
from warroom.cases.waiting import QUARANTINE_STATUSES
from warroom.core import bulk
from warroom.core.errors import Conflict, InvalidInput, NotFound
from warroom.core.words import say
from warroom.dispatch._base import (
    HOSPITAL_TYPES,
    _check_dispatcher,
    _free,
    _free_many,
    people_of,
)
from warroom.dispatch.models import (
    Outcome,
    Placement,
)
from warroom.dispatch.placing import do_end_placement, do_place_person

# --- a facility reports its admissions and discharges (API) ------------------------------


@dataclass
class FacilityMoves:
    admitted: list[Placement] = field(default_factory=list)
    discharged: list[Placement] = field(default_factory=list)


# The note of a placement a facility reports (and the step reason of its end): words.
FACILITY_REPORT = say(gettext_noop("facility report"))


def do_record_facility_moves(
    facility: Facility,
    *,
    admissions: list[tuple[int, str]],
    discharges: list[tuple[int, str]],
    actor: Any,
) -> FacilityMoves:
    """A facility's report of who it admitted (person id, bed type) and who left (person
    id, outcome): all or nothing, with the guarantees of the dispatcher's own actions
    (never over-filled, never below need). Idempotent: a retry of an admission already
    recorded here, or of a discharge already recorded with the same outcome, returns the
    recorded placement instead of failing."""
    _check_dispatcher(actor)
    ids = [pid for pid, _t in admissions] + [pid for pid, _o in discharges]
    if len(set(ids)) != len(ids):
        raise InvalidInput("each person may appear once per report")
    people = {p.pk: p for p in people_of(actor).filter(pk__in=ids)} if ids else {}
    missing = sorted(set(ids) - set(people))
    if missing:
        raise NotFound(f"person #{missing[0]} not found")
    out = FacilityMoves()
    with transaction.atomic():
        for pid, bed_type in admissions:
            held = Placement.objects.filter(person_id=pid, ended_at__isnull=True).first()
            if held is not None and (held.facility_id, held.bed_type) == (facility.pk, bed_type):
                out.admitted.append(held)  # a retry
                continue
            out.admitted.append(
                do_place_person(people[pid], facility, bed_type, actor=actor, note=FACILITY_REPORT)
            )
        for pid, outcome in discharges:
            held = Placement.objects.filter(person_id=pid, ended_at__isnull=True).first()
            if held is None or held.facility_id != facility.pk:
                last = (
                    Placement.objects.filter(person_id=pid, facility=facility)
                    .order_by("-started_at", "-pk")
                    .first()
                )
                if last is not None and last.outcome == outcome:
                    out.discharged.append(last)  # a retry
                    continue
                raise Conflict(f"person #{pid} is not in {facility.name}", code="not_here")
            out.discharged.append(
                do_end_placement(held, outcome, actor=actor, note=FACILITY_REPORT)
            )
    return out


# --- case management moved first: free the bed at once ---------------------------------


def holds_bed(person: Person, bed_type: str) -> bool:
    """Whether ``person``'s state still justifies his bed of ``bed_type``."""
    if bed_type in HOSPITAL_TYPES:
        return person.status == Status.ADMITTED
    return (
        person.status in (*QUARANTINE_STATUSES, Status.CONFIRMED)
        and person.isolation == Isolation.QUARANTINE
    )


_OUTCOME_OF = {
    Status.DISCHARGED: Outcome.DISCHARGED,
    Status.DIED: Outcome.DIED,
    Status.RELEASED: Outcome.RELEASED,
    Status.EXCLUDED: Outcome.RELEASED,
    Status.RULED_OUT: Outcome.RELEASED,
    Status.ADMITTED: Outcome.ADMITTED,
}


def _on_transition(person: Person, steps: list[Any]) -> None:
    """A status change recorded in case management ends the placement it no longer
    justifies (a discharge, a death, a released contact) and frees the bed at once."""
    held = (
        Placement.objects.select_for_update()
        .filter(person_id=person.pk, ended_at__isnull=True)
        .first()
    )
    if held is None or holds_bed(person, held.bed_type):
        return
    at = steps[-1].at if steps else timezone.now()
    outcome = _OUTCOME_OF.get(person.status, Outcome.ENDED)
    Placement.objects.filter(pk=held.pk).update(ended_at=max(at, held.started_at), outcome=outcome)
    _free(held.facility_id, held.bed_type)


def _on_bulk_transitions(people: Any) -> None:
    """The same for an import that moved many people at once: set-based."""
    by_id = {p.id: p for p in people}  # the attribute: 34,000 people for a results file
    ending: list[Placement] = []
    # One query (a temporary table of the ids past 5,000), not an IN list per 5,000.
    with bulk.among(by_id, integer=True) as wanted:
        for held in bulk.loaded(
            Placement.objects.select_for_update().filter(
                person_id__in=wanted, ended_at__isnull=True
            ),
            ("person", "facility", "bed_type"),
        ):
            if not holds_bed(by_id[held.person_id], held.bed_type):
                ending.append(held)
    if not ending:
        return
    at = timezone.now()
    by_outcome: dict[Any, list[int]] = defaultdict(list)
    freed: dict[tuple[int, str], int] = defaultdict(int)
    for held in ending:
        by_outcome[_OUTCOME_OF.get(by_id[held.person_id].status, Outcome.ENDED)].append(held.pk)
        freed[(held.facility_id, held.bed_type)] += 1
    for outcome, ids in by_outcome.items():
        for chunk in bulk.chunks(ids):
            Placement.objects.filter(pk__in=chunk).update(ended_at=at, outcome=outcome)
    _free_many(freed)
