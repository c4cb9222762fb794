"""Who is acting, from where: the context every audit entry is written with.

The web middleware sets it per request; the CLI, the daily cycle and the twin's feeder
set it with :func:`acting` around their work. Services read it through
:func:`current` and never take it from a global request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ActingContext:
    source: str = "system"  # web, api, cli, system, twin
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor: Any = None  # a User, or None for the system itself
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
    """Run a block as ``actor`` (a User, or None for the system)."""
    ctx = ActingContext(source=source, ip=ip, actor=actor)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


@contextmanager
def for_request(request: Any, *, source: str, ip: str | None) -> Iterator[ActingContext]:
    ctx = ActingContext(source=source, ip=ip, request=request)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)
