"""The state machine: every legal step works (row + audit), every illegal one is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.audit.models import AuditEntry
from warroom.cases import services, states
from warroom.cases.models import Person, TransitionRecord
from warroom.cases.states import Status
from warroom.core.errors import Conflict

pytestmark = pytest.mark.django_db

COMPOUND = "990101001001001"


def person_in(status: str, city, officer, n: int = 7) -> Person:
    p = services.do_register_person(
        name="测试", home=city[COMPOUND], actor=officer, id_number=resident_id(n)
    )
    long_ago = timezone.now() - dt.timedelta(days=30)
    Person.objects.filter(pk=p.pk).update(
        status=status,
        category=states.category_of(status) or "",
        status_since=long_ago,
        category_since=long_ago,
        isolation_until=long_ago if status in (Status.QUARANTINED, Status.POST_DISCHARGE) else None,
    )
    return Person.objects.get(pk=p.pk)


def _kwargs(target: str) -> dict[str, object]:
    if target == Status.ADMITTED:
        return {"facility": "金银潭医院", "severity": "severe"}
    if target in (Status.QUARANTINED, Status.POST_DISCHARGE):
        return {"isolation": "quarantine", "facility": "隔离点一"}
    return {}


LEGAL = (
    [(t.source, t.target) for t in states.TRANSITIONS]
    + [("", entry) for entry in states.ENTRY_EFFECTS]
    + [(final, Status.CONTACT) for final in sorted(states.FINAL)]
)


@pytest.mark.parametrize(("source", "target"), LEGAL, ids=lambda v: v or "none")
def test_a_legal_step_moves_the_person_and_leaves_a_row_and_an_audit_entry(
    source, target, city, officer
):
    p = person_in(source, city, officer)
    version = p.version
    services.do_transition_person(p, target, actor=officer, reason="because", **_kwargs(target))
    stored = Person.objects.get(pk=p.pk)
    assert stored.status == target and stored.version == version + 1
    assert stored.category == (states.category_of(target) or "")
    step = TransitionRecord.objects.get(person=p)
    assert (step.source, step.target, step.reason, step.actor_name) == (
        source,
        target,
        "because",
        "officer_a",
    )
    entry = AuditEntry.objects.filter(action="transition", object_id=str(p.pk)).get()
    assert f"→ {target}" in entry.message


ILLEGAL = [
    (source, target)
    for source in Status.values()
    if not states.is_final(source)
    for target in Status.values()
    if target not in states.allowed(source)
] + [(final, Status.ADMITTED) for final in sorted(states.FINAL)]


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_an_illegal_step_is_refused_naming_the_current_and_allowed_states(
    source, target, city, officer
):
    p = person_in(source, city, officer)
    with pytest.raises(Conflict) as caught:
        services.do_transition_person(p, target, actor=officer, **_kwargs(target))
    assert caught.value.code == "illegal_transition"
    assert repr(source) in caught.value.message
    for option in states.allowed(source):
        assert option in caught.value.message
    assert caught.value.details == {"current": source, "allowed": states.allowed(source)}
    stored = Person.objects.get(pk=p.pk)
    assert stored.status == source and not TransitionRecord.objects.filter(person=p).exists()


def test_the_table_reaches_every_status_and_every_open_status_has_a_way_out():
    reached = {t.target for t in states.TRANSITIONS} | set(states.ENTRY_EFFECTS)
    assert reached == set(Status.values())
    for status in Status.values():
        assert states.allowed(status), status


def test_quarantine_sets_the_test_days_and_the_release_date(city, officer, settings):
    settings.WARROOM_QUARANTINE_TEST_DAYS = [1, 7, 14]
    p = person_in(Status.CONTACT, city, officer)
    at = timezone.now() - dt.timedelta(days=2)
    services.do_transition_person(p, Status.QUARANTINED, actor=officer, isolation="home", at=at)
    assert p.isolation == "home" and p.isolation_until == at + dt.timedelta(days=14)
    assert p.next_test_due == at
    assert p.test_schedule == [(at + dt.timedelta(days=d)).isoformat() for d in (6, 13)]
    with pytest.raises(Conflict) as caught:
        services.do_transition_person(p, Status.RELEASED, actor=officer)
    assert caught.value.code == "too_early"


def test_admission_needs_a_hospital_and_keeps_the_severity_history(city, officer):
    p = person_in(Status.CONFIRMED, city, officer)
    with pytest.raises(Exception, match="hospital"):
        services.do_transition_person(p, Status.ADMITTED, actor=officer)
    p = Person.objects.get(pk=p.pk)
    services.do_transition_person(
        p, Status.ADMITTED, actor=officer, facility="火神山医院", severity="moderate"
    )
    services.do_set_severity(p, "critical", actor=officer, note="ventilated")
    services.do_set_severity(p, "severe", actor=officer)
    assert list(p.severities.values_list("severity", flat=True)) == [
        "moderate",
        "critical",
        "severe",
    ]
    assert (p.isolation, p.facility) == ("hospital", "火神山医院")


def test_a_stale_version_is_a_conflict_and_changes_nothing(city, officer):
    p = person_in(Status.SUSPECTED, city, officer)
    services.do_transition_person(p, Status.CONFIRMED, actor=officer)
    stale = Person.objects.get(pk=p.pk)
    services.do_transition_person(stale, Status.ADMITTED, actor=officer, facility="H")
    with pytest.raises(Conflict) as caught:
        services.do_transition_person(
            stale, Status.DIED, actor=officer, expected_version=stale.version - 1
        )
    assert caught.value.code == "stale"
    assert Person.objects.get(pk=p.pk).status == Status.ADMITTED


def test_the_shortest_legal_path_between_two_statuses():
    # cured without a bed (at home, or in a quarantine room before admission)
    assert states.path(Status.CONFIRMED, Status.DISCHARGED) == [Status.DISCHARGED]
    assert states.path(Status.CONFIRMED, Status.ADMITTED) == [Status.ADMITTED]
    assert states.path(Status.CONTACT, Status.RELEASED) == [Status.QUARANTINED, Status.RELEASED]
    assert states.path(Status.DISCHARGED, Status.CONFIRMED) is None
    assert states.path(Status.ADMITTED, Status.ADMITTED) == []
