"""In headless Chromium: a supervisor records an unannounced visit with a failed item, the
unit uploads its evidence, another user verifies, and the finding closes."""

from __future__ import annotations

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD
from tests.test_browser_shell import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VICTIM = "990101001001001"


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def test_unannounced_visit_failed_item_evidence_verified_finding_closed(
    live_server, city, supervisor, inspector, grid_worker, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    photo = tmp_path / "photo.txt"
    photo.write_text("出入口已设岗登记")
    with browser_page() as page:
        # The supervisor's home page is the supervision desk.
        sign_in(page, base, "supervisor")
        page.wait_for_url(f"{base}/supervision/")
        assert page.get_by_test_id("supervision-home").is_visible()
        page.get_by_test_id("new-visit").click()
        page.wait_for_url("**/supervision/visits/new/")
        page.select_option("[data-testid=visit-kind]", "compound")
        page.get_by_test_id("choose-kind").click()
        page.wait_for_url("**kind=compound**")
        page.select_option("[data-testid=visit-unit]", VICTIM)
        page.select_option("[data-testid=visit-announced]", "0")
        page.get_by_test_id("fail-closure").check()
        page.fill("input[name=note_closure]", "北门无人值守")
        page.fill("[data-testid=visit-owner]", "grid_a")
        page.get_by_test_id("record-visit").click()
        page.wait_for_url("**/supervision/visits/*/")
        assert page.get_by_test_id("visit-announced").inner_text() == "暗访"
        page.get_by_test_id("finding-link").click()
        page.wait_for_url("**/supervision/findings/*/")
        finding_url = page.url
        assert page.get_by_test_id("finding-status").inner_text() == "未销号"
        page.get_by_test_id("finding-task").click()
        page.wait_for_url("**/tasks/*/")
        task_url = page.url
        page.screenshot(path=str(SCREENSHOTS / "supervision-finding-task.png"), full_page=True)

        # The unit (the compound's grid worker) uploads its evidence.
        sign_in(page, base, "grid_a")
        assert page.get_by_test_id("unread-count").inner_text() == "1"  # the new task
        page.goto(task_url)
        page.fill("#evidence_text", "北门已设岗，24小时值守")
        page.set_input_files("#evidence_file", str(photo))
        page.get_by_test_id("submit-task").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=task-status]').innerText === '已提交'"
        )

        # Another user (the street officer) verifies it.
        sign_in(page, base, "inspector_a1")
        page.goto(task_url)
        page.get_by_test_id("verify-task").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=task-status]').innerText === '已核验'"
        )

        # The finding is closed in the ledger.
        sign_in(page, base, "supervisor")
        page.goto(finding_url)
        assert page.get_by_test_id("finding-status").inner_text() == "已销号"
        page.goto(f"{base}/supervision/ledger/?state=closed")
        assert "北门无人值守" in page.content()
