"""Zones and levels (issue 20): the risk rule, its effects on businesses, transport that
never carries someone held, closure coverage rolled up exactly."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import resident_id
from warroom.analytics import zones as rule
from warroom.core.context import SYSTEM
from warroom.core.today import today

# --- the pure rule --------------------------------------------------------------------


@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.integers(0, 50),
    st.integers(1, 200),
)
def test_the_rule_is_the_national_one(cumulative, new, clusters, limit):
    new = min(new, cumulative)
    level, clause = rule.risk_level(rule.RiskBasis(cumulative, new, clusters), rule.RiskRule(limit))
    if cumulative == 0 or new == 0:
        assert (level, clause) == ("low", "no_new_cases")
    elif cumulative > limit and clusters > 0:
        assert (level, clause) == ("high", "many_cases_and_cluster")
    else:
        assert level == "medium"
    # More of everything never lowers the level.
    more, _ = rule.risk_level(
        rule.RiskBasis(cumulative + 1, new + 1, clusters + 1), rule.RiskRule(limit)
    )
    assert rule.RANK[more] >= rule.RANK[level]


@given(
    st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("XYZ")), max_size=60),
    st.integers(1, 9),
)
def test_vehicles_seat_everyone_once_on_one_route_within_capacity(routes, capacity):
    travellers = [rule.Traveller(i, o, d) for i, (o, d) in enumerate(routes)]
    vehicles = rule.group_into_vehicles(travellers, capacity)
    seated = [k for _, _, keys in vehicles for k in keys]
    assert sorted(seated) == list(range(len(routes)))
    for origin, destination, keys in vehicles:
        assert 1 <= len(keys) <= capacity
        assert all(routes[k] == (origin, destination) for k in keys)
    # As few vehicles as the routes allow.
    per_route: dict = {}
    for r in routes:
        per_route[r] = per_route.get(r, 0) + 1
    assert len(vehicles) == sum(-(-n // capacity) for n in per_route.values())


# --- levels from the line list ------------------------------------------------------------


def _confirm(city, n: int, compound: str = "990101001001001"):
    from warroom.cases import services

    return services.do_register_person(
        name=f"病人{n}",
        home=city[compound],
        actor=SYSTEM,
        id_number=resident_id(100 + n),
        category="confirmed",
    )


@pytest.mark.django_db
def test_levels_follow_the_confirmations(city, settings, django_assert_num_queries):
    from warroom.economy.models import AreaRiskLevel
    from warroom.economy.services import do_compute_risk_levels

    settings.WARROOM_RISK_CUMULATIVE = 1
    _confirm(city, 1)
    _confirm(city, 2)
    result = do_compute_risk_levels(today(), actor=SYSTEM)
    levels = {r.area.code: r for r in AreaRiskLevel.objects.filter(date=today())}
    assert levels["990101001"].level == "high"  # 2 > 1 and a compound with 2: a cluster
    assert levels["990101001"].basis == {"cumulative": 2, "new_in_window": 2, "clusters": 1}
    assert levels["990101"].level == "high"
    assert levels["990102"].level == "low" and levels["990102001"].level == "low"
    assert result.by_level == {"low": 2, "medium": 0, "high": 2}
    # Idempotent: the day's rows replaced, not added.
    do_compute_risk_levels(today(), actor=SYSTEM)
    assert AreaRiskLevel.objects.filter(date=today()).count() == 4
    # A past day is counted as it stood at its cut-off: nobody was confirmed yesterday.
    do_compute_risk_levels(today() - dt.timedelta(days=1), actor=SYSTEM)
    assert (
        AreaRiskLevel.objects.get(date=today() - dt.timedelta(days=1), area__code="990101001").level
        == "low"
    )
    # What governs a place: its street's latest level, else its district's; one query.
    from warroom.economy.services import level_of

    compound, street, district = city["990101001001001"], city["990101001"], city["990101"]
    day = today()
    yesterday = day - dt.timedelta(days=1)
    with django_assert_num_queries(1):
        governs = level_of(compound, day)
    assert (governs.area_id, governs.date, governs.level) == (street.pk, day, "high")
    assert level_of(compound, yesterday).date == yesterday
    AreaRiskLevel.objects.filter(area=street, date=today()).delete()
    governs = level_of(compound, today())  # the street's older day beats the district's today
    assert (governs.area_id, governs.date) == (street.pk, yesterday)
    AreaRiskLevel.objects.filter(area=street).delete()
    assert level_of(compound, today()).area_id == district.pk
    assert level_of(district, today()).area_id == district.pk
    with django_assert_num_queries(0):
        assert level_of(city["9901"], day) is None


@pytest.mark.django_db
def test_an_hq_override_needs_a_reason_and_stands_until_lifted(city, hq, officer, settings, client):
    from warroom.core.errors import Forbidden, InvalidInput
    from warroom.economy.models import AreaRiskLevel
    from warroom.economy.services import do_compute_risk_levels, do_lift_override, do_override_level

    day = today()
    do_compute_risk_levels(day, actor=SYSTEM)
    street = city["990101001"]
    with pytest.raises(InvalidInput):
        do_override_level(street, day, level="high", reason=" ", actor=hq)
    with pytest.raises(Forbidden):
        do_override_level(street, day, level="high", reason="集中隔离点出现聚集", actor=officer)
    do_override_level(street, day, level="high", reason="集中隔离点出现聚集", actor=hq)
    do_compute_risk_levels(day + dt.timedelta(days=1), actor=SYSTEM)
    nxt = AreaRiskLevel.objects.get(area=street, date=day + dt.timedelta(days=1))
    assert (nxt.computed, nxt.level, nxt.override_reason) == ("low", "high", "集中隔离点出现聚集")
    # The history page draws the levels as a chart (the table stays), the override pinned.
    client.force_login(hq)
    html = client.get(reverse("economy:area", args=[street.code])).content.decode()
    found = re.search(r'data-testid="level-chart" data-series=\'([^\']*)\'', html)
    option = json.loads(unescape(found.group(1)))
    level, computed, pins = option["series"]
    assert option["xAxis"]["data"] == [day.isoformat(), (day + dt.timedelta(days=1)).isoformat()]
    assert option["yAxis"]["data"] == ["低风险", "中风险", "高风险"]
    assert (level["data"], computed["data"]) == (["高风险", "高风险"], ["低风险", "低风险"])
    assert pins["type"] == "scatter" and len(pins["data"]) == 2
    assert "<table" in html and html.count("集中隔离点出现聚集") == 2
    do_lift_override(street, day + dt.timedelta(days=1), actor=hq)
    nxt.refresh_from_db()
    assert nxt.level == "low"


# --- businesses -------------------------------------------------------------------------


def _business(city, officer, category="other", size="small"):
    from warroom.economy.services import do_register_business

    return do_register_business(
        city["990101001001001"],
        name="甲一饭店",
        category=category,
        size=size,
        workforce=20,
        actor=officer,
    )


def _apply(business, officer, ids=()):
    from warroom.economy.services import PLAN_ITEMS, do_apply_resumption

    return do_apply_resumption(
        business,
        plan=dict.fromkeys(PLAN_ITEMS, True),
        worker_ids=list(ids),
        workers=10,
        actor=officer,
    )


@pytest.mark.django_db
def test_a_business_in_a_high_risk_area_is_refused_with_the_reason(
    city, officer, settings, english
):
    from warroom.economy.services import do_compute_risk_levels

    settings.WARROOM_RISK_CUMULATIVE = 1
    _confirm(city, 1)
    _confirm(city, 2)
    do_compute_risk_levels(today(), actor=SYSTEM)
    app = _apply(_business(city, officer), officer)
    assert app.status == "refused"
    assert "A1 Street" in app.reason_shown and "high-risk area" in app.reason_shown
    assert app.reason.startswith("甲一街道")  # the text column: the default language's
    # An essential business may still run there, with conditions.
    shop = _business(city, officer, category="essential_supply")
    assert _apply(shop, officer).status == "pending"


@pytest.mark.django_db
def test_a_rising_level_suspends_conditional_approvals_and_notifies(
    city, officer, inspector, settings, django_capture_on_commit_callbacks
):
    from warroom.core.models import Notification
    from warroom.economy.services import do_compute_risk_levels, do_decide_resumption

    settings.WARROOM_RISK_CUMULATIVE = 1
    _confirm(city, 1)
    do_compute_risk_levels(today(), actor=SYSTEM)  # one case: medium
    business = _business(city, officer)
    app = do_decide_resumption(_apply(business, officer), approve=True, actor=inspector)
    assert app.status == "conditional"  # medium risk: conditional approval only
    _confirm(city, 2)  # a cluster: high tomorrow
    result = do_compute_risk_levels(today() + dt.timedelta(days=1), actor=SYSTEM)
    assert "990101001" in result.rose and result.suspended == 1
    app.refresh_from_db()
    assert app.status == "suspended" and app.reason
    notes = Notification.objects.filter(kind="level_rose")
    assert {n.user for n in notes} >= {officer, inspector}
    # Once: computing the same day again suspends nothing more and notifies nobody again.
    before = notes.count()
    do_compute_risk_levels(today() + dt.timedelta(days=1), actor=SYSTEM)
    assert Notification.objects.filter(kind="level_rose").count() == before


@pytest.mark.django_db
def test_workers_held_by_case_management_are_not_cleared(city, officer, inspector):
    from warroom.cases import services as cases
    from warroom.economy.services import do_decide_resumption

    cases.do_register_person(
        name="密接",
        home=city["990101001001002"],
        actor=SYSTEM,
        id_number=resident_id(7),
        category="contact",
    )
    app = _apply(_business(city, officer), officer, ids=[resident_id(7), resident_id(8)])
    assert app.workers_blocked == 1
    app = do_decide_resumption(app, approve=True, actor=inspector)
    assert app.status == "conditional" and "1" in app.conditions


@pytest.mark.django_db
def test_a_large_business_is_approved_by_its_district(city, officer, inspector):
    from warroom.core.errors import Forbidden
    from warroom.economy.services import do_decide_resumption

    app = _apply(_business(city, officer, size="large"), officer)
    with pytest.raises(Forbidden):
        do_decide_resumption(app, approve=True, actor=inspector)  # a street officer
    assert do_decide_resumption(app, approve=True, actor=officer).status == "approved"


# --- transport --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trip_never_carries_someone_in_quarantine_or_with_an_open_case(city, officer):
    from warroom.cases import services as cases
    from warroom.economy.models import Seat, TransportRequest
    from warroom.economy.services import do_health_check, do_plan_trips, do_request_transport

    victim = city["990101001001001"]

    def ask(n):
        return do_request_transport(
            victim,
            kind="returning_worker",
            name=f"工人{n}",
            id_number=resident_id(n),
            origin="武汉",
            destination="孝感",
            wanted=today(),
            actor=officer,
        )

    cases.do_register_person(
        name="隔离者", home=victim, actor=SYSTEM, id_number=resident_id(21), category="contact"
    )
    held, fine, later = ask(21), ask(22), ask(23)
    assert do_health_check([held, fine, later], actor=officer) == {"cleared": 2, "refused": 1}
    # Cleared, then confirmed before boarding: refused at planning time, never seated.
    cases.do_register_person(
        name="工人23", home=victim, actor=SYSTEM, id_number=resident_id(23), category="confirmed"
    )
    trips = do_plan_trips(city["990101"], today(), capacity=40, actor=officer)
    seated = set(Seat.objects.values_list("request__id_number", flat=True))
    assert seated == {resident_id(22)} and len(trips) == 1
    assert TransportRequest.objects.get(pk=later.pk).status == "refused"
    assert TransportRequest.objects.get(pk=held.pk).status == "refused"


# --- closure coverage -------------------------------------------------------------------


@pytest.mark.django_db
def test_closure_coverage_rolls_up_exactly(city, officer, outsider):
    from warroom.communities.coverage import coverage, not_closed
    from warroom.communities.services import do_set_closure

    do_set_closure(city["990101001001001"], "closed", actor=officer)
    do_set_closure(city["990102001001001"], "sealed", actor=outsider)
    do_set_closure(city["990101001001002"], "open", actor=officer)
    day = today()
    top = coverage(city["9901"], day)
    assert (top["closed"], top["total"]) == (2, 3)
    assert {c["area"].code: (c["closed"], c["total"]) for c in top["children"]} == {
        "990101": (1, 2),
        "990102": (1, 1),
    }
    # Each level is the exact sum of the level below.
    for child in top["children"]:
        below = coverage(child["area"], day)
        assert (below["closed"], below["total"]) == (child["closed"], child["total"])
        assert sum(c["closed"] for c in below["children"]) == child["closed"]
    assert not_closed(city["9901"], day) == [city["990101001001002"].path]
    # Yesterday nothing was closed yet: coverage is read as it stood at the cut-off.
    assert coverage(city["9901"], day - dt.timedelta(days=1))["closed"] == 0


@pytest.mark.django_db
def test_closure_statuses_import_all_or_nothing_and_once(city, officer, english):
    from warroom.communities.imports import do_import_closures
    from warroom.communities.models import ClosureStatus
    from warroom.tables import TableRejected, read_table

    day = today().isoformat()
    good = f"区域编码,封闭状态,日期\n990101001001001,封闭,{day}\n990101001001002,sealed,{day}\n"
    bad = (
        "area_code,status,date\n"
        f"990102001001001,closed,{day}\n"  # District B's: not in the officer's jurisdiction
        f"990101001001001,ajar,{day}\n"
        f"990101001,closed,{day}\n"  # a street
        f"990101001001002,closed,{today() + dt.timedelta(days=5)}\n"
        f"990101001001002,closed,{day}\n"
        f"990101001001002,open,{day}\n"
    )
    with pytest.raises(TableRejected) as refused:
        do_import_closures(read_table(bad.encode(), filename="bad.csv"), actor=officer)
    problems = {(e.row, e.column) for e in refused.value.errors}
    assert problems >= {
        (2, "area_code"),
        (3, "status"),
        (4, "area_code"),
        (5, "date"),
        (7, "area_code"),
    }
    assert not ClosureStatus.objects.exists()
    result = do_import_closures(read_table(good.encode(), filename="good.csv"), actor=officer)
    assert result.created == 2 and not result.duplicate
    again = do_import_closures(read_table(good.encode(), filename="good.csv"), actor=officer)
    assert again.duplicate and ClosureStatus.objects.count() == 2
    from warroom.communities.coverage import coverage

    assert coverage(city["990101"], today())["closed"] == 2


@pytest.mark.django_db
def test_gate_passes_are_checked_at_the_gate_and_bad_ones_are_anomalies(city, officer):
    from warroom.communities import services as comm
    from warroom.communities.coverage import passages

    victim, other = city["990101001001001"], city["990101001001002"]
    gate = comm.do_add_entry_point(victim, name="东门", actor=officer)
    mine = comm.do_issue_pass(victim, household="3栋201", holder="张三", actor=officer)
    theirs = comm.do_issue_pass(other, household="1栋101", holder="李四", actor=officer)
    stale = comm.do_issue_pass(
        victim,
        household="3栋202",
        holder="王五",
        valid_from=today() - dt.timedelta(days=20),
        valid_until=today() - dt.timedelta(days=7),
        actor=officer,
    )
    revoked = comm.do_revoke_pass(
        comm.do_issue_pass(victim, household="3栋203", holder="赵六", actor=officer), actor=officer
    )

    def through(number):
        return comm.do_record_passage(
            gate, direction="out", purpose="supply", pass_number=number, actor=officer
        ).pass_check

    assert through(mine.number.lower()) == "valid"  # as typed at the gate
    assert through(theirs.number) == "elsewhere"
    assert through(stale.number) == "expired"
    assert through(revoked.number) == "revoked"
    assert through("NOPE-000") == "unknown"
    assert through("") == ""
    seen = passages(city["990101"], today())
    assert seen["passes_valid"] == 2  # mine and theirs; not the stale or the revoked one
    assert seen["checks"] == {
        "valid": 1,
        "elsewhere": 1,
        "expired": 1,
        "revoked": 1,
        "unknown": 1,
        "": 1,
    }
    assert len(seen["anomalies"]) == 4


@pytest.mark.django_db
def test_a_rising_level_is_a_signal_for_the_stand_up(city, hq, settings):
    from warroom.economy.services import do_compute_risk_levels, do_override_level
    from warroom.supervision.models import Signal
    from warroom.supervision.signals import do_raise_signals

    day = today()
    do_compute_risk_levels(day - dt.timedelta(days=1), actor=SYSTEM)
    do_compute_risk_levels(day, actor=SYSTEM)
    assert (
        do_raise_signals(day, actor=SYSTEM) == 0
        or not Signal.objects.filter(name="risk_level_rose").exists()
    )
    do_override_level(city["990101001"], day, level="high", reason="方舱医院聚集", actor=hq)
    do_raise_signals(day, actor=SYSTEM)
    found = Signal.objects.get(name="risk_level_rose")
    assert found.area.code == "990101001" and "方舱医院聚集" in found.message


@pytest.mark.django_db
def test_the_rose_hits_are_every_level_above_the_day_before(city, hq):
    """``level_rose_hits`` reads the two days' levels as values: every area graded above
    its level of the day before (an override's reason or the clause, in the stored order);
    none for an area without a level the day before."""
    from warroom.analytics import zones as rule
    from warroom.economy.models import AreaRiskLevel
    from warroom.economy.services import do_compute_risk_levels, do_override_level, level_rose_hits

    day = today()
    do_compute_risk_levels(day - dt.timedelta(days=1), actor=SYSTEM)
    do_compute_risk_levels(day, actor=SYSTEM)
    do_override_level(city["990101001"], day, level="high", reason="方舱医院聚集", actor=hq)
    AreaRiskLevel.objects.filter(date=day, area=city["990102"]).update(
        level="high", clause="many_cases_and_cluster", override_reason=""
    )
    AreaRiskLevel.objects.filter(date=day - dt.timedelta(days=1), area=city["990102001"]).delete()
    do_override_level(city["990102001"], day, level="high", reason="无前日", actor=hq)
    before = {
        r.area_id: r.level for r in AreaRiskLevel.objects.filter(date=day - dt.timedelta(days=1))
    }
    expected = [
        (r.area.code, float(rule.RANK[r.level]), float(rule.RANK[before[r.area_id]]))
        for r in AreaRiskLevel.objects.filter(date=day).select_related("area")
        if r.area_id in before and rule.higher(r.level, before[r.area_id])
    ]
    hits = level_rose_hits(day)
    assert [(h.area.code, h.value, h.threshold) for h in hits] == expected
    assert {h.area.code for h in hits} == {"990102", "990101001"}
    assert "方舱医院聚集" in str(next(h.message for h in hits if h.area.code == "990101001"))
