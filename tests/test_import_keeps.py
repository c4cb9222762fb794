"""An import changes only what it mentions (issue 14, item 5).

For every importer that updates existing rows: a column absent from the file keeps the
stored values. An empty cell keeps them too, except a daily report's figure, where an
empty cell means "unknown" (DESIGN §4) and is stored as such.
"""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.beds.imports import do_import_facilities
from warroom.beds.models import Facility
from warroom.core.context import SYSTEM
from warroom.geo.models import Area
from warroom.geo.services import do_import_areas
from warroom.surveillance.models import DailyReport
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db

VICTIM = "990101001001001"


def _areas(text: str):
    return do_import_areas(read_table(text.encode(), filename="a.csv"), actor=SYSTEM)


@pytest.mark.parametrize(
    "text",
    [
        # the optional columns absent
        f"code,parent_code,level,name_zh\n{VICTIM},990101001001,compound,受害小区改名\n",
        # present, but the cells empty
        "code,parent_code,level,name_zh,name_en,population,lat,lon,kind\n"
        f"{VICTIM},990101001001,compound,受害小区改名,,,,,\n",
    ],
    ids=["absent-columns", "empty-cells"],
)
def test_an_area_file_keeps_the_facts_it_does_not_give(city, text):
    before = Area.objects.get(code=VICTIM)
    result = _areas(text)
    after = Area.objects.get(code=VICTIM)
    assert result.updated == 1 and after.name_zh == "受害小区改名"
    assert (after.population, after.lat, after.lon, after.name_en, after.kind) == (
        before.population,
        before.lat,
        before.lon,
        before.name_en,
        before.kind,
    )
    assert after.population == 350 and after.name_en == "Victim Compound"


def test_an_area_file_still_changes_the_facts_it_gives(city):
    _areas(
        f"code,parent_code,level,name_zh,population\n{VICTIM},990101001001,compound,受害小区,999\n"
    )
    victim = Area.objects.get(code=VICTIM)
    assert victim.population == 999 and victim.lat == 30.6


FACILITY = (
    "编码,名称,类型,所在区划编码,运营单位,纬度,经度,联系人,联系电话,启用日期,医生数,备注,ICU床位\n"
    "H1,甲区定点医院,定点医院,990101,市卫健委,30.6,114.3,王医生,027-12345678,2020-02-01,40,旧院区,10\n"
)


@pytest.mark.parametrize(
    "text",
    [
        "编码,名称,类型,所在区划编码\nH1,甲区定点医院(改),定点医院,990101\n",
        "编码,名称,类型,所在区划编码,运营单位,纬度,经度,联系人,联系电话,启用日期,医生数,备注\n"
        "H1,甲区定点医院(改),定点医院,990101,,,,,,,,\n",
    ],
    ids=["absent-columns", "empty-cells"],
)
def test_a_facility_file_keeps_the_details_it_does_not_give(city, text):
    do_import_facilities(read_table(FACILITY.encode(), filename="f0.csv"), actor=SYSTEM)
    before = Facility.objects.get(code="H1")
    do_import_facilities(read_table(text.encode(), filename="f1.csv"), actor=SYSTEM)
    after = Facility.objects.get(code="H1")
    assert after.name == "甲区定点医院(改)"
    kept = ("operator", "lat", "lon", "contact_name", "contact_phone", "opened_on", "doctors")
    assert [getattr(after, f) for f in kept] == [getattr(before, f) for f in kept]
    assert (after.notes, after.status, after.opened_on) == ("旧院区", "open", dt.date(2020, 2, 1))


def test_a_daily_report_keeps_figures_whose_column_is_absent_and_clears_empty_cells(city):
    day = dt.date(2020, 2, 10)
    first = f"date,area_code,new_confirmed,new_suspected,cum_confirmed\n{day},990101,10,20,300\n"
    do_import_daily_reports(read_table(first.encode(), filename="d0.csv"), actor=SYSTEM)
    # new_suspected absent: kept; cum_confirmed present but empty: unknown.
    second = f"date,area_code,new_confirmed,cum_confirmed\n{day},990101,12,\n"
    do_import_daily_reports(read_table(second.encode(), filename="d1.csv"), actor=SYSTEM)
    row = DailyReport.objects.get(area__code="990101", date=day)
    assert (row.new_confirmed, row.new_suspected, row.cum_confirmed) == (12, 20, None)
