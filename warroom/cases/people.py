"""The services that change one person: register, update, move, isolate, severity,
treatment, samples and results, contacts, merging duplicates.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.audit.mixins import snapshot
from warroom.audit.services import record
from warroom.cases import cutoff_states, states
from warroom.cases._base import PROFILE_FIELDS, STATE_FIELDS, _actor_name
from warroom.cases.models import (
    ContactLink,
    IdType,
    Person,
    Result,
    Sample,
    SampleKind,
    SeverityRecord,
    TransitionRecord,
    TreatmentRecord,
)
from warroom.cases.states import Category, Isolation, Severity, Status
from warroom.cases.transitions import (
    RESULT_REASON,
    SAMPLE_TAKEN,
    _save_transitions,
    _write_person,
    apply_transition,
    consume_test_due,
    note_isolation,
    result_targets,
    save_isolation_history,
    set_test_due,
)
from warroom.cases.validating import (
    _duplicate_error,
    check_choices,
    check_text,
    clean_identity,
    duplicate_of,
    require_compound,
)
from warroom.core.context import acting
from warroom.core.errors import Conflict, InvalidInput
from warroom.core.today import today as platform_today
from warroom.core.words import Worded, label, say
from warroom.geo.models import Area


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
    reason: Worded | str = "",
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
    reason: Worded | str = "",
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
            reason=say(gettext_noop("quarantined")),
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
                    person, Status.FEBRILE_TESTED, at=taken_at, actor=actor, reason=SAMPLE_TAKEN
                )
            )
        if consume_test_due(person, taken_at) or steps:
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
        reason = say(
            RESULT_REASON,
            kind=label(SampleKind(sample.kind).label),
            result=label(Result(result).label),
            code=sample.code or sample.pk,
        )
        steps = [
            apply_transition(person, t, at=reported_at, actor=actor, reason=reason) for t in targets
        ]
        if due is not None:
            set_test_due(person, due, reported_at)
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
                contact,
                Status.CONTACT,
                actor=actor,
                reason=say(gettext_noop("contact of #%(id)s"), id=case.pk),
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
        cutoff_states.forget()  # records moved between people: the kept states no longer hold
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
