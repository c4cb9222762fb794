"""The situation room: phases, Rt, forecast and the three quantities, per area and day."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import epidemic_csv
from warroom.core import daily
from warroom.core.context import SYSTEM
from warroom.situation.models import Situation
from warroom.situation.services import do_compute_situation
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 28)


@pytest.fixture
def reports(city, hq):
    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)


def test_the_city_and_its_districts_are_analysed(reports):
    assert do_compute_situation(DAY) == 2  # the city and District A have reports
    city = Situation.objects.get(area__code="9901", day=DAY).payload
    phase = city["phase"]
    assert [s["phase"] for s in phase["spans"]][:4] == ["TAIL", "LOW", "MIDDLE", "HIGH"]
    assert phase["declared"] == "LOW" and phase["direction"] == "FALLING"
    assert city["rt"]["latest"]["mean"] < 1
    assert len(city["forecast"]["median"]) == 14
    assert city["forecast"]["dates"][0] == "2020-02-29"


def test_a_missing_day_is_a_gap_never_a_zero(reports):
    do_compute_situation(DAY)
    payload = Situation.objects.get(area__code="9901", day=DAY).payload
    index = payload["dates"].index("2020-02-10")
    assert payload["new_confirmed"][index] is None
    assert payload["missing"] == ["new_confirmed 2020-02-10"]
    # Rt uses only the complete days after the gap.
    assert payload["rt"]["dates"][0] > "2020-02-10"


def test_recomputing_a_day_gives_the_same_result(reports):
    do_compute_situation(DAY)
    first = {s.area_id: (s.payload, s.inputs_hash) for s in Situation.objects.all()}
    do_compute_situation(DAY)
    assert {s.area_id: (s.payload, s.inputs_hash) for s in Situation.objects.all()} == first


def test_the_three_quantities_with_day_on_day_change(reports):
    do_compute_situation(dt.date(2020, 2, 9))
    q = Situation.objects.get(area__code="9901", day=dt.date(2020, 2, 9)).payload["quantities"]
    assert q["increment"]["today"] == 2000 and q["increment"]["change"] > 0
    assert q["stock"]["today"] > q["stock"]["yesterday"]


def test_the_daily_cycle_runs_the_step(reports):
    report = daily.run_daily_cycle(DAY, only=["situation.analytics"])
    assert report.ran[0][0] == "situation.analytics"
    assert Situation.objects.filter(day=DAY).count() == 2


def test_no_reports_means_no_situation_and_the_page_says_so(city, hq, client):
    assert do_compute_situation(DAY) == 0
    client.force_login(hq)
    page = client.get("/situation/").content.decode()
    assert 'data-testid="no-situation"' in page


def test_the_dashboard_shows_the_phase_and_charts(reports, hq, client):
    do_compute_situation(DAY)
    client.force_login(hq)
    page = client.get("/situation/").content.decode()
    assert "低位运行期" in page
    assert page.count('data-chart="option"') == 2
    district = client.get("/situation/?area=990101").content.decode()
    assert "甲区" in district


def test_the_api_returns_the_payload(reports, hq, client):
    from warroom.accounts.services import do_create_token

    do_compute_situation(DAY)
    _, token = do_create_token(hq, name="t", actor=SYSTEM)
    body = client.get(
        "/api/situation/9901?day=2020-02-28", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert body["day"] == "2020-02-28" and body["payload"]["area"] == "9901"


def test_the_dashboard_shows_the_panels_in_few_queries(reports, hq, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    daily.run_daily_cycle(DAY)
    client.force_login(hq)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/situation/").content.decode()
    for panel in ("clearance", "beds", "certification", "quality"):
        assert f'data-testid="panel-{panel}"' in page
    assert 'data-testid="missing-reports"' in page and "乙区" in page  # District B is silent
    assert "/situation/briefing/9901/2020-02-28/" in page
    # 30 before the logistics, supervision and appeals panels; they need 16 queries (supplies
    # 4: alerts, ledger check, donations, teams; waste 5: generated, disposed, capacities,
    # disposed by plant, plants; supervision 4: rates, targets, signals, phase plan; appeals
    # 3: received, open/overdue, the words of the window's appeals — read once for the hot
    # words' surge and the day's topic clusters), 8 of which the old margin absorbs. A fixed
    # number: none of them grows with the rows.
    assert 5 <= len(queries) <= 38, [q["sql"] for q in queries]


def test_the_dashboard_in_english(reports, hq, client):
    daily.run_daily_cycle(DAY)
    client.force_login(hq)
    page = client.get("/situation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Daily clearance: the four backlogs" in page and "Low phase" in page


def _map_codes(page: str) -> dict[str, list[str]]:
    import html
    import re

    found = re.search(r"data-series='([^']*)' data-testid=\"certification-map\"", page)
    assert found, "the dashboard has no certification map"
    option = json.loads(html.unescape(found.group(1)))
    return {s["id"]: sorted(p["code"] for p in s["data"]) for s in option["series"]}


def test_the_dashboard_maps_the_districts_certification(reports, hq, officer, client):
    from warroom.communities.models import CertificationStatus

    daily.run_daily_cycle(DAY)
    client.force_login(hq)
    city = _map_codes(client.get("/situation/").content.decode())
    assert city == {"areas": ["990101", "990102"]}  # the districts, not the compounds
    client.force_login(officer)
    page = client.get("/situation/").content.decode()
    district = _map_codes(page)
    assert [c for codes in district.values() for c in codes] == ["990101001"]  # its street
    # The colour is the street's certification as the daily recompute stored it.
    status = CertificationStatus.objects.get(area__code="990101001", date=DAY).status
    assert html_unescape_series(page)["series"][0]["data"][0]["value"][2] == [
        "certified",
        "not_certified",
        "unknown",
    ].index(status)


def html_unescape_series(page: str) -> dict:
    import html
    import re

    found = re.search(r"data-series='([^']*)' data-testid=\"certification-map\"", page)
    assert found
    return json.loads(html.unescape(found.group(1)))
