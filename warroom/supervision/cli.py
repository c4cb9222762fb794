"""`warroom supervision ...`: escalation, flag tasks, signals and the reconciliation."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from warroom.core.cli import console

app = typer.Typer(
    help="督导问责 / Supervision: escalation, data integrity, signals.", no_args_is_help=True
)


def _day(value: str | None) -> dt.date:
    from warroom.core.cli import fail
    from warroom.core.today import today

    if not value:
        return today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--date: {value!r} is not a date YYYY-MM-DD")
        raise


@app.command("escalate", help="逾期升级 / Escalate overdue tasks once (cron it hourly).")
def escalate() -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.supervision.escalation import do_escalate_overdue

    done = do_escalate_overdue(actor=SYSTEM)
    console.print(f"{len(done)} overdue tasks escalated")


@app.command("flags", help="数据核查 / Open a task for every open quality flag.")
def flags(date: str = typer.Option(None, "--date", help="YYYY-MM-DD")) -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.supervision.integrity import do_open_flag_tasks

    console.print(f"{do_open_flag_tasks(_day(date), actor=SYSTEM)} quality flags became tasks")


@app.command("signals", help="风险信号 / Raise the day's signals.")
def signals(date: str = typer.Option(None, "--date", help="YYYY-MM-DD")) -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.supervision.signals import do_raise_signals

    console.print(f"{do_raise_signals(_day(date), actor=SYSTEM)} signals")


@app.command("reconcile", help="数据核对 / Cross-match the line list with the other sources.")
def reconcile(date: str = typer.Option(None, "--date", help="YYYY-MM-DD")) -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.supervision.integrity import reconcile_sources

    table = Table(title="数据核对 / reconciliation")
    for column in (
        "district",
        "cases (line list)",
        "cases (reported)",
        "lab +, not confirmed",
        "treated, not confirmed",
        "deaths (line list)",
        "deaths (reported)",
        "registered deaths missing",
    ):
        table.add_column(column)
    for r in reconcile_sources(SYSTEM, _day(date)):
        table.add_row(
            r.area.name_zh,
            str(r.line_list_cases),
            "—" if r.reported_cases is None else str(r.reported_cases),
            str(len(r.lab_positive_not_confirmed)),
            str(len(r.treated_not_confirmed)),
            str(r.line_list_deaths),
            "—" if r.reported_deaths is None else str(r.reported_deaths),
            str(r.missing_deaths),
        )
    console.print(table)
