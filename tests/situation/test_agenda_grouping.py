"""The stand-up agenda a meeting can use: at most ~15 lines, grouped and ranked.

Observed: the demo's 12 February listed 247 "decisions needed", 244 of them
"<facility>: <bed type> 100.0 %". Full facilities are now one line per district
("甲区: 12 facilities full") with the facilities as its drill-down, and the briefing's
decisions group them the same way.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import epidemic_csv
from warroom.core.context import SYSTEM
from warroom.situation import briefing as doc
from warroom.situation import selectors
from warroom.situation.models import Briefing
from warroom.situation.services import do_compute_situation, do_generate_briefings
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 28)


@pytest.fixture
def full_city(city, hq):
    """12 full shelter hospitals in District A, 3 in District B, one half-empty in A."""
    from warroom.beds.services import (
        do_create_facility,
        do_record_capacity_change,
        do_report_occupancy,
    )

    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)
    opened = DAY - dt.timedelta(days=10)
    plan = [("990101", f"A{i:02d}", 100) for i in range(12)]
    plan += [("990102", f"B{i:02d}", 100) for i in range(3)]
    plan += [("990101", "A99", 40)]
    for district, code, occupied in plan:
        f = do_create_facility(
            code=code,
            name=f"方舱{code}",
            kind="SHELTER",
            area=city[district],
            actor=SYSTEM,
            opened_on=opened,
            status="open",
        )
        do_record_capacity_change(
            f, bed_type="SHELTER", kind="opening", delta=100, effective=opened, actor=SYSTEM
        )
        do_report_occupancy(f, day=DAY, bed_type="SHELTER", occupied=occupied, actor=SYSTEM)
    do_compute_situation(DAY)
    return city


def test_full_facilities_are_one_line_per_district_with_a_drill_down(full_city, hq):
    agenda = selectors.standup(hq, full_city["9901"], DAY)["items"]
    assert len(agenda) <= doc.AGENDA_MAX
    full = [i for i in agenda if i["kind"] == "full_facilities"]
    assert [(i["district"]["code"], i["count"]) for i in full] == [("990101", 12), ("990102", 3)]
    assert not any(i["kind"] == "overloaded" for i in agenda)  # no line per facility
    a = full[0]
    assert a["text"].startswith("甲区") and "12" in a["text"]
    assert sorted(m["code"] for m in a["members"]) == [f"A{i:02d}" for i in range(12)]
    assert a["members"][0]["url"].startswith("/beds/facilities/")
    assert "A99" not in {m["code"] for i in full for m in i["members"]}  # 40 % is not full


def test_the_page_shows_the_group_and_its_drill_down(full_city, client, hq):
    client.force_login(hq)
    page = client.get(f"/situation/standup/9901/{DAY.isoformat()}/").content.decode()
    assert page.count('data-testid="drill-down"') == 2
    assert page.count("/beds/facilities/A") == 12


def test_the_briefing_groups_its_decisions_the_same_way(full_city):
    do_generate_briefings(DAY)
    found = Briefing.objects.get(area__code="9901", day=DAY)
    kinds = [i["kind"] for i in found.payload["decisions"]]
    assert kinds.count("full_facilities") == 2 and "overloaded" not in kinds
    assert "甲区：12" in found.html or "甲区: 12" in found.html
    assert found.html.count("方舱A") == 12  # named once each, inside the district's line


def test_no_agenda_is_longer_than_the_cap():
    room = {
        "day": DAY.isoformat(),
        "reporting": {
            "missing": [{"code": f"{i}", "name_zh": f"区{i}", "name_en": ""} for i in range(30)]
        },
        "situation": None,
        "clearance": {
            "duties": {
                d: {"total": 5, "over_48h": n, "change": None}
                for d, n in (("admit", 1), ("isolate", 9), ("test", 0), ("treat", 3))
            }
        },
        "overloaded": [
            {
                "code": f"F{d}{i}",
                "name": f"F{d}{i}",
                "type": "SHELTER",
                "occupied": 100,
                "capacity": 100,
                "occupancy": 100.0,
                "district": {"code": f"D{d:02d}", "name_zh": f"区{d}", "name_en": ""},
            }
            for d in range(17)
            for i in range(d + 2)
        ],
        "tasks": {"count": 40, "items": [{"id": i, "title": f"t{i}"} for i in range(8)]},
        "quality": {
            "top": [{"severity": "error", "status": "open", "rule": "r", "id": i} for i in range(8)]
        },
    }
    items = doc.decisions_needed(room)
    assert len(items) <= doc.AGENDA_MAX
    kinds = [i["kind"] for i in items]
    assert kinds[:5] == ["missing_reports", "backlog", "backlog", "backlog", "backlog"]
    # The oldest backlog first.
    assert [i["duty"] for i in items[1:5]] == ["isolate", "treat", "admit", "test"]
    full = [i for i in items if i["kind"] == "full_facilities"]
    assert [i["count"] for i in full] == [18, 17, 16, 15]  # the fullest districts first
    elsewhere = next(i for i in items if i["kind"] == "full_facilities_elsewhere")
    assert elsewhere["districts"] == 13
    assert sum(i["count"] for i in full) + elsewhere["count"] == sum(d + 2 for d in range(17))
