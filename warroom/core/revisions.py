"""What was issued for a day is never overwritten (DESIGN §3.2): the helpers that say
what changed between two revisions of a day's numbers, and why they were recomputed.

Used by the clearance snapshot and the briefing: a recomputation that gives other numbers
is stored as the next revision with ``changes`` (``[[figure, before, after], ...]``) and
``reason`` (the files imported since the previous revision); the previous one is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

# The files named in a reason (the count says how many there were).
NAMED_FILES = 10


def figure_changes(before: dict[str, Any], after: dict[str, Any]) -> list[list[Any]]:
    """The figures whose value differs, as ``[name, before, after]`` in name order."""
    return [
        [name, before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def recompute_reason(since: dt.datetime | None) -> dict[str, Any]:
    """Why a day was recomputed: the files imported after ``since`` (the previous
    revision's time), the latest first; none means records entered by hand."""
    from warroom.core.models import ImportBatch

    batches = ImportBatch.objects.all()
    if since is not None:
        batches = batches.filter(imported_at__gt=since)
    named = list(
        batches.order_by("-imported_at", "-pk").values_list("kind", "filename", "sha256")[
            :NAMED_FILES
        ]
    )
    return {
        "count": batches.count(),
        "files": [f"{kind}: {name or sha[:12]}" for kind, name, sha in named],
        "since": since.isoformat() if since is not None else None,
    }


def revision_lines(
    revision: int,
    changes: list[Any],
    reason: dict[str, Any],
    *,
    label: Callable[[str], str] = str,
    value: Callable[[Any], str] = str,
) -> list[str]:
    """A revision in words, in the current language: its number, what changed against
    the previous one (``label`` names a figure, ``value`` writes a number), and why."""
    lines = [
        _("Revision %(n)s: recomputed, this replaces revision %(p)s (kept).")
        % {"n": revision, "p": revision - 1}
    ]
    if changes:
        listed = "; ".join(f"{label(name)} {value(a)} → {value(b)}" for name, a, b in changes)
        lines.append(_("Changed: %(list)s.") % {"list": listed})
    else:
        lines.append(_("Changed: details of the day only, no headline figure."))
    count = (reason or {}).get("count") or 0
    if count:
        lines.append(
            _("Why: %(n)s files imported since the previous revision (%(files)s).")
            % {"n": count, "files": "; ".join(reason.get("files", []))}
        )
    else:
        lines.append(_("Why: records entered or corrected since the previous revision."))
    return lines
