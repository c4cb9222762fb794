"""Facilities and occupancy from files: all or nothing, errors by row, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.beds import selectors
from warroom.beds.imports import (
    FACILITY_COLUMNS,
    do_import_bed_reports,
    do_import_facilities,
)
from warroom.beds.models import BedReport, CapacityChange, Facility
from warroom.core.context import SYSTEM
from warroom.tables import TableRejected, read_table, write_template

pytestmark = pytest.mark.django_db

GOOD = """编码,名称,类型,所在区划编码,启用日期,关闭日期,ICU床位,重症床位,普通床位,方舱床位,隔离床位
H1,甲区定点医院,定点医院,990101,2020-02-01,,10,40,50,,
S1,甲区方舱医院,方舱医院,990101001,2020-02-05,2020-03-01,,,,500,
Q1,乙区隔离点,隔离点,990102,2020-02-03,,,,,,80
"""


def _file(text: str, name: str = "f.csv"):
    return read_table(text.encode("utf-8"), filename=name)


def _levels(day: dt.date) -> dict[tuple[str, str], int]:
    codes = dict(Facility.objects.values_list("pk", "code"))
    return {(codes[f], t): n for (f, t), n in selectors.capacity_on(day).items()}


def test_a_good_file_creates_facilities_and_their_capacity_history(city):
    result = do_import_facilities(_file(GOOD), actor=SYSTEM)
    assert (result.created, result.changes) == (3, 6)
    assert _levels(dt.date(2020, 2, 10)) == {
        ("H1", "ICU"): 10,
        ("H1", "SEVERE"): 40,
        ("H1", "GENERAL"): 50,
        ("S1", "SHELTER"): 500,
        ("Q1", "QUARANTINE"): 80,
    }
    assert ("S1", "SHELTER") not in _levels(dt.date(2020, 3, 1))
    assert Facility.objects.get(code="S1").status == "closed"


def test_the_same_file_twice_adds_nothing_and_a_correction_is_appended(city):
    do_import_facilities(_file(GOOD), actor=SYSTEM)
    again = do_import_facilities(_file(GOOD), actor=SYSTEM)
    assert again.already_imported and CapacityChange.objects.count() == 6
    corrected = GOOD.replace(",10,40,50,,", ",20,40,50,,") + "\n"  # another file (new hash)
    result = do_import_facilities(_file(corrected), actor=SYSTEM)
    assert (result.created, result.changes) == (0, 1)
    assert _levels(dt.date(2020, 2, 10))[("H1", "ICU")] == 20
    assert CapacityChange.objects.filter(facility__code="H1", bed_type="ICU").count() == 2


def test_every_bad_row_is_named_and_nothing_is_written(city):
    bad = GOOD + (
        "S2,错类型,方舱医院,990101,2020-02-05,,5,,,,\n"
        "S3,未知区,方舱医院,999999,2020-02-05,,,,,10,\n"
        "S4,先关后开,方舱医院,990101,2020-02-05,2020-02-01,,,,10,\n"
        "H1,重复,定点医院,990101,2020-02-01,,1,,,,\n"
        "S5,无日期,方舱医院,990101,,,,,,10,\n"
    )
    with pytest.raises(TableRejected) as caught:
        do_import_facilities(_file(bad), actor=SYSTEM)
    problems = {(e.row, e.column) for e in caught.value.errors}
    assert problems == {
        (5, "beds_icu"),
        (6, "area_code"),
        (7, "closed_on"),
        (8, "code"),
        (9, "beds_from"),
    }
    assert "has no ICU beds" in caught.value.report()
    assert Facility.objects.count() == 0 and CapacityChange.objects.count() == 0


def test_a_district_officer_imports_only_into_his_district(city, officer):
    with pytest.raises(TableRejected) as caught:
        do_import_facilities(_file(GOOD), actor=officer)
    assert [(e.row, e.column, e.reason) for e in caught.value.errors] == [
        (4, "area_code", "unknown area (or not yours)")
    ]


def test_occupancy_reports_import_and_the_latest_wins(city):
    do_import_facilities(_file(GOOD), actor=SYSTEM)
    reports = (
        "机构编码,日期,床位类型,占用床位,空余床位\n"
        "S1,2020-02-10,SHELTER,300,200\nH1,2020-02-10,ICU,9,\n"
    )
    do_import_bed_reports(_file(reports), actor=SYSTEM)
    assert BedReport.objects.get(facility__code="S1").occupied == 300
    later = reports.replace("300,200", "420,80")
    result = do_import_bed_reports(_file(later), actor=SYSTEM)
    assert (result.created, result.updated) == (0, 2)
    assert BedReport.objects.get(facility__code="S1").occupied == 420
    assert do_import_bed_reports(_file(later), actor=SYSTEM).already_imported


def test_occupancy_above_capacity_is_refused_by_row(city):
    do_import_facilities(_file(GOOD), actor=SYSTEM)
    reports = (
        "facility_code,date,bed_type,occupied\n"
        "S1,2020-02-10,SHELTER,501\nS1,2020-02-01,SHELTER,1\nQ1,2020-02-10,ICU,1\n"
    )
    with pytest.raises(TableRejected) as caught:
        do_import_bed_reports(_file(reports), actor=SYSTEM)
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (2, "occupied"),
        (3, "occupied"),
        (4, "bed_type"),
    ]
    assert "more than the 500 SHELTER beds S1 has on 2020-02-10" in caught.value.report()
    assert BedReport.objects.count() == 0


def test_the_excel_template_has_chinese_headers_and_reads_back(city, tmp_path):
    path = tmp_path / "facilities.xlsx"
    write_template(path, FACILITY_COLUMNS, sheet="facilities")
    table = read_table(path)
    assert table.header[:4] == ["编码", "名称", "类型", "所在区划编码"]
