"""The demo: the twin's outbreak fed into the platform through the import path."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.accounts.models import User
from warroom.core.models import DailyStepRun, ImportBatch
from warroom.demo.feed import do_feed_twin
from warroom.geo.services import do_load_demo_city
from warroom.situation.models import Situation
from warroom.surveillance.models import DailyReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city():
    from warroom.cli import ensure_demo_users

    do_load_demo_city()
    ensure_demo_users()
    return User.objects.get(username="hq")


def test_the_twin_feeds_reports_and_the_daily_cycle(demo_city):
    days: list[dt.date] = []
    report = do_feed_twin(actor=demo_city, days=12, on_day=lambda day, rows: days.append(day))
    assert report.days == 12 and days[0] == dt.date(2020, 1, 1) and days[-1] == dt.date(2020, 1, 12)
    # The city and its 15 reporting units, every day, imported as district files are.
    assert DailyReport.objects.count() == 16 * 12
    assert ImportBatch.objects.filter(kind="surveillance-daily").count() == 12
    assert DailyStepRun.objects.filter(step="situation.analytics", status="done").count() == 12
    assert Situation.objects.filter(day=dt.date(2020, 1, 12), area__code="4201").exists()


def test_feeding_again_adds_nothing(demo_city):
    do_feed_twin(actor=demo_city, days=5)
    before = (DailyReport.objects.count(), ImportBatch.objects.count())
    do_feed_twin(actor=demo_city, days=5)
    assert (DailyReport.objects.count(), ImportBatch.objects.count()) == before


def test_the_demo_command_prepares_everything(tmp_path):
    from typer.testing import CliRunner

    from warroom.cli import app

    result = CliRunner().invoke(app, ["demo", "--no-serve", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "fed 3 days" in result.output and "warroom-demo" in result.output
