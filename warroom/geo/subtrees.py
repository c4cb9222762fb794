"""Several areas' subtrees read in one pass: the filter, and each row's areas.

A reader of many areas at once (the briefing of the city and its districts) asks the
database once for the rows under all of them (:func:`under_any`) and hands each row to
the areas whose subtree holds it (:class:`Subtrees`), instead of one statement an area.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from warroom.geo.models import Area


def top_paths(areas: Iterable[Area]) -> list[str]:
    """The paths of ``areas`` not under another of them (the subtrees' roots)."""
    paths = sorted({a.path for a in areas}, key=len)
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def under_any(field: str, areas: Iterable[Area]) -> Q:
    """``field__under`` any of ``areas`` (one ``under`` per subtree root); none: nothing."""
    roots = top_paths(areas)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for path in roots:
        q |= Q(**{f"{field}__under": path})
    return q


class Subtrees:
    """Which of ``areas`` hold a path (``path.startswith(area.path)``, as ``under`` is),
    memoised by path: a row's areas found once per distinct path, not once per row."""

    def __init__(self, areas: Iterable[Area]) -> None:
        self.areas = list(areas)
        self._memo: dict[str, list[int]] = {}
        # An area path ends with "/" ("/city/district/"): the areas holding a path are
        # those at its prefixes ending with "/", looked up (a few per path) instead of
        # every area's prefix tried (the rates: 14,000 homes × 16 areas). Any other path
        # (none in a tree imported by the platform): every area tried, as before.
        self._at: dict[str, list[tuple[int, int]]] | None = {}
        for k, a in enumerate(self.areas):
            if not a.path.endswith("/"):
                self._at = None
                break
            self._at.setdefault(a.path, []).append((k, a.pk))

    def of(self, path: str) -> list[int]:
        found = self._memo.get(path)
        if found is None:
            if self._at is None:
                found = [a.pk for a in self.areas if path.startswith(a.path)]
            else:
                at, hits = self._at, []
                end = path.find("/")
                while end >= 0:
                    here = at.get(path[: end + 1])
                    if here is not None:
                        hits.extend(here)
                    end = path.find("/", end + 1)
                hits.sort()  # in the order of ``areas``, as every area tried gives them
                found = [pk for _k, pk in hits]
            self._memo[path] = found
        return found

    def split(self, rows: Iterable[Any], path: Any) -> dict[int, list[Any]]:
        """``rows`` per area (each in every area holding ``path(row)``), order kept."""
        out: dict[int, list[Any]] = {a.pk: [] for a in self.areas}
        for row in rows:
            for pk in self.of(path(row)):
                out[pk].append(row)
        return out
