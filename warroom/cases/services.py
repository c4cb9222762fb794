"""Every change to a person, a sample, a contact: ``do_<verb>_<noun>(..., *, actor)``.

Status changes go through :mod:`warroom.cases.states` (legality) and :func:`apply_transition`
(effects), which the bulk importers share, so a file and a form move people the same way.
A person's row is written with a conditional UPDATE on ``version``: of two users changing
the same person at once, one wins and the other gets a ``Conflict``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.audit.mixins import snapshot
from warroom.audit.services import record
from warroom.cases import rules as case_rules
from warroom.cases import states
from warroom.cases.identity import validate_phone, validate_resident_id
from warroom.cases.models import (
    ContactLink,
    IdType,
    IsolationRecord,
    Person,
    Result,
    Sample,
    SampleKind,
    SeverityRecord,
    Sex,
    TransitionRecord,
    TreatmentRecord,
    Vulnerability,
)
from warroom.cases.states import Category, Effect, Isolation, Severity, Status
from warroom.core.bulk import builder
from warroom.core.context import acting
from warroom.core.errors import Conflict, InvalidInput
from warroom.core.reasons import reason as translated_reason
from warroom.core.today import today as platform_today
from warroom.geo.models import Area

# Fields a transition may change (written by the conditional UPDATE).
STATE_FIELDS = (
    "status",
    "category",
    "status_since",
    "category_since",
    "confirmed_at",
    "admitted_at",
    "severity",
    "isolation",
    "isolated_at",
    "isolation_until",
    "facility",
    "facility_area",
    "next_test_due",
    "test_schedule",
    "last_sample_at",
    "last_treated_on",
)
PROFILE_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "home",
    "workplace",
    "vulnerability",
)

# Built by the ten thousand by the importers (core.bulk.builder: no per-field descriptors).
new_transition = builder(TransitionRecord)


def _actor_name(actor: Any) -> str:
    return getattr(actor, "username", "") or "system"


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None)


# --- validation -------------------------------------------------------------------------


def clean_identity(id_type: str, id_number: str, phone: str) -> tuple[str, str]:
    """Normalised (id_number, phone); ``InvalidInput`` naming the field otherwise."""
    if id_type not in IdType.values():
        raise InvalidInput(f"unknown ID type {id_type!r}", details={"field": "id_type"})
    number = id_number.strip().upper()
    if len(number) > 32:
        raise InvalidInput("ID number: at most 32 characters", details={"field": "id_number"})
    if number and id_type == IdType.RESIDENT:
        try:
            number = validate_resident_id(number)
        except ValueError as exc:
            raise InvalidInput(
                _("ID number: %(reason)s") % {"reason": translated_reason(exc)},
                details={"field": "id_number"},
            ) from None
    cleaned_phone = ""
    if phone.strip():
        try:
            cleaned_phone = validate_phone(phone)
        except ValueError as exc:
            raise InvalidInput(
                _("phone: %(reason)s") % {"reason": translated_reason(exc)},
                details={"field": "phone"},
            ) from None
    return number, cleaned_phone


def check_text(**values: str | None) -> None:
    """Refuse text longer than its column (a database error would be a 500 on PostgreSQL)."""
    for name, value in values.items():
        limit = Person._meta.get_field(name).max_length if name in _PERSON_TEXT else _LIMITS[name]
        if value is not None and limit is not None and len(value) > limit:
            raise InvalidInput(f"{name}: at most {limit} characters", details={"field": name})


_PERSON_TEXT = {"name", "workplace", "facility"}
_LIMITS = {"lab": 200, "code": 64}


def check_choices(*, sex: str | None = None, vulnerability: Sequence[str] = ()) -> None:
    if sex is not None and sex not in Sex.values():
        raise InvalidInput(f"unknown sex {sex!r}", details={"field": "sex"})
    unknown = set(vulnerability) - set(Vulnerability.values())
    if unknown:
        raise InvalidInput(
            f"unknown vulnerability {', '.join(sorted(unknown))}",
            details={"field": "vulnerability"},
        )


# Where people live: a compound, or a village (a community of kind "village", which has
# no compounds below it).
HOME_AREAS = Q(level="compound") | Q(level="community", kind="village")


def is_home_area(area: Area) -> bool:
    return area.level == "compound" or (area.level == "community" and area.kind == "village")


def require_compound(area: Area) -> None:
    if not is_home_area(area):
        raise InvalidInput(
            f"a person's home is a compound or a village; {area.code} is a {area.level}",
            details={"field": "home"},
        )


def duplicate_of(id_type: str, id_number: str, *, exclude: int | None = None) -> Person | None:
    if not id_number:
        return None
    qs = Person.objects.filter(id_type=id_type, id_number=id_number)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def _duplicate_error(existing: Person) -> Conflict:
    return Conflict(
        f"this ID number is already registered: person #{existing.pk}",
        code="duplicate",
        details={"person_id": existing.pk},
    )


# --- the state machine's effects --------------------------------------------------------


def apply_transition(
    person: Person,
    target: str,
    *,
    at: dt.datetime,
    actor: Any,
    reason: str = "",
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
    if {Effect.ISOLATE, Effect.ADMIT, Effect.END_ISOLATION} & set(effects):
        note_isolation(person, at)
    if Effect.START_TESTS in effects:
        person.next_test_due, person.test_schedule = at, []
    if Effect.QUARANTINE_TESTS in effects:
        due = rules.test_due_times(at)
        person.next_test_due = due[0] if due else None
        person.test_schedule = [d.isoformat() for d in due[1:]]
    if Effect.STOP_TESTS in effects:
        person.next_test_due, person.test_schedule = None, []
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
        reason=reason[:300],
    )


def _check_isolation_served(person: Person, target: str, at: dt.datetime) -> None:
    until = person.isolation_until
    if until is not None and at < until:
        raise Conflict(
            f"cannot release before the isolation ends ({until.isoformat(timespec='minutes')})",
            code="too_early",
        )


def consume_test_due(person: Person, taken_at: dt.datetime) -> None:
    """A sample taken satisfies the test that is due (or falls due within a day)."""
    person.last_sample_at = max(filter(None, [person.last_sample_at, taken_at]))
    due = person.next_test_due
    if due is None or taken_at < due - dt.timedelta(days=1):
        return
    schedule = sorted(dt.datetime.fromisoformat(s) for s in person.test_schedule)
    person.next_test_due = schedule[0] if schedule else None
    person.test_schedule = [s.isoformat() for s in schedule[1:]]


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


def save_isolation_history(people: Iterable[Person]) -> int:
    """Append the noted isolation changes of ``people`` (saved, with ids) to the history."""
    from warroom.core import bulk

    rows: list[tuple[Any, ...]] = []
    for p in people:
        log = p.__dict__.pop("_isolation_log", None)
        if log and p.pk is not None:
            rows += [(p.pk, kind, facility[:200], at) for kind, facility, at in log]
    if rows:
        bulk.insert_tuples(IsolationRecord, ["person", "isolation", "facility", "at"], rows)
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


def do_register_person(
    *,
    name: str,
    home: Area,
    actor: Any,
    id_type: str = IdType.RESIDENT,
    id_number: str = "",
    phone: str = "",
    sex: str = "U",
    birth_date: dt.date | None = None,
    workplace: str = "",
    vulnerability: Sequence[str] = (),
    category: str | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Person:
    """Register a person (and put him in a category). A known ID number is a conflict."""
    if not name.strip():
        raise InvalidInput("a name is required", details={"field": "name"})
    check_text(name=name.strip(), workplace=workplace)
    check_choices(sex=sex, vulnerability=vulnerability)
    require_compound(home)
    number, cleaned_phone = clean_identity(id_type, id_number, phone)
    if number and id_type == IdType.RESIDENT and birth_date is None:
        from warroom.cases.identity import birth_date_of, sex_of

        birth_date = birth_date_of(number)
        sex = sex if sex != "U" else sex_of(number)
    at = at or timezone.now()
    with acting(actor), transaction.atomic():
        existing = duplicate_of(id_type, number)
        if existing is not None:
            raise _duplicate_error(existing)
        person = Person(
            name=name.strip(),
            id_type=id_type,
            id_number=number,
            phone=cleaned_phone,
            sex=sex,
            birth_date=birth_date,
            home=home,
            workplace=workplace,
            vulnerability=list(vulnerability),
            created_at=at,
        )
        step = None
        if category:
            if category not in states.ENTRY:
                raise InvalidInput(f"unknown category {category!r}", details={"field": "category"})
            step = apply_transition(
                person, states.ENTRY[category], at=at, actor=actor, reason=reason
            )
        try:
            with transaction.atomic():
                person.save()
                save_isolation_history([person])
        except IntegrityError:
            existing = duplicate_of(id_type, number)
            if existing is not None:
                raise _duplicate_error(existing) from None
            raise
        if step is not None:
            from warroom.cases.integration import on_new_cases

            step.person = person
            step.save()
            on_new_cases([step], actor=actor)
    return person


def do_update_person(
    person: Person, changes: dict[str, Any], *, expected_version: int, actor: Any
) -> Person:
    """Change a person's particulars, only if nobody changed him since ``expected_version``."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))} here")
    if "name" in changes and not str(changes["name"]).strip():
        raise InvalidInput("a name is required", details={"field": "name"})
    check_text(name=changes.get("name"), workplace=changes.get("workplace"))
    check_choices(sex=changes.get("sex"), vulnerability=changes.get("vulnerability") or ())
    before = snapshot(person)
    for key, value in changes.items():
        setattr(person, key, value)
    person.id_number, person.phone = clean_identity(person.id_type, person.id_number, person.phone)
    require_compound(person.home)
    with acting(actor), transaction.atomic():
        existing = duplicate_of(person.id_type, person.id_number, exclude=person.pk)
        if existing is not None:
            raise _duplicate_error(existing)
        _write_person(person, expected_version, list(changes))
        record("update", person, before=before, after=snapshot(person))
    return person


def do_transition_person(
    person: Person,
    target: str,
    *,
    actor: Any,
    reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    isolation: str | None = None,
    facility: str = "",
    facility_area: Area | None = None,
    severity: str | None = None,
) -> Person:
    """Move a person to ``target``: a row, an audit entry, the effects; or a clear refusal."""
    expected = person.version if expected_version is None else expected_version
    at = at or timezone.now()
    before = snapshot(person)
    try:
        step = apply_transition(
            person,
            target,
            at=at,
            actor=actor,
            reason=reason,
            isolation=isolation,
            facility=facility,
            facility_area=facility_area,
            severity=severity,
        )
    except states.IllegalTransition as exc:
        raise Conflict(
            str(exc),
            code="illegal_transition",
            details={"current": exc.source, "allowed": states.allowed(exc.source)},
        ) from None
    with acting(actor), transaction.atomic():
        _write_person(person, expected, STATE_FIELDS)
        _save_transitions(person, [step], before, actor=actor)
        if severity is not None and severity != before.get("severity"):
            SeverityRecord.objects.create(
                person=person, severity=severity, at=at, actor_name=_actor_name(actor)
            )
    return person


def do_isolate_person(
    person: Person,
    kind: str,
    *,
    actor: Any,
    facility: str = "",
    facility_area: Area | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Person:
    """Isolate a febrile patient, a suspected case or a contact (a contact is quarantined)."""
    if kind not in (Isolation.HOME, Isolation.QUARANTINE, Isolation.HOSPITAL):
        raise InvalidInput(f"unknown isolation {kind!r}", details={"field": "isolation"})
    if person.status == Status.CONTACT:
        return do_transition_person(
            person,
            Status.QUARANTINED,
            actor=actor,
            isolation=kind,
            facility=facility,
            facility_area=facility_area,
            expected_version=expected_version,
            at=at,
            reason="quarantined",
        )
    if person.status not in (Status.FEBRILE, Status.FEBRILE_TESTED, Status.SUSPECTED):
        raise Conflict(
            f"person #{person.pk} is {person.status or 'in no category'}: only febrile, "
            "suspected and contacts are isolated here (confirmed cases are admitted)",
            code="illegal_transition",
            details={"current": person.status, "allowed": states.allowed(person.status)},
        )
    expected = person.version if expected_version is None else expected_version
    before = snapshot(person)
    apply_isolation(
        person, kind, at=at or timezone.now(), facility=facility, facility_area=facility_area
    )
    with acting(actor), transaction.atomic():
        _write_person(person, expected, ["isolation", "isolated_at", "facility", "facility_area"])
        record("isolate", person, before=before, after=snapshot(person), message=kind)
    return person


# Who may be isolated without a change of status (a contact is quarantined instead; a
# quarantined contact may move from home to a quarantine site).
ISOLATABLE = (Status.FEBRILE, Status.FEBRILE_TESTED, Status.SUSPECTED)


def apply_isolation(
    person: Person,
    kind: str,
    *,
    at: dt.datetime,
    facility: str = "",
    facility_area: Area | None = None,
    statuses: Sequence[str] = ISOLATABLE,
) -> None:
    """Isolate ``person`` (in memory) without a change of status; shared by the service
    and the line-list import. ``Conflict`` if his status is not one of ``statuses``."""
    if kind not in (Isolation.HOME, Isolation.QUARANTINE, Isolation.HOSPITAL):
        raise InvalidInput(f"unknown isolation {kind!r}", details={"field": "isolation"})
    if person.status not in statuses:
        raise Conflict(
            f"person #{person.pk} is {person.status or 'in no category'}: only febrile, "
            "suspected and contacts are isolated here (confirmed cases are admitted)",
            code="illegal_transition",
            details={"current": person.status, "allowed": states.allowed(person.status)},
        )
    person.isolation, person.isolated_at = kind, at
    person.facility, person.facility_area = facility, facility_area
    note_isolation(person, at)


def do_set_severity(
    person: Person, severity: str, *, actor: Any, note: str = "", at: dt.datetime | None = None
) -> Person:
    """Change a confirmed patient's severity; the history is kept."""
    if severity not in Severity.values():
        raise InvalidInput(f"unknown severity {severity!r}", details={"field": "severity"})
    if person.category != Category.CONFIRMED:
        raise Conflict("severity is recorded for confirmed cases", code="not_confirmed")
    before = snapshot(person)
    at = at or timezone.now()
    person.severity = severity
    with acting(actor), transaction.atomic():
        _write_person(person, person.version, ["severity"])
        SeverityRecord.objects.create(
            person=person, severity=severity, at=at, actor_name=_actor_name(actor), note=note
        )
        record("update", person, before=before, after=snapshot(person), message="severity")
    return person


def do_record_treatment(
    person: Person, *, actor: Any, date: dt.date | None = None, note: str = ""
) -> TreatmentRecord:
    """The day's treatment record of an admitted patient (clears the 'treat' duty)."""
    if person.status != Status.ADMITTED:
        raise Conflict("treatment records are kept for admitted patients", code="not_admitted")
    date = date or platform_today()
    with acting(actor), transaction.atomic():
        treatment, created = TreatmentRecord.objects.get_or_create(
            person=person, date=date, defaults={"note": note}
        )
        if not created and note and treatment.note != note:
            treatment.note = note
            treatment.save(update_fields=["note"])
        if person.last_treated_on is None or person.last_treated_on < date:
            person.last_treated_on = date
            _write_person(person, person.version, ["last_treated_on"])
    return treatment


def do_record_sample(
    person: Person,
    *,
    kind: str,
    actor: Any,
    taken_at: dt.datetime | None = None,
    lab: str = "",
    code: str = "",
) -> Sample:
    """A sample taken (or a CT done). A febrile patient moves to 'tested'."""
    if kind not in SampleKind.values():
        raise InvalidInput(f"unknown sample kind {kind!r}", details={"field": "kind"})
    check_text(lab=lab, code=code)
    taken_at = taken_at or timezone.now()
    before = snapshot(person)
    with acting(actor), transaction.atomic():
        if code and Sample.objects.filter(lab=lab, code=code).exists():
            raise Conflict(f"sample {code} of {lab or 'no lab'} is already recorded")
        sample = Sample.objects.create(
            person=person, kind=kind, lab=lab, code=code, taken_at=taken_at
        )
        steps = []
        if person.status == Status.FEBRILE:
            steps.append(
                apply_transition(
                    person, Status.FEBRILE_TESTED, at=taken_at, actor=actor, reason="sample taken"
                )
            )
        consume_test_due(person, taken_at)
        _write_person(person, person.version, STATE_FIELDS)
        if steps:
            _save_transitions(person, steps, before, actor=actor)
    return sample


def do_record_result(
    sample: Sample,
    result: str,
    *,
    actor: Any,
    reported_at: dt.datetime | None = None,
    received_at: dt.datetime | None = None,
) -> Sample:
    """A result reported; the person moves as :func:`result_targets` says."""
    if result not in Result.values():
        raise InvalidInput(f"unknown result {result!r}", details={"field": "result"})
    if sample.result:
        raise Conflict(f"sample {sample} already has a result ({sample.result})")
    reported_at = reported_at or timezone.now()
    with acting(actor), transaction.atomic():
        sample.result, sample.reported_at = result, reported_at
        sample.received_at = received_at or sample.received_at
        sample.save(update_fields=["result", "reported_at", "received_at"])
        person = Person.objects.select_for_update().get(pk=sample.person_id)
        before = snapshot(person)
        negatives = list(
            Sample.objects.filter(
                person=person,
                kind=SampleKind.NUCLEIC_ACID,
                result=Result.NEGATIVE,
                taken_at__gte=person.category_since or sample.taken_at,
            ).values_list("taken_at", flat=True)
        )
        targets, due = result_targets(person.status, sample.kind, result, negatives)
        reason = f"{sample.get_kind_display()} {Result(result).label} ({sample.code or sample.pk})"
        steps = [
            apply_transition(person, t, at=reported_at, actor=actor, reason=reason) for t in targets
        ]
        if due is not None:
            person.next_test_due = due
        if steps or due is not None:
            _write_person(person, person.version, STATE_FIELDS)
        if steps:
            _save_transitions(person, steps, before, actor=actor)
    sample.person = person
    return sample


@dataclass(frozen=True)
class ContactAdded:
    link: ContactLink
    entered: bool  # the contact was put in the CONTACT category by this link


def do_add_contact(
    case: Person,
    contact: Person,
    *,
    exposure_date: dt.date,
    setting: str,
    actor: Any,
) -> ContactAdded:
    """Link a contact to an index case; a person in no category becomes a close contact."""
    if case.pk == contact.pk:
        raise InvalidInput("a person is not his own contact")
    with acting(actor), transaction.atomic():
        if ContactLink.objects.filter(case=case, contact=contact).exists():
            raise Conflict(f"person #{contact.pk} is already a contact of #{case.pk}")
        link = ContactLink.objects.create(
            case=case, contact=contact, exposure_date=exposure_date, setting=setting
        )
        entered = not contact.status or states.is_final(contact.status)
        if entered:
            do_transition_person(
                contact, Status.CONTACT, actor=actor, reason=f"contact of #{case.pk}"
            )
    return ContactAdded(link, entered)


def do_merge_people(keep: Person, duplicate: Person, *, actor: Any) -> Person:
    """Merge ``duplicate`` into ``keep``: his samples, steps, contacts and records move;
    ``duplicate`` stays, marked merged, for the history (audited on both)."""
    if keep.pk == duplicate.pk:
        raise InvalidInput("cannot merge a person with himself")
    if duplicate.merged_into_id is not None:
        raise Conflict(f"person #{duplicate.pk} is already merged")
    with acting(actor), transaction.atomic():
        keep_before, dup_before = snapshot(keep), snapshot(duplicate)
        Sample.objects.filter(person=duplicate).update(person=keep)
        TransitionRecord.objects.filter(person=duplicate).update(person=keep)
        SeverityRecord.objects.filter(person=duplicate).update(person=keep)
        kept_days = set(TreatmentRecord.objects.filter(person=keep).values_list("date", flat=True))
        TreatmentRecord.objects.filter(person=duplicate, date__in=kept_days).delete()
        TreatmentRecord.objects.filter(person=duplicate).update(person=keep)
        for field, other in (("case", "contact"), ("contact", "case")):
            for link in ContactLink.objects.filter(**{field: duplicate}):
                partner = getattr(link, f"{other}_id")
                clash = (
                    partner == keep.pk
                    or ContactLink.objects.filter(**{field: keep, f"{other}_id": partner}).exists()
                )
                if clash:
                    link.delete()
                else:
                    setattr(link, field, keep)
                    link.save(update_fields=[field])
        for name in ("phone", "birth_date", "workplace", "id_number"):
            if not getattr(keep, name) and getattr(duplicate, name) and name != "id_number":
                setattr(keep, name, getattr(duplicate, name))
        keep.vulnerability = sorted(set(keep.vulnerability) | set(duplicate.vulnerability))
        if (not keep.status or states.is_final(keep.status)) and duplicate.status:
            for name in STATE_FIELDS:
                setattr(keep, name, getattr(duplicate, name))
        _write_person(keep, keep.version, [*STATE_FIELDS, "phone", "birth_date", "workplace"])
        Person.objects.filter(pk=keep.pk).update(vulnerability=keep.vulnerability)
        duplicate.merged_into = keep
        duplicate.status, duplicate.category = "", ""
        duplicate.isolation, duplicate.next_test_due, duplicate.test_schedule = "none", None, []
        _write_person(
            duplicate,
            duplicate.version,
            ["merged_into", "status", "category", "isolation", "next_test_due", "test_schedule"],
        )
        record(
            "merge",
            keep,
            before=keep_before,
            after=snapshot(keep),
            message=f"#{duplicate.pk} merged into #{keep.pk}",
        )
        record(
            "merge",
            duplicate,
            before=dup_before,
            after=snapshot(duplicate),
            message=f"#{duplicate.pk} merged into #{keep.pk}",
        )
    return keep


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
    assignments: Sequence[BedAssignment], *, actor: Any, reason: str, at: dt.datetime | None = None
) -> int:
    """Move every person of ``assignments`` into his bed in case management, set-based.

    Each person's move is decided by :func:`apply_transition` (the one place effects are
    decided), in memory; the people whose changed fields end up equal (same facility,
    same step) are then written by one ``UPDATE ... WHERE id IN (...)`` per group, the
    transition rows in bulk, and one audit entry for the whole batch (the people's ids and
    a hash of them), like an import. The caller holds the people's rows locked
    (``select_for_update``) and has checked that each still waits; a person whose status
    no longer allows the move is a ``Conflict`` naming him, and nothing is written.
    """
    import hashlib

    from django.db.models import F

    from warroom.audit.services import record_batch
    from warroom.core import bulk

    if not assignments:
        return 0
    at = at or timezone.now()
    check_text(facility=max((a.facility for a in assignments), key=len))
    steps: list[tuple[Any, ...]] = []
    attnames = [Person._meta.get_field(n).attname for n in STATE_FIELDS]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for a in assignments:
        p = a.person
        before = [getattr(p, n) for n in attnames]
        name = a.facility.strip()
        step: TransitionRecord | None = None
        try:
            if a.hospital and p.status == Status.CONFIRMED:
                step = apply_transition(
                    p, Status.ADMITTED, at=at, actor=actor, reason=reason, facility=name
                )
            elif a.hospital and p.status == Status.ADMITTED:
                pass  # a transfer: same status, another bed
            elif not a.hospital and p.status == Status.CONTACT:
                step = apply_transition(
                    p,
                    Status.QUARANTINED,
                    at=at,
                    actor=actor,
                    reason=reason,
                    isolation=Isolation.QUARANTINE,
                    facility=name,
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
                    p.pk,
                    step.source,
                    step.target,
                    step.at,
                    step.actor_id,
                    step.actor_name,
                    step.reason,
                )
            )
        changed = tuple(
            (n, tuple(v) if isinstance(v, list) else v)
            for n, old, v in zip(attnames, before, (getattr(p, n) for n in attnames), strict=True)
            if old != v
        )
        groups.setdefault(changed, []).append(p.pk)
        p.version += 1
    with acting(actor), transaction.atomic():
        for changed, ids in groups.items():
            values = {n: list(v) if isinstance(v, tuple) else v for n, v in changed}
            for start in range(0, len(ids), bulk.BATCH):
                Person.objects.filter(pk__in=ids[start : start + bulk.BATCH]).update(
                    **values, version=F("version") + 1
                )
        bulk.insert_tuples(
            TransitionRecord,
            ["person", "source", "target", "at", "actor", "actor_name", "reason"],
            steps,
        )
        save_isolation_history(a.person for a in assignments)
        ids = sorted(a.person.pk for a in assignments)
        record_batch(
            object_type="cases.person",
            rows=len(ids),
            sha256=hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest(),
            action="assign_beds",
            message=reason[:300],
            details={"people": ids if len(ids) <= 1000 else ids[:1000], "transitions": len(steps)},
        )
    return len(ids)
