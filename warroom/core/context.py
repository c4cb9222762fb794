"""Who is acting, from where: the context every audit entry is written with.

The web middleware opens it per request (:func:`for_request`); the CLI, the daily cycle
and the twin's feeder open it with :func:`acting` around their work. Services say who
acts with the same :func:`acting`: inside a request it nests, so the entries they write
keep the request's source, address and request id. Services read the context through
:func:`current` and never take it from a global request.

The platform itself acts as :data:`SYSTEM`, never as ``None``: an actor that is ``None``
is nobody and may do nothing (``restrict(None)`` is empty).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final


class SystemActor:
    """The platform acting on its own: the daily cycle, the CLI without ``--as``, the feed.

    It may do everything, in the whole city; it is written to the audit log as "system".
    There is one, :data:`SYSTEM`; test it with ``actor is SYSTEM`` or :func:`is_system`.
    """

    pk: None = None
    username: Final = "system"
    is_authenticated: Final = True
    is_active: Final = True
    area_path: Final = ""  # the whole city: scoping checks is_system() first

    def can(self, capability: str) -> bool:
        return True

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()


def is_system(actor: object) -> bool:
    return actor is SYSTEM


@dataclass
class ActingContext:
    source: str = "system"  # web, api, cli, system, twin, daily
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor: Any = None  # a User or SYSTEM; None: resolved from the request
    request: Any = None  # the HttpRequest, resolved lazily (API auth runs after middleware)

    def resolve_actor(self) -> Any:
        if self.actor is not None:
            return self.actor
        request = self.request
        if request is None:
            return None
        auth = getattr(request, "auth", None)
        if auth is not None and getattr(auth, "is_authenticated", False):
            return auth
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


_context: ContextVar[ActingContext | None] = ContextVar("warroom_acting", default=None)


def current() -> ActingContext:
    ctx = _context.get()
    return ctx if ctx is not None else ActingContext()


@contextmanager
def acting(
    actor: Any = None, *, source: str = "cli", ip: str | None = None
) -> Iterator[ActingContext]:
    """Run a block as ``actor`` (a User or :data:`SYSTEM`): the one acting context.

    Outside any context (the CLI, a background job, a test) it opens one with ``source``
    and ``ip``. Inside one (a request, or an outer ``acting``) it nests: the source, the
    address and the request id stay the outer context's, whatever ``source`` says. A
    user actor is who acts within the block; ``SYSTEM`` or ``None`` only fills in when
    the outer context resolves nobody (a user's request that makes the system compute
    something is still that user's).
    """
    outer = _context.get()
    if outer is None:
        ctx = ActingContext(source=source, ip=ip, actor=actor)
    elif actor is None or (is_system(actor) and outer.resolve_actor() is not None):
        ctx = outer
    else:
        ctx = dataclasses.replace(outer, actor=actor)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


@contextmanager
def for_request(request: Any, *, source: str, ip: str | None) -> Iterator[ActingContext]:
    """The request's own context (the middleware's door; nothing else opens one)."""
    ctx = ActingContext(source=source, ip=ip, request=request)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


# --- progress of long work inside a service ------------------------------------------------
# An importer reports its rows (warroom.core.progress.RowProgress calls report_rows); whoever
# runs it listens: the job worker moves the job's done/total (warroom.core.jobs).

ProgressSink = Callable[[int, "int | None", str], None]
_progress_sink: ContextVar[tuple[ProgressSink, bool] | None] = ContextVar(
    "warroom_progress", default=None
)


@contextmanager
def reporting(sink: ProgressSink, *, drawn: bool = False) -> Iterator[None]:
    """Send the rows reported by :func:`report_rows` in this block to ``sink(done, total,
    message)``. ``drawn``: the sink shows them (a bar on a terminal), so the importer's log
    line is not printed as well (:func:`progress_drawn`)."""
    token = _progress_sink.set((sink, drawn))
    try:
        yield
    finally:
        _progress_sink.reset(token)


def _ignore(done: int, total: int | None, message: str) -> None:
    return None


@contextmanager
def progress_untold() -> Iterator[None]:
    """An import run inside another (a screening file's positives through the line list):
    its rows are the outer import's, so its progress is neither reported nor logged."""
    with reporting(_ignore, drawn=True):
        yield


def report_rows(done: int, total: int | None, message: str) -> None:
    """Tell whoever listens (:func:`reporting`) that ``done`` of ``total`` rows are done."""
    listening = _progress_sink.get()
    if listening is not None:
        listening[0](done, total, message)


def progress_drawn() -> bool:
    """Whether the listener draws the progress itself (then no log line is printed)."""
    listening = _progress_sink.get()
    return listening is not None and listening[1]


# --- figures shared by the steps of one run of the daily cycle --------------------------------
# warroom.core.daily.run_daily_cycle opens the store (:func:`sharing`); its ``shared`` reads
# and fills it. None outside a run.

_shared_figures: ContextVar[dict[Any, Any] | None] = ContextVar("warroom_shared", default=None)


@contextmanager
def sharing() -> Iterator[dict[Any, Any]]:
    """A store of figures for the block (one run of the daily cycle)."""
    token = _shared_figures.set({})
    try:
        yield _shared_figures.get()  # type: ignore[misc]
    finally:
        _shared_figures.reset(token)


def shared_figures() -> dict[Any, Any] | None:
    """The store opened by :func:`sharing` around this code, None outside one."""
    return _shared_figures.get()
