"""The daily cycle: `warroom daily --date D` recomputes everything that depends on a day.

Apps register their steps (``register_step``) with the steps they need first; the runner
orders them, runs each in its own transaction, times and records it (``DailyStepRun``),
and stops at the first failure with a clear message. A step's writes are keyed by the day
and replaced as a whole, so:

- running the cycle twice for a day gives the same state (idempotent steps);
- a crash leaves every step before it committed and the failing one rolled back: a re-run
  skips what is done and resumes at the failed step (``force=True`` recomputes all);
- the previous day's results are never touched.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from django.db import transaction
from django.utils import timezone

from warroom.core.context import SYSTEM, acting
from warroom.core.errors import WarroomError

StepFn = Callable[[dt.date], "str | None"]


@dataclass(frozen=True)
class Step:
    name: str
    fn: StepFn
    after: tuple[str, ...] = ()
    label: str = ""
    after_if_present: tuple[str, ...] = ()


_STEPS: dict[str, Step] = {}


def register_step(
    name: str,
    fn: StepFn,
    *,
    after: Iterable[str] = (),
    after_if_present: Iterable[str] = (),
    label: str = "",
) -> None:
    """Add a step to the daily cycle (call from an AppConfig.ready).

    ``fn(day)`` recomputes the app's results for ``day`` and returns a one-line summary.
    It must be idempotent: replace that day's rows, never append to them. ``after`` names
    steps that must exist and run first; ``after_if_present`` steps run first when their
    app is installed (a summary step reading whatever the other apps produce).
    """
    _STEPS[name] = Step(name, fn, tuple(after), label or name, tuple(after_if_present))


def unregister_step(name: str) -> None:
    _STEPS.pop(name, None)


def ordered_steps(only: Iterable[str] | None = None) -> list[Step]:
    graph = {
        s.name: set(s.after) | {d for d in s.after_if_present if d in _STEPS}
        for s in _STEPS.values()
    }
    missing = {dep for deps in graph.values() for dep in deps if dep not in graph}
    if missing:
        raise WarroomError(f"daily cycle: unknown step(s) required: {', '.join(sorted(missing))}")
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise WarroomError(
            f"daily cycle: the steps depend on each other in a cycle: {exc.args[1]}"
        ) from None
    wanted = set(only) if only else None
    return [_STEPS[n] for n in order if wanted is None or n in wanted]


class CycleFailed(WarroomError):
    code = "daily_cycle_failed"
    status = 500


@dataclass
class CycleReport:
    day: dt.date
    ran: list[tuple[str, float, str]] = field(default_factory=list)  # name, seconds, summary
    skipped: list[str] = field(default_factory=list)


def run_daily_cycle(
    day: dt.date,
    *,
    actor: Any = SYSTEM,
    force: bool = False,
    only: Iterable[str] | None = None,
    on_step: Callable[[Step, str], None] | None = None,
) -> CycleReport:
    """Run the day's steps in dependency order; see the module docstring for guarantees."""
    from warroom.core.models import DailyStepRun

    report = CycleReport(day)
    with acting(actor, source="daily"):
        for step in ordered_steps(only):
            done = DailyStepRun.objects.filter(day=day, step=step.name, status="done").first()
            if done is not None and not force:
                report.skipped.append(step.name)
                if on_step:
                    on_step(step, "skipped")
                continue
            if on_step:
                on_step(step, "running")
            started = timezone.now()
            t0 = time.perf_counter()
            try:
                with transaction.atomic():
                    summary = step.fn(day) or ""
                    DailyStepRun.objects.update_or_create(
                        day=day,
                        step=step.name,
                        defaults={
                            "status": "done",
                            "started_at": started,
                            "seconds": time.perf_counter() - t0,
                            "summary": summary[:500],
                            "error": "",
                        },
                    )
            except Exception as exc:
                DailyStepRun.objects.update_or_create(
                    day=day,
                    step=step.name,
                    defaults={
                        "status": "failed",
                        "started_at": started,
                        "seconds": time.perf_counter() - t0,
                        "summary": "",
                        "error": "".join(traceback.format_exception_only(exc)).strip()[:2000],
                    },
                )
                if on_step:
                    on_step(step, "failed")
                raise CycleFailed(
                    f"daily cycle for {day}: step '{step.label}' failed: {exc}. The steps "
                    "before it are saved; fix the cause and run the cycle again to resume."
                ) from exc
            seconds = time.perf_counter() - t0
            report.ran.append((step.name, seconds, summary))
            if on_step:
                on_step(step, "done")
    return report


# --- the scheduled run at the cut-off (`warroom daily --watch`) --------------------------


def parse_cutoff(text: str) -> tuple[int, int]:
    """``"HH:MM"`` (00:00-24:00) as (hours, minutes); ValueError names the value."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(hours) == len(minutes) == 2):
        raise ValueError(f"cut-off {text!r} is not a time HH:MM")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"cut-off {text!r} is not a time between 00:00 and 24:00")
    return h, m


def next_scheduled_run(now: dt.datetime, cutoff: str) -> tuple[dt.datetime, dt.date]:
    """When the cycle next runs after ``now`` (aware, local), and for which day.

    The cycle of day D runs at D's cut-off: at 24:00 that is midnight, the first moment
    of D+1 (the day just ended is computed); at 20:00 it is 20:00 on D itself.
    """
    h, m = parse_cutoff(cutoff)
    local = timezone.localtime(now)
    day = local.date()
    while True:
        at = timezone.make_aware(
            dt.datetime.combine(day, dt.time(0)) + dt.timedelta(hours=h, minutes=m)
        )
        if at > local:
            return at, day
        day += dt.timedelta(days=1)


def watch(
    run: Callable[[dt.date], None],
    *,
    cutoff: str,
    now: Callable[[], dt.datetime] = timezone.now,
    sleep: Callable[[float], None] = time.sleep,
    runs: int | None = None,
) -> None:
    """Run ``run(day)`` at every day's cut-off, for ever (or ``runs`` times).

    A failing cycle is reported by ``run`` itself and does not stop the schedule: the next
    day's run (or a manual ``warroom daily --date D``) resumes it.
    """
    done = 0
    while runs is None or done < runs:
        at, day = next_scheduled_run(now(), cutoff)
        while (wait := (at - now()).total_seconds()) > 0:
            sleep(min(wait, 60.0))
        run(day)
        done += 1
