"""The `warroom` command lists everything, in Chinese and English."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import SMALL_CITY_CSV
from warroom.cli import app


def test_help_lists_the_commands_in_both_languages():
    result = subprocess.run(
        [sys.executable, "-m", "warroom.cli", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "createuser", "areas", "token", "audit", "migrate"):
        assert command in result.stdout
    assert "演示" in result.stdout and "The demo" in result.stdout


@pytest.mark.django_db
def test_areas_import_reports_a_bad_file_and_imports_a_good_one(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL_CITY_CSV.replace("990101,9901,district", "990101,7777,district"))
    result = CliRunner().invoke(app, ["areas", "import", str(bad)])
    assert result.exit_code == 2
    assert "row 3" in result.output and "unknown parent" in result.output
    good = tmp_path / "good.csv"
    good.write_text(SMALL_CITY_CSV, encoding="gbk")
    assert CliRunner().invoke(app, ["areas", "import", str(good)]).exit_code == 0
    again = CliRunner().invoke(app, ["areas", "import", str(good)])
    assert "already imported" in again.output


@pytest.mark.django_db
def test_the_template_has_the_chinese_headers(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(app, ["areas", "template", str(out)]).exit_code == 0
    header = [c.value for c in load_workbook(out).active[1]]
    assert header[:4] == ["编码", "上级编码", "层级", "中文名称"]
