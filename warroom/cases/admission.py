"""Beds: admission and isolation in bulk, as dispatch places people.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from warroom.cases import rules as case_rules
from warroom.cases import states
from warroom.cases._base import STATE_FIELDS, _actor_id, _actor_name
from warroom.cases.models import (
    Person,
    TransitionRecord,
)
from warroom.cases.states import Isolation, Status
from warroom.cases.transitions import apply_transition, note_isolation, save_isolation_history
from warroom.cases.validating import check_text
from warroom.core.context import acting
from warroom.core.errors import Conflict
from warroom.core.words import Worded, stored_text, words_of

# --- beds: admission and isolation in bulk (dispatch) -----------------------------------


@dataclass(frozen=True)
class BedAssignment:
    """A person (loaded under lock by the caller) going into a bed.

    ``hospital``: a hospital bed (the confirmed are admitted; an admitted patient moving
    wards or hospitals keeps his status and changes facility); otherwise a single room
    at a quarantine site (a contact is quarantined there, a febrile or suspected person
    isolated there).
    """

    person: Person
    facility: str
    facility_area_id: int | None
    hospital: bool


def do_assign_beds(
    assignments: Sequence[BedAssignment],
    *,
    actor: Any,
    reason: Worded | str,
    at: dt.datetime | None = None,
) -> int:
    """Move every person of ``assignments`` into his bed in case management, set-based.

    Each person's move is decided by :func:`apply_transition` (the one place effects are
    decided), in memory; the people are then written at once (the fields any of them
    changed, with :func:`warroom.core.bulk.update_rows`), the transition rows in bulk, and
    one audit entry for the whole batch (the people's ids and a hash of them), like an
    import. The caller holds the people's rows locked
    (``select_for_update``) and has checked that each still waits; a person whose status
    no longer allows the move is a ``Conflict`` naming him, and nothing is written.
    """
    import hashlib

    from warroom.audit.services import record_batch
    from warroom.core import bulk

    if not assignments:
        return 0
    at = at or timezone.now()
    check_text(facility=max((a.facility for a in assignments), key=len))
    rules = case_rules.current()
    # The batch's one reason, rendered once: each step is decided with an empty reason
    # (a step's reason changes nothing but its own text) and written with this one.
    reason_text = stored_text(reason, 300)
    reason_words = words_of(reason)
    reason_json = bulk.json_text(reason_words)
    actor_id, actor_name = _actor_id(actor), _actor_name(actor)
    steps: list[tuple[Any, ...]] = []
    attnames = [Person._meta.get_field(n).attname for n in STATE_FIELDS]
    # The state fields' values of a person, read from his dictionary (a partial load
    # holds them all: LOCKED_FIELDS); through the attributes if one is deferred.
    in_dict = operator.itemgetter(*attnames)

    def state_of(p: Person) -> tuple[Any, ...]:
        try:
            return in_dict(p.__dict__)  # type: ignore[no-any-return]
        except KeyError:
            return tuple(getattr(p, n) for n in attnames)

    befores: list[tuple[Any, ...]] = []
    for a in assignments:
        p = a.person
        befores.append(state_of(p))
        name = a.facility.strip()
        step: TransitionRecord | None = None
        try:
            if a.hospital and p.status == Status.CONFIRMED:
                step = apply_transition(
                    p, Status.ADMITTED, at=at, actor=actor, facility=name, rules=rules
                )
            elif a.hospital and p.status == Status.ADMITTED:
                pass  # a transfer: same status, another bed
            elif not a.hospital and p.status == Status.CONTACT:
                step = apply_transition(
                    p,
                    Status.QUARANTINED,
                    at=at,
                    actor=actor,
                    isolation=Isolation.QUARANTINE,
                    facility=name,
                    rules=rules,
                )
            elif not a.hospital and p.status in (
                Status.FEBRILE,
                Status.FEBRILE_TESTED,
                Status.SUSPECTED,
                Status.QUARANTINED,
            ):
                if p.isolation != Isolation.QUARANTINE:  # a move between sites keeps it
                    p.isolation, p.isolated_at = Isolation.QUARANTINE, at
                    p.facility = name
                    note_isolation(p, at)
            else:
                raise states.IllegalTransition(p.status, Status.ADMITTED if a.hospital else "")
        except states.IllegalTransition:
            raise Conflict(
                f"person #{p.pk} is {p.status or 'in no category'}: cannot take a "
                f"{'hospital bed' if a.hospital else 'quarantine room'}",
                code="illegal_transition",
                details={"person_id": p.pk, "current": p.status},
            ) from None
        p.facility, p.facility_area_id = name, a.facility_area_id
        if step is not None:
            steps.append(
                (
                    p.id,
                    step.source,
                    step.target,
                    step.at,
                    actor_id,
                    actor_name,
                    reason_text,
                    reason_json,
                )
            )
        p.version += 1
    # The fields any of them changed: each field's values before and after, compared
    # column by column.
    afters = [state_of(a.person) for a in assignments]
    columns = zip(attnames, zip(*befores, strict=True), zip(*afters, strict=True), strict=True)
    changed = {n for n, old, new in columns if old != new}
    with acting(actor), transaction.atomic():
        # One write of every person (PostgreSQL: COPY into a temporary table, one UPDATE
        # joined to it), the fields any of them changed: the rows are locked, so the
        # values in memory are the stored ones but for the changes (and the version,
        # one up).
        changed_names = [
            n for n, attname in zip(STATE_FIELDS, attnames, strict=True) if attname in changed
        ]
        bulk.update_rows(Person, [a.person for a in assignments], [*changed_names, "version"])
        bulk.insert_tuples(
            TransitionRecord,
            ["person", "source", "target", "at", "actor", "actor_name", "reason", "reason_words"],
            steps,
        )
        save_isolation_history(a.person for a in assignments)
        ids = sorted(a.person.id for a in assignments)
        record_batch(
            object_type="cases.person",
            rows=len(ids),
            sha256=hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest(),
            action="assign_beds",
            message=stored_text(reason, 300),
            details={"people": ids if len(ids) <= 1000 else ids[:1000], "transitions": len(steps)},
        )
    return len(ids)
