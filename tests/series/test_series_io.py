"""Reading the daily report (DESIGN §4) into per-area daily series."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from warroom.series.io import COUNT_NAMES, read_daily_report
from warroom.tables import TableRejected

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "wuhan_like_synthetic.csv"
SAMPLE_GBK = DATA / "wuhan_like_synthetic_gbk.csv"


def test_the_sample_reads_into_three_areas_with_the_city_as_root() -> None:
    report = read_daily_report(SAMPLE)
    assert sorted(report.areas) == ["4201", "420102", "420106"]
    assert report.root_code() == "4201"
    city = report.area()
    assert city.start == dt.date(2020, 1, 10) and city.n_days == 112
    assert set(city.counts) == set(COUNT_NAMES)


def test_gbk_with_chinese_headers_reads_the_same_numbers() -> None:
    utf8, gbk = read_daily_report(SAMPLE), read_daily_report(SAMPLE_GBK)
    assert gbk.encoding == "gb18030" and utf8.encoding == "utf-8"
    assert SAMPLE_GBK.read_bytes() != SAMPLE.read_bytes()
    for code in utf8.areas:
        for name in COUNT_NAMES:
            np.testing.assert_array_equal(
                utf8.areas[code].counts[name], gbk.areas[code].counts[name]
            )


def test_empty_cells_and_missing_days_are_nan_never_zero() -> None:
    report = read_daily_report(SAMPLE)
    city = report.area("4201")
    assert np.isnan(city.counts["new_febrile"][:12]).all()  # the sample leaves them empty
    wuchang = report.area("420106")
    assert wuchang.missing_days() == [dt.date(2020, 2, 20)]
    assert all(np.isnan(wuchang.counts[n][41]) for n in COUNT_NAMES)
    tail = wuchang.complete_tail()
    assert tail.start == dt.date(2020, 2, 21) and not np.isnan(tail.counts["new_confirmed"]).any()


def test_only_three_columns_are_required(tmp_path: Path) -> None:
    path = tmp_path / "min.csv"
    path.write_text("日期,地区编码,新增确诊\n2020-02-01,4201,5\n2020-02-03,4201,\n")
    series = read_daily_report(path).area()
    np.testing.assert_array_equal(np.isnan(series.counts["new_confirmed"]), [False, True, True])
    assert np.isnan(series.counts["severe"]).all()


def test_excel_files_are_read_too(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["date", "area_code", "new_confirmed", "new_deaths"])
    ws.append([dt.datetime(2020, 2, 1), 4201, 12, None])
    ws.append([dt.datetime(2020, 2, 2), 4201, 15, 1])
    path = tmp_path / "report.xlsx"
    book.save(path)
    series = read_daily_report(path).area("4201")
    np.testing.assert_array_equal(series.counts["new_confirmed"], [12, 15])
    assert np.isnan(series.counts["new_deaths"][0])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("date,area_code\n2020-01-01,4201\n", "missing column 'new_confirmed'"),
        ("date,area_code,new_confirmed\n2020-01-01,4201,-1\n", "row 2, column 'new_confirmed'"),
        ("date,area_code,new_confirmed\nyesterday,4201,1\n", "row 2, column 'date'"),
        ("date,area_code,new_confirmed\n2020-01-01,4201,1\n2020-01-01,4201,2\n", "row 3"),
        ("date,area_code,new_confirmed\n", "no data rows"),
    ],
)
def test_bad_files_are_refused_with_row_level_errors(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(TableRejected) as exc:
        read_daily_report(path)
    assert fragment in exc.value.report()


def test_root_rules_and_as_of(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("date,area_code,new_confirmed\n2020-01-01,420102,1\n2020-01-01,420106,2\n")
    report = read_daily_report(path)
    with pytest.raises(ValueError, match="--area"):
        report.root_code()
    with pytest.raises(ValueError, match="not in the file"):
        report.area("9999")
    city = read_daily_report(SAMPLE).area()
    assert city.until(dt.date(2020, 1, 31)).n_days == 22
    with pytest.raises(ValueError, match="before the first day"):
        city.until(dt.date(2019, 12, 31))
