"""`warroom supervision ...`: escalation, flag tasks, signals and the reconciliation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from warroom.core.cli import console

app = typer.Typer(
    help="督导问责 / Supervision: escalation, data integrity, rates, signals.",
    no_args_is_help=True,
)
flags_app = typer.Typer(
    help="数据质量标记 / Data-quality flags: list them, open their tasks.", no_args_is_help=True
)
app.add_typer(flags_app, name="flags")


def _day(value: str | None) -> dt.date:
    from warroom.core.cli import fail
    from warroom.core.today import today

    if not value:
        return today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--date: {value!r} is not a date YYYY-MM-DD") from None


@app.command("escalate", help="逾期升级 / Escalate overdue tasks once (cron it hourly).")
def escalate() -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.supervision.escalation import do_escalate_overdue

    done = do_escalate_overdue(actor=SYSTEM)
    console.print(f"{len(done)} overdue tasks escalated")


@flags_app.command("open", help="核查任务 / Open a task for every open quality flag.")
def flags_open(date: str = typer.Option(None, "--date", help="YYYY-MM-DD")) -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.supervision.integrity import do_open_flag_tasks

    console.print(f"{do_open_flag_tasks(_day(date), actor=SYSTEM)} quality flags became tasks")


def _area(code: str | None) -> Any:
    from warroom.core.cli import fail
    from warroom.core.context import SYSTEM
    from warroom.core.errors import NotFound
    from warroom.geo import selectors as geo
    from warroom.geo.models import Area

    if not code:
        city = Area.objects.filter(depth=0).order_by("code").first()
        if city is None:
            raise fail("no city loaded")
        return city
    try:
        return geo.get_area(SYSTEM, code)
    except NotFound:
        raise fail(f"--area: no area {code!r}") from None


@flags_app.command("list", help="列出标记 / List data-quality flags and their tasks.")
def flags_list(
    status: str = typer.Option(
        "pending", "--status", help="open, acknowledged, resolved, pending (not resolved), all"
    ),
    area: str = typer.Option(None, "--area", help="area code (default: the whole city)"),
    severity: str = typer.Option("", "--severity", help="error or warning"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
) -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.context import SYSTEM
    from warroom.surveillance.selectors import quality_flags

    qs = quality_flags(SYSTEM, status="" if status == "all" else status, area=_area(area))
    if severity:
        qs = qs.filter(severity=severity)
    total = qs.count()
    table = Table(title=f"数据质量标记 / quality flags ({min(total, limit)} of {total})")
    # On a narrow terminal rich cut the status to "resolv…" and could split "113 open":
    # the id, day, area, status and task never wrap; the rule, severity and message fold
    # (nothing is cut, the table keeps the terminal's width).
    for column in ("id", "day", "area", "rule", "severity", "status", "task", "message"):
        keep = column in ("id", "day", "area", "status", "task")
        table.add_column(column, no_wrap=keep, overflow="ellipsis" if keep else "fold")
    for flag in qs.select_related("supervision_task__task")[:limit]:
        link = getattr(flag, "supervision_task", None) if _has_task(flag) else None
        task = f"{link.task_id} {link.task.status}" if link is not None else "—"
        table.add_row(
            str(flag.pk),
            flag.day.isoformat(),
            f"{flag.area.code} {flag.area.name_zh}",
            flag.rule,
            flag.severity,
            flag.status,
            task,
            flag.message[:80],
        )
    console.print(table)


def _has_task(flag: Any) -> bool:
    from warroom.supervision.models import FlagTask

    try:
        return flag.supervision_task is not None
    except FlagTask.DoesNotExist:
        return False


@app.command("rates", help="三个数量比率 / The rates of an area on a day, trend and target.")
def rates(
    area: str = typer.Option(None, "--area", help="city or district code (default: the city)"),
    date: str = typer.Option(None, "--date", help="YYYY-MM-DD (default: the latest computed)"),
    compute: bool = typer.Option(False, "--compute", help="count the day's rates first"),
) -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from django.db.models import Max

    from warroom.core.context import SYSTEM
    from warroom.supervision.models import RateDay
    from warroom.supervision.selectors import rates_panel
    from warroom.supervision.services import do_compute_rates

    place = _area(area)
    if compute:
        do_compute_rates(_day(date), actor=SYSTEM)
    day = (
        _day(date)
        if date
        else RateDay.objects.filter(area=place).aggregate(last=Max("day"))["last"] or _day(None)
    )
    panel = rates_panel(SYSTEM, place, day)
    if not panel["metrics"]:
        console.print(f"no rates counted for {place.code} by {day} (run with --compute)")
        return
    table = Table(title=f"比率 / rates: {place.name_zh} ({place.code}) {day}")
    for column in ("rate", "value", "numerator / denominator", "7-day change", "target", "met"):
        table.add_column(column)

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1%}"

    for m in panel["metrics"]:
        table.add_row(
            m["metric"],
            pct(m["value"]),
            f"{m['numerator']} / {m['denominator']}",
            "—" if m["trend"] is None else f"{m['trend'] * 100:+.1f} pt",
            pct(m["target"]),
            {True: "yes", False: "no", None: "—"}[m["meets"]],
        )
    console.print(table)


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
