"""The real daily cycle over the situation room: twice the same; a crash, then a resume."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.conftest import epidemic_csv
from warroom.core import daily
from warroom.core.models import DailyStepRun
from warroom.situation.models import Briefing, Situation
from warroom.surveillance.models import QualityFlag
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 28)


@pytest.fixture
def reports(city, hq):
    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)


def _state():
    return (
        sorted(Situation.objects.values_list("area_id", "day", "inputs_hash", "payload")),
        sorted(Briefing.objects.values_list("area_id", "day", "inputs_hash", "payload", "html")),
        sorted(QualityFlag.objects.values_list("rule", "area_id", "day", "column", "status")),
    )


def test_the_cycle_run_twice_gives_identical_results(reports):
    daily.run_daily_cycle(DAY)
    first = _state()
    assert first[0] and first[1]
    daily.run_daily_cycle(DAY, force=True)
    assert _state() == first


def test_a_crash_in_the_middle_keeps_yesterday_and_a_rerun_completes(reports, monkeypatch):
    yesterday = DAY - dt.timedelta(days=1)
    daily.run_daily_cycle(yesterday)
    before = Briefing.objects.get(area__code="9901", day=yesterday).html
    step = daily._STEPS["situation.analytics"]

    def crash(day: dt.date) -> str:
        step.fn(day)  # its writes are rolled back with the step
        raise RuntimeError("power cut")

    monkeypatch.setitem(daily._STEPS, step.name, dataclasses.replace(step, fn=crash))
    with pytest.raises(daily.CycleFailed, match="power cut"):
        daily.run_daily_cycle(DAY)
    assert not Situation.objects.filter(day=DAY).exists()
    assert not Briefing.objects.filter(day=DAY).exists()
    assert DailyStepRun.objects.get(day=DAY, step="surveillance.quality").status == "done"
    assert Briefing.objects.get(area__code="9901", day=yesterday).html == before
    monkeypatch.setitem(daily._STEPS, step.name, step)
    report = daily.run_daily_cycle(DAY)
    ran = [name for name, _, _ in report.ran]
    assert ran[0] == "situation.analytics" and ran[-1] == "situation.briefing"
    assert "surveillance.quality" in report.skipped  # done before the crash: not redone
    assert Briefing.objects.filter(day=DAY).count() == 3
