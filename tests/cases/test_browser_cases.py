"""In headless Chromium: a patient from the fever clinic to discharge, through the UI, with
the daily clearance counts moving at each step."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD, resident_id

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DUTIES = ("admit", "isolate", "test", "treat")


def test_febrile_to_discharged_moves_the_clearance_counts(live_server, hq):
    # The headquarters: only the city's level recomputes the city-wide clearance.
    with browser_page() as page:
        base = live_server.url
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "hq")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/")

        def clearance() -> dict[str, int]:
            page.goto(f"{base}/cases/clearance/990101/")
            page.click("[data-testid=recompute]")
            page.wait_for_selector("[data-duty=admit]")
            return {d: int(page.inner_text(f"[data-duty={d}]")) for d in DUTIES}

        def status() -> str:
            return page.get_attribute("[data-testid=status]", "data-status") or ""

        assert clearance() == {"admit": 0, "isolate": 0, "test": 0, "treat": 0}

        page.goto(f"{base}/cases/people/new/")
        page.fill("#id_name", "发热病人")
        page.fill("#id_id_number", resident_id(42))
        page.fill("#id_phone", "13812345678")
        page.fill("#id_home", "990101001001001")
        page.select_option("#id_category", "febrile")
        page.click("[data-testid=register-form] button[type=submit]")
        page.wait_for_selector("[data-testid=status]")
        person_url = page.url
        assert status() == "febrile"
        assert page.inner_text("[data-testid=id-number]") == resident_id(42)  # unmasked
        assert clearance() == {"admit": 0, "isolate": 1, "test": 1, "treat": 0}

        page.goto(person_url)
        page.click("button[data-target=suspected]")
        page.wait_for_selector("[data-testid=status][data-status=suspected]")
        page.fill("input[name=lab]", "金银潭实验室")
        page.fill("input[name=code]", "S-42")
        page.click("button[data-action=sample]")
        page.wait_for_selector("button[data-result=positive]")
        assert clearance() == {"admit": 0, "isolate": 1, "test": 0, "treat": 0}

        page.goto(person_url)
        page.click("button[data-result=positive]")
        page.wait_for_selector("[data-testid=status][data-status=confirmed]")
        assert clearance() == {"admit": 1, "isolate": 0, "test": 0, "treat": 0}

        page.goto(person_url)
        admit = page.locator("form:has(button[data-target=admitted])")
        admit.locator("[data-testid=facility]").fill("金银潭医院")
        admit.locator("select[name=severity]").select_option("severe")
        admit.locator("button[data-target=admitted]").click()
        page.wait_for_selector("[data-testid=status][data-status=admitted]")
        assert clearance() == {"admit": 0, "isolate": 0, "test": 0, "treat": 1}
        page.screenshot(path=str(SCREENSHOTS / "clearance.png"), full_page=True)

        page.goto(person_url)
        page.click("button[data-target=discharged]")
        page.wait_for_selector("[data-testid=status][data-status=discharged]")
        steps = page.locator("[data-testid=history] tbody tr")
        targets = [steps.nth(i).get_attribute("data-target") for i in range(steps.count())]
        assert targets == ["febrile", "suspected", "confirmed", "admitted", "discharged"]
        page.screenshot(path=str(SCREENSHOTS / "person.png"), full_page=True)
        assert clearance() == {"admit": 0, "isolate": 0, "test": 0, "treat": 0}
