"""In headless Chromium: a business applies to resume, its street approves, and it appears
on the resumption dashboard (issue 20)."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.browser import browser_page
from tests.communities.test_browser_inspection import sign_in
from tests.test_browser_shell import SCREENSHOTS
from warroom.core.context import SYSTEM
from warroom.core.today import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VICTIM = "990101001001001"


def test_a_business_applies_is_approved_and_counts_as_back(live_server, city, officer, inspector):
    from warroom.economy.services import do_compute_risk_levels

    do_compute_risk_levels(today(), actor=SYSTEM)  # no case: every area low risk
    connections.close_all()
    base = live_server.url
    with browser_page() as page:
        sign_in(page, base, "officer_a")
        page.goto(f"{base}/zones/businesses/")
        form = page.get_by_test_id("register-business")
        form.locator("input[name=compound]").fill(VICTIM)
        form.locator("input[name=name]").fill("甲一粮油店")
        form.locator("select[name=category]").select_option("essential_supply")
        form.locator("input[name=workforce]").fill("12")
        form.locator("button[type=submit]").click()
        page.wait_for_url("**/zones/businesses/*/")
        assert page.get_by_test_id("level").inner_text() == "低风险"
        apply = page.get_by_test_id("apply")
        for box in apply.locator("input[type=checkbox]").all():
            box.check()
        apply.locator("input[name=workers]").fill("10")
        apply.locator("button[type=submit]").click()
        page.wait_for_url("**/zones/applications/*/")
        assert page.get_by_test_id("status").inner_text() == "待审批"

        # The street approves (a small business is the street's to decide).
        url = page.url
        sign_in(page, base, "inspector_a1")
        page.goto(url)
        page.get_by_test_id("decide").locator("button[value=approve]").click()
        page.wait_for_url(url)
        assert page.get_by_test_id("status").inner_text() == "已批准"

        page.goto(f"{base}/zones/resumption/")
        assert page.get_by_test_id("back").inner_text() == "1"
        assert page.get_by_test_id("workers-back").inner_text() == "10"
        assert page.get_by_test_id("share").inner_text() == "100.0%"
        page.screenshot(path=str(SCREENSHOTS / "resumption-zh.png"), full_page=True)
