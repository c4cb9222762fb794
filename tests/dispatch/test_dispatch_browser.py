"""In headless Chromium: a dispatcher proposes, confirms, and sees the bed balance change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _column(page, table: str, index: int) -> int:
    cells = page.locator(f"[data-testid={table}] tbody tr td:nth-child({index})").all_inner_texts()
    return sum(int(c.replace(",", "")) for c in cells if c.strip().replace(",", "").isdigit())


def test_propose_confirm_and_the_balance_changes(live_server, dispatcher, facilities, make_person):
    for severity in ("critical", "mild", "mild"):
        make_person("confirmed", severity=severity)
    make_person("contact")
    with browser_page() as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "dispatcher")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)  # each role's home

        page.goto(f"{live_server.url}/beds/balance/")
        waiting_before = _column(page, "balance-types", 5)
        occupied_before = _column(page, "balance-types", 3)
        assert waiting_before == 4 and occupied_before == 0

        page.get_by_role("link", name="床位调度").first.click()
        page.wait_for_url("**/dispatch/")
        assert page.get_by_test_id("waiting-total").inner_text() == "4"
        free_before = _column(page, "free-beds", 4)
        page.get_by_test_id("propose-form").locator("button").click()
        page.wait_for_url("**/dispatch/proposals/**")
        lines = page.locator("[data-testid=lines] tbody tr[data-state=proposed]")
        assert lines.count() == 4
        assert "ICU" in page.get_by_test_id("lines").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "dispatch-proposal.png"), full_page=True)

        page.get_by_test_id("confirm-all").click()
        page.wait_for_selector(".messages li")
        assert "已确认 4 个安置" in page.locator(".messages").inner_text()
        assert page.locator("[data-testid=lines] tbody tr[data-state=confirmed]").count() == 4
        assert _column(page, "free-beds", 4) == free_before - 4
        page.screenshot(path=str(SCREENSHOTS / "dispatch-confirmed.png"), full_page=True)

        page.get_by_role("link", name="床位余缺").first.click()
        page.wait_for_url("**/beds/balance/")
        assert _column(page, "balance-types", 5) == 0
        assert _column(page, "balance-types", 3) == occupied_before + 4
