"""Quality flags: the analytics rules run over the stored reports by the daily step."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.core import daily
from warroom.core.context import SYSTEM
from warroom.core.errors import NotFound
from warroom.surveillance.models import FlagStatus, QualityFlag
from warroom.surveillance.services import (
    NO_LONGER_FOUND,
    do_check_quality,
    do_import_daily_reports,
    do_set_flag_status,
)
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 20)

HEADER = "date,area_code,new_confirmed,cum_confirmed,cum_deaths,cum_discharged,under_treatment\n"


def _import(hq, rows: str, name: str) -> None:
    do_import_daily_reports(read_table((HEADER + rows).encode(), filename=name), actor=hq)


@pytest.fixture
def falling(city, hq):
    """The city's cumulative confirmed falls on DAY (an error rule), District A is clean."""
    _import(
        hq,
        "2020-02-18,9901,10,100,0,0,100\n"
        "2020-02-19,9901,10,110,0,0,110\n"
        "2020-02-20,9901,10,105,0,0,105\n",
        "falling.csv",
    )


def test_the_step_stores_a_flag_per_finding(falling):
    result = do_check_quality(DAY, actor=SYSTEM)
    flag = QualityFlag.objects.get(rule="cumulative_decrease")
    assert (flag.area.code, flag.day, flag.column) == ("9901", DAY, "cum_confirmed")
    assert flag.severity == "error" and flag.status == FlagStatus.OPEN
    assert flag.measured == 105 and flag.detected_on == DAY
    assert result.created == QualityFlag.objects.count() >= 1


def test_running_twice_changes_nothing_and_keeps_the_status(falling, hq):
    do_check_quality(DAY, actor=SYSTEM)
    flag = QualityFlag.objects.get(rule="cumulative_decrease")
    do_set_flag_status(flag, FlagStatus.ACKNOWLEDGED, note="checking", actor=hq)
    before = sorted(QualityFlag.objects.values_list("rule", "area_id", "day", "status", "message"))
    again = do_check_quality(DAY, actor=SYSTEM)
    assert again.created == 0 and again.resolved == 0
    after = sorted(QualityFlag.objects.values_list("rule", "area_id", "day", "status", "message"))
    assert after == before
    assert QualityFlag.objects.get(pk=flag.pk).status == FlagStatus.ACKNOWLEDGED


def test_a_corrected_report_resolves_the_flag(falling, hq):
    do_check_quality(DAY, actor=SYSTEM)
    _import(hq, "2020-02-20,9901,10,120,0,0,120\n", "corrected.csv")
    result = do_check_quality(DAY, actor=SYSTEM)
    flag = QualityFlag.objects.get(rule="cumulative_decrease")
    assert result.resolved >= 1
    assert flag.status == FlagStatus.RESOLVED and flag.status_note == NO_LONGER_FOUND


def test_a_missing_figure_is_not_a_finding(city, hq):
    _import(hq, "2020-02-19,9901,10,110,0,0,110\n2020-02-20,9901,,,,,\n", "gap.csv")
    do_check_quality(DAY, actor=SYSTEM)
    assert not QualityFlag.objects.filter(rule="cumulative_decrease").exists()


def test_the_daily_cycle_runs_the_quality_step_before_the_situation(falling):
    names = [s.name for s in daily.ordered_steps()]
    assert names.index("surveillance.quality") < names.index("situation.analytics")
    daily.run_daily_cycle(DAY, only=["surveillance.quality"])
    assert QualityFlag.objects.filter(rule="cumulative_decrease").exists()


def test_an_outsider_cannot_change_a_flag(falling, outsider, officer):
    do_check_quality(DAY, actor=SYSTEM)
    flag = QualityFlag.objects.get(rule="cumulative_decrease")  # the city's: above both
    with pytest.raises(NotFound):
        do_set_flag_status(flag, FlagStatus.RESOLVED, actor=outsider)
    with pytest.raises(NotFound):
        do_set_flag_status(flag, FlagStatus.RESOLVED, actor=officer)
    assert not QualityFlag.objects.restrict(outsider).exists()


def test_the_page_lists_flags_and_changes_their_status(falling, hq, client):
    do_check_quality(DAY, actor=SYSTEM)
    flag = QualityFlag.objects.get(rule="cumulative_decrease")
    client.force_login(hq)
    page = client.get("/surveillance/quality/").content.decode()
    # The rule by its name (issue 16: names, not codes).
    assert "累计数下降" in page and "cumulative_decrease" not in page
    assert 'data-testid="flags"' in page
    client.post(
        f"/surveillance/quality/{flag.pk}/status/", {"status": "acknowledged", "note": "核实中"}
    )
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED and flag.status_note == "核实中"
    assert "累计数下降" not in client.get("/surveillance/quality/?status=open").content.decode()
