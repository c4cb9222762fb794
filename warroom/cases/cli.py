"""`warroom cases ...` and `warroom clearance`: the line list and the daily clearance from a
terminal. Mounted by :mod:`warroom.cli`; Django is set up on first use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from warroom.core.context import SYSTEM

cases_app = typer.Typer(
    help="病例管理 / Case management: import the line list and lab results, templates.",
    no_args_is_help=True,
)
surveillance_app = typer.Typer(
    help="疫情日报 / Daily reports: import district reports, compute from the line list.",
    no_args_is_help=True,
)

KINDS = ("line-list", "results", "screening")


def _setup() -> Any:
    from warroom.core import cli

    cli.setup()
    return cli


def _import(kind: str, file: Path) -> None:
    if kind == "screening":
        _import_screening(file)
        return
    cli = _setup()
    from warroom.cases.imports import do_import_line_list, do_import_results

    importer = do_import_line_list if kind == "line-list" else do_import_results
    result = cli.run_import(file, lambda table: importer(table, actor=SYSTEM))
    cli.print_imported(
        result,
        f"{result.rows} rows: {result.created} created, "
        f"{result.updated} updated, {result.transitions} status changes",
    )


def _import_screening(file: Path) -> None:
    cli = _setup()
    import time

    from warroom.cases.screening import LIMITS, do_import_screening

    started = time.perf_counter()
    result = cli.run_import(
        file, lambda table: do_import_screening(table, actor=SYSTEM), kind=LIMITS
    )
    seconds = time.perf_counter() - started
    cli.print_imported(
        result,
        f"{result.rows:,} screening results in {seconds:.1f} s "
        f"({result.rows / max(seconds, 1e-9):,.0f} rows/s): {result.positives} positive, "
        f"{result.new_suspected} new suspected, {result.updated} already in case management, "
        f"{result.transitions} status changes",
    )


@cases_app.command(
    "import-screening",
    help="导入全员核酸检测一日结果 / Import a day of mass screening results (up to 2 M rows).",
)
def cases_import_screening(file: Path) -> None:
    _import_screening(file)


@cases_app.command(
    "import",
    help="导入个案清单、检测结果或全员核酸检测结果（CSV/Excel）/ Import the line list, lab "
    "results or mass screening results.",
)
def cases_import(
    file: Path,
    kind: Annotated[
        str,
        typer.Option(
            help="类型 / kind: line-list (个案清单), results (检测结果) or screening (全员核酸)"
        ),
    ] = "line-list",
) -> None:
    if kind not in KINDS:
        raise typer.BadParameter(f"kind must be one of {', '.join(KINDS)}")
    _import(kind, file)


@cases_app.command("template", help="下载导入模板 / Write the Excel template of an import.")
def cases_template(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")] = Path(
        "line-list-template.xlsx"
    ),
    kind: Annotated[
        str, typer.Option(help="类型 / kind: line-list, results or screening")
    ] = "line-list",
) -> None:
    cli = _setup()
    from warroom.cases.imports import LINE_LIST_COLUMNS, RESULT_COLUMNS
    from warroom.cases.screening import SCREENING_COLUMNS
    from warroom.tables import write_template

    if kind not in KINDS:
        raise typer.BadParameter(f"kind must be one of {', '.join(KINDS)}")
    columns = {
        "line-list": LINE_LIST_COLUMNS,
        "results": RESULT_COLUMNS,
        "screening": SCREENING_COLUMNS,
    }[kind]
    write_template(out, columns, sheet=kind)
    cli.console.print(f"template written to {out}")


def _day(value: str | None) -> dt.date:
    from warroom.core.today import today as platform_today

    if not value:
        return platform_today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("the date is YYYY-MM-DD") from None


def clearance(
    date: Annotated[
        str | None, typer.Option("--date", help="日期 / day, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """日清日结：计算各区域四应四尽积压 / Daily clearance: compute every area's backlog."""
    cli = _setup()
    from warroom.cases.clearance import do_compute_clearance

    day = _day(date)
    result = do_compute_clearance(day, actor=SYSTEM)
    cli.console.print(
        f"clearance {day.isoformat()} (cut-off {result.cutoff:%Y-%m-%d %H:%M}): "
        + ", ".join(f"{duty} {n}" for duty, n in result.city_totals.items())
        + f"; {result.rows} area rows stored"
    )


@surveillance_app.command("import", help="导入区级日报 / Import districts' daily reports.")
def surveillance_import(file: Path) -> None:
    cli = _setup()
    from warroom.surveillance.services import do_import_daily_reports

    result = cli.run_import(file, lambda table: do_import_daily_reports(table, actor=SYSTEM))
    cli.print_imported(
        result, f"{result.rows} rows: {result.created} created, {result.updated} updated"
    )


@surveillance_app.command("template", help="下载日报模板 / Write the daily report template.")
def surveillance_template(
    out: Annotated[Path, typer.Argument(help="输出文件 / output file")] = Path(
        "daily-report-template.xlsx"
    ),
) -> None:
    cli = _setup()
    from warroom.surveillance.services import REPORT_COLUMNS
    from warroom.tables import write_template

    write_template(out, REPORT_COLUMNS, sheet="daily")
    cli.console.print(f"template written to {out}")


@surveillance_app.command(
    "compute", help="从个案清单计算日报 / Compute the day's figures from the line list."
)
def surveillance_compute(
    date: Annotated[str | None, typer.Option("--date", help="日期 / YYYY-MM-DD")] = None,
) -> None:
    cli = _setup()
    from warroom.surveillance.services import do_compute_daily_aggregates

    day = _day(date)
    n = do_compute_daily_aggregates(day, actor=SYSTEM)
    cli.console.print(f"line-list figures for {day.isoformat()}: {n} areas")
