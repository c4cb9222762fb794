"""The stand-up meeting: an agenda of red items; decisions and tasks carried until done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import epidemic_csv
from warroom.core.context import SYSTEM
from warroom.core.errors import InvalidInput, NotFound
from warroom.situation import selectors
from warroom.situation.services import do_compute_situation, do_record_decision
from warroom.surveillance.services import do_check_quality, do_import_daily_reports
from warroom.tables import read_table
from warroom.tasks.services import do_submit_task, do_verify_task

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 28)


@pytest.fixture
def reports(city, hq):
    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)
    do_compute_situation(DAY)


def test_the_agenda_lists_the_red_items_with_links(reports, hq, city):
    header = (
        "date,area_code,new_confirmed,cum_confirmed,cum_deaths,cum_discharged,under_treatment\n"
    )
    bad = header + "2020-02-28,990101,5,10,0,0,10\n"  # District A's cumulative falls
    do_import_daily_reports(read_table(bad.encode(), filename="bad.csv"), actor=hq)
    do_check_quality(DAY, actor=SYSTEM)
    agenda = selectors.standup(hq, city["9901"], DAY)
    # Many items of one kind are one line: its members are the drill-down.
    flat = [m for i in agenda["items"] for m in (i["members"] or [i])]
    kinds = {i["kind"] for i in flat}
    assert {"missing_report", "quality_flag"} <= kinds  # District B silent; A's data wrong
    flag = next(i for i in flat if i["kind"] == "quality_flag")
    assert flag["url"] == "/surveillance/quality/"
    missing = next(i for i in agenda["items"] if i["kind"] == "missing_report")
    assert missing["area"]["code"] == "990102"


def test_a_phase_change_is_on_the_agenda(reports, hq, city):
    changed = next(
        d
        for d in (DAY - dt.timedelta(days=i) for i in range(40))
        if do_compute_situation(d)
        and selectors.latest(hq, city["9901"], day=d).payload["phase"]["changed_today"]
    )
    items = selectors.standup(hq, city["9901"], changed)["items"]
    assert any(i["kind"] == "phase_change" for i in items)


def test_a_decision_with_an_owner_opens_a_task_carried_until_verified(reports, hq, officer, city):
    district = city["990101"]
    decision = do_record_decision(
        district, DAY, "核查甲区积压", owner=officer, deadline=DAY + dt.timedelta(days=2), actor=hq
    )
    task = decision.task
    assert task.source_kind == "meeting" and task.source == decision and task.owner == officer
    assert selectors.standup(hq, district, DAY)["decisions"] == [decision]
    next_day = DAY + dt.timedelta(days=1)
    # Opened on DAY, in the headquarters' time zone (a UTC replace moves it to DAY + 1
    # in Shanghai whenever the test runs between 16:00 and 24:00 UTC).
    task.created_at = timezone.make_aware(dt.datetime.combine(DAY, dt.time(10, 0)))
    task.save(update_fields=["created_at"])
    assert [t.pk for t in selectors.standup(hq, district, next_day)["carried"]] == [task.pk]
    do_submit_task(task, evidence_text="done", actor=officer)
    assert selectors.standup(hq, district, next_day)["carried"]  # submitted, not verified
    do_verify_task(task, actor=hq)
    assert selectors.standup(hq, district, next_day)["carried"] == []


def test_a_task_needs_a_deadline_and_an_outsider_cannot_record(
    reports, hq, officer, outsider, city
):
    with pytest.raises(InvalidInput, match="deadline"):
        do_record_decision(city["990101"], DAY, "x", owner=officer, actor=hq)
    with pytest.raises(NotFound):
        do_record_decision(city["990101"], DAY, "x", actor=outsider)


def test_the_page_records_a_decision(reports, hq, officer, client):
    client.force_login(hq)
    page = client.get("/situation/standup/9901/2020-02-28/")
    assert page.status_code == 200 and 'data-testid="agenda"' in page.content.decode()
    assert "/surveillance/?date=2020-02-28" in page.content.decode()  # District B is silent
    client.post(
        "/situation/standup/990101/2020-02-28/",
        {"text": "明日清零", "owner": "officer_a", "deadline": "2020-03-01", "area": "990101"},
    )
    page = client.get("/situation/standup/990101/2020-02-28/").content.decode()
    assert "明日清零" in page and "officer_a" in page
    assert client.get("/situation/standup/").status_code == 302
