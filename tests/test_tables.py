"""Reading the files people bring: encodings, Excel, Chinese headers, row-level errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.tables import (
    Column,
    TableRejected,
    count,
    date,
    integer,
    parse_rows,
    read_table,
    text,
    write_template,
)

COLUMNS = [
    Column("date", "日期", date),
    Column("area_code", "地区编码", text),
    Column("new_confirmed", "新增确诊", count, required=False),
]


def test_utf8_with_bom_gbk_and_plain_utf8_read_the_same():
    body = "日期,地区编码,新增确诊\n2020-02-01,420102,894\n"
    tables = [read_table(body.encode(enc)) for enc in ("utf-8", "utf-8-sig", "gbk")]
    assert [t.encoding for t in tables] == ["utf-8", "utf-8-sig", "gb18030"]
    rows = [parse_rows(t, COLUMNS) for t in tables]
    assert rows[0] == rows[1] == rows[2]
    assert rows[0][0] == {
        "_row": 2,
        "date": dt.date(2020, 2, 1),
        "area_code": "420102",
        "new_confirmed": 894,
    }


def test_empty_cells_are_unknown_not_zero():
    [row] = parse_rows(read_table(b"date,area_code,new_confirmed\n2020-02-01,4201,\n"), COLUMNS)
    assert row["new_confirmed"] is None


def test_every_bad_cell_is_reported_with_row_column_value_and_reason():
    data = b"date,area_code,new_confirmed\n2020-02-30,4201,5\n2020-02-01,,-3\n"
    with pytest.raises(TableRejected) as info:
        parse_rows(read_table(data), COLUMNS)
    got = [(e.row, e.column, e.value) for e in info.value.errors]
    assert got == [(2, "date", "2020-02-30"), (3, "area_code", ""), (3, "new_confirmed", "-3")]
    assert (
        "row 3, column 'new_confirmed': value '-3' a count cannot be negative"
        in info.value.report()
    )


def test_bytes_that_are_neither_utf8_nor_gbk_are_refused():
    with pytest.raises(TableRejected, match="neither UTF-8 nor GBK"):
        read_table(b"\xff\xfe\x00\x81\xff")


def test_excel_round_trip_through_the_template(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "template.xlsx"
    write_template(path, COLUMNS)
    book = load_workbook(path)
    sheet = book.active
    sheet.append([dt.datetime(2020, 2, 1), "420102", 894])
    sheet.append(["2020/02/02", 420102, 1.0])
    book.save(path)
    rows = parse_rows(read_table(path), COLUMNS)
    assert [(r["date"], r["area_code"], r["new_confirmed"]) for r in rows] == [
        (dt.date(2020, 2, 1), "420102", 894),
        (dt.date(2020, 2, 2), "420102", 1),
    ]


@given(st.integers(min_value=-(2**31 - 1), max_value=2**31 - 1))
def test_integers_parse_from_text_and_numbers(n):
    assert integer(str(n)) == integer(n) == integer(float(n)) == n


@given(st.text(alphabet="abc.xyz", min_size=1))
def test_non_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        integer(raw)
