"""`warroom certify --date D`: recompute the epidemic-free certification of every unit;
`warroom communities import|template`: the inspection sheets in bulk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from warroom.core.context import SYSTEM

console = Console()
communities_app = typer.Typer(
    help="小区管理 / Communities: import the day's inspection sheets, their template.",
    no_args_is_help=True,
)


def certify(
    date: Annotated[
        str | None, typer.Option("--date", help="日期 YYYY-MM-DD，默认今天 / day (default: today)")
    ] = None,
) -> None:
    """无疫情创建：重新计算认定 / Recompute the epidemic-free certification for a day."""
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.communities.services import do_recompute_certification
    from warroom.core.today import today as platform_today

    try:
        day = dt.date.fromisoformat(date) if date else platform_today()
    except ValueError:
        console.print(f"[red]not a date: {date!r} (use YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    result = do_recompute_certification(day, actor=SYSTEM)
    if not result.known:
        console.print("[yellow]unknown: no case data[/yellow] (no case facts provider registered)")
    table = Table(title=f"无疫情 / epidemic-free on {day}")
    for column in ("level", "certified", "total", "%"):
        table.add_column(column)
    for level in ("city", "district", "street", "community", "compound"):
        good, total = result.by_level.get(level, (0, 0))
        table.add_row(level, str(good), str(total), f"{100 * good / total:.1f}" if total else "—")
    console.print(table)


def _setup() -> Any:
    from warroom.core import cli

    cli.setup()
    return cli


@communities_app.command(
    "import", help="导入检查记录（CSV/Excel）/ Import a file of inspections (六个到位, 四严)."
)
def communities_import(
    file: Path,
    as_user: Annotated[
        str,
        typer.Option("--as", help="检查人用户名 / the inspector's username (who inspected)"),
    ],
) -> None:
    cli = _setup()
    from warroom.accounts.models import User
    from warroom.communities.imports import do_import_inspections

    actor = User.objects.filter(username=as_user, is_active=True).first()
    if actor is None:
        raise cli.fail(f"no active user {as_user!r}")
    result = cli.run_import(file, lambda table: do_import_inspections(table, actor=actor))
    cli.print_imported(
        result,
        f"{result.rows} rows: {result.inspections} inspections, "
        f"{result.tasks} rectification tasks opened",
    )


@communities_app.command(
    "template", help="下载检查记录导入模板 / Write the Excel template of the inspection import."
)
def communities_template(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")] = Path(
        "inspections-template.xlsx"
    ),
) -> None:
    cli = _setup()
    from warroom.communities.imports import INSPECTION_COLUMNS
    from warroom.tables import write_template

    write_template(out, INSPECTION_COLUMNS, sheet="inspections")
    cli.console.print(f"template written to {out}")
