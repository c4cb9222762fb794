"""The one door to scoped data: ``Model.objects.restrict(user, action)``.

Every user is bound to one area and sees and changes only that area's subtree. A scoped
model says where its area's materialised path is (``scope_path = "area__path"``, or
``"path"`` for the area itself); ``restrict`` filters on it with one indexed prefix
query. Views, API endpoints, the admin and exports all read through it, and the
outsider test walks every URL to prove it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from warroom.core.context import is_system

if TYPE_CHECKING:
    from warroom.accounts.models import User

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    def restrict(self, user: User | Any, action: str = "view") -> RestrictedQuerySet[_M]:
        """The rows ``user`` may ``action`` ("view", "change", ...): its subtree, or none.

        :data:`~warroom.core.context.SYSTEM` may do everything; ``None`` (nobody) nothing.
        """
        if is_system(user):
            return self.all()
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.can(action):
            return self.none()
        area_path = user.area_path
        if not area_path:
            return self.none()
        lookup: str = getattr(self.model, "scope_path", "area__path")
        return self.filter(**{f"{lookup}__under": area_path})


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


def lineage_paths(path: str) -> list[str]:
    """The paths of an area and of every area above it (its path's prefixes), the city's
    first: ``/4201/420102/`` gives ``/4201/`` and ``/4201/420102/``."""
    return [path[: i + 1] for i, c in enumerate(path) if c == "/" and i > 0]


def in_scope(user: Any, area_path: str) -> bool:
    """Whether ``area_path`` lies in ``user``'s subtree (for objects already loaded)."""
    if is_system(user):
        return True
    own = getattr(user, "area_path", "")
    return bool(own) and area_path.startswith(own)


MAX_PK = 2**63 - 1  # PostgreSQL's bigint: a larger id is no object, not a database error


def load_for(
    user: Any,
    action: str,
    model: type[_M] | models.QuerySet[_M],
    key: Any,
    *,
    field: str = "pk",
    what: str | None = None,
) -> _M:
    """The object ``key`` that ``user`` may ``action``, or :class:`NotFound`: the one door.

    ``model`` is a scoped model or a queryset of one (for ``select_related``); ``key`` is
    its primary key (a malformed or out-of-range one is simply not found) or the value of
    ``field`` (a code). A missing object and another district's answer alike.
    """
    from warroom.core.errors import NotFound

    qs = model if isinstance(model, models.QuerySet) else model._default_manager.all()
    label = what or str(qs.model._meta.verbose_name_raw)
    if field == "pk":
        try:
            key = int(key)
        except (TypeError, ValueError):
            raise NotFound(f"{label} not found") from None
        if not 1 <= key <= MAX_PK:
            raise NotFound(f"{label} not found")
    elif not isinstance(key, str) or "\x00" in key:  # PostgreSQL refuses NUL in a query
        raise NotFound(f"{label} not found")
    found = qs.restrict(user, action).filter(**{field: key}).first()  # type: ignore[attr-defined]
    if found is None:
        raise NotFound(f"{label} not found")
    return found  # type: ignore[no-any-return]
