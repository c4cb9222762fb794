"""`warroom zones levels|coverage|census`: risk levels, closure coverage, the business census."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from warroom.core.cli import django_setup, fail
from warroom.core.context import SYSTEM

console = Console()
app = typer.Typer(
    help="分区分级 / Zones and levels: risk levels, closure coverage, businesses.",
    no_args_is_help=True,
)


def _day(date: str | None) -> dt.date:
    from warroom.core.today import today

    try:
        return dt.date.fromisoformat(date) if date else today()
    except ValueError:
        raise fail(f"not a date: {date!r} (use YYYY-MM-DD)") from None


DateOption = Annotated[
    str | None, typer.Option("--date", help="日期 YYYY-MM-DD，默认今天 / day (default: today)")
]


@app.command("levels")
def levels(date: DateOption = None) -> None:
    """计算各区、街道风险等级 / Grade every district and street for a day."""
    django_setup()
    from warroom.economy.services import do_compute_risk_levels

    result = do_compute_risk_levels(_day(date), actor=SYSTEM)
    console.print(result.summary())
    if result.rose:
        console.print(f"rose: {', '.join(result.rose)}")


@app.command("coverage")
def coverage(
    area: Annotated[str, typer.Option("--area", help="区域编码 / area code")] = "",
    date: DateOption = None,
) -> None:
    """封闭管理覆盖率 / Closure coverage of an area and its subdivisions."""
    django_setup()
    from warroom.communities.coverage import coverage as cov
    from warroom.geo.models import Area

    root = (
        Area.objects.filter(code=area).first() if area else Area.objects.filter(parent=None).first()
    )
    if root is None:
        raise fail(f"no area {area!r}")
    data = cov(root, _day(date))
    table = Table("area", "closed", "compounds", "share")
    for r in data["children"]:
        share = "—" if r["share"] is None else f"{r['share']:.1%}"
        table.add_row(r["area"].name_zh, str(r["closed"]), str(r["total"]), share)
    console.print(table)
    total = "—" if data["share"] is None else f"{data['share']:.1%}"
    console.print(f"{root.name_zh}: {data['closed']} / {data['total']} ({total})")


@app.command("census")
def census(
    file: Annotated[Path, typer.Argument(help="businesses.csv (street_code, sectors…)")],
) -> None:
    """导入市场主体普查 / Import businesses per street and sector (the twin's businesses.csv)."""
    django_setup()
    from warroom.core.errors import WarroomError
    from warroom.economy.services import do_import_census

    try:
        rows = list(csv.DictReader(io.StringIO(file.read_text(encoding="utf-8-sig"))))
        n = do_import_census(rows, actor=SYSTEM)
    except (OSError, ValueError, WarroomError) as exc:
        raise fail(str(exc)) from None
    console.print(f"census: {n} (street, category) counts")


@app.command("closures")
def closures(
    file: Annotated[Path, typer.Argument(help="CSV/Excel: area_code, status, date, note")],
) -> None:
    """批量导入小区封闭状态 / Import compounds' closure statuses (all or nothing)."""
    django_setup()
    from warroom.communities.imports import do_import_closures
    from warroom.core import cli

    result = cli.run_import(file, lambda table: do_import_closures(table, actor=SYSTEM))
    if result.duplicate:
        console.print("already imported: nothing added")
    else:
        console.print(f"closure statuses: {result.created}")
