"""Exports write user text as text, never as a formula (issue 14, finding 8).

OWASP "CSV Injection": a cell beginning with = + - @ (or tab, CR) is run by a spreadsheet.
Every export goes through ``warroom.exports``; an architecture test finds any that does not.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from warroom.core.context import SYSTEM
from warroom.exports import EXCEL_CELL_LIMIT, TRUNCATED, csv_cell, csv_writer, workbook

EVIL = '=HYPERLINK("http://evil.example","点击")'
HOSTILE = [EVIL, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cells_that_look_like_formulas_are_prefixed(text):
    buf = io.StringIO()
    csv_writer(buf).writerow([text, 7])
    [row] = list(csv.reader(io.StringIO(buf.getvalue())))
    assert row == ["'" + text, "7"]


def test_csv_numbers_and_plain_text_are_untouched():
    assert [csv_cell(v) for v in ["-12", "+3.5", "1e-3", "张三", "2020-02-01", -4]] == [
        "-12",
        "+3.5",
        "1e-3",
        "张三",
        "2020-02-01",
        -4,
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_excel_cells_are_text_never_formulas(text):
    book = workbook()
    sheet = book.sheet("data")
    sheet.append(["name", "n"])
    sheet.append([text, 3])
    buf = io.BytesIO()
    book.save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))["data"]
    cell = ws.cell(2, 1)
    assert (cell.value, cell.data_type) == (text, "s")
    assert cell.quotePrefix  # editing the cell in Excel does not make it a formula either
    assert ws.cell(2, 2).value == 3


def test_control_characters_do_not_break_an_excel_export():
    book = workbook()
    book.sheet("data").append(["受\x00害\x1b人\x07", "ok\tstill\nhere"])
    buf = io.BytesIO()
    book.save(buf)  # openpyxl refuses NUL: the helper strips it
    ws = load_workbook(io.BytesIO(buf.getvalue()))["data"]
    assert ws.cell(1, 1).value == "受害人" and ws.cell(1, 2).value == "ok\tstill\nhere"


def test_excel_cells_are_cut_at_excels_limit_and_say_so_csv_keeps_everything():
    fits, long, astral = "甲" * EXCEL_CELL_LIMIT, "乙" * (EXCEL_CELL_LIMIT + 5), "😷" * 20_000
    book = workbook()
    book.sheet("data").append([fits, long, astral])
    buf = io.BytesIO()
    book.save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))["data"]
    assert ws.cell(1, 1).value == fits  # exactly at the limit: whole, no marker
    cut = ws.cell(1, 2).value
    assert len(cut) == EXCEL_CELL_LIMIT and cut.endswith(TRUNCATED) and cut.startswith("乙")
    masks = ws.cell(1, 3).value  # counted as Excel counts: UTF-16 units, no half emoji
    assert masks.endswith(TRUNCATED) and len(masks.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT
    assert set(masks.removesuffix(TRUNCATED)) == {"😷"}
    out = io.StringIO()
    csv_writer(out).writerow([long])
    assert out.getvalue().strip() == long


@pytest.mark.django_db
def test_the_clearance_export_writes_a_hostile_name_as_text(cases_world, city, officer, client):
    from django.utils import timezone

    from warroom.cases import services
    from warroom.cases.clearance import do_compute_clearance
    from warroom.cases.models import Person

    evil = services.do_register_person(
        name="x", home=city["990101001001001"], actor=officer, category="suspected"
    )
    # Stored by an older version (PostgreSQL refuses NUL in text; ESC breaks openpyxl alike).
    Person.objects.filter(pk=evil.pk).update(name=EVIL + "\x1b")
    day = timezone.localdate()
    do_compute_clearance(day, actor=SYSTEM)
    client.force_login(officer)
    export = client.get(f"/cases/clearance/990101001001001/export.xlsx?date={day}")
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.content))["people"]
    cells = [row[1] for row in ws.iter_rows(min_row=2)]
    hostile = [c for c in cells if str(c.value).startswith("=HYPERLINK")]
    assert hostile and all(c.data_type == "s" for c in hostile)
    assert {c.value for c in hostile} == {f"{EVIL} #{evil.pk}"}


# --- the architecture test: every export path goes through warroom.exports ---------------

ROOT = Path(__file__).resolve().parents[1] / "warroom"
HELPER = ROOT / "exports.py"


def _export_paths_not_using_the_helper(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            names = {a.name for a in node.names}
            if names & {"Workbook", "cell", "Cell"}:
                found.append(f"{path.name}:{node.lineno} imports {names} from {node.module}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xlsxwriter"):
            found.append(f"{path.name}:{node.lineno} imports xlsxwriter")
        if isinstance(node, ast.Import) and any(a.name == "xlsxwriter" for a in node.names):
            found.append(f"{path.name}:{node.lineno} imports xlsxwriter")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"writer", "DictWriter"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"{path.name}:{node.lineno} csv.{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr == "create_sheet":
            found.append(f"{path.name}:{node.lineno} .{node.attr} of a workbook")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "cell"
            and any(k.arg == "value" for k in node.keywords)
        ):
            found.append(f"{path.name}:{node.lineno} writes a cell's value directly")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "value":
                    found.append(f"{path.name}:{node.lineno} assigns a cell's value")
    return found


def test_every_export_writes_through_the_one_helper():
    offenders = [
        problem
        for path in sorted(ROOT.rglob("*.py"))
        if path != HELPER and "migrations" not in path.parts
        for problem in _export_paths_not_using_the_helper(path)
    ]
    assert not offenders, "exports must go through warroom.exports:\n" + "\n".join(offenders)


def test_the_architecture_test_finds_a_direct_writer(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import csv\nfrom openpyxl import Workbook\n"
        "def f(buf, ws):\n    csv.writer(buf).writerow(['=1'])\n    ws.cell(1, 1, value='=1')\n"
    )
    assert len(_export_paths_not_using_the_helper(bad)) == 3
