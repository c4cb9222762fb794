"""`warroom beds ...`: facilities, beds and the capacity plan from a terminal.

Django is set up on first use, so `warroom --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

console = Console()
err = Console(stderr=True)

app = typer.Typer(
    help="床位 / Beds: facilities, capacity history, occupancy, the capacity plan.",
    no_args_is_help=True,
)


def _django() -> None:
    from warroom.cli import _django as setup
    from warroom.cli import _migrate

    setup()
    _migrate()


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _print(result: object) -> None:
    if getattr(result, "already_imported", False):
        console.print("[yellow]already imported[/yellow]: nothing added")
        return
    console.print(
        f"[green]imported[/green] {result.rows} rows: {result.created} created, "  # type: ignore[attr-defined]
        f"{result.updated} updated, {result.changes} capacity changes"  # type: ignore[attr-defined]
    )


@app.command("load-demo", help="载入示范设施（武汉）/ Load the demo facilities (Wuhan, 2020).")
def load_demo() -> None:
    _django()
    from warroom.beds.imports import do_load_demo_facilities
    from warroom.core.errors import WarroomError

    try:
        _print(do_load_demo_facilities())
    except WarroomError as exc:
        raise _fail(exc.message) from None


@app.command(
    "import",
    help="从CSV/Excel导入设施与床位或床位占用 / Import facilities and beds (or occupancy reports).",
)
def import_file(
    file: Path,
    reports: Annotated[
        bool,
        typer.Option("--reports", help="文件为床位占用日报 / the file holds occupancy reports"),
    ] = False,
) -> None:
    _django()
    from warroom.beds.imports import do_import_bed_reports, do_import_facilities
    from warroom.core.errors import WarroomError
    from warroom.core.uploads import read_upload
    from warroom.tables import TableRejected

    try:
        table = read_upload(file)
        run = do_import_bed_reports if reports else do_import_facilities
        _print(run(table, actor=None))
    except TableRejected as exc:
        raise _fail(exc.report()) from None
    except WarroomError as exc:
        raise _fail(exc.message) from None
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc}") from None


@app.command("template", help="下载导入模板 / Write the Excel template (Chinese headers).")
def template(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")] = Path(
        "beds-facilities-template.xlsx"
    ),
    reports: Annotated[
        bool, typer.Option("--reports", help="床位占用日报模板 / the occupancy report template")
    ] = False,
) -> None:
    _django()
    from warroom.beds.imports import FACILITY_COLUMNS, REPORT_COLUMNS
    from warroom.tables import write_template

    write_template(out, REPORT_COLUMNS if reports else FACILITY_COLUMNS, sheet="beds")
    console.print(f"template written to {out}")


@app.command("plan", help="30天床位计划 / The 30-day capacity plan from a day.")
def plan(
    date: Annotated[str, typer.Option("--date", help="起始日期 YYYY-MM-DD / first day")],
    confirmed: Annotated[
        int | None,
        typer.Option(help="假设每日新增确诊（无预测时）/ assumed new confirmed per day"),
    ] = None,
    quarantined: Annotated[
        int, typer.Option(help="假设每日新增隔离 / assumed new people to quarantine per day")
    ] = 0,
    target: Annotated[
        float | None, typer.Option(help="占用率目标 / occupancy target, e.g. 0.85")
    ] = None,
) -> None:
    _django()
    from warroom.beds.demand import constant_assumption
    from warroom.beds.models import BED_TYPE_ORDER
    from warroom.beds.planning import capacity_plan
    from warroom.beds.selectors import check_day
    from warroom.core.errors import WarroomError

    try:
        day = check_day(dt.date.fromisoformat(date))
    except ValueError:
        raise _fail(f"--date {date!r} is not a date (YYYY-MM-DD)") from None
    except WarroomError as exc:
        raise _fail(exc.message) from None
    assumption = constant_assumption(confirmed, quarantined, 30) if confirmed is not None else None
    try:
        result = capacity_plan(None, day, assumption=assumption, target=target)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if result is None:
        raise _fail(
            "no case data: no case forecast is connected; "
            "give --confirmed N to plan on an assumption"
        )
    table = RichTable(
        title=f"床位计划 / capacity plan from {day} ({result.source}, target {result.target:.0%})"
    )
    table.add_column("window")
    for t in BED_TYPE_ORDER:
        table.add_column(t, justify="right")
    table.add_column("total", justify="right")
    for w in result.windows:
        table.add_row(
            f"{w.start:%m-%d}–{w.end:%m-%d}",
            *[f"{w.open_beds[t]:,}" for t in BED_TYPE_ORDER],
            f"{w.total:,}",
        )
    console.print(table)
    wait = result.beds_wait_day_scheduled
    console.print(
        f"beds to open: {result.total_to_open:,}; under the current schedule beds wait for "
        f"patients from: {wait.isoformat() if wait else 'not within 30 days'}"
    )
