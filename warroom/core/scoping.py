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

if TYPE_CHECKING:
    from warroom.accounts.models import User

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    def restrict(self, user: User | Any, action: str = "view") -> RestrictedQuerySet[_M]:
        """The rows ``user`` may ``action`` ("view", "change", ...): its subtree, or none."""
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


def in_scope(user: Any, area_path: str) -> bool:
    """Whether ``area_path`` lies in ``user``'s subtree (for objects already loaded)."""
    own = getattr(user, "area_path", "")
    return bool(own) and area_path.startswith(own)
