"""API authentication that refuses another district's object before the body is read.

django-ninja validates the request body before calling the endpoint, so an endpoint
that looks its object up itself would answer a stranger's malformed body with 400 or 422
instead of 404, a hint that the object exists. These authenticators authenticate as the
project's API does (bearer token, then session) and then resolve every object named in
the URL (``code``, ``task_id``, ...) through its app's scoped selector: another
district's object is a 404 before anything else happens. Apps register their URL
parameters once with :func:`register_object_param`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from warroom.accounts.auth import ActiveSessionAuth, TokenAuth

Lookup = Callable[[Any, str], object]
_LOOKUPS: dict[str, Lookup] = {}


def register_object_param(name: str, lookup: Lookup) -> None:
    """``lookup(user, value)`` returns the object or raises NotFound (scoped)."""
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
    from warroom.geo.selectors import get_area

    register_object_param("code", get_area)
    return [ScopedTokenAuth(), ScopedSessionAuth()]
