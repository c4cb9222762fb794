"""Hostile files at the reader (issue 14, items 3, 4, 6, 10): limits, one encoding per file,
control characters, overlong cells, out-of-range dates and numbers, broken Excel XML,
compression and entity bombs, and the header synonyms people use."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import hostile
from warroom.tables import (
    Column,
    Table,
    TableRejected,
    count,
    date,
    integer,
    parse_rows,
    read_table,
    text,
)

COLUMNS = [
    Column("date", "日期", date),
    Column("area_code", "地区编码", text),
    Column("new_confirmed", "新增确诊", count, required=False),
]


# --- item 4: one encoding per file --------------------------------------------------------


def test_a_utf8_file_with_one_gbk_line_is_refused_naming_the_line():
    good = "日期,地区编码,新增确诊\n2020-02-01,420102,894\n".encode()
    bad = "2020-02-02,武汉市江岸区,12\n".encode("gbk")
    with pytest.raises(TableRejected) as caught:
        read_table(good + bad + b"2020-02-03,420102,5\n")
    (error,) = caught.value.errors
    assert error.row == 3 and "line 3" in error.reason and "mixed" in error.reason


def test_a_gbk_file_with_one_utf8_line_is_refused_naming_the_line():
    body = "日期,地区编码,新增确诊\n2020-02-01,江岸区,894\n".encode("gbk")
    with pytest.raises(TableRejected) as caught:
        read_table(body + "2020-02-02,江汉区,12\n".encode())
    (error,) = caught.value.errors
    assert error.row == 3 and "mixed" in error.reason


def test_a_bom_file_with_a_gbk_line_is_refused():
    data = "\ufeff日期,地区编码\n".encode() + "2020-02-01,江岸区\n".encode("gbk")
    with pytest.raises(TableRejected, match="line 2"):
        read_table(data)


# Common characters (GB 2312 level 1), as names and places are written.
HANZI = st.integers(min_value=0xB0, max_value=0xD7).flatmap(
    lambda lead: st.integers(min_value=0xA1, max_value=0xF9 if lead == 0xD7 else 0xFE).map(
        lambda trail: bytes([lead, trail]).decode("gbk")
    )
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(HANZI, min_size=1, max_size=6).map("".join), min_size=1, max_size=40))
def test_whole_gbk_and_whole_utf8_files_of_any_names_are_read_right(names):
    body = "姓名,地区编码\n" + "".join(f"{n},{i}\n" for i, n in enumerate(names))
    for encoding, label in (("gbk", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")):
        table = read_table(body.encode(encoding))
        assert table.encoding == label
        assert [r[0] for r in table.rows] == names


# --- item 6: cells the database or an export cannot take ------------------------------------


CONTROL = st.sampled_from([chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, 0x85]])


@settings(max_examples=40, deadline=None)
@given(CONTROL, st.integers(min_value=0, max_value=2), st.integers(min_value=0, max_value=3))
def test_a_control_character_in_any_cell_is_refused_naming_row_and_column(char, col, row):
    good = ["2020-02-01", "420102", "5"]
    lines = [",".join(good)] * 4
    bad = list(good)
    bad[col] = bad[col][:1] + char + bad[col][1:]
    lines[row] = ",".join(bad)
    data = ("date,area_code,new_confirmed\n" + "\n".join(lines) + "\n").encode()
    with pytest.raises(TableRejected) as caught:
        parse_rows(read_table(data), COLUMNS)
    (error,) = caught.value.errors
    assert (error.row, error.column) == (row + 2, COLUMNS[col].name)
    assert "control character" in error.reason and "\x00" not in error.value


def test_a_cell_over_the_csv_field_limit_is_refused_not_an_exception():
    data = b"date,area_code\n2020-02-01," + b"x" * 200_000 + b"\n"
    with pytest.raises(TableRejected) as caught:
        read_table(data)
    assert caught.value.status == 413 and "characters" in str(caught.value)


@pytest.mark.parametrize(
    "raw", ["0001-01-01", "0001/01/01", "0099/12/31", "1889-12-31", "2101-01-01", "9999-12-31"]
)
def test_dates_outside_1890_to_2100_are_refused(raw):
    with pytest.raises(ValueError, match="out of range"):
        date(raw)
    with pytest.raises(ValueError, match="out of range"):
        date(dt.date.fromisoformat(raw) if len(raw) == 10 and "-" in raw else dt.date(1, 1, 1))


@given(st.integers(min_value=2**31).flatmap(lambda n: st.sampled_from([n, -n])))
def test_whole_numbers_beyond_32_bits_are_refused_in_every_form(n):
    for cell in (n, str(n), f"{n:,}", float(n)):
        with pytest.raises(ValueError, match=r"too large|whole number"):
            integer(cell)


def test_a_number_of_thousands_of_digits_is_refused_quickly():
    with pytest.raises(ValueError, match="too large"):
        integer("9" * 5000)
    with pytest.raises(TableRejected) as caught:
        data = b"date,area_code,new_confirmed\n2020-02-01,1," + b"9" * 5000
        parse_rows(read_table(data), COLUMNS)
    assert len(caught.value.errors[0].value) <= 203


@pytest.mark.parametrize(
    "body",
    [
        '<row r="1"><c r="A1" t="inlineStr"><is><t>date</t></is></c></row><row r="2"><c r="A2"',
        '<row r="1"><c r="A1"><v>not-a-number</v></c></row>',
        '<row r="1"><c r="A1" s="0" t="d"><v>year one</v></c></row>',
        '<row r="1"><c r="A1" t="s"><v>99</v></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="x"/>',
    ],
)
def test_malformed_sheet_xml_is_refused_not_an_exception(body):
    with pytest.raises(TableRejected):
        read_table(hostile.xlsx_with_sheet(body), filename="x.xlsx")


def test_a_huge_number_in_a_sheet_is_refused_with_its_row():
    body = (
        f'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>{"9" * 400}</v></c></row>'
    )
    with pytest.raises(TableRejected):
        table = read_table(hostile.xlsx_with_sheet(body), filename="x.xlsx")
        parse_rows(table, [Column("n", "n", count)])


# --- item 3: limits ------------------------------------------------------------------------


def test_an_xlsx_compression_bomb_is_refused_before_it_is_parsed():
    data = hostile.xlsx_bomb(24)
    assert len(data) < 200_000
    with pytest.raises(TableRejected) as caught:
        read_table(data, filename="bomb.xlsx")
    assert caught.value.status == 413 and "expands" in str(caught.value)


def test_an_xlsx_over_the_unzipped_limit_is_refused_whatever_its_ratio():
    from warroom.tables import Limits

    data = hostile.xlsx([[f"row {i}", i] for i in range(3000)])
    limits = Limits(max_unzipped_bytes=50_000)
    with pytest.raises(TableRejected, match="unzips to"):
        read_table(data, filename="big.xlsx", limits=limits)


def test_xml_entities_in_a_workbook_are_refused():
    with pytest.raises(TableRejected, match="DOCTYPE"):
        read_table(hostile.xlsx_entities(), filename="laughs.xlsx")


def test_a_sheet_claiming_16384_columns_is_read_by_its_real_cells():
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>date</t></is></c></row>'
    table = read_table(
        hostile.xlsx_with_sheet(body, dimension="A1:XFD1048576"), filename="wide.xlsx"
    )
    assert table.header == ["date"]


def test_a_file_over_the_byte_limit_is_refused_without_reading_it_all():
    from warroom.tables import Limits

    class Upload(io.BytesIO):
        largest = 0

        def read(self, n: int | None = -1) -> bytes:
            Upload.largest = max(Upload.largest, n if n is not None and n >= 0 else 10**9)
            return super().read(n)

    limits = Limits(max_bytes=1000)
    upload = Upload(b"date,area_code\n" + b"2020-02-01,1\n" * 100_000)
    with pytest.raises(TableRejected) as caught:
        read_table(upload, filename="big.csv", limits=limits)  # type: ignore[arg-type]
    assert caught.value.status == 413 and Upload.largest <= 1001


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_and_columns_over_the_limits_are_refused(kind):
    from warroom.tables import Limits

    limits = Limits(max_rows=50, max_columns=10)
    many = [["date", "n"]] + [["2020-02-01", i] for i in range(51)]
    wide = [[f"c{i}" for i in range(11)]]
    for rows, word in ((many, "rows"), (wide, "columns")):
        if kind == "csv":
            data = "\n".join(",".join(str(c) for c in r) for r in rows).encode()
        else:
            data = hostile.xlsx(rows)
        with pytest.raises(TableRejected, match=word) as caught:
            read_table(data, filename=f"x.{kind}", limits=limits)
        assert caught.value.status == 413


def test_validation_stops_at_the_first_problems_without_reading_the_rest():
    class Rows(list):
        seen = 0

        def __iter__(self):
            for i, row in enumerate(super().__iter__()):
                Rows.seen = i
                yield row

    rows = Rows([["2020-02-30", "1", "5"]] * 100_000)
    table = Table(["date", "area_code", "new_confirmed"], rows, "0" * 64, "utf-8")
    with pytest.raises(TableRejected) as caught:
        parse_rows(table, COLUMNS)
    assert len(caught.value.errors) == 200 and Rows.seen < 300
    assert "stopped" in caught.value.report()


# --- item 10: header synonyms ------------------------------------------------------------


@pytest.mark.parametrize("header", ["地区代码", "地区编码", "区划代码", "区划编码", "行政区划代码"])
def test_the_area_code_is_accepted_under_the_names_people_use(header):
    table = read_table(f"日期,{header},新增确诊\n2020-02-01,420102,3\n".encode())
    assert parse_rows(table, COLUMNS)[0]["area_code"] == "420102"


def test_an_xlsx_part_that_lies_about_its_size_is_read_no_further_than_declared():
    import tracemalloc

    liar = hostile.declare_size(hostile.xlsx_bomb(24), hostile.SHEET, 2000)
    tracemalloc.start()
    try:
        with pytest.raises(TableRejected):
            read_table(liar, filename="liar.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_a_long_csv_bad_from_row_2_is_refused_without_holding_its_rows():
    import tracemalloc

    from warroom.tables import Limits

    data = b"date,area_code,new_confirmed\n" + b"2020-02-30,420102,5\n" * 100_000
    tracemalloc.start()
    try:
        with pytest.raises(TableRejected) as caught:
            parse_rows(read_table(data, limits=Limits(max_rows=10**6)), COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.stopped and len(caught.value.errors) == 200
    assert peak < 3 * len(data), f"{peak:,} bytes held for a {len(data):,} byte file"
