"""The one restricted user lookup: every owner picker, caretaker field and import row.

A user named by a form, an API body or a file is looked up among the users the actor
may see (``User.objects.restrict(actor)``), never among all users: a name that exists
in another district answers exactly like a name that does not exist, so a form cannot
be used to learn who works elsewhere. Nothing else in views and services queries
``User.objects`` (``tests/test_architecture.py`` holds that).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from warroom.core.errors import InvalidInput


def _users(actor: Any) -> QuerySet[Any]:
    return get_user_model()._default_manager.restrict(actor)  # type: ignore[attr-defined,no-any-return]


def unknown_user(username: str) -> str:
    """The one answer for a name that is missing or not the actor's to see."""
    return _("Unknown user %(name)s.") % {"name": username}


def users_named(actor: Any, usernames: Iterable[str]) -> dict[str, Any]:
    """The users of the actor's jurisdiction with these usernames (one query)."""
    names = sorted({n for n in usernames if n})
    if not names:
        return {}
    return {u.username: u for u in _users(actor).filter(username__in=names)}


def find_user(actor: Any, username: str | None = None, *, pk: Any = None) -> Any:
    """The user a form or an API body names (by username or id), or ``None`` if none is.

    Refused with :func:`unknown_user` when there is no such user in the actor's
    jurisdiction: the same whether the user is missing or another district's.
    """
    username = (username or "").strip()
    if pk not in (None, ""):
        try:
            found = _users(actor).filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise InvalidInput(unknown_user(str(pk)))
        return found
    if not username:
        return None
    found = users_named(actor, [username]).get(username)
    if found is None:
        raise InvalidInput(unknown_user(username))
    return found


def user_choices(actor: Any, area: Any) -> QuerySet[Any]:
    """The active users of the actor's jurisdiction who sit at ``area`` or above it."""
    return (
        _users(actor)
        .filter(area__code__in=[*area.ancestor_codes(), area.code], is_active=True)
        .select_related("area")
        .order_by("-area__depth", "username")
    )


def users_under(actor: Any, area: Any) -> QuerySet[Any]:
    """The active users of the actor's jurisdiction who sit at ``area`` or below it,
    the highest level first."""
    return (
        _users(actor)
        .filter(area__path__startswith=area.path, is_active=True)
        .select_related("area")
        .order_by("area__depth", "pk")
    )
