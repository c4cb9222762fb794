"""The state machine's effects, the isolation history, the conditional write of one
person and the listeners other apps register for transitions.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_noop

from warroom.audit.mixins import snapshot
from warroom.audit.services import record
from warroom.cases import rules as case_rules
from warroom.cases import states
from warroom.cases._base import _actor_id, _actor_name, new_transition
from warroom.cases.models import (
    IsolationRecord,
    Person,
    Result,
    SampleKind,
    TestDueRecord,
    TransitionRecord,
)
from warroom.cases.states import Effect, Isolation, Severity, Status
from warroom.cases.validating import check_text
from warroom.core.errors import Conflict, InvalidInput
from warroom.core.words import Worded, say, stored_text, words_of
from warroom.geo.models import Area

# The reasons the platform gives its steps (stored as words, shown in the reader's language).
SAMPLE_TAKEN = say(gettext_noop("sample taken"))
# A result's step: the sample's kind and result (labels) and its code.
RESULT_REASON = gettext_noop("%(kind)s %(result)s (%(code)s)")

# --- the state machine's effects --------------------------------------------------------

# The effects that change where a person is isolated (a line in the isolation history).
_ISOLATION_EFFECTS = frozenset({Effect.ISOLATE, Effect.ADMIT, Effect.END_ISOLATION})


def apply_transition(
    person: Person,
    target: str,
    *,
    at: dt.datetime,
    actor: Any,
    reason: Worded | str = "",
    isolation: str | None = None,
    facility: str = "",
    facility_area: Area | None = None,
    severity: str | None = None,
    rules: case_rules.Rules | None = None,
) -> TransitionRecord:
    """Move ``person`` (in memory) to ``target`` with its effects; return the unsaved row.

    Shared by the services (one person) and the importers (thousands, written in bulk).
    Raises ``IllegalTransition`` for a step the table does not allow.
    """
    rules = rules or case_rules.current()
    if severity is not None and severity not in Severity.values():
        raise InvalidInput(f"unknown severity {severity!r}", details={"field": "severity"})
    if facility:  # (an empty text is within any size)
        check_text(facility=facility)
    source = person.status
    effects = states.check(source, target).effects
    if target in (Status.RELEASED, Status.RECOVERED):
        _check_isolation_served(person, target, at)
    if Effect.ISOLATE in effects:
        kind = isolation or (
            Isolation.QUARANTINE if target == Status.POST_DISCHARGE else Isolation.HOME
        )
        if kind not in (Isolation.HOME, Isolation.QUARANTINE):
            raise InvalidInput("quarantine is at home or at a quarantine site")
        days = (
            rules.post_discharge_days if target == Status.POST_DISCHARGE else rules.quarantine_days
        )
        person.isolation, person.isolated_at = kind, at
        person.isolation_until = at + dt.timedelta(days=days)
        person.facility = facility
        person.facility_area = facility_area
    if Effect.ADMIT in effects:
        if not facility.strip():
            raise InvalidInput("admission needs the hospital", details={"field": "facility"})
        person.isolation, person.isolated_at, person.admitted_at = Isolation.HOSPITAL, at, at
        person.isolation_until = None
        person.facility, person.facility_area = facility.strip(), facility_area
        if severity is None and not person.severity:
            severity = Severity.MILD
    if Effect.END_ISOLATION in effects:
        person.isolation, person.isolation_until = Isolation.NONE, None
    if not _ISOLATION_EFFECTS.isdisjoint(effects):
        note_isolation(person, at)
    due_before = person.next_test_due
    if Effect.START_TESTS in effects:
        person.next_test_due, person.test_schedule = at, []
    if Effect.QUARANTINE_TESTS in effects:
        due = rules.test_due_times(at)
        person.next_test_due = due[0] if due else None
        person.test_schedule = [d.isoformat() for d in due[1:]]
    if Effect.STOP_TESTS in effects:
        person.next_test_due, person.test_schedule = None, []
    if person.next_test_due != due_before:
        note_test_due(person, at)
    if Effect.CONFIRM in effects:
        person.confirmed_at = at
    category = states.category_of(target) or ""
    if category != person.category:
        person.category, person.category_since = category, at
    person.status, person.status_since = target, at
    if severity is not None:
        person.severity = severity
    return new_transition(
        person=person,
        source=source,
        target=target,
        at=at,
        actor_id=_actor_id(actor),
        actor_name=_actor_name(actor),
        reason=stored_text(reason, 300),
        reason_words=words_of(reason),
    )


def _check_isolation_served(person: Person, target: str, at: dt.datetime) -> None:
    until = person.isolation_until
    if until is not None and at < until:
        raise Conflict(
            f"cannot release before the isolation ends ({until.isoformat(timespec='minutes')})",
            code="too_early",
        )


def consume_test_due(person: Person, taken_at: dt.datetime) -> bool:
    """A sample taken satisfies the test that is due (or falls due within a day); whether
    the person changed (a sample taken when no test is due leaves him as he is)."""
    due = person.next_test_due
    if due is None or taken_at < due - dt.timedelta(days=1):
        return False
    schedule = sorted(dt.datetime.fromisoformat(s) for s in person.test_schedule)
    person.next_test_due = schedule[0] if schedule else None
    person.test_schedule = [s.isoformat() for s in schedule[1:]]
    note_test_due(person, taken_at)
    return True


def set_test_due(person: Person, due: dt.datetime, at: dt.datetime) -> None:
    """A result sets the next test due (``at``: when it was reported)."""
    if person.next_test_due != due:
        person.next_test_due = due
        note_test_due(person, at)


def result_targets(
    status: str, kind: str, result: str, negatives: Sequence[dt.datetime]
) -> tuple[list[str], dt.datetime | None]:
    """What a reported result does to a person: the statuses to pass through, and a new
    test due time (or None).

    The rules (新型冠状病毒肺炎诊疗方案（试行第七版）, NHC, 3 March 2020, §五 and §六):
    - nucleic acid positive: a suspected case is confirmed; a febrile patient becomes
      suspected and is confirmed; a contact becomes a confirmed case;
    - nucleic acid negative: a febrile patient is ruled out; a suspected case is excluded
      after two consecutive negatives taken at least 24 h apart (``negatives`` holds the
      taking times of the negatives since he became suspected, this one included), and
      otherwise owes another test 24 h after this sample; a contact's schedule goes on;
    - antibody (IgM/IgG) positive confirms a suspected case (7th ed. §五(二));
    - CT positive (pneumonia imaging) makes a febrile patient or a contact suspected.
    """
    if kind == SampleKind.NUCLEIC_ACID:
        if result == Result.POSITIVE:
            if status in (Status.FEBRILE, Status.FEBRILE_TESTED):
                return [Status.SUSPECTED, Status.CONFIRMED], None
            if status in (Status.SUSPECTED, Status.CONTACT, Status.QUARANTINED):
                return [Status.CONFIRMED], None
            return [], None
        if status == Status.FEBRILE_TESTED:
            return [Status.RULED_OUT], None
        if status == Status.SUSPECTED:
            times = sorted(negatives)
            gap = dt.timedelta(hours=case_rules.EXCLUDE_GAP_HOURS)
            if len(times) >= case_rules.EXCLUDE_NEGATIVES and times[-1] - times[0] >= gap:
                return [Status.EXCLUDED], None
            return [], (times[-1] + gap) if times else None
        return [], None
    if result != Result.POSITIVE:
        return [], None
    if kind == SampleKind.ANTIBODY and status == Status.SUSPECTED:
        return [Status.CONFIRMED], None
    if kind == SampleKind.CT and status in (
        Status.FEBRILE,
        Status.FEBRILE_TESTED,
        Status.CONTACT,
        Status.QUARANTINED,
    ):
        return [Status.SUSPECTED], None
    return [], None


# --- the isolation history ---------------------------------------------------------------


def note_isolation(person: Person, at: dt.datetime) -> None:
    """Remember (in memory) that ``person``'s isolation changed at ``at``; the writer that
    saves him appends it to the history (:func:`save_isolation_history`)."""
    log = person.__dict__.setdefault("_isolation_log", [])
    log.append((str(person.isolation), person.facility or "", at))


def note_test_due(person: Person, at: dt.datetime) -> None:
    """Remember (in memory) that ``person``'s next test due changed at ``at``; the writer
    that saves him appends it to the history with the isolation changes."""
    log = person.__dict__.setdefault("_test_due_log", [])
    log.append((person.next_test_due, at))


def save_isolation_history(people: Iterable[Person]) -> int:
    """Append the noted isolation and test-due changes of ``people`` (saved, with ids) to
    their histories (``IsolationRecord``, ``TestDueRecord``); the isolation rows' count."""
    from warroom.core import bulk

    rows: list[tuple[Any, ...]] = []
    dues: list[tuple[Any, ...]] = []
    for p in people:  # p.id, not the pk property: tens of thousands at an import
        log = p.__dict__.pop("_isolation_log", None)
        if log and p.id is not None:
            rows += [(p.id, kind, facility[:200], at) for kind, facility, at in log]
        due_log = p.__dict__.pop("_test_due_log", None)
        if due_log and p.id is not None:
            dues += [(p.id, due, at) for due, at in due_log]
    if rows:
        bulk.insert_tuples(IsolationRecord, ["person", "isolation", "facility", "at"], rows)
    if dues:
        bulk.insert_tuples(TestDueRecord, ["person", "due", "at"], dues)
    return len(rows)


# --- writing one person -----------------------------------------------------------------


def _write_person(person: Person, expected_version: int, fields: Sequence[str]) -> None:
    """The conditional UPDATE: only if nobody changed the person since ``expected_version``."""
    values: dict[str, Any] = {}
    for name in fields:
        field = Person._meta.get_field(name)
        values[field.attname] = getattr(person, field.attname)
    updated = Person.objects.filter(pk=person.pk, version=expected_version).update(
        **values, version=expected_version + 1
    )
    if not updated:
        raise Conflict(
            f"person #{person.pk} was changed by someone else meanwhile; reload and try again",
            code="stale",
        )
    person.version = expected_version + 1
    save_isolation_history([person])


TransitionListener = Callable[[Person, list[TransitionRecord]], None]
_LISTENERS: list[TransitionListener] = []


def register_transition_listener(fn: TransitionListener) -> None:
    """Call ``fn(person, steps)`` in the transaction of every status change of one person
    (dispatch frees the bed of a patient discharged here). Idempotent."""
    if fn not in _LISTENERS:
        _LISTENERS.append(fn)


def unregister_transition_listener(fn: TransitionListener) -> None:
    if fn in _LISTENERS:
        _LISTENERS.remove(fn)


BulkTransitionListener = Callable[[Sequence[Person]], None]
_BULK_LISTENERS: list[BulkTransitionListener] = []


def register_bulk_transition_listener(fn: BulkTransitionListener) -> None:
    """Call ``fn(people)`` in the transaction of a bulk write of people whose status may
    have changed (the line-list and results imports). Idempotent."""
    if fn not in _BULK_LISTENERS:
        _BULK_LISTENERS.append(fn)


def notify_bulk_transitions(people: Sequence[Person]) -> None:
    if people:
        for listener in _BULK_LISTENERS:
            listener(people)


def _save_transitions(
    person: Person, steps: list[TransitionRecord], before: dict[str, Any], *, actor: Any
) -> None:
    from warroom.cases.integration import on_new_cases

    TransitionRecord.objects.bulk_create(steps)
    for listener in _LISTENERS:
        listener(person, steps)
    on_new_cases(steps, actor=actor)
    record(
        "transition",
        person,
        before=before,
        after=snapshot(person),
        message="; ".join(
            f"{s.source or '∅'} → {s.target}" + (f" ({s.reason})" if s.reason else "")
            for s in steps
        ),
    )
