"""`warroom certify --date D`: recompute the epidemic-free certification of every unit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def certify(
    date: Annotated[
        str | None, typer.Option("--date", help="日期 YYYY-MM-DD，默认今天 / day (default: today)")
    ] = None,
) -> None:
    """无疫情创建：重新计算认定 / Recompute the epidemic-free certification for a day."""
    from warroom.cli import _django

    _django()
    from django.utils import timezone

    from warroom.communities.services import do_recompute_certification

    try:
        day = dt.date.fromisoformat(date) if date else timezone.localdate()
    except ValueError:
        console.print(f"[red]not a date: {date!r} (use YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    result = do_recompute_certification(day, actor=None)
    if not result.known:
        console.print("[yellow]unknown: no case data[/yellow] (no case facts provider registered)")
    table = Table(title=f"无疫情 / epidemic-free on {day}")
    for column in ("level", "certified", "total", "%"):
        table.add_column(column)
    for level in ("city", "district", "street", "community", "compound"):
        good, total = result.by_level.get(level, (0, 0))
        table.add_row(level, str(good), str(total), f"{100 * good / total:.1f}" if total else "—")
    console.print(table)
