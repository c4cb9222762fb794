"""Importing a city's areas: all or nothing, idempotent, every problem named."""

from __future__ import annotations

import pytest

from tests.conftest import SMALL_CITY_CSV
from warroom.core.context import SYSTEM
from warroom.core.models import ImportBatch
from warroom.geo.models import Area
from warroom.geo.services import do_import_areas
from warroom.tables import TableRejected, read_table

pytestmark = pytest.mark.django_db

HEADER = "code,parent_code,level,name_zh,name_en,population,lat,lon\n"


def _import(text: str, encoding: str = "utf-8"):
    return do_import_areas(read_table(text.encode(encoding), filename="a.csv"), actor=SYSTEM)


def _rejected(text: str) -> TableRejected:
    before = Area.objects.count()
    with pytest.raises(TableRejected) as info:
        _import(text)
    assert Area.objects.count() == before, "a refused file must import nothing"
    assert not ImportBatch.objects.filter(sha256=read_table(text.encode()).sha256).exists()
    return info.value


def test_a_good_file_builds_the_tree_with_paths_and_depths():
    result = _import(SMALL_CITY_CSV)
    assert (result.created, result.updated, result.already_imported) == (10, 0, False)
    victim = Area.objects.get(code="990101001001001")
    assert victim.path == "/9901/990101/990101001/990101001001/990101001001001/"
    assert victim.depth == 4 and victim.parent.code == "990101001001"


def test_the_same_file_twice_adds_nothing():
    _import(SMALL_CITY_CSV)
    again = _import(SMALL_CITY_CSV)
    assert again.already_imported and again.created == 0
    assert Area.objects.count() == 10
    assert ImportBatch.objects.count() == 1


def test_a_corrected_file_updates_in_place():
    _import(SMALL_CITY_CSV)
    result = _import(
        SMALL_CITY_CSV.replace("受害小区,Victim Compound,350", "受害小区,Victim Compound,351")
    )
    assert (result.created, result.updated) == (0, 1)
    assert Area.objects.get(code="990101001001001").population == 351


def test_gbk_and_chinese_headers_are_accepted():
    text = "编码,上级编码,层级,中文名称,人口\n9901,,市,测试市,10\n990101,9901,区,甲区,10\n"
    result = _import(text, encoding="gbk")
    assert result.created == 2
    assert Area.objects.get(code="990101").level == "district"


def test_unknown_parent_is_refused_with_row_and_column():
    exc = _rejected(HEADER + "9901,,city,测试市,,1,,\n990101,9999,district,甲区,,1,,\n")
    [error] = exc.errors
    assert (error.row, error.column, error.value) == (3, "parent_code", "9999")
    assert "unknown parent" in error.reason


def test_duplicate_code_is_refused():
    exc = _rejected(HEADER + "9901,,city,测试市,,1,,\n9901,,city,测试市,,1,,\n")
    assert any(e.row == 3 and "duplicate code" in e.reason for e in exc.errors)


def test_a_cycle_is_refused():
    text = HEADER + (
        "9901,,city,测试市,,1,,\nA,B,street,甲,,1,,\nB,C,community,乙,,1,,\nC,A,compound,丙,,1,,\n"
    )
    exc = _rejected(text)
    assert any("cycle" in e.reason for e in exc.errors)


def test_wrong_level_order_is_refused():
    exc = _rejected(HEADER + "9901,,city,测试市,,1,,\n990101,9901,street,甲街道,,1,,\n")
    assert any(e.column == "level" and "wrong level order" in e.reason for e in exc.errors)


def test_empty_name_and_bad_numbers_are_all_reported_at_once():
    exc = _rejected(HEADER + "9901,,city,,,abc,95,\n")
    problems = {(e.row, e.column) for e in exc.errors}
    assert problems == {(2, "name_zh"), (2, "population"), (2, "lat")}


def test_a_missing_required_column_names_it():
    with pytest.raises(TableRejected) as info:
        _import("code,level\n9901,city\n")
    assert any(e.column == "name_zh" for e in info.value.errors)


def test_one_bad_row_among_good_ones_imports_nothing():
    _rejected(SMALL_CITY_CSV + "990101001001003,990101001001,compound,,Bad,1,,\n")
    assert Area.objects.count() == 0


def test_a_second_city_is_refused():
    _import(SMALL_CITY_CSV)
    with pytest.raises(Exception, match="another city"):
        _import(HEADER + "8801,,city,另一市,,1,,\n")


def test_an_import_cannot_move_an_area():
    _import(SMALL_CITY_CSV)
    moved = SMALL_CITY_CSV.replace(
        "990101001001002,990101001001,", "990101001001002,990102001001,"
    ).replace("甲二小区,A2 Compound,250", "甲二小区,A2 Compound,251")
    exc = _rejected(moved)
    assert any("does not move" in e.reason for e in exc.errors)
