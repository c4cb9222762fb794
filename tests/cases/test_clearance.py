"""Daily clearance (DESIGN §3.2) on a hand-built scenario: duties, age buckets, roll-up."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import resident_id
from warroom.cases import services
from warroom.cases.clearance import compute_backlog, cutoff_for, do_compute_clearance
from warroom.cases.models import ClearanceRun, ClearanceSnapshot
from warroom.cases.selectors import compound_case_facts
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db
A1, A2, B1 = "990101001001001", "990101001001002", "990102001001001"


@pytest.fixture
def scenario(city, officer, hq):
    day = timezone.localdate() - dt.timedelta(days=1)
    cut = cutoff_for(day)

    def at(hours: float) -> dt.datetime:
        return cut - dt.timedelta(hours=hours)

    n = iter(range(1, 100))

    def person(code: str, category: str, hours: float, name: str):
        return services.do_register_person(
            name=name,
            home=city[code],
            actor=hq,
            id_number=resident_id(next(n)),
            category=category,
            at=at(hours),
        )

    person(A1, "confirmed", 10, "p1")
    person(A1, "confirmed", 30, "p2")
    person(B1, "confirmed", 50, "p3")
    person(A2, "suspected", 5, "p4")
    person(A1, "contact", 60, "p5")
    p6 = person(A1, "febrile", 3, "p6")
    services.do_isolate_person(p6, "home", actor=hq, at=at(2))
    p7 = person(A1, "febrile", 40, "p7")
    services.do_record_sample(p7, kind="nucleic_acid", lab="L", code="7", taken_at=at(36), actor=hq)
    p8 = person(A2, "confirmed", 80, "p8")
    services.do_transition_person(
        p8, "admitted", actor=hq, facility="H", severity="severe", at=at(72)
    )
    services.do_record_treatment(p8, actor=hq, date=day - dt.timedelta(days=2))
    p9 = person(A1, "confirmed", 25, "p9")
    services.do_transition_person(p9, "admitted", actor=hq, facility="H", at=at(20))
    p10 = person(A1, "confirmed", 110, "p10")
    services.do_transition_person(p10, "admitted", actor=hq, facility="H", at=at(100))
    services.do_record_treatment(p10, actor=hq, date=day)
    return day, cut


def _row(backlog, city, code):
    return backlog.row(city[code].pk)


def test_each_duty_counts_its_backlog_with_age_buckets_and_rolls_up(scenario, city):
    _day, cut = scenario
    backlog = compute_backlog(cut)
    a1, a2, b1 = (_row(backlog, city, c) for c in (A1, A2, B1))
    assert a1["admit"] == {
        "total": 2,
        "under_24h": 1,
        "from_24_to_48h": 1,
        "over_48h": 0,
        "priority": 0,
    }
    # p6, isolated at home, still counts: only centralised isolation is isolation.
    assert a1["isolate"] == {
        "total": 3,
        "under_24h": 1,
        "from_24_to_48h": 1,
        "over_48h": 1,
        "priority": 0,
    }
    assert a1["test"] == {
        "total": 2,
        "under_24h": 2,
        "from_24_to_48h": 0,
        "over_48h": 0,
        "priority": 0,
    }
    assert a1["treat"] == {
        "total": 1,
        "under_24h": 1,
        "from_24_to_48h": 0,
        "over_48h": 0,
        "priority": 0,
    }
    assert a2["isolate"]["total"] == 1 and a2["test"]["under_24h"] == 1
    assert a2["treat"] == {
        "total": 1,
        "under_24h": 0,
        "from_24_to_48h": 0,
        "over_48h": 1,
        "priority": 1,
    }
    assert b1["admit"] == {
        "total": 1,
        "under_24h": 0,
        "from_24_to_48h": 0,
        "over_48h": 1,
        "priority": 0,
    }
    district = _row(backlog, city, "990101")
    assert {d: v["total"] for d, v in district.items()} == {
        "admit": 2,
        "isolate": 4,
        "test": 3,
        "treat": 2,
    }
    assert _row(backlog, city, "990101001001") == district  # community = its district here
    city_row = _row(backlog, city, "9901")
    assert {d: v["total"] for d, v in city_row.items()} == {
        "admit": 3,
        "isolate": 4,
        "test": 3,
        "treat": 2,
    }
    assert city_row["admit"]["over_48h"] == 1 and city_row["treat"]["priority"] == 1


def test_the_snapshot_is_idempotent_and_keeps_non_zero_rows(scenario, city, hq):
    day, _ = scenario
    first = do_compute_clearance(day, actor=hq)
    rows = sorted(ClearanceSnapshot.objects.values_list("area_id", "duty", "total", "over_48h"))
    second = do_compute_clearance(day, actor=hq)
    assert (
        first.city_totals
        == second.city_totals
        == {
            "admit": 3,
            "isolate": 4,
            "test": 3,
            "treat": 2,
        }
    )
    assert rows == sorted(
        ClearanceSnapshot.objects.values_list("area_id", "duty", "total", "over_48h")
    )
    assert ClearanceRun.objects.count() == 1
    assert not ClearanceSnapshot.objects.filter(total=0).exists()
    assert ClearanceSnapshot.objects.get(area=city["990102"], duty="admit").total == 1


def test_the_page_drills_down_highlights_overdue_and_exports(
    scenario, city, officer, client, django_assert_max_num_queries
):
    day, _ = scenario
    do_compute_clearance(day, actor=SYSTEM)
    client.force_login(officer)
    with django_assert_max_num_queries(20):
        page = client.get(f"/cases/clearance/990101/?date={day}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-duty="isolate">4<' in html and 'data-duty="treat">2<' in html
    compound = client.get(f"/cases/clearance/{A1}/?date={day}").content.decode()
    assert "p5" in compound and 'class="overdue"' in compound  # p5 waits > 48 h
    export = client.get(f"/cases/clearance/{A1}/export.xlsx?date={day}")
    book = load_workbook(io.BytesIO(export.content))
    assert book["clearance"].cell(2, 1).value == A1
    names = [r[1] for r in book["people"].iter_rows(min_row=2, values_only=True)]
    assert any(name.startswith("p5 #") for name in names)


def test_another_district_sees_nothing_of_it(scenario, outsider, client):
    day, _ = scenario
    do_compute_clearance(day, actor=SYSTEM)
    client.force_login(outsider)
    assert client.get(f"/cases/clearance/990101/?date={day}").status_code == 404
    own = client.get(f"/cases/clearance/990102/?date={day}").content.decode()
    assert 'data-duty="admit">1<' in own


def test_compound_case_facts_for_certification(scenario, city, hq):
    day, _ = scenario
    do_compute_clearance(day, actor=hq)
    facts = compound_case_facts(day)
    a1 = facts[city[A1].pk]
    assert a1["last_confirmed"] == day  # p1, confirmed 10 h before the cut-off
    assert a1["unreleased"] == {"suspected": 0, "febrile": 2, "contact": 1}
    assert a1["backlog"] == 8 and a1["backlog_date"] == day
    assert facts[city[A2].pk]["unreleased"]["suspected"] == 1
    assert city["990101"].pk not in facts  # compounds only
    # As of three days earlier: only p10 had been confirmed, nobody was unreleased yet.
    _, cut = scenario
    earlier = compound_case_facts(day - dt.timedelta(days=3))[city[A1].pk]
    assert earlier["last_confirmed"] == timezone.localdate(cut - dt.timedelta(hours=110))
    assert earlier["unreleased"] == {"suspected": 0, "febrile": 0, "contact": 0}
    assert earlier["backlog"] == 0 and earlier["backlog_date"] is None


def test_the_api_gives_an_area_and_its_children(scenario, city, officer, client):
    from warroom.accounts.services import do_create_token

    day, _ = scenario
    do_compute_clearance(day, actor=SYSTEM)
    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    body = client.get(
        f"/api/cases/clearance/990101?date={day}", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert body["date"] == day.isoformat()
    assert body["duties"]["isolate"] == {
        "total": 4,
        "under_24h": 2,
        "from_24_to_48h": 1,
        "over_48h": 1,
        "priority": 0,
    }
    assert body["children"]["990101001"]["treat"]["priority"] == 1


def test_a_past_cutoffs_test_backlog_is_read_as_the_records_stood_then(scenario, city, hq):
    # Valid time: a sample taken after the cut-off satisfies p6's due test from then on,
    # but the cut-off's own figure does not move (the test schedule's history, not
    # today's next_test_due), and it is still one query per duty.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from warroom.cases.models import Person, TestDueRecord

    _day, cut = scenario
    before = compute_backlog(cut)
    assert _row(before, city, A1)["test"]["total"] == 2  # p6 owes, p7's sample pending
    p6 = Person.objects.get(name="p6")
    assert TestDueRecord.objects.filter(person=p6).count() == 1  # set when he entered
    services.do_record_sample(
        p6, kind="nucleic_acid", lab="L", code="6", taken_at=cut + dt.timedelta(hours=1), actor=hq
    )
    p6.refresh_from_db()
    assert p6.next_test_due is None or p6.next_test_due > cut  # today's state has moved
    with CaptureQueriesContext(connection) as one_day:
        again = compute_backlog(cut)
    assert _row(again, city, A1)["test"] == _row(before, city, A1)["test"]
    assert (again.values == before.values).all()
    later = compute_backlog(cut + dt.timedelta(hours=2))
    assert _row(later, city, A1)["test"]["total"] == 1  # from the sample on, he owes none
    # set-based: the query count does not grow with the people (one per duty and a few;
    # on PostgreSQL one more: the count of the records since the cut-off that chooses how
    # the people with later records are read, waiting._later)
    bound = 12 + (connection.vendor == "postgresql")
    assert len(one_day.captured_queries) <= bound, [q["sql"][:80] for q in one_day.captured_queries]


def test_the_pending_results_are_counted_as_the_samples_definition_says(scenario, city, hq):
    """The backlog reads the pending samples and their people apart (SQLite plans the join
    badly); per home and age band it is the aggregate of ``_pending_at`` by the spec."""
    from django.db.models import Count

    from warroom.cases.clearance import _pending_at, _pending_results, specs

    _day, cut = scenario
    p8 = services.do_register_person(
        name="p8", id_number=resident_id(908), home=city[A2], actor=hq, category="febrile"
    )
    services.do_record_sample(
        p8, kind="nucleic_acid", lab="L", code="8", taken_at=cut - dt.timedelta(hours=80), actor=hq
    )
    seen = 0
    for moment in [cut - dt.timedelta(hours=h) for h in (-72, -24, 0, 12, 30, 60)]:
        spec = next(s for s in specs(moment) if s.queryset is _pending_at)
        h24, h48 = moment - dt.timedelta(hours=24), moment - dt.timedelta(hours=48)
        expected = {
            r["person__home_id"]: (r["n"], r["o24"], r["o48"])
            for r in _pending_at(moment)
            .order_by()
            .values("person__home_id")
            .annotate(
                n=Count("pk"),
                o24=Count("pk", filter=spec.older_than(h24)),
                o48=Count("pk", filter=spec.older_than(h48)),
            )
        }
        got = {r["person__home_id"]: (r["n"], r["o24"], r["o48"]) for r in _pending_results(moment)}
        assert got == expected
        seen += sum(n for n, _a, _b in got.values())
    assert seen >= 3  # the samples were pending at several of the moments
