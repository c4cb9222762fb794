"""Services behind sealed doors: caretakers and visits, group orders, prices, medical care."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict, InvalidInput, NotFound
from warroom.services.models import CareStatus, OrderStatus, Visit
from warroom.services.selectors import care_backlog_by_child, care_backlog_counts, price_alerts
from warroom.services.services import (
    do_assign_caretaker,
    do_complete_medical_request,
    do_mark_order_delivered,
    do_place_group_order,
    do_record_price,
    do_record_visit,
    do_register_vulnerable,
    do_request_medical_care,
    do_route_medical_request,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"
A2 = "990101001001002"


def test_backlogs_of_vulnerable_residents(city, officer, grid_worker, settings):
    settings.WARROOM_VISIT_DAYS = 3
    alone = do_register_vulnerable(city[VICTIM], name="王奶奶", kind="elderly_alone", actor=officer)
    dialysis = do_register_vulnerable(city[A2], name="李先生", kind="dialysis", actor=officer)
    do_register_vulnerable(city[A2], name="赵女士", kind="pregnant", actor=officer)
    counts = care_backlog_counts(city["990101"])
    assert counts == {"total": 3, "without_caretaker": 3, "not_visited": 3}

    do_assign_caretaker(alone, user=grid_worker, actor=officer)
    do_assign_caretaker(dialysis, name="刘医生", phone="13912345678", actor=officer)
    do_record_visit(alone, needs="medicine", actor=grid_worker)
    do_record_visit(dialysis, at=timezone.now() - dt.timedelta(days=4), actor=officer)
    counts = care_backlog_counts(city["990101"])
    assert counts == {"total": 3, "without_caretaker": 1, "not_visited": 2}
    rows = {r["area"].code: r for r in care_backlog_by_child(officer, city["990101001001"])}
    assert rows[VICTIM]["not_visited"] == 0 and rows[A2]["not_visited"] == 2
    assert Visit.objects.count() == 2


def test_caretaker_rules(city, officer, outsider):
    person = do_register_vulnerable(city[VICTIM], name="王奶奶", kind="disabled", actor=officer)
    with pytest.raises(InvalidInput, match="phone"):
        do_assign_caretaker(person, name="刘医生", actor=officer)
    with pytest.raises(InvalidInput, match="not a valid phone"):
        do_assign_caretaker(person, name="刘医生", phone="123", actor=officer)
    with pytest.raises(InvalidInput, match="jurisdiction"):
        do_assign_caretaker(person, user=outsider, actor=officer)
    with pytest.raises(NotFound):
        do_record_visit(person, actor=outsider)


def test_a_price_rise_of_more_than_ten_percent_in_a_week_raises_an_alert(city, officer):
    today = timezone.localdate()
    district = city["990101"]
    do_record_price(
        district, item="大米", date=today - dt.timedelta(days=7), price="5.00", actor=officer
    )
    do_record_price(district, item="大米", date=today, price="5.50", actor=officer)  # +10 %: no
    do_record_price(
        district, item="白菜", date=today - dt.timedelta(days=8), price="2.00", actor=officer
    )
    do_record_price(district, item="白菜", date=today, price="2.40", actor=officer)  # +20 %
    alerts = price_alerts(officer)
    assert [(a.item, round(a.rise, 2)) for a in alerts] == [("白菜", 0.2)]
    assert alerts[0].week_ago_price == 2 and alerts[0].price == Decimal("2.40")
    assert [a.item for a in price_alerts(officer, percent=5)] == ["白菜", "大米"]
    with pytest.raises(InvalidInput, match="per district"):
        do_record_price(city[VICTIM], item="大米", date=today, price=5, actor=officer)
    with pytest.raises(InvalidInput, match="future"):
        do_record_price(
            district, item="大米", date=today + dt.timedelta(days=1), price=5, actor=officer
        )


def test_group_orders_go_from_ordered_to_delivered(city, grid_worker):
    order = do_place_group_order(
        city[VICTIM],
        items=[("大米", "10", "kg", "5.2"), ("", "", "", ""), ("鸡蛋", 30, "个", "0.8")],
        actor=grid_worker,
    )
    assert order.status == OrderStatus.ORDERED and order.items.count() == 2
    assert sum(i.amount for i in order.items.all()) == 76
    with pytest.raises(InvalidInput, match="positive"):
        do_place_group_order(city[VICTIM], items=[("米", "-1", "kg", "5")], actor=grid_worker)
    order = do_mark_order_delivered(order, actor=grid_worker)
    assert order.status == OrderStatus.DELIVERED and order.delivered_at is not None
    with pytest.raises(Conflict):
        do_mark_order_delivered(order, actor=grid_worker)


def test_medical_requests_are_routed_and_tracked_to_done(city, grid_worker):
    req = do_request_medical_care(
        city[VICTIM], person="李先生", kind="dialysis", phone="13912345678", actor=grid_worker
    )
    with pytest.raises(Conflict, match="Route"):
        do_complete_medical_request(req, actor=grid_worker)
    req = do_route_medical_request(req, hospital="武汉市第一医院", actor=grid_worker)
    assert req.status == CareStatus.ROUTED
    req = do_complete_medical_request(req, note="dialysis done", actor=grid_worker)
    assert req.status == CareStatus.DONE and req.done_at is not None


def test_the_pages_show_backlogs_and_alerts(client, city, officer):
    do_register_vulnerable(city[VICTIM], name="王奶奶", kind="elderly_alone", actor=officer)
    today = timezone.localdate()
    do_record_price(
        city["990101"], item="白菜", date=today - dt.timedelta(days=7), price=2, actor=officer
    )
    do_record_price(city["990101"], item="白菜", date=today, price=3, actor=officer)
    client.force_login(officer)
    page = client.get("/services/").content.decode()
    assert 'data-testid="without-caretaker">1<' in page and "王奶奶" in page
    page = client.get("/services/prices/").content.decode()
    assert "白菜" in page and "+50 %" in page
    for url in ("/services/orders/", "/services/medical/"):
        assert client.get(url).status_code == 200


def test_the_api_reports_backlogs(client, city, officer):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.post(
        "/api/services/residents",
        {"compound_code": VICTIM, "name": "王奶奶", "kind": "elderly_alone"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 201, r.content
    r = client.get("/api/services/areas/990101001001/backlogs", **headers)
    assert r.json()[0] == {
        "area_code": "990101001001",
        "total": 1,
        "without_caretaker": 1,
        "not_visited": 1,
    }


def test_too_long_or_too_large_input_is_refused_not_a_database_error(client, city, officer):
    from warroom.accounts.services import do_create_token

    with pytest.raises(InvalidInput, match="longer than 64"):
        do_register_vulnerable(city[VICTIM], name="长" * 65, kind="disabled", actor=officer)
    with pytest.raises(InvalidInput, match="too large"):
        do_record_price(
            city["990101"], item="米", date=timezone.localdate(), price="1e20", actor=officer
        )
    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    r = client.post(
        "/api/services/orders",
        {
            "compound_code": VICTIM,
            "items": [{"name": "米", "quantity": "1e30", "unit_price": "1"}],
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid"
