"""In headless Chromium: a failing inspection → rectification task → fixed, verified → the
compound certifies on the next recompute and shows green on the map."""

from __future__ import annotations

import pytest
from django.db import connections
from django.utils import timezone

from tests.browser import browser_page
from tests.conftest import PASSWORD
from tests.test_browser_shell import SCREENSHOTS
from warroom.communities.services import do_recompute_certification
from warroom.core.context import SYSTEM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

VICTIM = "990101001001001"
CERTIFIED_CODES = """() => {
  const el = document.querySelector('[data-testid=compound-map]');
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  if (!chart) return null;
  const found = chart.getOption().series.find((s) => s.id === 'compounds-certified');
  return found ? found.data.map((p) => p[3]) : [];
}"""


def recompute() -> None:
    """The daily recompute, run from inside the Playwright block.

    Playwright's sync API runs this code in a greenlet with its own context, so Django
    opens a separate database connection here: close it, or PostgreSQL cannot drop the
    test database at the end of the session.
    """
    do_recompute_certification(timezone.localdate(), actor=SYSTEM)
    connections.close_all()


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # each role's home


def test_failing_inspection_rectified_verified_then_certified_and_green(
    live_server, city, inspector, grid_worker, case_facts
):
    base = live_server.url
    with browser_page() as page:
        # The inspector, on a phone.
        page.set_viewport_size({"width": 375, "height": 812})
        sign_in(page, base, "inspector_a1")
        page.goto(f"{base}/communities/areas/{VICTIM}/inspect/")
        for code in ("pub", "clo", "scr", "sup", "org"):
            page.get_by_test_id(f"pass-{code}").check()
        page.get_by_test_id("fail-dis").check()
        page.fill("input[name=note_dis]", "楼道未消毒")
        page.select_option("#owner", label="grid_a · 受害小区")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the form overflows a 375 px screen ({width} px)"
        box = page.get_by_test_id("record-inspection").bounding_box()
        assert box["height"] >= 44  # a large tap target
        page.screenshot(path=str(SCREENSHOTS / "inspection-375.png"), full_page=True)
        page.get_by_test_id("record-inspection").click()
        page.wait_for_url("**/communities/inspections/**")
        assert page.get_by_test_id("inspection-result").inner_text() == "未通过"
        page.get_by_test_id("rectification-task").click()
        page.wait_for_url("**/tasks/**")
        task_url = page.url
        assert "消杀到位" in page.get_by_test_id("task-title").inner_text()

        # Not certified while the rectification is pending.
        recompute()
        page.goto(f"{base}/communities/areas/{VICTIM}/")
        assert page.get_by_test_id("cert-status").get_attribute("data-status") == "not_certified"

        # The grid worker sees the task, fixes it and submits the evidence.
        sign_in(page, base, "grid_a")
        page.goto(f"{base}/tasks/")
        assert "消杀到位" in page.get_by_test_id("tasks").inner_text()
        page.goto(task_url)
        page.fill("#evidence_text", "楼道已全面消毒，附记录")
        page.get_by_test_id("submit-task").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=task-status]').innerText === '已提交'"
        )

        # The inspector verifies it.
        sign_in(page, base, "inspector_a1")
        page.goto(task_url)
        page.get_by_test_id("verify-task").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=task-status]').innerText === '已核验'"
        )

        # The next recompute certifies the compound; the map shows it green.
        recompute()
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{base}/communities/areas/{VICTIM}/")
        assert page.get_by_test_id("cert-status").get_attribute("data-status") == "certified"
        page.goto(f"{base}/communities/map/")
        page.wait_for_selector("[data-testid=compound-map] canvas")
        page.wait_for_function(f"({CERTIFIED_CODES})() !== null")
        assert VICTIM in page.evaluate(CERTIFIED_CODES)
        colour = page.evaluate(
            """() => window.echarts.getInstanceByDom(
                document.querySelector('[data-testid=compound-map]')
            ).getOption().series.find((s) => s.id === 'compounds-certified').itemStyle.color"""
        )
        assert colour == "#1a7f37"  # green
        page.screenshot(path=str(SCREENSHOTS / "compound-map.png"), full_page=True)
