"""Rt only where it can be estimated (DESIGN §3.4): weeks without a case show no number,
on the card, the chart, the briefing, the API; the forecast shows its measured skill."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import epidemic_csv
from warroom.core.context import SYSTEM
from warroom.situation.models import Briefing, Situation
from warroom.situation.services import do_compute_situation, do_generate_briefings
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
QUIET = dt.date(2020, 3, 24)  # the synthetic epidemic peaked on 9 Feb; no case for weeks


@pytest.fixture
def reports(city, hq):
    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)


def test_weeks_without_a_case_store_no_rt_number_and_say_why(reports):
    do_compute_situation(QUIET)
    payload = Situation.objects.get(area__code="9901", day=QUIET).payload
    rt = payload["rt"]
    latest = rt["latest"]
    assert latest["status"] == "no_cases" and rt["estimated"] is False
    assert latest["mean"] is None and latest["q025"] is None and latest["q975"] is None
    assert "no case in the window" in latest["reason"]
    # every window without a case is a gap, never the prior's ~5
    quiet = [i for i, s in enumerate(rt["status"]) if s == "no_cases"]
    assert quiet and all(rt["mean"][i] is None for i in quiet)
    assert all(m is None or m < 4 for m in rt["mean"])
    # while the epidemic ran, Rt was estimated
    assert any(s == "estimated" for s in rt["status"])


def test_the_card_and_the_chart_say_insufficient_data_never_a_number(reports, hq, client):
    do_compute_situation(QUIET)
    client.force_login(hq)
    page = client.get(f"/situation/?day={QUIET}").content.decode()
    card = page[
        page.index('data-testid="rt"') : page.index("</div>", page.index('data-testid="rt"'))
    ]
    assert "数据不足" in card and "最近 7 天无病例" in card
    assert not re.search(r'class="value">\s*\d', card)
    english = client.get(f"/situation/?day={QUIET}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Insufficient data" in english and "no case in the last 7 days" in english


def test_the_briefing_and_the_api_say_insufficient_data(reports, hq, client):
    from warroom.accounts.services import do_create_token

    do_compute_situation(QUIET)
    do_generate_briefings(QUIET)
    html = Briefing.objects.get(area__code="9901", day=QUIET).html
    assert "Rt：数据不足（最近 7 天无病例）" in html
    _, token = do_create_token(hq, name="t", actor=SYSTEM)
    body = client.get(
        f"/api/situation/9901?day={QUIET}", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    latest = body["payload"]["rt"]["latest"]
    assert latest["mean"] is None and latest["status"] == "no_cases"


def test_the_forecast_carries_its_measured_skill_shown_beside_the_fan(reports, hq, client):
    day = dt.date(2020, 2, 20)
    do_compute_situation(day)
    forecast = Situation.objects.get(area__code="9901", day=day).payload["forecast"]
    skill = forecast["skill"]
    assert skill["horizons"] == list(range(1, 15))
    # measured on the past forecasts that could be scored (None: nothing to divide by)
    for i in (0, 6):
        assert skill["n"][i] > 0
        assert skill["vs_last_value"][i] > 0 and skill["vs_mean_7d"][i] > 0
    assert all(x is None or x > 0 for x in skill["vs_last_value"] + skill["vs_mean_7d"])
    client.force_login(hq)
    page = client.get(f"/situation/?day={day}").content.decode()
    assert 'data-testid="forecast-skill"' in page
    assert "7天误差 相对“明日同今日”" in page
    do_generate_briefings(day)
    assert "预测技巧" in Briefing.objects.get(area__code="9901", day=day).html


def test_the_phase_bands_and_k_come_from_the_settings_and_show_on_the_card(
    reports, hq, client, settings
):
    day = dt.date(2020, 2, 28)  # ~100 new confirmed a day: LOW in Wuhan's digits
    do_compute_situation(day)
    payload = Situation.objects.get(area__code="9901", day=day).payload
    assert payload["phase"]["declared"] == "LOW"
    assert payload["parameters"]["phase_bands"] == [10, 100, 1000]
    client.force_login(hq)
    page = client.get(f"/situation/?day={day}").content.decode()
    assert "档位：≥1000 / 100–999 / 10–99 / 0–9，k = 3" in page
    settings.WARROOM_PHASE_BANDS = (1, 10, 100)  # a city a tenth of the size
    settings.WARROOM_PHASE_CONFIRM_DAYS = 2
    do_compute_situation(day)
    payload = Situation.objects.get(area__code="9901", day=day).payload
    assert payload["phase"]["declared"] == "MIDDLE"
    assert payload["parameters"]["phase_confirm_days"] == 2
    page = client.get(f"/situation/?day={day}").content.decode()
    assert "档位：≥100 / 10–99 / 1–9 / 0–0，k = 2" in page
