"""``tables.parse_columns`` answers exactly what ``parse_rows`` answers: the same values,
the same blank rows skipped, the same refusals in the same order, the same stop."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.tables import (
    Column,
    Limits,
    Table,
    TableRejected,
    bounded,
    count,
    date,
    parse_columns,
    parse_rows,
)

COLUMNS = (
    Column("n", "数量", count),
    Column("code", "编码", bounded(3), required=False),
    Column("day", "日期", date, required=False),
)

TEXTS = st.sampled_from(
    ["", " ", "1", "2", "-3", "x", "abcd", "ab", "2020-02-01", "2020-13-01", "7\x07", "1.0"]
)
CELLS = st.one_of(
    TEXTS, st.none(), st.integers(-2, 3), st.just(2.5), st.just(True), st.just(dt.date(2020, 2, 3))
)


def _answer(parse, table):
    try:
        return "ok", parse(table)
    except TableRejected as exc:
        return "refused", ([(e.row, e.column, e.value, e.reason) for e in exc.errors], exc.stopped)


def _as_rows(result):
    rownums, values = result
    return [
        {"_row": r, **{k: values[k][i] for k in values if values[k][i] is not None}}
        for i, r in enumerate(rownums)
    ]


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(st.one_of(TEXTS, CELLS), min_size=0, max_size=5), max_size=12),
    text_only=st.booleans(),
    clean=st.booleans(),
    max_errors=st.integers(1, 6),
)
def test_parse_columns_answers_what_parse_rows_answers(rows, text_only, clean, max_errors):
    if text_only:
        rows = [[c if isinstance(c, str) else "" if c is None else str(c) for c in r] for r in rows]
    if clean:
        rows = [[c.replace("\x07", "") if isinstance(c, str) else c for c in r] for r in rows]
    table = Table(
        ["n", "code", "day", "extra"],
        rows,
        "0" * 64,
        "utf-8",
        limits=Limits(max_errors=max_errors),
        no_control_characters=clean,
    )
    by_rows = _answer(lambda t: parse_rows(t, COLUMNS), table)
    by_columns = _answer(lambda t: parse_columns(t, COLUMNS), table)
    assert by_rows[0] == by_columns[0]
    if by_rows[0] == "ok":
        want = [{k: v for k, v in r.items() if v is not None} for r in by_rows[1]]
        assert _as_rows(by_columns[1]) == want
    else:
        assert by_columns[1] == by_rows[1]
