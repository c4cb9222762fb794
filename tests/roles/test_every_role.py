"""As each of the twelve demo roles on one fed database (issue 16), built once:

- the home shows that role's work, with data;
- every page the role may open renders in zh-Hans without English (an allow-list for
  codes, units and proper names; the data's own Latin proper names) and without a 500;
  the admin index names its sections in Chinese;
- in Playwright: the home shows that role's work with data, in Chinese, no 404/500, and
  no request leaves the platform (every request the page makes goes to the live server);
- a screenshot per role (docs/screenshots/role-<username>.png, docs/roles.md);
- the grid worker's and the community worker's pages (inspection, visit, order, passage)
  fit a 390×844 phone: no horizontal scroll, the form's controls in reach.

One test, because the fed demo (36 simulated days through the import path) is the cost:
the page walk and the browser walk read the same committed database (the live server
needs a transactional test), instead of feeding it twice.
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.test import Client

from tests.browser import chromium
from tests.roles.conftest import feed_demo
from tests.roles.walk import data_words, english_words, pages, visible_text

# Every page is checked, the back office's changelists, add, change, history and delete
# pages of every registered model included: stored values (an object's name, a note, JSON,
# the audit log's before/after) are marked ``data-stored`` and left out; labels, choices,
# filters, actions and the chrome are not.
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
# the roles whose day starts in their module (warroom/web/views.py): the home redirects there
MODULE_HOMES = {
    "logistics_officer": "/supplies/",
    "supervisor": "/supervision/",
    "hotline_operator": "/appeals/operator/",
}


def test_the_check_leaves_out_stored_text_only():
    html = (
        "<p>审计 <small data-stored>Area <b>one</b><br> Wuhan</small> Chrome<br>"
        '<span translate="no">raw <i>x</i></span> <span title="Tip">after</span></p>'
    )
    assert visible_text(html).split() == ["审计", "Chrome", "Tip", "after"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_role_on_one_fed_demo(live_server):
    fed = feed_demo()
    _every_page_as_every_role_is_chinese(fed)
    _each_role_in_the_browser(live_server)


def _every_page_as_every_role_is_chinese(fed: dict[str, object]) -> None:
    from warroom.accounts.models import User
    from warroom.beds.models import Facility
    from warroom.cli import DEMO_PASSWORD, DEMO_USERS

    day = fed["last_day"].isoformat()
    problems: dict[str, list[str]] = collections.defaultdict(list)
    allowed = data_words()
    users_pages: list[str] = []
    for username, _role, _area in DEMO_USERS:
        user = User.objects.get(username=username)
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert client.login(username=username, password=DEMO_PASSWORD)
        facility = (
            Facility.objects.restrict(user).order_by("code").values_list("code", flat=True).first()
        )
        for url in pages(user, day=day, facility=facility):
            users_pages.append(url)
            r = client.get(url)
            if r.status_code >= 500:
                problems[username].append(f"{url}: {r.status_code}")
                continue
            if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
                continue
            words = english_words(visible_text(r.content.decode()), allowed)
            if words:
                problems[username].append(f"{url}: {sorted(set(words))[:40]}")
    report = "\n".join(f"{u}: {line}" for u, lines in problems.items() for line in lines)
    print(report)
    assert not problems, report
    admin_pages = sum(1 for u in users_pages if u.startswith("/admin/"))
    assert admin_pages >= 3 * 22, admin_pages  # the walk reached the back office
    # The admin's sections by their Chinese names (the apps' verbose names).
    from django.apps import apps
    from django.utils import translation

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username="hq", password=DEMO_PASSWORD)
    index = client.get("/admin/").content.decode()
    with translation.override("zh-hans"):
        for label in (
            "accounts",
            "audit",
            "beds",
            "cases",
            "communities",
            "geo",
            "services",
            "tasks",
        ):
            name = str(apps.get_app_config(label).verbose_name)
            assert not english_words(name), name
            assert name in index, name


def _sign_in(page, base: str, username: str) -> None:
    from warroom.cli import DEMO_PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


def _fits_the_phone(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() >= 1, url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url}: {width} px wide on a {PHONE['width']} px phone"


def _each_role_in_the_browser(live_server) -> None:
    from warroom.cli import DEMO_USERS
    from warroom.geo.models import Area
    from warroom.services.models import VulnerableResident

    base = live_server.url
    host = urlparse(base).hostname
    write = os.environ.get("WARROOM_SCREENSHOTS") == "1"
    with chromium() as new_page:  # one browser, a context (cookies) per user
        for username, role, _area in DEMO_USERS:
            with new_page() as page:
                outside: list[str] = []
                failed: list[str] = []
                page.on(
                    "request",
                    lambda req, o=outside: (
                        o.append(req.url)
                        if urlparse(req.url).hostname not in (host, None)
                        and not req.url.startswith(("data:", "blob:"))
                        else None
                    ),
                )
                page.on(
                    "response",
                    lambda res, f=failed: (
                        f.append(f"{res.status} {res.url}") if res.status >= 400 else None
                    ),
                )
                _sign_in(page, base, username)
                page.goto(f"{base}/")
                page.wait_for_load_state("networkidle")
                html = page.content()
                if role in ("hq_leader", "district_officer"):
                    assert page.get_by_test_id("phase").count() == 1, username
                elif role in MODULE_HOMES:
                    assert urlparse(page.url).path == MODULE_HOMES[role], (username, page.url)
                    assert page.locator("h1").count() == 1, username
                else:
                    assert page.get_by_test_id("home-title").count() == 1, username
                    assert page.get_by_test_id("next-steps").count() == 1, username
                words = english_words(visible_text(html), data_words())
                assert not words, f"{username}: English on the home: {sorted(set(words))}"
                assert not failed, f"{username}: {failed}"
                assert not outside, f"{username}: requests left the platform: {outside}"
                if write:
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SHOTS / f"role-{username}.png"), full_page=False)
        compound = Area.objects.get(code=next(a for u, _r, a in DEMO_USERS if u == "grid"))
        resident = VulnerableResident.objects.filter(area=compound).first()
        assert resident is not None
        for username in ("grid", "community"):
            with new_page(viewport=PHONE) as page:
                _sign_in(page, base, username)
                for url in (
                    f"{base}/",
                    f"{base}/communities/areas/{compound.code}/inspect/",
                    f"{base}/services/residents/{resident.pk}/",
                    f"{base}/services/orders/",
                    f"{base}/communities/areas/{compound.code}/closure/",
                ):
                    _fits_the_phone(page, url)
                if write:
                    page.goto(f"{base}/services/residents/{resident.pk}/")
                    page.screenshot(path=str(SHOTS / f"phone-{username}-visit.png"))
