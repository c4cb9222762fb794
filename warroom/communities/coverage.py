"""Closure coverage (城乡社区全部封闭管理) and the roster's coverage, rolled up exactly.

A compound (or a village's unit) counts as closed on a day when its latest closure status
before that day's cut-off is "closed" or "sealed"; an area's coverage is its compounds'
closed over its compounds (every compound under it, counted once). Read by the coverage
page, its export, the API and the dashboard alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery

from warroom.analytics.zones import share
from warroom.cases.clearance import cutoff_for
from warroom.communities.models import Closure, ClosureStatus, EntryExitRecord, GatePass
from warroom.geo.models import Area, Level

CLOSED = (Closure.CLOSED, Closure.SEALED)


def compound_closure(area: Area, day: dt.date) -> dict[str, str]:
    """Each compound under ``area`` → its closure status at the end of ``day`` ('' = none)."""
    end = cutoff_for(day)
    latest = (
        ClosureStatus.objects.filter(area=OuterRef("pk"), since__lt=end)
        .order_by("-since", "-pk")
        .values("status")[:1]
    )
    rows = (
        Area.objects.filter(level=Level.COMPOUND, path__startswith=area.path)
        .annotate(state=Subquery(latest))
        .values_list("path", "state")
    )
    return {path: state or "" for path, state in rows}


def coverage(area: Area, day: dt.date) -> dict[str, Any]:
    """The area's closure coverage and each child's, on ``day``: exact sums of compounds."""
    states = compound_closure(area, day)
    children = list(Area.objects.filter(parent=area).order_by("code"))
    per: dict[str, list[int]] = {c.path: [0, 0] for c in children}
    closed = 0
    for path, state in states.items():
        is_closed = state in CLOSED
        closed += is_closed
        cut = len(area.path)
        nxt = path.find("/", cut)
        child = path[: nxt + 1] if nxt > 0 else path
        if child in per:
            per[child][0] += is_closed
            per[child][1] += 1
    return {
        "day": day,
        "closed": closed,
        "total": len(states),
        "share": share(closed, len(states)),
        "children": [
            {
                "area": c,
                "closed": per[c.path][0],
                "total": per[c.path][1],
                "share": share(*per[c.path]),
            }
            for c in children
        ],
    }


def not_closed(area: Area, day: dt.date) -> list[str]:
    """Paths of the compounds under ``area`` not closed at the end of ``day``."""
    return sorted(p for p, s in compound_closure(area, day).items() if s not in CLOSED)


def coverage_trend(area: Area, day: dt.date, *, days: int = 30) -> list[dict[str, Any]]:
    out = []
    for i in range(days - 1, -1, -1):
        d = day - dt.timedelta(days=i)
        states = compound_closure(area, d)
        closed = sum(s in CLOSED for s in states.values())
        out.append(
            {"day": d, "closed": closed, "total": len(states), "share": share(closed, len(states))}
        )
    return out


def passages(area: Area, day: dt.date) -> dict[str, Any]:
    """Passages through the gates under ``area`` on ``day`` by purpose and direction, the
    passes valid that day and the passages by pass check, and the anomalies: exits from a
    sealed compound other than for medical care, and passes not valid at the gate."""
    end = cutoff_for(day)
    start = cutoff_for(day - dt.timedelta(days=1))
    rows = EntryExitRecord.objects.filter(
        entry_point__area__path__startswith=area.path, at__gte=start, at__lt=end
    )
    by = list(rows.values("purpose", "direction").annotate(n=Count("pk")).order_by("purpose"))
    states = compound_closure(area, day)
    sealed = [p for p, s in states.items() if s == Closure.SEALED]
    bad_pass = ("expired", "revoked", "unknown", "elsewhere")
    anomalies = list(
        rows.filter(
            Q(direction="out", entry_point__area__path__in=sealed) & ~Q(purpose="medical")
            | Q(pass_check__in=bad_pass)
        )
        .select_related("entry_point", "entry_point__area")
        .order_by("at")[:200]
    )
    checks = dict(rows.values_list("pass_check").annotate(n=Count("pk")).order_by())
    issued = GatePass.objects.filter(
        area__path__startswith=area.path,
        valid_from__lte=day,
        valid_until__gte=day,
        revoked_at__isnull=True,
    ).count()
    return {"by_purpose": by, "anomalies": anomalies, "checks": checks, "passes_valid": issued}
