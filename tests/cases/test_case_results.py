"""Results move people by the rules (NHC protocol, 7th ed.), and samples owe the test duty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.cases import services
from warroom.cases.models import Person
from warroom.cases.states import Status

pytestmark = pytest.mark.django_db
COMPOUND = "990101001001001"


def register(city, officer, category, n=11):
    return services.do_register_person(
        name="病人",
        home=city[COMPOUND],
        actor=officer,
        id_number=resident_id(n),
        category=category,
        at=timezone.now() - dt.timedelta(days=3),
    )


def test_febrile_sampled_is_tested_and_a_negative_rules_out(city, officer):
    p = register(city, officer, "febrile")
    assert p.next_test_due is not None
    s = services.do_record_sample(p, kind="nucleic_acid", lab="L", code="1", actor=officer)
    p.refresh_from_db()
    assert p.status == Status.FEBRILE_TESTED and p.next_test_due is None
    services.do_record_result(s, "negative", actor=officer)
    assert Person.objects.get(pk=p.pk).status == Status.RULED_OUT


def test_febrile_positive_becomes_suspected_then_confirmed(city, officer):
    p = register(city, officer, "febrile")
    s = services.do_record_sample(p, kind="nucleic_acid", lab="L", code="1", actor=officer)
    services.do_record_result(s, "positive", actor=officer)
    p.refresh_from_db()
    assert p.status == Status.CONFIRMED and p.confirmed_at is not None
    assert [t.target for t in p.transitions.all()] == [
        Status.FEBRILE,
        Status.FEBRILE_TESTED,
        Status.SUSPECTED,
        Status.CONFIRMED,
    ]


def test_suspected_is_excluded_after_two_negatives_24_hours_apart(city, officer):
    p = register(city, officer, "suspected")
    t0 = timezone.now() - dt.timedelta(days=2)
    first = services.do_record_sample(
        p, kind="nucleic_acid", lab="L", code="1", taken_at=t0, actor=officer
    )
    services.do_record_result(
        first, "negative", actor=officer, reported_at=t0 + dt.timedelta(hours=6)
    )
    p.refresh_from_db()
    assert p.status == Status.SUSPECTED
    assert p.next_test_due == t0 + dt.timedelta(hours=24)  # the second test is owed
    early = services.do_record_sample(
        p,
        kind="nucleic_acid",
        lab="L",
        code="2",
        taken_at=t0 + dt.timedelta(hours=12),
        actor=officer,
    )
    services.do_record_result(early, "negative", actor=officer)
    assert Person.objects.get(pk=p.pk).status == Status.SUSPECTED  # only 12 h apart
    second = services.do_record_sample(
        Person.objects.get(pk=p.pk),
        kind="nucleic_acid",
        lab="L",
        code="3",
        taken_at=t0 + dt.timedelta(hours=25),
        actor=officer,
    )
    services.do_record_result(second, "negative", actor=officer)
    assert Person.objects.get(pk=p.pk).status == Status.EXCLUDED


def test_suspected_positive_nucleic_acid_or_antibody_confirms(city, officer):
    for n, kind in ((21, "nucleic_acid"), (22, "antibody")):
        p = register(city, officer, "suspected", n)
        s = services.do_record_sample(p, kind=kind, lab="L", code=str(n), actor=officer)
        services.do_record_result(s, "positive", actor=officer)
        assert Person.objects.get(pk=p.pk).status == Status.CONFIRMED


def test_a_quarantined_contact_positive_becomes_a_case_and_ct_makes_suspected(city, officer):
    p = register(city, officer, "contact")
    services.do_isolate_person(p, "quarantine", facility="隔离点", actor=officer)
    s = services.do_record_sample(p, kind="nucleic_acid", lab="L", code="q1", actor=officer)
    services.do_record_result(s, "positive", actor=officer)
    assert Person.objects.get(pk=p.pk).status == Status.CONFIRMED
    q = register(city, officer, "contact", 31)
    ct = services.do_record_sample(q, kind="ct", lab="L", code="ct1", actor=officer)
    services.do_record_result(ct, "positive", actor=officer)
    assert Person.objects.get(pk=q.pk).status == Status.SUSPECTED


def test_a_sample_consumes_the_due_test_and_the_schedule_moves_on(city, officer, settings):
    settings.WARROOM_QUARANTINE_TEST_DAYS = [1, 14]
    p = register(city, officer, "contact")
    start = timezone.now() - dt.timedelta(days=1)
    services.do_transition_person(p, Status.QUARANTINED, actor=officer, isolation="home", at=start)
    assert p.next_test_due == start
    services.do_record_sample(p, kind="nucleic_acid", lab="L", code="d1", actor=officer)
    p.refresh_from_db()
    assert p.next_test_due == start + dt.timedelta(days=13)
    assert p.test_schedule == []


def test_a_result_twice_is_refused(city, officer):
    p = register(city, officer, "suspected")
    s = services.do_record_sample(p, kind="nucleic_acid", lab="L", code="x", actor=officer)
    services.do_record_result(s, "negative", actor=officer)
    with pytest.raises(Exception, match="already has a result"):
        services.do_record_result(s, "positive", actor=officer)
