"""`warroom brief` (the day's briefing as a file) and `warroom import-series` (an analyst's
published series, then the daily cycle for each of its days)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from warroom.core.cli import console, fail
from warroom.core.context import SYSTEM


class BriefFormat(StrEnum):
    pdf = "pdf"
    docx = "docx"
    html = "html"


def brief(
    date: Annotated[str, typer.Option("--date", help="日期 YYYY-MM-DD / the day")],
    format: Annotated[
        BriefFormat, typer.Option("--format", help="pdf | docx | html")
    ] = BriefFormat.pdf,
    area: Annotated[
        str | None,
        typer.Option("--area", help="区划编码，默认全市 / area code (default: the city)"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="输出文件 / output file (default: stdout)")
    ] = None,
) -> None:
    """每日动态通报 / The day's briefing (archived by the daily cycle) as PDF, Word or HTML."""
    from warroom.core.cli import django_setup

    django_setup()
    from warroom.core.errors import WarroomError
    from warroom.geo.models import Area
    from warroom.situation.models import Briefing
    from warroom.situation.services import export_briefing

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise fail(f"--date {date!r} is not a date (YYYY-MM-DD)") from None
    place = (
        Area.objects.filter(code=area).first()
        if area
        else Area.objects.filter(depth=0).order_by("code").first()
    )
    if place is None:
        raise fail(f"--area {area!r}: no such area" if area else "no area loaded yet")
    found = Briefing.objects.filter(area=place, day=day).first()
    if found is None:
        raise fail(
            f"no briefing of {place.code} for {day}: run the daily cycle first "
            f"(warroom daily --date {day})",
            1,
        )
    try:
        body = export_briefing(found, format.value)
    except WarroomError as exc:
        raise fail(exc.message, 1) from None
    if out is None:
        typer.echo(body.decode("utf-8") if format is BriefFormat.html else body, nl=False)
        return
    out.write_bytes(body)
    console.print(f"[green]{out}[/green]: {place.name_zh} {day} ({len(body):,} bytes)")


def import_series(
    file: Annotated[Path, typer.Argument(help="CSV 或 Excel / a CSV or Excel file", exists=True)],
) -> None:
    """导入公开日报序列并逐日运行每日循环 / Import a published daily series, then run the
    daily cycle for each of its days (phases, Rt, forecast, briefing)."""
    from warroom.core.cli import progress as _progress
    from warroom.core.cli import setup

    setup()
    from warroom.core.errors import WarroomError
    from warroom.core.uploads import read_upload
    from warroom.situation.models import ImportStatus
    from warroom.situation.services import do_import_series, run_series_import
    from warroom.tables import TableRejected

    try:
        job = do_import_series(read_upload(file), actor=SYSTEM)
    except TableRejected as exc:
        raise fail(f"{file}: {exc.report()}") from None
    except WarroomError as exc:
        raise fail(f"{file}: {exc.message}") from None
    if job.status != ImportStatus.QUEUED:
        console.print(f"already imported (job {job.pk}: {job.get_status_display()})")
        return
    with _progress() as progress:
        task = progress.add_task(f"{file.name}", total=len(job.days))

        def on_day(day: dt.date) -> None:
            progress.update(task, description=f"{file.name} · {day}")
            progress.advance(task)

        job = run_series_import(job.pk, on_day=on_day)
    if job.status == ImportStatus.FAILED:
        raise fail(job.message, 1)
    console.print(
        f"[green]{len(job.days)} days analysed[/green] for {job.area.name_zh} ({job.area.code}); "
        f"briefings: warroom brief --date {job.days[-1]} --format html"
    )
