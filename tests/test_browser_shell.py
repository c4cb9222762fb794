"""In a real headless Chromium: sign in, switch language, drill down the area tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_switch_language_and_drill_down(live_server, officer):
    with browser_page() as page:
        page.goto(f"{live_server.url}/")
        assert "/accounts/login/" in page.url
        assert page.locator("h1").inner_text() == "登录"
        page.fill("#id_username", "officer_a")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/")
        page.get_by_role("link", name="区划").click()
        page.wait_for_url("**/areas/990101/")
        assert page.get_by_test_id("area-name").inner_text().startswith("甲区")
        # The chart is drawn by ECharts, served by the app itself.
        page.wait_for_selector(".chart canvas")

        page.click("button[data-lang=en]")
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.get_by_test_id("area-name").inner_text().startswith("District A")

        for name, code in (
            ("A1 Street", "990101001"),
            ("A1 Community", "990101001001"),
            ("Victim Compound", "990101001001001"),
        ):
            page.get_by_role("link", name=name).click()
            page.wait_for_url(f"**/areas/{code}/")
            page.wait_for_function(
                "n => document.querySelector('[data-testid=area-name]').innerText.startsWith(n)",
                arg=name,
            )
        assert page.get_by_test_id("population").inner_text() == "350"
        crumbs = page.locator(".breadcrumbs a").all_inner_texts()
        assert crumbs == ["District A", "A1 Street", "A1 Community"]  # his own subtree only

        page.click("button[data-lang=zh-hans]")
        page.wait_for_function("document.documentElement.lang === 'zh-CN'")
        assert page.url.endswith("/areas/990101001001001/")  # the switch keeps the place
        assert page.get_by_test_id("area-name").inner_text().startswith("受害小区")
        page.screenshot(path=str(SCREENSHOTS / "area-tree.png"), full_page=True)
