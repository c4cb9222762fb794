"""Epidemic-free certification (DESIGN §3.6): the 14-day rule, the roll-up, a new case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from tests.conftest import pass_six_in_place
from warroom.analytics.vocabulary import Reason
from warroom.communities import certification as cert
from warroom.communities.facts import CaseFacts
from warroom.communities.models import Certification, CertificationEvent, CertificationStatus
from warroom.communities.services import do_decertify_on_new_case, do_recompute_certification

pytestmark = pytest.mark.django_db

VICTIM = "990101001001001"


@pytest.fixture
def all_inspected(city, hq):
    today = timezone.localdate()
    for area in city.values():
        if area.level == "compound":
            pass_six_in_place(area, hq, today - dt.timedelta(days=1))
    return today


def status(code: str, day: dt.date) -> CertificationStatus:
    return CertificationStatus.objects.get(area__code=code, date=day)


def test_a_compound_with_a_case_13_days_ago_is_not_certified_at_14_it_is(
    city, hq, case_facts, all_inspected
):
    today = all_inspected
    case_facts[city[VICTIM].pk] = CaseFacts(today - dt.timedelta(days=13), 0, 0)
    do_recompute_certification(today, actor=hq)
    row = status(VICTIM, today)
    assert row.status == Certification.NOT_CERTIFIED
    assert row.reasons == {"recent_case": (today - dt.timedelta(days=13)).isoformat()}
    assert status("9901", today).reasons == {"children": [1, 2]}

    case_facts[city[VICTIM].pk] = CaseFacts(today - dt.timedelta(days=14), 0, 0)
    do_recompute_certification(today, actor=hq)
    assert status(VICTIM, today).status == Certification.CERTIFIED
    assert status("9901", today).status == Certification.CERTIFIED  # the whole city


def test_the_window_is_configurable(city, hq, case_facts, all_inspected, settings):
    settings.WARROOM_CERTIFY_DAYS = 21
    today = all_inspected
    case_facts[city[VICTIM].pk] = CaseFacts(today - dt.timedelta(days=14), 0, 0)
    do_recompute_certification(today, actor=hq)
    assert status(VICTIM, today).status == Certification.NOT_CERTIFIED


def test_unreleased_people_backlog_and_missing_inspection_each_block(city, hq, case_facts):
    today = timezone.localdate()
    a2 = city["990101001001002"]
    pass_six_in_place(city[VICTIM], hq, today)
    case_facts[city[VICTIM].pk] = CaseFacts(None, 2, 0)
    case_facts[a2.pk] = CaseFacts(None, 0, 3)
    do_recompute_certification(today, actor=hq)
    assert status(VICTIM, today).reasons == {"unreleased": 2}
    assert status(a2.code, today).reasons == {"backlog": 3, "not_inspected": True}
    assert status("990102001001001", today).reasons == {"not_inspected": True}
    texts = status(a2.code, today).reason_texts
    assert len(texts) == 2 and all(texts)


@pytest.fixture
def no_case_provider():
    from warroom.communities import facts as registry

    previous = registry._provider
    registry.register_case_facts_provider(None)
    yield
    registry.register_case_facts_provider(previous)


def test_without_a_provider_nothing_is_certified_by_default(
    city, hq, all_inspected, no_case_provider
):
    today = all_inspected
    result = do_recompute_certification(today, actor=hq)
    assert not result.known and result.certified == 0
    row = status(VICTIM, today)
    assert row.status == Certification.UNKNOWN and row.reasons == {"no_case_data": True}


def test_recompute_is_idempotent(city, hq, case_facts, all_inspected):
    today = all_inspected
    first = do_recompute_certification(today, actor=hq)
    rows = sorted(CertificationStatus.objects.values_list("area_id", "status", "certified_since"))
    second = do_recompute_certification(today, actor=hq)
    assert first.by_level == second.by_level
    assert rows == sorted(
        CertificationStatus.objects.values_list("area_id", "status", "certified_since")
    )
    assert CertificationEvent.objects.filter(kind="certified").count() == len(city)


def test_certified_since_carries_over_from_the_previous_day(city, hq, case_facts, all_inspected):
    today = all_inspected
    yesterday = today - dt.timedelta(days=1)
    do_recompute_certification(yesterday, actor=hq)
    do_recompute_certification(today, actor=hq)
    row = status(VICTIM, today)
    assert row.certified_since == yesterday and row.days_certified() == 2


def test_a_new_case_decertifies_compound_to_city_at_once_with_the_reason(
    city, hq, case_facts, all_inspected
):
    today = all_inspected
    do_recompute_certification(today, actor=hq)
    assert status("9901", today).status == Certification.CERTIFIED
    rows = do_decertify_on_new_case(
        city[VICTIM], timezone.now(), "confirmed case 2026-001", actor=hq
    )
    assert [r.area.code for r in rows] == [
        VICTIM,
        "990101001001",
        "990101001",
        "990101",
        "9901",
    ]
    for code in (VICTIM, "990101001001", "990101001", "990101", "9901"):
        row = status(code, today)
        assert row.status == Certification.NOT_CERTIFIED
        assert row.reasons["new_case"] == "confirmed case 2026-001"
        assert row.certified_since is None
    assert status("990101001001", today).reasons["children"] == [1, 2]
    assert status("9901", today).children_certified == 1  # District B still certified
    assert status("990102", today).status == Certification.CERTIFIED
    assert CertificationEvent.objects.filter(kind="decertified").count() == 5


def test_decertifying_before_any_recompute_creates_the_rows(city, hq):
    day = timezone.localdate()
    rows = do_decertify_on_new_case(city[VICTIM], day, "case", actor=hq)
    assert len(rows) == 5 and all(r.status == Certification.NOT_CERTIFIED for r in rows)


def test_roll_up_on_arrays():
    # 0 city ← 1 district ← 2, 3 compounds; 4 a village (leaf) under the city
    parent = np.array([-1, 0, 1, 1, 0])
    none = np.full(5, cert.NO_CASE)
    zeros = np.zeros(5, dtype=np.int64)
    passed = np.full(5, cert.INSPECTION_PASSED, dtype=np.int8)
    r = cert.roll_up(parent, none, zeros, zeros, passed, min_days=14)
    assert r.certified.all()
    days = none.copy()
    days[3] = 13
    r = cert.roll_up(parent, days, zeros, zeros, passed, min_days=14)
    assert r.certified.tolist() == [False, False, True, False, True]
    assert r.reasons[0] == Reason.CHILD_NOT_CERTIFIED and r.reasons[3] == Reason.CONFIRMED_IN_WINDOW
    assert r.children_total.tolist() == [2, 2, 0, 0, 0]
    assert r.children_certified.tolist() == [1, 1, 0, 0, 0]
    inspection = passed.copy()
    inspection[4] = cert.INSPECTION_NONE
    r = cert.roll_up(parent, none, zeros, zeros, inspection, min_days=14)
    assert r.reasons[4] == Reason.INSPECTION_MISSING and not r.certified[0]


def test_roll_up_refuses_bad_arrays():
    with pytest.raises(ValueError, match="one entry per unit"):
        cert.roll_up(np.array([-1, 0]), np.zeros(3), np.zeros(2), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="cycle"):
        z = np.zeros(2, dtype=np.int64)
        cert.roll_up(np.array([1, 0]), z, z, z, z.astype(np.int8))


def test_each_unit_keeps_the_counts_of_its_subtree_through_a_decertification(
    city, hq, case_facts, all_inspected
):
    from warroom.communities.selectors import level_counts

    today = all_inspected
    do_recompute_certification(today, actor=hq)
    assert status("9901", today).subtree_counts == {
        "city": [1, 1],
        "district": [2, 2],
        "street": [2, 2],
        "community": [2, 2],
        "compound": [3, 3],
    }
    assert status("990102", today).subtree_counts["compound"] == [1, 1]
    do_decertify_on_new_case(city[VICTIM], today, "case", actor=hq)
    assert status("9901", today).subtree_counts == {
        "city": [0, 1],
        "district": [1, 2],
        "street": [1, 2],
        "community": [1, 2],
        "compound": [2, 3],
    }
    assert status("990102", today).subtree_counts["compound"] == [1, 1]  # untouched
    by_level = {c["level"]: c for c in level_counts(hq, city["9901"], today)}
    assert by_level["compound"]["certified"] == 2 and by_level["compound"]["not_certified"] == 1


def test_subtree_counts_on_arrays():
    parent = np.array([-1, 0, 1, 1, 0])
    level = np.array([0, 1, 2, 2, 1])
    good, total = cert.subtree_counts(parent, level, np.array([0, 0, 1, 0, 1], bool), 3)
    assert total.tolist() == [[1, 2, 2], [0, 1, 2], [0, 0, 1], [0, 0, 1], [0, 1, 0]]
    assert good.tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 1], [0, 0, 0], [0, 1, 0]]


def _statuses(day: dt.date) -> dict[int, tuple]:
    return {
        area_id: rest
        for area_id, *rest in CertificationStatus.objects.filter(date=day).values_list(
            "area_id",
            "level",
            "status",
            "reasons",
            "certified_since",
            "children_total",
            "children_certified",
            "subtree_counts",
        )
    }


@pytest.mark.parametrize("seed", range(4))
def test_a_recompute_writes_only_the_rows_that_differ_and_ends_as_a_fresh_one(
    city, hq, case_facts, all_inspected, seed
):
    """The day's stored statuses, tampered with (status, reasons, counts, since, a row
    deleted), are brought back to what a recompute from nothing stores; a re-run that
    finds the same statuses writes nothing (on PostgreSQL too, whose jsonb keeps its own
    key order)."""
    import random

    rng = random.Random(seed)
    today = all_inspected
    compounds = [a for a in city.values() if a.level == "compound"]
    for area in rng.sample(compounds, 2):
        case_facts[area.pk] = CaseFacts(
            today - dt.timedelta(days=rng.randint(0, 20)), rng.randint(0, 2), rng.randint(0, 2)
        )
    do_recompute_certification(today, actor=hq)
    CertificationStatus.objects.filter(date=today).delete()
    do_recompute_certification(today, actor=hq)  # from nothing
    fresh = _statuses(today)
    stamps = dict(CertificationStatus.objects.values_list("pk", "computed_at"))
    do_recompute_certification(today, actor=hq)
    assert stamps == dict(CertificationStatus.objects.values_list("pk", "computed_at"))
    rows = list(CertificationStatus.objects.filter(date=today))
    tampered = rng.sample(rows, 3)
    tampered[0].status = rng.choice([Certification.CERTIFIED, Certification.NOT_CERTIFIED])
    tampered[0].certified_since = today - dt.timedelta(days=3)
    tampered[1].reasons = {**tampered[1].reasons, "unreleased": 99, "a": [1, 2]}
    tampered[2].subtree_counts = {"compound": [0, 1]}
    for row in tampered:
        row.save()
    deleted = rng.choice([r for r in rows if r not in tampered])
    deleted.delete()
    untouched = {r.pk for r in rows if r not in tampered and r != deleted}
    do_recompute_certification(today, actor=hq)
    assert _statuses(today) == fresh
    assert {pk: stamps[pk] for pk in untouched} == dict(
        CertificationStatus.objects.filter(pk__in=untouched).values_list("pk", "computed_at")
    )
    assert all(CertificationStatus.objects.filter(pk=r.pk).exists() for r in tampered)
