"""The demo's outbreak as a job on the queue: the whole city fed day by day, live.

``warroom demo`` prepares the city, facilities and users, queues one ``demo-feed`` job and
serves; the worker beside the web server runs it (``warroom demo --no-serve`` runs it in
its own process, to the end). The job feeds the twin's outbreak through the import
services and the daily cycle users have (:func:`warroom.demo.feed.do_feed_twin`, the
platform's dispatch placing the waiting) and, after each day, makes it the platform's day
(:func:`warroom.core.today.do_set_today`, label ``exercise``, step n of the days): every
page's banner shows "演练：第 23/90 天" and the pages follow the exercise.

**Progress**: after each day the job's row gets ``done/total`` and the day's figures
(rows, rates, the split simulation / ingest / cycle, elapsed, time left, memory): the job
page shows them; the worker's log gets one line per day (a bar on a terminal).

**Resumable**: a worker killed mid-feed leaves its job running under an expired lease;
the next worker claims it again and the job resumes: the days already fed (the job's
``done``) are simulated again without importing anything (the twin is deterministic, and
the dispatcher returns the placements the platform made on those days), then feeding goes
on from the first day not finished — whose imports are idempotent and whose daily cycle
resumes at its first step not done.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, TextIO

from django.utils.translation import gettext_noop

from warroom.core.context import SYSTEM
from warroom.core.jobs import JobContext, job
from warroom.core.progress import StepProgress, current_rss_bytes, peak_rss_bytes

log = logging.getLogger(__name__)

FEED_JOB = "demo-feed"
EXERCISE = "exercise"  # the platform day's label while the demo feeds (the banner's key)

# Where the feed's progress goes: the worker's stdout, one line a day (None); the CLI
# running the job in its own process (`warroom demo --no-serve`) sets its own stream, a
# bar on a terminal. A process runs one feed at a time, so a module setting suffices.
_progress_out: list[tuple[TextIO, bool | None]] = []


@job(FEED_JOB, max_attempts=5)
def feed_job(
    ctx: JobContext,
    *,
    scenario: str = "wuhan-2020",
    scale: float = 1.0,
    days: int | None = None,
    line_lists: bool = True,
    dispatch: bool = True,
) -> dict[str, Any]:
    from warroom.core.context import progress_untold
    from warroom.core.models import Job
    from warroom.core.today import do_set_today
    from warroom.demo.feed import DayFed, do_feed_twin
    from warroom.twin.scenario import load_scenario

    actor = ctx.created_by
    total = days or load_scenario(scenario).days
    resume = Job.objects.filter(pk=ctx.job_id).values_list("done", flat=True).first() or 0
    dispatcher = None
    if dispatch and line_lists:
        from warroom.demo.dispatch import platform_dispatcher

        dispatcher = platform_dispatcher(actor)
    out, bar = _progress_out[-1] if _progress_out else (sys.stdout, False)
    with StepProgress(total, label=f"demo {scenario} ×{scale:g}", out=out, bar=bar) as bar_:
        if resume:
            bar_.note(f"[demo] resuming after day {resume}/{total}: replaying the days fed")
        n = 0

        def on_open(day: dt.date) -> None:
            # The exercise's today is the day being fed: its files are not "in the future".
            do_set_today(day, actor=SYSTEM, label=EXERCISE, step=n + 1, steps=total)

        def on_day(fed: DayFed) -> None:
            nonlocal n
            n += 1
            if fed.replayed:
                bar_.step(f"{fed.date} (replayed)", advance=1)
                return
            do_set_today(fed.date, actor=SYSTEM, label=EXERCISE, step=n, steps=total)
            _seed_plan(fed.date, actor)
            seconds = sum(fed.seconds.values())
            text = bar_.step(
                str(fed.date),
                rows=fed.rows,
                seconds=seconds,
                parts={k: round(v, 2) for k, v in fed.seconds.items()},
            )
            log.info("%s", text)
            ctx.progress(
                n,
                total,
                gettext_noop("Feeding the exercise day by day"),
                detail={
                    "day": fed.date.isoformat(),
                    "rows": fed.rows,
                    "seconds": round(seconds, 2),
                    "rate": round(fed.rows / seconds) if seconds > 0 else 0,
                    "parts": {k: round(v, 2) for k, v in fed.seconds.items()},
                    "people": fed.people,
                    "elapsed": round(bar_.elapsed()),
                    "left": round(bar_.left() or 0),
                    "rss_gb": round(current_rss_bytes() / 2**30, 2),
                },
            )

        # The day is the unit of progress here: the day's imports tell none of their own.
        with progress_untold():
            report = do_feed_twin(
                scenario,
                actor=actor,
                scale=scale,
                days=days,
                line_lists=line_lists,
                dispatcher=dispatcher,
                on_day=on_day,
                on_open=on_open,
                fed_before=resume,
            )
    return {
        "days": report.days,
        "first_day": report.first_day,
        "last_day": report.last_day,
        "people": report.people,
        "line_rows": report.line_rows,
        "samples": report.samples,
        "results": report.results,
        "admissions": report.admissions,
        "seconds": {k: round(v, 1) for k, v in report.seconds.items()},
        "peak_rss_gb": round(peak_rss_bytes() / 2**30, 2),
    }


def _seed_plan(day: dt.date, actor: Any) -> None:
    """Headquarters records the campaign of a phase the day's cycle declared (the seed's
    plan for it, :mod:`warroom.demo.supervision`); a refusal is logged, never the feed's end."""
    from warroom.core.errors import WarroomError
    from warroom.demo.supervision import seed_phase_plan

    try:
        plan = seed_phase_plan(day, actor=actor)
    except WarroomError as exc:
        log.warning("[demo] no phase plan on %s: %s", day, exc.message)
        return
    if plan is not None:
        log.info(
            "[demo] %s: the plan of the %s phase (since %s)", day, plan.phase, plan.phase_start
        )


def enqueue_feed(
    *,
    actor: Any,
    scale: float,
    days: int | None,
    line_lists: bool = True,
    dispatch: bool = True,
    scenario: str = "wuhan-2020",
) -> Any:
    """Queue the demo's feed, unless the same feed is queued, running or done already
    (``make demo`` run again serves what it fed, or lets the worker resume it)."""
    from warroom.core.models import Job

    args: dict[str, Any] = {
        "scenario": scenario,
        "scale": scale,
        "days": days,
        "line_lists": line_lists,
        "dispatch": dispatch,
    }
    existing = (
        Job.objects.filter(
            name=FEED_JOB,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.DONE],
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None and existing.args == args:
        return existing
    return feed_job.enqueue(
        actor=actor,
        label=f"demo {scenario} scale {scale:g}",
        total=days or 0,
        **args,
    )


def run_here(found: Any, *, out: TextIO, bar: bool | None) -> Any:
    """Run the feed job ``found`` in this process (``warroom demo --no-serve``): claimed
    like any worker would (the same lease, progress and resumption)."""
    from warroom.core.jobs import claim, run, worker_name
    from warroom.core.models import Job

    _progress_out.append((out, bar))
    try:
        while True:
            found.refresh_from_db()
            if found.status in (Job.Status.DONE, Job.Status.FAILED):
                return found
            claimed = claim(worker_name())
            if claimed is None:  # another worker holds it: wait for it to finish
                import time

                time.sleep(2)
                continue
            run(claimed)
    finally:
        _progress_out.pop()
