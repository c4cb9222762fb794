"""One person at a time: place, refuse a line, transfer, end a placement.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.analytics.vocabulary import LADDER
from warroom.audit.mixins import snapshot
from warroom.audit.services import record
from warroom.beds.models import BED_TYPE_ORDER, KIND_BED_TYPES, Facility
from warroom.beds.selectors import takes_admissions
from warroom.beds.services import NoBedsFree, ensure_pools, pool_day
from warroom.cases.models import Person
from warroom.cases.services import (
    BedAssignment,
    do_assign_beds,
    do_transition_person,
)
from warroom.cases.states import Isolation, Status
from warroom.cases.waiting import QUARANTINE_STATUSES, is_waiting, need_of
from warroom.core.errors import Conflict, InvalidInput, NotFound
from warroom.core.scoping import in_scope
from warroom.core.words import Worded, label, say, stored_text, words_of
from warroom.dispatch._base import (
    HOSPITAL_TYPES,
    _allowed,
    _check_dispatcher,
    _free,
    _lock_people,
    _lock_pools,
    _open_placements,
    _take,
    _user,
    people_of,
)
from warroom.dispatch.confirming import _place, _upgrade
from warroom.dispatch.models import (
    LineState,
    Outcome,
    Placement,
    ProposalLine,
    Refusal,
)

# --- one person: place, refuse, transfer, end -------------------------------------------


def _person_for(actor: Any, person: Person) -> None:
    if not people_of(actor).filter(pk=person.pk).exists():
        raise NotFound("person not found")


def _facility_for(actor: Any, facility: Facility, bed_type: str) -> None:
    if not in_scope(actor, facility.area.path):
        raise NotFound("facility not found")
    if bed_type not in BED_TYPE_ORDER:
        raise InvalidInput(f"unknown bed type {bed_type!r}; use one of {', '.join(BED_TYPE_ORDER)}")
    if bed_type not in KIND_BED_TYPES[facility.kind]:
        raise InvalidInput(
            f"{facility.name} has no {bed_type} beds "
            f"(it has {', '.join(KIND_BED_TYPES[facility.kind])})"
        )
    if not takes_admissions(facility, pool_day()):
        raise Conflict(f"{facility.name} is {facility.status}: it takes no new patients")


def _take_one(facility: Facility, bed_type: str) -> None:
    ensure_pools()
    pools = _lock_pools({(facility.pk, bed_type)})
    pool = pools.get((facility.pk, bed_type))
    if pool is None or not _take(pool, 1):
        free = 0 if pool is None else pool.capacity - pool.occupied
        raise NoBedsFree(
            f"{facility.name}: no {bed_type} bed free ({free} free)",
            details={"free": free},
        )


def do_place_person(
    person: Person,
    facility: Facility,
    bed_type: str,
    *,
    actor: Any,
    note: Worded | str = "",
    at: dt.datetime | None = None,
) -> Placement:
    """Place one waiting person by hand (the dispatcher's choice, or a facility's report).

    Never below his need (above it is allowed, as when nothing else is free); refused if
    he no longer waits or no bed of the type is free.
    """
    _check_dispatcher(actor)
    _person_for(actor, person)
    _facility_for(actor, facility, bed_type)
    at = at or timezone.now()
    with transaction.atomic():
        people = _lock_people([person.pk])
        p = people[person.pk]
        held = _open_placements([p.pk])
        if not is_waiting(p) or (p.pk in held and not _upgrade(held[p.pk], bed_type)):
            raise Conflict(
                f"person #{p.pk} is not waiting for a bed ({p.get_status_display() or '-'})",
                code="not_waiting",
            )
        need = need_of(p.status, p.severity)
        if not _allowed(need, bed_type):
            raise InvalidInput(
                f"person #{p.pk} needs a better bed than {bed_type}: never below need",
                code="below_need",
            )
        _take_one(facility, bed_type)
        _place(
            [(p.pk, facility.pk, bed_type, None)],
            people,
            held,
            actor=actor,
            at=at,
            reason=say(gettext_noop("placed by hand in %(facility)s"), facility=facility.name),
            note=note,
        )
        placement = Placement.objects.get(person=p, ended_at__isnull=True)
        message = stored_text(note, 300)
        record("place", placement, before=None, after=snapshot(placement), message=message)
    return placement


def do_refuse_line(line: ProposalLine, *, actor: Any, note: str) -> ProposalLine:
    """The dispatcher refuses one proposed placement, saying why (kept with the line)."""
    _check_dispatcher(actor)
    if not note.strip():
        raise InvalidInput("say why the placement is refused", details={"field": "note"})
    at = timezone.now()
    with transaction.atomic():
        updated = ProposalLine.objects.filter(pk=line.pk, state=LineState.PROPOSED).update(
            state=LineState.REFUSED,
            refusal=Refusal.DISPATCHER,
            note=note.strip()[:300],
            decided_at=at,
            decided_by=_user(actor),
        )
        if not updated:
            raise Conflict("this line was already decided", code="decided")
        line.refresh_from_db()
        record(
            "refuse",
            line.proposal,
            before=None,
            after={"line": line.pk, "person": line.person_id, "note": line.note},
            message=f"person #{line.person_id}: {line.note}",
        )
    return line


# A transfer's step reason, by its direction on the ladder (stored as words).
MOVES = {
    "step_up": gettext_noop("stepped up: %(from)s → %(to)s (%(facility)s)"),
    "step_down": gettext_noop("stepped down: %(from)s → %(to)s (%(facility)s)"),
    "move": gettext_noop("moved: %(from)s → %(to)s (%(facility)s)"),
}


def direction(from_type: str, to_type: str) -> str:
    """``step_up``, ``step_down`` or ``move`` (same rung) on the bed ladder."""
    diff = LADDER[to_type] - LADDER[from_type]
    return "step_up" if diff > 0 else "step_down" if diff < 0 else "move"


def do_transfer_person(
    placement: Placement,
    facility: Facility,
    bed_type: str,
    *,
    actor: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> Placement:
    """Move a placed person to another bed, atomically: the new bed is taken, the old one
    freed, the occupancy moves. Step-up (a patient worsens: shelter → designated) and
    step-down (never below the current need); hospital beds to hospital beds, quarantine
    rooms to quarantine rooms."""
    _check_dispatcher(actor)
    _person_for(actor, placement.person)
    _facility_for(actor, facility, bed_type)
    at = at or timezone.now()
    with transaction.atomic():
        people = _lock_people([placement.person_id])
        p = people[placement.person_id]
        old = (
            Placement.objects.select_for_update()
            .filter(pk=placement.pk, ended_at__isnull=True)
            .first()
        )
        if old is None:
            raise Conflict("this placement has ended", code="ended")
        if (old.bed_type == "QUARANTINE") != (bed_type == "QUARANTINE"):
            raise InvalidInput(
                "a transfer moves between hospital beds or between quarantine rooms; "
                "a confirmed person in a quarantine room is admitted through dispatch"
            )
        if (old.facility_id, old.bed_type) == (facility.pk, bed_type):
            raise InvalidInput("the person is already in this bed type of this facility")
        need = need_of(p.status, p.severity)
        if not _allowed(need, bed_type):
            raise InvalidInput(
                f"person #{p.pk} needs a better bed than {bed_type}: never below need",
                code="below_need",
            )
        _take_one(facility, bed_type)
        _free(old.facility_id, old.bed_type)
        way = direction(old.bed_type, bed_type)
        Placement.objects.filter(pk=old.pk).update(ended_at=at, outcome=Outcome.TRANSFERRED)
        new = Placement.objects.create(
            person=p,
            facility=facility,
            bed_type=bed_type,
            started_at=at,
            transferred_from=old,
            placed_by=_user(actor),
            note=note[:300],
        )
        do_assign_beds(
            [BedAssignment(p, facility.name, facility.area_id, bed_type in HOSPITAL_TYPES)],
            actor=actor,
            reason=say(
                MOVES[way], **{"from": old.bed_type, "to": bed_type, "facility": facility.name}
            ),
            at=at,
        )
        record(
            "transfer",
            new,
            before=snapshot(old),
            after=snapshot(new),
            message=f"{way}: {old.bed_type} → {bed_type}",
        )
    return new


# How a placement ends, by outcome: the status the person moves to (None: none).
END_TARGETS = {
    Outcome.DISCHARGED: Status.DISCHARGED,
    Outcome.DIED: Status.DIED,
    Outcome.RELEASED: Status.RELEASED,
}


def do_end_placement(
    placement: Placement,
    outcome: str,
    *,
    actor: Any,
    note: Worded | str = "",
    at: dt.datetime | None = None,
) -> Placement:
    """Discharge, death or release: the bed is free at once and the person moves on in
    case management (admitted → discharged / died; quarantined → released; a suspected
    or febrile person leaving a quarantine room goes home to wait for his results)."""
    _check_dispatcher(actor)
    _person_for(actor, placement.person)
    if outcome not in END_TARGETS:
        raise InvalidInput(
            f"unknown outcome {outcome!r}; use one of {', '.join(str(o) for o in END_TARGETS)}"
        )
    at = at or timezone.now()
    with transaction.atomic():
        people = _lock_people([placement.person_id])
        p = people[placement.person_id]
        old = (
            Placement.objects.select_for_update()
            .filter(pk=placement.pk, ended_at__isnull=True)
            .first()
        )
        if old is None:
            raise Conflict("this placement has ended already", code="ended")
        hospital = old.bed_type in HOSPITAL_TYPES
        if hospital and outcome == Outcome.RELEASED:
            raise InvalidInput("a hospital patient is discharged (or died), not released")
        if not hospital and outcome == Outcome.DISCHARGED:
            raise InvalidInput("a quarantine room is left by release, not discharge")
        kept = {"note": stored_text(note, 300), "note_words": words_of(note)} if note else {}
        Placement.objects.filter(pk=old.pk).update(ended_at=at, outcome=outcome, **kept)
        _free(old.facility_id, old.bed_type)
        target = END_TARGETS[Outcome(outcome)]
        if (
            hospital
            or p.status == Status.QUARANTINED
            or (outcome == Outcome.DIED and p.status == Status.CONFIRMED)
        ):
            do_transition_person(
                p, target, actor=actor, at=at, reason=note or label(Outcome(outcome).label)
            )
        elif outcome == Outcome.RELEASED and p.status in QUARANTINE_STATUSES:
            from warroom.cases.services import do_isolate_person

            do_isolate_person(p, Isolation.HOME, actor=actor, at=at)
        else:
            raise Conflict(
                f"person #{p.pk} is {p.get_status_display()}: record it in case management",
                code="illegal_transition",
            )
        old.refresh_from_db()
        record("end", old, before=None, after=snapshot(old), message=str(outcome))
    return old
