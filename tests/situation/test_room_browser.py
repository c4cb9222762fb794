"""In headless Chromium: the command dashboard's panels and the day's briefing (zh-Hans)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD, epidemic_csv
from warroom.tables import read_table

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
DAY = dt.date(2020, 2, 28)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room(city, hq):
    from warroom.core.daily import run_daily_cycle
    from warroom.surveillance.services import do_import_daily_reports

    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)
    run_daily_cycle(DAY, actor=hq)


def _login(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "hq")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/situation/**")


def test_the_dashboard_shows_every_panel_and_filters_by_district(live_server, room):
    with browser_page() as page:
        _login(page, live_server.url)
        for panel in ("clearance", "beds", "certification", "quality"):
            assert page.locator(f"[data-testid=panel-{panel}]").is_visible()
        assert "低位运行期" in page.locator("[data-testid=phase]").inner_text()
        assert "乙区" in page.locator("[data-testid=missing-reports]").inner_text()
        page.wait_for_selector(".chart canvas")  # ECharts drew the curve
        page.select_option("[data-testid=area-filter]", "990101")
        page.wait_for_url("**area=990101**")
        assert "甲区" in page.locator("h1").inner_text()


def test_the_briefing_opens_from_the_dashboard_and_exports(live_server, room):
    with browser_page() as page:
        _login(page, live_server.url)
        page.click("[data-testid=briefing-link]")
        page.wait_for_url("**/situation/briefing/9901/2020-02-28/")
        article = page.locator("[data-testid=briefing]")
        assert "测试市每日动态通报" in article.locator("h1").inner_text()
        assert "乙区 2月28日未报送" in article.inner_text()
        assert page.locator("[data-testid=briefing] figure svg").count() == 2
        with page.expect_download() as download:
            page.click("[data-testid=export-docx]")
        assert download.value.suggested_filename == "briefing-9901-2020-02-28.docx"
