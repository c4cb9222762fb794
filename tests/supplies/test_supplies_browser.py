"""In headless Chromium: a donation is received, inspected, allocated and shown publicly."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD
from warroom.core.context import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logistics(city):
    from warroom.accounts.services import do_create_user
    from warroom.beds.services import (
        do_create_facility,
        do_record_capacity_change,
        do_report_occupancy,
    )
    from warroom.core.today import today
    from warroom.supplies.catalogue import ensure_catalogue
    from warroom.supplies.services import ensure_district_warehouses

    ensure_catalogue()
    ensure_district_warehouses(actor=SYSTEM)
    day = today()
    f = do_create_facility(
        code="DA1", name="甲区定点医院", kind="DESIGNATED", area=city["990101"], actor=SYSTEM
    )
    do_record_capacity_change(
        f,
        bed_type="ICU",
        kind="opening",
        delta=20,
        effective=day - dt.timedelta(days=5),
        actor=SYSTEM,
    )
    do_report_occupancy(f, day=day, bed_type="ICU", occupied=10, actor=SYSTEM)
    return do_create_user(
        "logi", role="logistics_officer", area_code="9901", password=PASSWORD, actor=SYSTEM
    )


def test_a_donation_is_received_inspected_allocated_and_published(live_server, logistics):
    with browser_page() as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "logi")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/supplies/")  # the logistics officer's home
        page.get_by_role("link", name="捐赠", exact=True).first.click()
        page.wait_for_url("**/supplies/donations/")

        form = page.get_by_test_id("donation-form")
        form.locator("[name=donor]").fill("某某校友会（联系人张三）")
        form.locator("[name=donor_kind]").select_option("alumni")
        form.locator("[name=public_name]").fill("武汉大学校友会")
        form.locator("[name=contact]").fill("13800000000")
        form.locator("[name=form]").select_option("goods")
        form.locator("[name=item]").select_option("protective_suit")
        form.locator("[name=quantity]").fill("100")
        form.locator("[name=warehouse]").select_option("WH-990101")
        form.locator("button[type=submit]").click()
        page.wait_for_url("**/supplies/donations/*/")
        assert "待验收" in page.get_by_test_id("donation-status").inner_text()

        inspect = page.get_by_test_id("inspect-form")
        inspect.locator("[name=accepted]").select_option("yes")
        inspect.locator("button[type=submit]").click()
        page.wait_for_selector("text=在公示页发布")
        assert "验收合格" in page.get_by_test_id("donation-status").inner_text()
        page.get_by_role("button", name="在公示页发布").click()
        page.wait_for_selector("text=撤下公示")

        page.goto(f"{live_server.url}/supplies/allocations/")
        propose = page.get_by_test_id("propose-form")
        propose.locator("[name=warehouse]").select_option("WH-990101")
        propose.locator("button[type=submit]").click()
        page.wait_for_url("**/supplies/allocations/*/")
        lines = page.get_by_test_id("plan-lines").inner_text()
        assert "甲区定点医院" in lines and "24" in lines  # 10 ICU beds x 2.4 suits
        page.get_by_test_id("confirm").click()
        page.wait_for_selector(".messages li")
        assert "已确认" in page.get_by_test_id("plan-status").inner_text()

        page.context.clear_cookies()  # the public page needs no sign-in
        page.goto(f"{live_server.url}/supplies/public/")
        text = page.get_by_test_id("public-donations").inner_text()
        assert "武汉大学校友会" in text and "医用一次性防护服" in text
        assert "甲区定点医院 24" in text  # where it went
        body = page.content()
        assert "张三" not in body and "13800000000" not in body
