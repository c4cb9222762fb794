"""A reproducible past (DESIGN §3.2, issue 15 item 4).

A day's numbers are computed from the records as they stood at that day's cut-off
(valid time), so re-running a past day after later days changed the people gives the
same numbers and issues nothing new. A late file back-dated into the day makes revision
2 of the clearance snapshot and of the briefing, with what changed and why; revision 1 is
kept as issued.

Observed before: re-running the daily cycle over past days regenerated the archived
briefing of 12 February, its backlogs going from 591 / 1,200 to 0 / 0, silently.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.cases import services
from warroom.cases.clearance import do_compute_clearance
from warroom.cases.imports import do_import_line_list
from warroom.cases.models import ClearanceRevision, ClearanceRun, ClearanceSnapshot
from warroom.core.daily import run_daily_cycle
from warroom.situation.models import Briefing, BriefingRevision
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
A1 = "990101001001001"
HEADER = "姓名,证件号码,联系电话,住址小区编码,类别,报告时间,病情,指示病例证件号码,暴露日期,接触场所"


@pytest.fixture
def past_day(city, hq):
    """Three days ago: a suspected case waits for a quarantine room at the cut-off, and a
    contact sits in home quarantine (which is not isolation). The next day both are
    placed in a quarantine site and the suspected case is then excluded."""
    day = timezone.localdate() - dt.timedelta(days=3)

    def at(d: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(d, dt.time(hour)))

    services.do_register_person(
        name="疑似甲",
        home=city[A1],
        actor=hq,
        id_number=resident_id(1),
        category="suspected",
        at=at(day, 9),
    )
    contact = services.do_register_person(
        name="密接乙",
        home=city[A1],
        actor=hq,
        id_number=resident_id(2),
        category="contact",
        at=at(day, 8),
    )
    services.do_isolate_person(contact, "home", actor=hq, at=at(day, 10))
    run_daily_cycle(day, actor=hq)
    later = (day + dt.timedelta(days=1)).isoformat()
    moved = "\n".join(
        [
            "name,id_number,home_code,category,reported_at,facility,isolation",
            f"疑似甲,{resident_id(1)},{A1},suspected,{later} 09:00,Q001,quarantine",
            f"密接乙,{resident_id(2)},{A1},contact,{later} 10:00,Q001,quarantine",
        ]
    )
    do_import_line_list(read_table(moved.encode(), filename="moved.csv"), actor=hq)
    return day


def _city_briefing(day: dt.date) -> Briefing:
    return Briefing.objects.get(area__code="9901", day=day)


def test_a_past_day_is_computed_as_the_records_stood_then(past_day, hq):
    day = past_day
    first = ClearanceRun.objects.get(date=day)
    assert first.params["city"]["isolate"] == 2  # home quarantine is not isolation
    brief = _city_briefing(day)
    waiting = {r["type"]: r["waiting"] for r in brief.payload["beds"]["by_type"]}
    assert waiting["QUARANTINE"] == 2
    # Re-running the day after both were placed in a site: the same numbers, nothing new.
    run_daily_cycle(day, actor=hq, force=True)
    again = ClearanceRun.objects.get(date=day)
    assert again.params["city"]["isolate"] == 2
    assert (again.revision, _city_briefing(day).revision) == (1, 1)
    assert not ClearanceRevision.objects.exists() and not BriefingRevision.objects.exists()


def test_a_late_file_makes_revision_2_with_what_changed_and_why(past_day, hq, client):
    day = past_day
    issued = _city_briefing(day)
    issued_html = issued.html
    rows = [f"确诊丙,{resident_id(3)},,{A1},确诊,{day.isoformat()} 15:00,轻型,,,"]
    late = read_table(("\n".join([HEADER, *rows]) + "\n").encode(), filename="late.csv")
    do_import_line_list(late, actor=hq)
    run_daily_cycle(day, actor=hq, force=True)

    run = ClearanceRun.objects.get(date=day)
    assert run.revision == 2
    assert ["clearance.admit", 0, 1] in run.changes
    # Why: the files imported since revision 1, the latest first.
    assert run.reason["count"] == 2 and "late.csv" in run.reason["files"][0]
    kept = ClearanceRevision.objects.get(date=day, revision=1)
    assert kept.city["admit"] == 0 and kept.city["isolate"] == 2
    assert ClearanceSnapshot.objects.get(date=day, area__code="9901", duty="admit").total == 1

    brief = _city_briefing(day)
    assert brief.revision == 2
    assert ["clearance.admit", 0, 1] in brief.changes
    assert ["beds.SHELTER.waiting", None, 1] in brief.changes or any(
        c[0] == "beds.SHELTER.waiting" and c[2] == 1 for c in brief.changes
    )
    first = BriefingRevision.objects.get(area__code="9901", day=day, revision=1)
    assert first.html == issued_html and first.payload == issued.payload  # kept as issued
    assert "修订" in brief.html and "late.csv" in brief.html

    # The page shows the revisions; revision 1 is still readable.
    client.force_login(hq)
    url = f"/situation/briefing/9901/{day.isoformat()}/"
    page = client.get(url).content.decode()
    assert 'data-testid="revisions"' in page and "late.csv" in page
    old = client.get(url + "?revision=1").content.decode()
    assert "late.csv" not in old
    assert client.get(url + "?revision=7").status_code == 404
    clearance_page = client.get(f"/cases/clearance/9901/?date={day}").content.decode()
    assert 'data-testid="revision"' in clearance_page and "late.csv" in clearance_page

    # Re-running with no new data issues nothing new.
    run_daily_cycle(day, actor=hq, force=True)
    do_compute_clearance(day, actor=hq)
    assert ClearanceRun.objects.get(date=day).revision == 2
    assert _city_briefing(day).revision == 2
    assert ClearanceRevision.objects.count() == 1
    assert BriefingRevision.objects.filter(area__code="9901").count() == 1
