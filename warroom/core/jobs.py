"""The durable job queue: long work (large imports, the series import's daily cycles,
briefing exports) runs in worker processes, never in a thread of the web process.

Jobs are rows of :class:`~warroom.core.models.Job` in the platform's database, so the
embedded SQLite default needs nothing more and PostgreSQL production can run workers on
other machines. The API follows Django's tasks framework (``@job`` then ``.enqueue()``)
but the backend is this module's, because a queue for this platform must survive a worker
killed mid-job (django-tasks' database backend leaves such a task "running" forever:
django-tasks issue #46).

- **Claiming** (:func:`claim`): the database decides. A worker picks a candidate
  (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never queue
  behind one row) and takes it with a conditional UPDATE that only succeeds while the job
  is still queued, or running under an expired lease. The winner writes a fresh
  ``lease_token``; every later write of the job (progress, heartbeat, finish) is
  conditional on that token, so a worker that lost its lease changes nothing.
- **Leases and heartbeats**: a claimed job is leased for ``WARROOM_JOB_LEASE_SECONDS``;
  the worker's heartbeat thread extends the lease while the job runs. A worker killed
  (kill -9, a crashed machine) stops renewing; once the lease is past, the next worker
  claims the job again.
- **Retries**: an unexpected exception puts the job back in the queue with a backoff, up
  to ``max_attempts`` claims (a claim by a dead worker counts); a refusal the user must
  fix (:class:`~warroom.core.errors.WarroomError`, a refused file) fails at once.
- **Exactly once in effect**: a job may run more than once (its worker died), so each
  job's work is transactional and idempotent: an import writes its rows and its
  ``ImportBatch`` in one transaction (a retry finds the batch and adds nothing), the
  daily cycle is idempotent per day.
- **Progress**: a job function receives a :class:`JobContext`; ``ctx.progress(done,
  total, message)`` updates the row the job page (``/jobs/<id>/``) polls.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from warroom.core.context import SYSTEM, acting
from warroom.core.errors import NotFound, WarroomError
from warroom.core.models import Job
from warroom.core.words import Worded, recognise, say, stored_text

log = logging.getLogger(__name__)

JobFunction = Callable[..., Any]
_REGISTRY: dict[str, JobFunction] = {}
_ON_FAILURE: dict[str, Callable[..., None]] = {}


def lease_seconds() -> int:
    return int(getattr(settings, "WARROOM_JOB_LEASE_SECONDS", 60))


@dataclass
class JobContext:
    """What a running job sees: its row's id, its arguments, and a way to report progress."""

    job_id: int
    token: str
    payload: bytes | None
    created_by: Any

    def progress(
        self,
        done: int,
        total: int | None = None,
        message: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record progress (and extend the lease): the job page shows ``done/total``.

        ``detail`` (JSON: the figures of the last step, e.g. rows and rates) is kept in the
        job's ``result`` while it runs, for its page; the job's return value replaces it.
        """
        values: dict[str, Any] = {"done": done, "lease_until": _lease_end()}
        if total is not None:
            values["total"] = total
        if message:
            values["message"] = message[:500]
        if detail is not None:
            values["result"] = _result_of(detail)
        Job.objects.filter(pk=self.job_id, lease_token=self.token).update(**values)


@dataclass(frozen=True)
class JobFile:
    """What a job returns when it makes a file: kept with the job, downloaded from its page."""

    data: bytes
    filename: str
    content_type: str


class RegisteredJob:
    """A function registered under a name, enqueued with :meth:`enqueue`."""

    def __init__(self, name: str, fn: JobFunction, *, max_attempts: int) -> None:
        self.name, self.fn, self.max_attempts = name, fn, max_attempts

    def enqueue(
        self,
        *,
        actor: Any,
        label: str = "",
        area_path: str | None = None,
        payload: bytes | None = None,
        total: int = 0,
        **args: Any,
    ) -> Job:
        """Queue the work (visible to workers when the caller's transaction commits).

        ``area_path`` is the jurisdiction the job belongs to (default: the actor's): the
        job page is visible to its starter and to users whose area contains it.
        """
        return Job.objects.create(
            name=self.name,
            label=label[:255],
            args=args,
            payload=payload,
            max_attempts=self.max_attempts,
            run_after=timezone.now(),
            total=total,
            area_path=area_path if area_path is not None else _area_of(actor),
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def job(
    name: str,
    *,
    max_attempts: int = 3,
    on_failure: Callable[..., None] | None = None,
) -> Callable[[JobFunction], RegisteredJob]:
    """Register ``fn(ctx: JobContext, **args)`` as the job ``name``.

    ``on_failure(error, **args)`` runs when the job fails for good (e.g. to mark the
    domain record the job was working on).
    """

    def register(fn: JobFunction) -> RegisteredJob:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"job {name!r} is registered twice")
        _REGISTRY[name] = fn
        if on_failure is not None:
            _ON_FAILURE[name] = on_failure
        return RegisteredJob(name, fn, max_attempts=max_attempts)

    return register


def _area_of(actor: Any) -> str:
    return str(getattr(actor, "area_path", "") or "")


def _lease_end() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=lease_seconds())


# --- the worker ------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    queued = Q(status=Job.Status.QUEUED, run_after__lte=now)
    abandoned = Q(status=Job.Status.RUNNING, lease_until__lt=now)
    return queued | abandoned


def claim(worker: str) -> Job | None:
    """Take the next job for ``worker``, or None. Safe with any number of workers."""
    now = timezone.now()
    for _ in range(20):  # another worker may win a candidate: try the next
        with transaction.atomic():
            candidates = Job.objects.filter(_claimable(now)).order_by("run_after", "pk")
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            pk = candidates.values_list("pk", flat=True).first()
            if pk is None:
                return None
            token = uuid.uuid4().hex
            won = Job.objects.filter(_claimable(now), pk=pk).update(
                status=Job.Status.RUNNING,
                lease_token=token,
                lease_until=_lease_end(),
                worker=worker[:100],
                attempts=F("attempts") + 1,
                started_at=now,
            )
        if won:
            return Job.objects.get(pk=pk)
    return None


def _finish(job: Job, **values: Any) -> bool:
    values.setdefault("finished_at", timezone.now())
    return bool(
        Job.objects.filter(
            pk=job.pk, lease_token=job.lease_token, status=Job.Status.RUNNING
        ).update(**values)
    )


def _result_of(value: Any) -> Any:
    """A job's return value as JSON: a dataclass's fields, or the value if plain."""
    import dataclasses
    import json

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


class _Heartbeat:
    """Extends the lease of a running job from a thread of the worker process."""

    def __init__(self, job: Job) -> None:
        self.job, self.stop = job, threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job.pk}-lease", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        every = max(lease_seconds() / 3, 0.2)
        try:
            while not self.stop.wait(every):
                try:
                    Job.objects.filter(pk=self.job.pk, lease_token=self.job.lease_token).update(
                        lease_until=_lease_end()
                    )
                except OperationalError as exc:  # the database is busy (SQLite's writer)
                    # expected while the job's own long transaction holds SQLite's write
                    # lock: one line, no traceback (a demo's log is read by people)
                    log.warning("job %s: lease not extended (%s); next beat", self.job.pk, exc)
                except Exception:
                    log.warning("job %s: heartbeat failed", self.job.pk, exc_info=True)
        finally:
            connection.close()


# The errors the queue itself gives a job (stored as words: warroom.core.words).
UNKNOWN_JOB = gettext_noop("unknown job %(name)s")
STOPPED = gettext_noop("its worker stopped before finishing, too many times")


def _as_stored(message: Any) -> tuple[str, dict[str, Any] | None]:
    """A message as a record keeps it: its text and its words — the platform's message, or
    a text rendered before (a service's refusal) recognised where it is a known sentence,
    else None (the text as it is)."""
    if isinstance(message, Worded):
        return stored_text(message), message.as_json()
    text = str(message)
    found = recognise(text)
    return text, found.as_json() if found is not None else None


def _error(message: Any) -> dict[str, Any]:
    """A job's error and its words (:func:`_as_stored`)."""
    text, words = _as_stored(message)
    return {"error": text, "error_words": words}


def row_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """A refused file's row errors as a job stores them (and the API answers them): row,
    column, value and reason as written, and the reason's words where the platform wrote
    a known sentence (``reason_words``, else None: the page translates the pure modules'
    stable English reasons by their patterns). Each distinct text is recognised once."""
    known: dict[str, tuple[str, dict[str, Any] | None]] = {}

    def stored(reason: Any) -> tuple[str, dict[str, Any] | None]:
        if isinstance(reason, Worded):
            return _as_stored(reason)
        text = str(reason)
        if text not in known:
            known[text] = _as_stored(text)
        return known[text]

    out = []
    for e in errors:
        text, words = stored(e.reason)
        out.append(
            {
                "row": e.row,
                "column": e.column,
                "value": e.value,
                "reason": text,
                "reason_words": words,
            }
        )
    return out


def run(job: Job) -> Job:
    """Run a claimed job to its end: done, failed, or queued again for a retry."""
    from warroom.tables import TableRejected

    fn = _REGISTRY.get(job.name)
    if fn is None:
        _discover()
        fn = _REGISTRY.get(job.name)
    if fn is None:
        _finish(job, status=Job.Status.FAILED, **_error(say(UNKNOWN_JOB, name=job.name)))
        return Job.objects.get(pk=job.pk)
    if job.attempts > job.max_attempts:
        _finish(
            job,
            status=Job.Status.FAILED,
            **(
                {"error": job.error, "error_words": job.error_words}
                if job.error
                else _error(say(STOPPED))
            ),
        )
        return Job.objects.get(pk=job.pk)
    # A job queued by nobody in particular (the CLI, the daily schedule) runs as the system.
    ctx = JobContext(job.pk, job.lease_token, job.payload, job.created_by or SYSTEM)
    try:
        with _Heartbeat(job), acting(ctx.created_by, source="job"):
            value = fn(ctx, **job.args)
    except TableRejected as exc:
        _finish(
            job,
            status=Job.Status.FAILED,
            error=exc.report(),
            error_words=None,
            result={"rejected": {"total": exc.total, "errors": row_errors(exc.errors)}},
        )
    except WarroomError as exc:
        _finish(job, status=Job.Status.FAILED, **_error(exc.message))
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        log.exception("job %s (%s) failed", job.pk, job.name)
        if job.attempts < job.max_attempts:
            backoff = dt.timedelta(seconds=min(300, 5 * 2 ** (job.attempts - 1)))
            _finish(
                job,
                status=Job.Status.QUEUED,
                error=error,
                error_words=None,
                run_after=timezone.now() + backoff,
                finished_at=None,
                lease_until=None,
            )
        else:
            _finish(job, status=Job.Status.FAILED, error=error, error_words=None)
    else:
        if isinstance(value, JobFile):
            result = {"filename": value.filename, "content_type": value.content_type}
            _finish(
                job,
                status=Job.Status.DONE,
                result=result,
                output=value.data,
                error="",
                error_words=None,
            )
        else:
            _finish(
                job, status=Job.Status.DONE, result=_result_of(value), error="", error_words=None
            )
    return Job.objects.get(pk=job.pk)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(
    *,
    burst: bool = False,
    poll: float = 1.0,
    stop: threading.Event | None = None,
    on_job: Callable[[Job], None] | None = None,
) -> int:
    """The worker loop: claim and run jobs until ``stop`` (or, with ``burst``, until the
    queue is empty). Returns the number of jobs run."""
    _discover()
    stop = stop or threading.Event()
    name, count = worker_name(), 0
    while not stop.is_set():
        if not connection.in_atomic_block:  # (a test runs the loop inside its transaction)
            close_old_connections()  # a long-lived worker drops a broken connection
        try:
            claimed = claim(name)
        except DatabaseError:  # the database is away (restarting): wait, then try again
            log.warning("worker %s: cannot claim", name, exc_info=True)
            if burst:
                raise
            close_old_connections()
            stop.wait(poll)
            continue
        if claimed is None:
            if burst:
                break
            stop.wait(poll)
            continue
        finished = run(claimed)
        count += 1
        if on_job is not None:
            on_job(finished)
    return count


_DISCOVERED = False


def _discover() -> None:
    """Import every app's ``jobs`` module, so its ``@job`` functions are registered."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
    _DISCOVERED = True


# --- reading jobs ----------------------------------------------------------------------------


def job_for(user: Any, job_id: int) -> Job:
    """The job ``user`` may see (he started it, or it lies in his area), or NotFound."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotFound("Job not found.")
    visible = Job.objects.restrict(user, "view") | Job.objects.filter(created_by_id=user.pk)
    found = visible.filter(pk=job_id).select_related("created_by").first()
    if found is None:
        raise NotFound("Job not found.")
    return found


# --- imports on the queue --------------------------------------------------------------------

_IMPORTER = re.compile(r"^warroom\.[a-z_.]+\.do_(import|load)_[a-z_]+$")


@job("import-file")
def _run_import(ctx: JobContext, *, importer: str, filename: str, limits: str = "") -> Any:
    from warroom.core.context import reporting
    from warroom.core.uploads import import_slot, read_upload

    if not _IMPORTER.match(importer):
        raise WarroomError(f"not an importer: {importer}")
    fn = import_string(importer)
    ctx.progress(0, 1, gettext_noop("Reading the file"))
    # The same limits and the same per-user slot as an import made in a request.
    with import_slot(ctx.created_by):
        table = read_upload(bytes(ctx.payload or b""), filename=filename, kind=limits)
        ctx.progress(0, 1, gettext_noop("Importing"))
        # An importer that reports its rows (warroom.core.context.report_rows) moves the
        # job's done/total as it goes; its last report (the rows imported) stays.
        told: list[int] = []

        def tell(done: int, total: int | None, message: str) -> None:
            told[:] = [done]
            _progress_aside(ctx, done, total, message)

        with reporting(tell):
            result = fn(table, actor=ctx.created_by)
    rows = told[0] if told else 0
    ctx.progress(rows or 1, rows or 1, gettext_noop("Imported"))
    return result


def _progress_aside(ctx: JobContext, done: int, total: int | None, message: str) -> None:
    """``ctx.progress`` from inside an import's transaction: written on a connection of its
    own (a thread's), so the job page sees it before the import commits and the import's
    transaction never locks the job row its heartbeat renews. SQLite has one writer, held
    by the import: there the figures go to the log only (the row moves at the end)."""
    if not connection.in_atomic_block:
        ctx.progress(done, total, message)
        return
    if connection.vendor != "postgresql":
        return

    def write() -> None:
        try:
            ctx.progress(done, total, message)
        except Exception:  # progress is a courtesy: never fail the import for it
            log.warning("job %s: progress not recorded", ctx.job_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=write, name=f"job-{ctx.job_id}-progress", daemon=True)
    thread.start()
    thread.join(timeout=10)


def import_in_worker(size: int) -> bool:
    """Whether an uploaded file of ``size`` bytes is imported on the queue, not in the
    request (``WARROOM_IMPORT_QUEUE_BYTES``)."""
    return size > int(getattr(settings, "WARROOM_IMPORT_QUEUE_BYTES", 2_000_000))


def enqueue_import(
    importer: JobFunction, data: Any, filename: str, *, actor: Any, limits: str = ""
) -> Job:
    """Queue the import of a file: ``importer(read_upload(data), actor=actor)`` in a worker.

    ``data`` is the file's bytes or an uploaded file (refused unread above the import
    size limit, :class:`warroom.tables.LimitExceeded`). ``importer`` is an app's import
    function (e.g. ``do_import_line_list``); the file is kept in the job row (so a worker
    on another machine can read it). ``limits``: the kind of file whose own limits apply
    (:func:`warroom.core.uploads.import_limits`), default the common ones. The import is
    transactional and idempotent
    (``warroom.core.imports``), so a job retried after its worker died writes nothing
    twice. The job page is ``jobs:detail``.
    """
    from warroom.core.uploads import read_bounded

    data = read_bounded(data, kind=limits)
    path = f"{importer.__module__}.{importer.__qualname__}"
    if not _IMPORTER.match(path):
        raise ValueError(f"not an importer: {path}")
    args: dict[str, Any] = {"importer": path, "filename": filename[:255]}
    if limits:  # the job's arguments name the kind only when it has limits of its own
        args["limits"] = limits
    return _run_import.enqueue(actor=actor, label=f"import {filename}", payload=data, **args)
