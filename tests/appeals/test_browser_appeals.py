"""In headless Chromium: a citizen files on a phone, the hotline triages, the area answers,
and the citizen's status page shows the answer."""

from __future__ import annotations

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD
from warroom.appeals.models import Appeal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def test_a_citizen_files_on_a_phone_and_reads_the_areas_answer(
    live_server, operator_user, officer, settings
):
    settings.WARROOM_APPEAL_MIN_FILL_SECONDS = 0  # the spam timing is unit-tested
    base = live_server.url
    with browser_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/appeals/public/")
        form = page.locator("[data-testid=public-form]")
        assert form.bounding_box()["width"] <= 390  # fits the phone's screen
        form.locator("textarea[name=text]").fill(
            "我母亲的降压药只剩两天了，小区封闭出不去，怎么买药"
        )
        form.locator("input[name=place]").fill("甲区受害小区5栋")
        form.locator("input[name=phone]").fill("13812345678")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-testid=public-status]")
        appeal = Appeal.objects.get()
        assert appeal.number in page.inner_text("[data-testid=public-status]")
        assert "13812345678" not in page.content()

        # The hotline operator (home: the 12345 screen) confirms the triage.
        page.set_viewport_size({"width": 1400, "height": 900})
        _login(page, base, "op_city")
        assert page.url.endswith("/appeals/operator/")
        page.goto(f"{base}/appeals/")
        page.click(f"text={appeal.number}")
        triage = page.locator("[data-testid=triage-form]")
        triage.locator("select[name=category]").select_option("medicine")
        triage.locator("select[name=urgency]").select_option("urgent")
        triage.locator("button[type=submit]").click()
        page.wait_for_load_state()
        appeal.refresh_from_db()
        assert appeal.triaged and appeal.category == "medicine"

        # The district answers.
        _login(page, base, "officer_a")
        page.goto(f"{base}/appeals/{appeal.pk}/")
        answer = page.locator("[data-testid=answer-form]")
        answer.locator("textarea[name=reply]").fill("社区网格员今天下午代购送药上门。")
        answer.locator("button[type=submit]").click()
        page.wait_for_selector("[data-testid=reply]")

        # The citizen, on the phone again, reads the answer by number.
        page.context.clear_cookies()
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/appeals/public/status/?number={appeal.number}")
        assert "社区网格员今天下午代购送药上门。" in page.inner_text("[data-testid=reply]")
