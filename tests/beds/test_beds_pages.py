"""The beds pages: facilities, the occupancy board, forms that call the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from warroom.beds.models import BedReport, CapacityChange
from warroom.beds.services import do_record_capacity_change, do_report_occupancy
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db
D10 = dt.date(2020, 2, 10)


@pytest.fixture
def full_and_quiet(shelter, make_facility):
    """SA1 at 96 % (red on the board), QA1 at 10 %."""
    do_report_occupancy(shelter, day=D10, bed_type="SHELTER", occupied=96, actor=SYSTEM)
    q = make_facility("QA1", "QUARANTINE", name="甲区隔离点")
    do_record_capacity_change(
        q, bed_type="QUARANTINE", kind="opening", delta=50, effective=D10, actor=SYSTEM
    )
    do_report_occupancy(q, day=D10, bed_type="QUARANTINE", occupied=5, actor=SYSTEM)
    return shelter, q


def test_the_board_shows_every_facility_and_marks_the_full_ones_red(
    client, officer, full_and_quiet, django_assert_max_num_queries
):
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        page = client.get("/beds/board/?date=2020-02-10").content.decode()
    assert 'class="tile full" href="/beds/facilities/SA1/?date=2020-02-10"' in page
    assert 'class="tile" href="/beds/facilities/QA1/?date=2020-02-10"' in page
    assert "96%" in page and "10%" in page


def test_the_facility_page_shows_history_and_occupancy(client, officer, full_and_quiet):
    client.force_login(officer)
    page = client.get("/beds/facilities/SA1/?date=2020-02-10").content.decode()
    assert "甲区方舱医院" in page and 'data-chart="option"' in page
    assert "+100" in page and ">96<" in page


def test_forms_record_reports_and_capacity_changes(client, officer, shelter):
    client.force_login(officer)
    r = client.post(
        "/beds/facilities/SA1/report/",
        {"date": "2020-02-10", "bed_type": "SHELTER", "occupied": "30"},
    )
    assert r.status_code == 302 and BedReport.objects.get().occupied == 30
    client.post(
        "/beds/facilities/SA1/capacity/",
        {"kind": "closure", "bed_type": "SHELTER", "level": "40", "effective": "2020-02-20"},
    )
    assert CapacityChange.objects.filter(kind="closure").get().delta == -60
    page = client.post(
        "/beds/facilities/SA1/report/",
        {"date": "2020-02-21", "bed_type": "SHELTER", "occupied": "41"},
        follow=True,
    ).content.decode()
    assert "has 40 SHELTER beds on 2020-02-21" in page


def test_the_read_only_analyst_sees_but_cannot_change(client, analyst, shelter):
    client.force_login(analyst)
    page = client.get("/beds/facilities/SA1/").content.decode()
    assert "甲区方舱医院" in page and 'action="/beds/facilities/SA1/report/"' not in page
    form = {"date": "2020-02-10", "bed_type": "SHELTER", "occupied": "1"}
    r = client.post("/beds/facilities/SA1/report/", form)
    assert r.status_code == 404 and not BedReport.objects.exists()


def test_the_import_page_names_bad_rows(client, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    csv = "编码,名称,类型,所在区划编码,启用日期,方舱床位\nX1,坏,方舱医院,990102,2020-02-01,10\n"
    page = client.post(
        "/beds/import/",
        {"which": "facilities", "file": SimpleUploadedFile("f.csv", csv.encode())},
    ).content.decode()
    assert "unknown area (or not yours)" in page and "<td>2</td>" in page
    template = client.get("/beds/template/facilities.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_the_status_form_moves_a_facility_and_refuses_nonsense(client, officer, shelter):
    client.force_login(officer)
    client.post("/beds/facilities/SA1/status/", {"status": "closing", "date": "2020-03-01"})
    shelter.refresh_from_db()
    assert (shelter.status, shelter.closing_on) == ("closing", dt.date(2020, 3, 1))
    page = client.post(
        "/beds/facilities/SA1/status/", {"status": "closed", "date": "2020-01-01"}, follow=True
    ).content.decode()
    assert "it cannot close before" in page
    shelter.refresh_from_db()
    assert shelter.status == "closing"


def test_the_busiest_pages_take_a_fixed_number_of_queries(
    client, hq, make_facility, django_assert_max_num_queries
):
    for i in range(25):
        f = make_facility(f"S{i:02d}", "SHELTER", area="990101" if i % 2 else "990102")
        do_record_capacity_change(
            f, bed_type="SHELTER", kind="opening", delta=100, effective=D10, actor=SYSTEM
        )
        do_report_occupancy(f, day=D10, bed_type="SHELTER", occupied=i, actor=SYSTEM)
    client.force_login(hq)
    # 12: the balance adds the placements moved since each facility's last report (one
    # query for all of them: the free beds as they stood at the day's cut-off); the
    # facilities' districts, whether they admit that day and the beds their reservations
    # held at the cut-off are one query (it was 13 with admissions read apart); 13: the
    # waiting counts first read the kept states' checkpoint (cases.waiting.kept_states),
    # whatever the number of facilities or people.
    for url in ("/beds/", "/beds/facilities/", "/beds/board/", "/beds/balance/"):
        # (on PostgreSQL one more: the count that chooses how the people with records
        # after the cut-off are read, waiting._later)
        with django_assert_max_num_queries(13 + (connection.vendor == "postgresql")):
            assert client.get(f"{url}?date=2020-02-10").status_code == 200


def test_an_officer_adds_a_facility_in_his_district_only(client, officer):
    from warroom.beds.models import Facility

    client.force_login(officer)
    form = {"code": "N1", "name": "新方舱", "kind": "SHELTER", "area_code": "990102"}
    page = client.post("/beds/facilities/new/", form).content.decode()
    assert "您的辖区内没有该区划" in page and not Facility.objects.exists()
    response = client.post("/beds/facilities/new/", {**form, "area_code": "990101001"})
    assert response.status_code == 302 and response["Location"] == "/beds/facilities/N1/"
    assert Facility.objects.get().area.code == "990101001"
