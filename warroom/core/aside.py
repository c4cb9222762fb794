"""Work run beside the caller: a thread of its own, with its own database connection and the
caller's context (the acting user, the progress listener, the daily cycle's shared figures).

Used by the daily cycle's workers (:mod:`warroom.core.daily`) and the demo feed's imports
that do not depend on each other (:mod:`warroom.demo.feed`). Each thread closes its
connections when its work ends, done or failed; :meth:`Aside.join` waits for it and raises
what it raised. (The job queue's lease and progress threads, :mod:`warroom.core.jobs`,
still start and close their own: they are to come through here too.)

Only where the database takes two writers at once: :func:`two_writers` says so (PostgreSQL,
outside a transaction of the caller — a thread's work is never part of it). Elsewhere
:func:`beside` runs the work at once in the caller's thread: SQLite has one writer, and a
second would only wait for the first (or fail with "database is locked").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import copy_context
from typing import Generic, TypeVar

from django.db import connection, connections

T = TypeVar("T")


class Aside(Generic[T]):
    """``fn()`` in a thread of its own, started at once."""

    def __init__(self, fn: Callable[[], T], *, name: str = "aside") -> None:
        self._fn = fn
        self._result: T | None = None
        self._error: BaseException | None = None
        context = copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._run,), name=name)
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._fn()
        except BaseException as exc:  # (raised again by join, in the caller's thread)
            self._error = exc
        finally:
            connections.close_all()  # this thread's own connections

    def join(self) -> T:
        """Wait for the work; its result, or the exception it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]


class _Done(Generic[T]):
    """Work already done in the caller's thread (:func:`beside` where it cannot go aside)."""

    def __init__(self, result: T) -> None:
        self._result = result

    def join(self) -> T:
        return self._result


def two_writers() -> bool:
    """Whether work aside may write while the caller writes (see the module docstring)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def beside(fn: Callable[[], T], *, name: str = "aside") -> Aside[T] | _Done[T]:
    """``fn`` beside the caller where the database takes two writers, else done now."""
    if two_writers():
        return Aside(fn, name=name)
    return _Done(fn())
