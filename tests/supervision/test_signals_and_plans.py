"""Signals over thresholds reach the stand-up's agenda; the four risks; phase plans; inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warroom.core.context import SYSTEM
from warroom.core.models import Notification
from warroom.supervision.models import Signal
from warroom.supervision.signals import Hit, do_raise_signals, register_signal, unregister_signal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def surge(city):
    """A plug-in signal as the appeals app will register one."""
    hits: list = []
    register_signal(
        "appeal_surge", lambda day: list(hits), risk="social_conflict", label="Appeals surge"
    )
    yield hits
    unregister_signal("appeal_surge")


def test_a_registered_signal_is_stored_notified_and_on_the_agenda(surge, city, officer, hq):
    from warroom.situation.selectors import standup

    day = timezone.localdate()
    surge.append(Hit(city["990101"], 40, 10, "甲区 appeals about food: 40 today", "/appeals/"))
    assert do_raise_signals(day, actor=SYSTEM) >= 1
    assert do_raise_signals(day, actor=SYSTEM) >= 1  # idempotent
    row = Signal.objects.get(name="appeal_surge")
    assert row.value == 40 and row.evidence == "/appeals/"
    assert Notification.objects.filter(kind="signal", user=officer).count() == 1
    agenda = standup(hq, city["990101"], day)["items"]
    item = next(i for i in agenda if i["kind"] == "signal")
    assert item["url"] == "/appeals/" and "appeals about food" in item["text"]
    surge.clear()
    do_raise_signals(day, actor=SYSTEM)
    assert not Signal.objects.filter(name="appeal_surge").exists()  # under its threshold now


def test_a_cluster_in_a_special_place_is_a_signal(city, officer, settings):
    from tests.conftest import resident_id
    from warroom.cases.services import do_register_person
    from warroom.supervision.services import do_register_place

    settings.WARROOM_SIGNAL_PLACE_CASES = 2
    place = do_register_place(
        code="P-1", name="甲区监狱", kind="prison", area=city["990101001001001"], actor=officer
    )
    for n in (301, 302):
        do_register_person(
            name="狱警",
            home=city["990101001001001"],
            actor=officer,
            id_number=resident_id(n),
            category="confirmed",
            workplace="甲区监狱",
        )
    do_raise_signals(timezone.localdate(), actor=SYSTEM)
    row = Signal.objects.get(name="special_place_cluster")
    assert row.value == 2 and str(place.pk) in row.evidence
    # and the staff of a hospital: health workers
    do_register_person(
        name="医生",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(303),
        category="confirmed",
        workplace="甲区人民医院",
    )
    do_raise_signals(timezone.localdate(), actor=SYSTEM)
    assert Signal.objects.get(name="health_worker_infections").value == 1


@pytest.mark.parametrize("batch", [5000, 1])
def test_the_set_based_signals_count_each_place_and_district_apart(
    city, hq, settings, monkeypatch, batch
):
    """One statement for every place (by name or by code) and for every district: each
    place and district still gets its own distinct people, none of another's. (``batch``
    1: the week's confirmed people go to the health-worker test as a temporary table, as
    the whole city's thousands do.)"""
    monkeypatch.setattr("warroom.core.bulk.BATCH", batch)
    from tests.conftest import resident_id
    from warroom.cases.services import do_register_person
    from warroom.supervision.services import do_register_place

    settings.WARROOM_SIGNAL_PLACE_CASES = 1
    settings.WARROOM_SIGNAL_STAFF_CASES = 1
    a = do_register_place(
        code="P-A", name="甲区监狱", kind="prison", area=city["990101001001001"], actor=hq
    )
    b = do_register_place(
        code="P-B",
        name="乙区福利院",
        kind="welfare_home",
        area=city["990102001001001"],
        actor=hq,
    )
    people = [  # (home, workplace): by name, by code, a hospital in each district
        ("990101001001001", "甲区监狱"),
        ("990101001001002", "P-A"),
        ("990102001001001", "P-B"),
        ("990101001001001", "甲区人民医院"),
        ("990102001001001", "乙区医院"),
        ("990102001001001", "乙区医院"),
    ]
    for n, (home, workplace) in enumerate(people):
        do_register_person(
            name="某人",
            home=city[home],
            actor=hq,
            id_number=resident_id(400 + n),
            category="confirmed",
            workplace=workplace,
        )
    do_raise_signals(timezone.localdate(), actor=SYSTEM)
    places = {s.area_id: s.value for s in Signal.objects.filter(name="special_place_cluster")}
    assert places == {a.area_id: 2, b.area_id: 1}
    staff = {s.area_id: s.value for s in Signal.objects.filter(name="health_worker_infections")}
    assert staff == {city["990101"].pk: 1, city["990102"].pk: 2}


def test_the_four_risks_have_indicators_trend_and_owner(surge, city, hq, officer):
    from warroom.supervision.selectors import risks_panel
    from warroom.supervision.services import do_set_risk_owner

    day = timezone.localdate()
    surge.append(Hit(city["990101"], 40, 10, "surge"))
    do_raise_signals(day, actor=SYSTEM)
    do_set_risk_owner(city["9901"], "social_conflict", hq, actor=hq)
    risks = {r["kind"]: r for r in risks_panel(hq, city["9901"], day)}
    assert set(risks) == {"social_conflict", "economic_disputes", "public_safety", "trauma"}
    social = risks["social_conflict"]
    assert social["today"] == 1 and social["owner"] == "hq" and len(social["trend"]) == 14
    assert "Appeals surge" in social["indicators"]


def test_a_phase_plan_is_tracked_until_the_next_phase(city, hq, officer):
    from warroom.supervision.selectors import plan_panel
    from warroom.supervision.services import PlanLine, do_record_phase_plan

    start = timezone.localdate() - dt.timedelta(days=3)
    plan = do_record_phase_plan(
        city["9901"],
        phase="MIDDLE",
        phase_start=start,
        summary="应收尽收",
        lines=[
            PlanLine(
                "key_task",
                "清零待收治",
                officer,
                timezone.localdate() + dt.timedelta(days=5),
                "0 waiting",
            ),
            PlanLine(
                "practical", "社区团购保供", officer, timezone.localdate() + dt.timedelta(days=7)
            ),
        ],
        actor=hq,
    )
    phase = {"declared": "MIDDLE", "start": start.isoformat()}
    panel = plan_panel(hq, city["990101"], phase)
    assert panel["id"] == plan.pk and panel["total"] == 2 and panel["done"] == 0
    assert plan_panel(hq, city["9901"], {"declared": "LOW", "start": start.isoformat()}) is None
    # the briefing reads each phase's plan once for the city and its districts
    memo: dict = {}
    low = {"declared": "LOW", "start": start.isoformat()}
    for code in ("9901", "990101", "990102"):
        assert plan_panel(hq, city[code], phase, memo=memo) == plan_panel(hq, city[code], phase)
        assert plan_panel(hq, city[code], low, memo=memo) is None
    assert len(memo) == 2


def test_the_inbox_counts_unread_and_marks_read(city, officer, client):
    from warroom.core.notify import notify

    notify([officer], kind="task", title="任务一", link="/tasks/")
    notify([officer], kind="task", title="任务二")
    client.force_login(officer)
    page = client.get("/supervision/inbox/").content.decode()
    assert "任务一" in page and 'data-testid="unread-count">2<' in page
    client.post("/supervision/inbox/", {"all": "1"})
    assert not Notification.objects.filter(user=officer, read_at__isnull=True).exists()


def test_the_supervisors_home_is_the_supervision_desk(supervisor, client):
    client.force_login(supervisor)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/supervision/"
    assert 'data-testid="supervision-home"' in client.get("/supervision/").content.decode()


def test_people_waiting_over_24_hours_are_a_signal_of_their_district(city, officer):
    from tests.conftest import resident_id
    from warroom.cases.models import Person
    from warroom.cases.services import do_register_person

    waiting = do_register_person(
        name="等床",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(401),
        category="confirmed",
    )
    do_raise_signals(timezone.localdate(), actor=SYSTEM)
    assert not Signal.objects.filter(name="waiting_over_24h").exists()  # not 24 h yet
    Person.objects.filter(pk=waiting.pk).update(
        confirmed_at=timezone.now() - dt.timedelta(hours=30)
    )
    do_raise_signals(timezone.localdate(), actor=SYSTEM)
    row = Signal.objects.get(name="waiting_over_24h")
    assert row.area.code == "990101" and row.value == 1
    # Counted by home, then by district: two more in the same home, one in another
    # compound of the district, one in the other district.
    homes = ["990101001001001", "990101001001001", "990101001001002", "990102001001001"]
    for n, home in enumerate(homes, start=402):
        more = do_register_person(
            name=f"等床{n}",
            home=city[home],
            actor=officer,
            id_number=resident_id(n),
            category="confirmed",
        )
        Person.objects.filter(pk=more.pk).update(
            confirmed_at=timezone.now() - dt.timedelta(hours=30)
        )
    do_raise_signals(timezone.localdate(), actor=SYSTEM)
    values = dict(Signal.objects.filter(name="waiting_over_24h").values_list("area__code", "value"))
    assert values == {"990101": 4, "990102": 1}
