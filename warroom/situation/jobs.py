"""The situation app's work on the job queue (``warroom.core.jobs``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from warroom.core.errors import WarroomError
from warroom.core.jobs import JobContext, JobFile, job


def _give_up(error: str, *, series_import: int) -> None:
    from warroom.situation.services import mark_series_import_failed

    mark_series_import_failed(series_import, error)


@job("situation.series-import", on_failure=_give_up)
def series_import(ctx: JobContext, *, series_import: int) -> dict[str, Any]:
    """Run the daily cycle over an imported series' days (defect 7: was a web thread)."""
    from warroom.situation.models import ImportStatus
    from warroom.situation.services import run_series_import

    def progress(done: int, total: int) -> None:
        ctx.progress(done, total, gettext_noop("Running the daily cycle"))

    record = run_series_import(series_import, resume=True, on_progress=progress)
    if record.status == ImportStatus.FAILED:
        raise WarroomError(record.message)
    return {"days": record.days_done}


@job("situation.briefing-export")
def briefing_export(ctx: JobContext, *, briefing: int, fmt: str) -> JobFile:
    """A briefing rendered as a file (PDF through headless Chromium takes seconds)."""
    from warroom.situation.models import Briefing
    from warroom.situation.services import EXPORT_TYPES, export_briefing

    found = Briefing.objects.select_related("area").get(pk=briefing)
    ctx.progress(0, 1, gettext_noop("Rendering the briefing"))
    body = export_briefing(found, fmt)
    return JobFile(
        body, f"briefing-{found.area.code}-{found.day.isoformat()}.{fmt}", EXPORT_TYPES[fmt]
    )
