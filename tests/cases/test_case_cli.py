"""`warroom cases ...`, `warroom clearance`, `warroom surveillance ...`."""

from __future__ import annotations

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.conftest import resident_id
from warroom.cases.models import ClearanceRun, Person
from warroom.cli import app

pytestmark = pytest.mark.django_db


def test_templates_have_chinese_headers(tmp_path):
    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(app, ["cases", "template", str(out)]).exit_code == 0
    assert [c.value for c in load_workbook(out).active[1]][:3] == ["姓名", "证件类型", "证件号码"]
    res = tmp_path / "r.xlsx"
    result = CliRunner().invoke(app, ["cases", "template", str(res), "--kind", "results"])
    assert result.exit_code == 0
    assert [c.value for c in load_workbook(res).active[1]][:2] == ["证件类型", "证件号码"]
    daily = tmp_path / "d.xlsx"
    assert CliRunner().invoke(app, ["surveillance", "template", str(daily)]).exit_code == 0
    assert [c.value for c in load_workbook(daily).active[1]][:3] == ["日期", "区划编码", "新增确诊"]


def test_import_reports_bad_rows_then_imports_and_clearance_runs(city, tmp_path):
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"姓名,住址小区编码,类别,报告时间\n张三,nowhere,确诊,{now}\n", encoding="gbk")
    result = CliRunner().invoke(app, ["cases", "import", str(bad)])
    assert result.exit_code == 2 and "row 2" in result.output
    good = tmp_path / "good.csv"
    good.write_text(
        f"姓名,证件号码,住址小区编码,类别,报告时间\n张三,{resident_id(1)},990101001001001,确诊,{now}\n",
        encoding="gbk",
    )
    assert CliRunner().invoke(app, ["cases", "import", str(good)]).exit_code == 0
    assert Person.objects.get().status == "confirmed"
    assert "already imported" in CliRunner().invoke(app, ["cases", "import", str(good)]).output
    day = timezone.localdate().isoformat()
    result = CliRunner().invoke(app, ["clearance", "--date", day])
    assert result.exit_code == 0 and "admit 1" in result.output
    assert ClearanceRun.objects.get().date.isoformat() == day
