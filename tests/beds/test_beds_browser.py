"""In headless Chromium: the occupancy board, and a planner changing the capacity plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser import browser_page
from tests.conftest import PASSWORD
from warroom.core.context import SYSTEM

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def beds_today(make_facility):
    from warroom.beds.services import do_record_capacity_change, do_report_occupancy

    today = timezone.localdate()
    shelter = make_facility("SA1", "SHELTER", name="甲区方舱医院")
    quiet = make_facility("QA1", "QUARANTINE", name="甲区隔离点")
    for f, bed_type, beds, occupied in (
        (shelter, "SHELTER", 100, 97),
        (quiet, "QUARANTINE", 50, 5),
    ):
        do_record_capacity_change(
            f,
            bed_type=bed_type,
            kind="opening",
            delta=beds,
            effective=today - dt.timedelta(days=10),
            actor=SYSTEM,
        )
        for day in (today - dt.timedelta(days=1), today):
            do_report_occupancy(f, day=day, bed_type=bed_type, occupied=occupied, actor=SYSTEM)
    return today


def _total(page) -> int:
    cells = page.locator("[data-testid=window-total]").all_inner_texts()
    return sum(int(c.replace(",", "")) for c in cells)


def test_board_and_plan(live_server, hq, beds_today):
    with browser_page() as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "hq")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/**")

        page.get_by_role("link", name="床位").first.click()
        page.wait_for_url("**/beds/")
        page.get_by_role("link", name="床位占用看板").click()
        page.wait_for_url("**/beds/board/")
        full = page.locator(".tile[data-code=SA1]")
        assert "full" in full.get_attribute("class") and "97%" in full.inner_text()
        assert "full" not in page.locator(".tile[data-code=QA1]").get_attribute("class")
        red = page.eval_on_selector(".tile.full .rate", "e => getComputedStyle(e).color")
        assert red == "rgb(179, 38, 30)"
        page.screenshot(path=str(SCREENSHOTS / "beds-board.png"), full_page=True)

        page.get_by_role("link", name="床位计划").click()
        page.wait_for_url("**/beds/plan/")
        assert page.get_by_test_id("no-case-data").is_visible()
        page.fill("#id_confirmed", "40")
        page.click("[data-testid=plan-form] button[type=submit]")
        page.wait_for_selector("[data-testid=plan-windows]")
        page.wait_for_selector(".chart canvas")
        before = _total(page)
        assert before > 300

        form = page.get_by_test_id("planned-opening")
        form.locator("#id_facility").fill("SA1")
        form.locator("#id_bed_type").select_option("SHELTER")
        form.locator("#id_beds").fill("250")
        form.locator("#id_effective").fill(beds_today.isoformat())
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".messages li")
        assert "计划开放已加入排期" in page.locator(".messages").inner_text()
        after = _total(page)
        assert after == before - 250
        page.screenshot(path=str(SCREENSHOTS / "beds-plan.png"), full_page=True)
