"""`warroom beds ...`: template, import (errors by row), help in Chinese first."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from warroom.cli import app


def test_help_lists_the_beds_commands_chinese_first():
    result = CliRunner().invoke(app, ["beds", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("load-demo", "import", "template", "plan"):
        assert command in result.output
    assert "载入示范设施" in result.output and "床位计划" in result.output


@pytest.mark.django_db
def test_template_then_import_a_bad_and_a_good_file(city, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(app, ["beds", "template", str(out)]).exit_code == 0
    assert [c.value for c in load_workbook(out).active[1]][:3] == ["编码", "名称", "类型"]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编码,名称,类型,所在区划编码,启用日期,方舱床位\nS1,甲,方舱医院,123,2020-02-01,10\n"
    )
    result = CliRunner().invoke(app, ["beds", "import", str(bad)])
    assert result.exit_code == 2 and "row 2" in result.output and "unknown area" in result.output
    good = tmp_path / "good.csv"
    good.write_text(
        "编码,名称,类型,所在区划编码,启用日期,方舱床位\nS1,甲,方舱医院,990101,2020-02-01,10\n",
        encoding="gbk",
    )
    assert "1 created" in CliRunner().invoke(app, ["beds", "import", str(good)]).output
    assert "already imported" in CliRunner().invoke(app, ["beds", "import", str(good)]).output
