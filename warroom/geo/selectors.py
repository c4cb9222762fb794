"""Reading the area tree with permission. Every read goes through ``restrict``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from warroom.core.scoping import load_for
from warroom.geo.models import Area


def visible_areas(user: Any) -> QuerySet[Area]:
    return Area.objects.restrict(user, "view")


def get_area(user: Any, code: str) -> Area:
    """The area ``code`` if ``user`` may see it; otherwise NotFound (never a hint)."""
    return load_for(user, "view", Area.objects.select_related("parent"), code, field="code")


def home_area(user: Any) -> Area:
    # The user's own area through the relation, cached on the user: the scoping reads it
    # again (``user.area_path``) in the same request without a second query.
    return user.area  # type: ignore[no-any-return]


def children(user: Any, area: Area) -> QuerySet[Area]:
    return visible_areas(user).filter(parent=area).order_by("code")


def subtree(user: Any, area: Area, *, level: str | None = None) -> QuerySet[Area]:
    qs = visible_areas(user).filter(path__under=area.path)
    return qs.filter(level=level) if level else qs


def ancestors(user: Any, area: Area) -> list[Area]:
    """The visible ancestors of ``area``, root first (one query)."""
    codes = area.ancestor_codes()
    found = {a.code: a for a in visible_areas(user).filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def level_counts(user: Any, area: Area) -> dict[str, int]:
    """How many areas of each level lie under ``area`` (itself excluded), one query."""
    rows = (
        subtree(user, area)
        .exclude(pk=area.pk)
        .values("level", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        key = "village" if row["kind"] == "village" else row["level"]
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def children_with_counts(user: Any, area: Area) -> list[tuple[Area, int]]:
    kids = list(children(user, area).annotate(n_children=Count("children")))
    return [(k, k.n_children) for k in kids]
