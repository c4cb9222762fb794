"""The one scoped API authentication: another district's object is 404 before the body.

django-ninja validates the request body before calling the endpoint, so an endpoint
that looks its object up itself would answer a stranger's malformed body with 400 or 422
instead of 404, a hint that the object exists. :func:`scoped_auth` authenticates as the
project's API does (bearer token, then session) and then resolves every object named in
the URL (``code``, ``task_id``, ``person_id``, ...) through its app's scoped selector
(each one a :func:`warroom.core.scoping.load_for`): another district's object is a 404
before anything else happens. It is the NinjaAPI's default (``warroom/api.py``), so
every router uses it; an app registers its URL parameters once, next to its router,
with :func:`register_object_param`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from warroom.accounts.auth import ActiveSessionAuth, TokenAuth

Lookup = Callable[[Any, Any], object]
_LOOKUPS: dict[str, Lookup] = {}


def register_object_param(name: str, lookup: Lookup) -> None:
    """``lookup(user, value)`` returns the object or raises NotFound (scoped).

    One lookup per parameter name in the whole API: a second, different one for the
    same name is a programming error (two apps would disagree on what ``<name>`` is).
    """
    known = _LOOKUPS.get(name)
    if known is not None and known is not lookup:
        raise RuntimeError(f"URL parameter {name!r} is already resolved by {known!r}")
    _LOOKUPS[name] = lookup


def _check_objects(request: HttpRequest, user: Any) -> Any:
    if not user:
        return user
    match = getattr(request, "resolver_match", None)
    for name, value in (getattr(match, "kwargs", None) or {}).items():
        lookup = _LOOKUPS.get(name)
        if lookup is not None:
            lookup(user, value)
    return user


class ScopedTokenAuth(TokenAuth):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _check_objects(request, super().authenticate(request, token))


class ScopedSessionAuth(ActiveSessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _check_objects(request, super().authenticate(request, key))


def scoped_auth() -> list[Any]:
    """The API's authenticators (the NinjaAPI's default; routers do not set their own)."""
    from warroom.geo.selectors import get_area

    register_object_param("code", get_area)
    register_object_param("area_code", get_area)
    return [ScopedTokenAuth(), ScopedSessionAuth()]
