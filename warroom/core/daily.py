"""The daily cycle: `warroom daily --date D` recomputes everything that depends on a day.

Apps register their steps (``register_step``) with the steps they need first; the runner
orders them, runs each in its own transaction, times and records it (``DailyStepRun``),
and stops at the first failure with a clear message. A step's writes are keyed by the day
and replaced as a whole, so:

- running the cycle twice for a day gives the same state (idempotent steps);
- a crash leaves every step before it committed and the failing one rolled back: a re-run
  skips what is done and resumes at the failed step (``force=True`` recomputes all);
- a step about to be recomputed first marks itself and every step downstream of it stale,
  in one transaction, before anything runs: a forced run killed half-way leaves no later
  step "done" on the previous run's inputs, and the next run recomputes them;
- the previous day's results are never touched.

A figure that several steps read (the people waiting for a bed at the cut-off: the
clearance and the bed balance) is computed once a cycle through its one reader, which
asks :func:`shared`: the first step to read it computes it, the others take that value.

**Two steps at a time** (``WARROOM_CYCLE_WORKERS``, default 2, on PostgreSQL): a step whose
steps before it are done runs as soon as a worker is free, each worker a thread with its
own connection, so that one step's Python runs while another waits on the server (the
forced cycle of the W1 peak: see docs/performance.md). So every step must name every step
whose results it reads (``after``, ``after_if_present``; a summary step that reads them
all is ``last``): a test runs the cycle in two opposite orders and compares every result.
Free workers take first the step with the longest chain of work after it (timed by the
last run of each step). On SQLite (one writer: each step's transaction holds the file's
write lock from its start) and inside a transaction of the caller's (which other
connections cannot see), the steps run one by one, in the same order.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import traceback
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from warroom.core.aside import Aside
from warroom.core.bulk import quiet_gc
from warroom.core.context import SYSTEM, acting, shared_figures, sharing
from warroom.core.errors import WarroomError

StepFn = Callable[..., "str | None"]
T = TypeVar("T")


def shared(
    key: Hashable, compute: Callable[[], T], *, version: Callable[[], Hashable] | None = None
) -> T:
    """``compute()`` once per run of the daily cycle for ``key``: a figure several steps
    read, computed by the first of them and the same value handed to the others (the
    callers must not change it). Outside a cycle (a page, an export, a test), computed at
    each call. ``version()`` (asked only in a cycle) names what the figure depends on that
    may change between two steps (e.g. the highest ids of the histories it reads): a
    change in between makes a new value."""
    memo = shared_figures()  # (the run's store: run_daily_cycle opens it)
    if memo is None:
        return compute()
    full = (key, version() if version is not None else None)
    with _memo_lock:  # (two steps running at once may ask for it together)
        lock = memo.setdefault(("lock", full), threading.Lock())
    with lock:
        if full not in memo:
            memo[full] = compute()
        return memo[full]  # type: ignore[no-any-return]


_memo_lock = threading.Lock()


@dataclass(frozen=True)
class Step:
    name: str
    fn: StepFn
    after: tuple[str, ...] = ()
    label: str = ""
    after_if_present: tuple[str, ...] = ()
    scoped: bool = False  # fn(day, scope=path) recomputes only the subtree at path
    first: bool = False  # runs before every other step (the planner's statistics)
    atomic: bool = True  # False: runs outside a transaction (VACUUM cannot run in one)
    last: bool = False  # runs after every step that is not last (a summary of them all)


_STEPS: dict[str, Step] = {}


def register_step(
    name: str,
    fn: StepFn,
    *,
    after: Iterable[str] = (),
    after_if_present: Iterable[str] = (),
    label: str = "",
    scoped: bool = False,
    first: bool = False,
    atomic: bool = True,
    last: bool = False,
) -> None:
    """Add a step to the daily cycle (call from an AppConfig.ready).

    ``fn(day)`` recomputes the app's results for ``day`` and returns a one-line summary.
    It must be idempotent: replace that day's rows, never append to them. ``after`` names
    steps that must exist and run first; ``after_if_present`` steps run first when their
    app is installed (a summary step reading whatever the other apps produce). A
    ``scoped`` step also takes ``fn(day, scope=path)`` and then writes only the results of
    the areas under ``path`` (work done on behalf of a district officer). A ``first``
    step runs before every other one; a ``last`` step after every step that is not last
    (the briefing, which reads every app's results). A step that is not ``atomic`` runs
    outside the runner's transaction (database maintenance: it writes no results of the
    day), and its record is written after it.

    Steps may run at the same time (see the module docstring): a step reading another's
    results must name it, or it may read them before they are written.
    """
    _STEPS[name] = Step(
        name,
        fn,
        tuple(after),
        label or name,
        tuple(after_if_present),
        scoped=scoped,
        first=first,
        atomic=atomic,
        last=last,
    )


def unregister_step(name: str) -> None:
    _STEPS.pop(name, None)


def _graph() -> dict[str, set[str]]:
    """Each step and the steps that must be done before it."""
    firsts = {s.name for s in _STEPS.values() if s.first}
    middle = {s.name for s in _STEPS.values() if not s.first and not s.last}
    graph = {
        s.name: set(s.after)
        | {d for d in s.after_if_present if d in _STEPS}
        | (set() if s.first else firsts)
        | (middle if s.last else set())
        for s in _STEPS.values()
    }
    missing = {dep for deps in graph.values() for dep in deps if dep not in graph}
    if missing:
        raise WarroomError(f"daily cycle: unknown step(s) required: {', '.join(sorted(missing))}")
    return graph


def ordered_steps(only: Iterable[str] | None = None, *, late: bool = False) -> list[Step]:
    """The steps in an order that keeps every step after those it needs: each as early as
    it can go, or, ``late``, each as late as it can (another valid order: the test that
    the results do not depend on the order compares the two)."""
    graph = _graph()
    if late:  # the order of the reversed graph, reversed
        dependents: dict[str, set[str]] = {name: set() for name in graph}
        for name, deps in graph.items():
            for dep in deps:
                dependents[dep].add(name)
        order = _layers(dependents, reverse=True)[::-1]
    else:
        order = _layers(graph)
    wanted = set(only) if only else None
    return [_STEPS[n] for n in order if wanted is None or n in wanted]


def _layers(graph: dict[str, set[str]], *, reverse: bool = False) -> list[str]:
    """The nodes, layer after layer (each node after the nodes it names), each layer in
    the order the steps were registered (``reverse``: the other way round)."""
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as exc:
        raise WarroomError(
            f"daily cycle: the steps depend on each other in a cycle: {exc.args[1]}"
        ) from None
    rank = {name: i for i, name in enumerate(_STEPS)}
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=rank.__getitem__, reverse=reverse)
        order += ready
        sorter.done(*ready)
    return order


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
    scope: str | None = None,
    workers: int | None = None,
    late: bool = False,
) -> CycleReport:
    """Run the day's steps in dependency order; see the module docstring for guarantees.

    ``scope`` (an area path): work on behalf of a user who is not the city's. Only the
    scoped steps run, each writing only the areas under ``scope``; every step of the day
    is left stale for the city's own cycle, which recomputes them all. Nothing outside
    ``scope`` is written.

    ``workers``: how many steps may run at once (default ``WARROOM_CYCLE_WORKERS``; one
    on SQLite and inside the caller's transaction). ``late``: one by one, each step as
    late as it can go (:func:`ordered_steps`).
    """
    report = CycleReport(day)
    steps = ordered_steps(only, late=late)
    if scope is not None:
        return _run_scoped(day, steps, scope=scope, actor=actor, report=report, on_step=on_step)
    if workers is None:
        workers = settings.WARROOM_CYCLE_WORKERS
    if late or connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1
    with sharing():  # the figures several steps read, computed once in this run
        _run_steps(
            day, steps, actor=actor, force=force, report=report, on_step=on_step, workers=workers
        )
    return report


def _run_steps(
    day: dt.date,
    steps: list[Step],
    *,
    actor: Any,
    force: bool,
    report: CycleReport,
    on_step: Callable[[Step, str], None] | None,
    workers: int = 1,
) -> None:
    from warroom.core.models import DailyStepRun

    with acting(actor, source="daily"):
        _invalidate_downstream(day, steps, force=force)
        done = set(
            DailyStepRun.objects.filter(
                day=day, step__in=[s.name for s in steps], status="done"
            ).values_list("step", flat=True)
        )
        todo: list[Step] = []
        for step in steps:
            if step.name in done and not force:
                report.skipped.append(step.name)
                if on_step:
                    on_step(step, "skipped")
            else:
                todo.append(step)
        if workers > 1 and len(todo) > 1:
            _Pool(day, todo, report=report, on_step=on_step).run(workers)
            return
        for step in todo:
            _run_step(day, step, report=report, on_step=on_step)


def _run_step(
    day: dt.date,
    step: Step,
    *,
    report: CycleReport,
    on_step: Callable[[Step, str], None] | None,
) -> None:
    """Run one step in its transaction and record it; CycleFailed if it fails."""
    if on_step:
        on_step(step, "running")
    started = timezone.now()
    t0 = time.perf_counter()
    try:
        # (quiet_gc: the cyclic collector's full walks of what the process holds
        # cost ~0.1 s each, two a forced cycle at the W1 peak, for no garbage)
        if step.atomic:  # the step's results and its record in one transaction
            with quiet_gc(), transaction.atomic():
                summary = step.fn(day) or ""
                _record(day, step, started, t0, "done", summary=summary)
        else:
            with quiet_gc():
                summary = step.fn(day) or ""
            _record(day, step, started, t0, "done", summary=summary)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        _record(day, step, started, t0, "failed", error=error)
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


class _Pool:
    """The steps to run, taken by ``workers`` threads (this one and ``workers - 1`` more,
    each with its own connection) as soon as the steps before them are done. After a
    failure no step starts; those running finish; the first failure is raised."""

    def __init__(
        self,
        day: dt.date,
        todo: list[Step],
        *,
        report: CycleReport,
        on_step: Callable[[Step, str], None] | None,
    ) -> None:
        self.day, self.report = day, report
        names = {s.name for s in todo}
        graph = _graph()
        self.waiting = {s.name: graph[s.name] & names for s in todo}
        self.steps = {s.name: s for s in todo}
        self.priority = _chain_seconds(graph, names)
        self.order = {s.name: i for i, s in enumerate(todo)}
        self.running = 0
        self.failures: list[BaseException] = []
        self.cond = threading.Condition()
        self.told = threading.Lock()
        self.on_step = on_step

    def run(self, workers: int) -> None:
        # (each helper with the acting user and the cycle's shared figures)
        helpers = [
            Aside(self._work, name=f"cycle-{i}") for i in range(1, min(workers, len(self.steps)))
        ]
        try:
            self._work()
        finally:
            for helper in helpers:
                helper.join()  # (its failures are in self.failures)
        if self.failures:
            raise self.failures[0]

    def _take(self) -> Step | None:
        with self.cond:
            while True:
                if self.failures or not self.waiting:
                    return None
                ready = [n for n, deps in self.waiting.items() if not deps]
                if ready:
                    name = min(ready, key=lambda n: (-self.priority[n], self.order[n]))
                    del self.waiting[name]
                    self.running += 1
                    return self.steps[name]
                if not self.running:  # (cannot happen: the graph has no cycle)
                    self.failures.append(CycleFailed("daily cycle: no step can run"))
                    return None
                self.cond.wait()

    def _work(self) -> None:
        while (step := self._take()) is not None:
            try:
                _run_step(self.day, step, report=self.report, on_step=self._tell)
            except BaseException as exc:  # (raised by run() in the caller's thread)
                with self.cond:
                    self.failures.append(exc)
            finally:
                with self.cond:
                    self.running -= 1
                    for deps in self.waiting.values():
                        deps.discard(step.name)
                    self.cond.notify_all()

    def _tell(self, step: Step, state: str) -> None:
        if self.on_step is not None:
            with self.told:
                self.on_step(step, state)


def _chain_seconds(graph: dict[str, set[str]], names: set[str]) -> dict[str, float]:
    """For each step of ``names``: its seconds and those of the longest chain of steps
    after it, by each step's last recorded run (1 s for a step never run)."""
    from django.db.models import Max

    from warroom.core.models import DailyStepRun

    last = dict(
        DailyStepRun.objects.filter(step__in=names, status="done")
        .values("step")
        .annotate(day=Max("day"))
        .values_list("step", "day")
    )
    own = {n: 1.0 for n in names}
    if last:
        for step, seconds, on in DailyStepRun.objects.filter(
            step__in=list(last), day__in=set(last.values())
        ).values_list("step", "seconds", "day"):
            if last.get(step) == on and seconds is not None:
                own[step] = float(seconds)
    after: dict[str, list[str]] = {n: [] for n in names}
    for name in names:
        for dep in graph[name] & names:
            after[dep].append(name)
    chain: dict[str, float] = {}

    def longest(name: str) -> float:
        if name not in chain:
            chain[name] = own[name] + max((longest(n) for n in after[name]), default=0.0)
        return chain[name]

    for name in names:
        longest(name)
    return chain


def _record(
    day: dt.date,
    step: Step,
    started: Any,
    t0: float,
    status: str,
    *,
    summary: str = "",
    error: str = "",
) -> None:
    """The step's run of the day: done (with its summary) or failed (with the error)."""
    from warroom.core.models import DailyStepRun

    DailyStepRun.objects.update_or_create(
        day=day,
        step=step.name,
        defaults={
            "status": status,
            "started_at": started,
            "seconds": time.perf_counter() - t0,
            "summary": summary[:500],
            "error": error[:2000],
        },
    )


def downstream_of(names: Iterable[str]) -> set[str]:
    """``names`` and every step that needs one of them, directly or not."""
    graph: dict[str, set[str]] = {}
    for s in _STEPS.values():
        for dep in {*s.after, *(d for d in s.after_if_present if d in _STEPS)}:
            graph.setdefault(dep, set()).add(s.name)
    found, todo = set(names), list(names)
    while todo:
        for child in graph.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _invalidate_downstream(day: dt.date, steps: list[Step], *, force: bool) -> None:
    """Before anything runs, mark stale (in one transaction) every step about to be
    recomputed and every step downstream of it, so that a run interrupted half-way (kill
    -9, power cut) can never leave a later step "done" on the inputs of a previous run: the
    next run, forced or not, recomputes it."""
    from warroom.core.models import DailyStepRun

    done = set(
        DailyStepRun.objects.filter(
            day=day, step__in=[s.name for s in steps], status="done"
        ).values_list("step", flat=True)
    )
    rerun = [s.name for s in steps if force or s.name not in done]
    if not rerun:
        return
    with transaction.atomic():
        DailyStepRun.objects.filter(day=day, step__in=downstream_of(rerun), status="done").update(
            status="stale"
        )


def scope_of(actor: Any) -> str | None:
    """The subtree that work on behalf of ``actor`` may recompute: None for the whole city
    (the system, or a user whose jurisdiction is the city), else his area's path."""
    from warroom.core.context import is_system
    from warroom.geo.models import Area

    if actor is None:
        return NO_AREA  # nobody: no work on his behalf
    if is_system(actor) or not getattr(actor, "pk", None):
        return None
    own = getattr(actor, "area_path", "") or ""
    root = Area.objects.filter(depth=0).values_list("path", flat=True).first() or ""
    if not own:
        return NO_AREA
    return None if root.startswith(own) else own


NO_AREA = "/-/"  # the scope of a user without an area: a path no area has


def _run_scoped(
    day: dt.date,
    steps: list[Step],
    *,
    scope: str,
    actor: Any,
    report: CycleReport,
    on_step: Callable[[Step, str], None] | None,
) -> CycleReport:
    from warroom.core.models import DailyStepRun

    with acting(actor, source="daily"):
        with transaction.atomic():  # the city's results of the day no longer hold
            DailyStepRun.objects.filter(
                day=day, step__in=downstream_of([s.name for s in steps]), status="done"
            ).update(status="stale")
        for step in steps:
            if not step.scoped:
                report.skipped.append(step.name)
                if on_step:
                    on_step(step, "skipped")
                continue
            if on_step:
                on_step(step, "running")
            t0 = time.perf_counter()
            try:
                with transaction.atomic():
                    summary = step.fn(day, scope=scope) or ""
            except Exception as exc:
                if on_step:
                    on_step(step, "failed")
                raise CycleFailed(
                    f"daily cycle for {day} (scope {scope}): step '{step.label}' failed: {exc}"
                ) from exc
            report.ran.append((step.name, time.perf_counter() - t0, summary))
            if on_step:
                on_step(step, "done")
    return report


# --- the scheduled run at the cut-off (`warroom daily --watch`) --------------------------


def parse_cutoff(text: str) -> tuple[int, int]:
    """``"HH:MM"`` (00:00-24:00) as (hours, minutes); ValueError names the value."""
    hours, _, minutes = text.partition(":")
    if not (re.fullmatch(r"[0-9]{2}", hours) and re.fullmatch(r"[0-9]{2}", minutes)):
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
