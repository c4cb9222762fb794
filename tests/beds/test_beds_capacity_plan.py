"""The 30-day capacity plan: occupancy forecast against the schedule, openings per window."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from warroom.beds.demand import (
    CaseSeries,
    constant_assumption,
    register_case_series_provider,
    unregister_case_series_provider,
)
from warroom.beds.planning import capacity_plan
from warroom.beds.services import do_plan_opening, do_report_occupancy
from warroom.cli import app
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db
START = dt.date(2020, 2, 10)


def _shelter_total(plan) -> int:
    return sum(w.open_beds["SHELTER"] for w in plan.windows)


def test_without_case_numbers_there_is_no_plan(shelter, hq):
    assert capacity_plan(hq, START) is None


def test_a_planned_opening_lowers_the_beds_still_to_open(shelter, hq):
    do_report_occupancy(
        shelter, day=START - dt.timedelta(days=1), bed_type="SHELTER", occupied=80, actor=SYSTEM
    )
    assumption = constant_assumption(50, 0, 30)
    before = capacity_plan(hq, START, assumption=assumption)
    assert before is not None and before.source == "assumption"
    assert len(before.windows) == 10 and before.windows[1].start == START + dt.timedelta(days=3)
    assert before.schedule["SHELTER"][0] == 100 and before.occupancy["SHELTER"][0] > 80
    assert _shelter_total(before) > 300
    do_plan_opening(
        shelter, bed_type="SHELTER", beds=300, effective=START + dt.timedelta(days=3), actor=SYSTEM
    )
    after = capacity_plan(hq, START, assumption=assumption)
    assert after.schedule["SHELTER"][3] == 400
    assert _shelter_total(after) == _shelter_total(before) - 300
    assert after.windows[0].open_beds == before.windows[0].open_beds


def test_a_registered_case_forecast_is_used_before_any_assumption(shelter, hq):
    def forecast(day: dt.date, horizon: int) -> CaseSeries:
        return CaseSeries([100.0] * (10 + horizon), today=10, label="renewal forecast")

    register_case_series_provider(forecast)
    try:
        plan = capacity_plan(hq, START, assumption=constant_assumption(1, 0, 30))
    finally:
        unregister_case_series_provider(forecast)
    assert plan.source == "renewal forecast" and _shelter_total(plan) > 500


def test_the_plan_page_and_command(shelter, client, hq, tmp_path):
    client.force_login(hq)
    page = client.get(f"/beds/plan/?date={START}").content.decode()
    assert 'data-testid="no-case-data"' in page
    page = client.get(f"/beds/plan/?date={START}&confirmed=50").content.decode()
    assert 'data-testid="plan-windows"' in page and "依据上面输入的假设计划" in page
    response = client.post(
        f"/beds/plan/?date={START}&confirmed=50",
        {"facility": "SA1", "bed_type": "SHELTER", "beds": "200", "effective": "2020-02-12"},
    )
    assert response.status_code == 302 and response["Location"].endswith("confirmed=50")
    result = CliRunner().invoke(app, ["beds", "plan", "--date", str(START), "--confirmed", "50"])
    assert result.exit_code == 0, result.output
    assert "02-10–02-12" in result.output and "beds to open" in result.output
    nothing = CliRunner().invoke(app, ["beds", "plan", "--date", str(START)])
    assert nothing.exit_code == 2 and "no case data" in nothing.output
