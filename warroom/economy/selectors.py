"""What the zones-and-levels pages read (scoped to the user's subtree)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from warroom.analytics.zones import share
from warroom.economy.models import (
    ApplicationStatus,
    AreaRiskLevel,
    Assignment,
    Business,
    BusinessCategory,
    BusinessCensus,
    CheckpointRecord,
    Grid,
    ResumptionApplication,
    TransportRequest,
    Trip,
)
from warroom.geo.models import Area, Level

BACK = (ApplicationStatus.APPROVED, ApplicationStatus.CONDITIONAL)


def levels(user: Any, area: Area, day: dt.date) -> QuerySet[AreaRiskLevel]:
    """The graded areas under ``area`` on the latest graded day on or before ``day``."""
    latest = latest_graded_day(user, day)
    return (
        AreaRiskLevel.objects.restrict(user, "view")
        .filter(area__path__startswith=area.path, date=latest)
        .select_related("area", "overridden_by")
        .order_by("area__path")
    )


def latest_graded_day(user: Any, day: dt.date) -> dt.date | None:
    row = (
        AreaRiskLevel.objects.restrict(user, "view")
        .filter(date__lte=day)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    return row


def level_history(user: Any, area: Area, *, days: int = 60) -> QuerySet[AreaRiskLevel]:
    return (
        AreaRiskLevel.objects.restrict(user, "view")
        .filter(area=area)
        .select_related("overridden_by")
        .order_by("-date")[:days]
    )


def level_counts(user: Any, area: Area, day: dt.date) -> dict[str, int]:
    rows = levels(user, area, day).filter(area__level=Level.STREET)
    out = {"low": 0, "medium": 0, "high": 0}
    for level, n in rows.values_list("level").annotate(n=Count("pk")).order_by():
        out[level] = n
    return out


def businesses(user: Any) -> QuerySet[Business]:
    return Business.objects.restrict(user, "view").select_related("area")


def applications(user: Any) -> QuerySet[ResumptionApplication]:
    return ResumptionApplication.objects.restrict(user, "view").select_related(
        "business", "business__area", "decided_by", "applied_by"
    )


def resumption(user: Any, area: Area) -> dict[str, Any]:
    """Resumption by district (or the area's children) and category: businesses and
    workers back. A business is back when its latest application is approved (with or
    without conditions); the denominator of businesses is the census where the street has
    one (every registered market entity), else the registry."""
    children = list(Area.objects.filter(parent=area).order_by("code"))
    regs = businesses(user).filter(area__path__startswith=area.path)
    apps = applications(user).filter(business__area__path__startswith=area.path)
    latest: dict[int, ResumptionApplication] = {}
    for app in apps.order_by("business_id", "applied_at", "pk"):
        latest[app.business_id] = app
    census = (
        BusinessCensus.objects.restrict(user, "view")
        .filter(area__path__startswith=area.path)
        .values_list("area__path", "category", "count")
    )

    def child_of(path: str) -> str | None:
        for c in children:
            if path.startswith(c.path):
                return c.path
        return None

    cells: dict[tuple[str | None, str], dict[str, int]] = {}

    def cell(path: str | None, category: str) -> dict[str, int]:
        return cells.setdefault(
            (path, category),
            {"census": 0, "registered": 0, "back": 0, "workforce": 0, "workers_back": 0},
        )

    for path, category, n in census:
        cell(child_of(path), category)["census"] += n
    for b in regs:
        c = cell(child_of(b.area.path), b.category)
        c["registered"] += 1
        c["workforce"] += b.workforce
        app = latest.get(b.pk)
        if app is not None and app.status in BACK:
            c["back"] += 1
            c["workers_back"] += app.workers - app.workers_blocked
    rows = []
    for child in [*children]:
        for category, label in BusinessCategory.choices:
            found = cells.get((child.path, category))
            if not found:
                continue
            c = found
            total = c["census"] or c["registered"]
            rows.append(
                {
                    "area": child,
                    "category": label,
                    **c,
                    "share": share(c["back"], total),
                    "worker_share": share(c["workers_back"], c["workforce"]),
                }
            )
    totals: dict[str, Any] = {
        k: sum(c[k] for c in cells.values())
        for k in ("census", "registered", "back", "workforce", "workers_back")
    }
    totals["share"] = share(totals["back"], totals["census"] or totals["registered"])
    totals["worker_share"] = share(totals["workers_back"], totals["workforce"])
    return {"rows": rows, "totals": totals}


def grids(user: Any, area: Area) -> QuerySet[Grid]:
    return (
        Grid.objects.restrict(user, "view")
        .filter(area__path__startswith=area.path)
        .select_related("area")
        .annotate(staffed=Count("assignments", filter=Q(assignments__until__isnull=True)))
        .order_by("area__path", "name")
    )


def roster(user: Any, area: Area, day: dt.date) -> QuerySet[Assignment]:
    return (
        Assignment.objects.restrict(user, "view")
        .filter(area__path__startswith=area.path, since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .select_related("area", "grid")
    )


def roster_gaps(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """Compounds with no grid worker on duty, and grids with nobody assigned."""
    staffed = set(
        roster(user, area, day).filter(duty="grid_worker").values_list("area_id", flat=True)
    )
    compounds = Area.objects.restrict(user, "view").filter(
        level=Level.COMPOUND, path__startswith=area.path
    )
    total = compounds.count()
    without = compounds.exclude(pk__in=staffed).order_by("path")
    return {
        "compounds": total,
        "staffed": len(staffed),
        "without": without,
        "empty_grids": grids(user, area).filter(staffed=0),
    }


def transport(user: Any, area: Area) -> dict[str, Any]:
    reqs = TransportRequest.objects.restrict(user, "view").filter(area__path__startswith=area.path)
    by_status = dict(reqs.values_list("status").annotate(n=Count("pk")).order_by())
    trips = (
        Trip.objects.restrict(user, "view")
        .filter(area__path__startswith=area.path)
        .annotate(n=Count("seats"))
        .order_by("-date", "pk")
    )
    return {"requests": reqs.select_related("area"), "by_status": by_status, "trips": trips}


def checkpoints(user: Any, area: Area) -> dict[str, Any]:
    rows = CheckpointRecord.objects.restrict(user, "view").filter(area__path__startswith=area.path)
    totals = rows.aggregate(v=Sum("vehicles"), p=Sum("people"), t=Sum("turned_back"))
    return {"rows": rows.order_by("-date", "checkpoint"), "totals": totals}


def get_business(user: Any, pk: Any) -> Business:
    from warroom.core.scoping import load_for

    return load_for(user, "view", Business.objects.select_related("area"), pk)


def get_application(user: Any, pk: Any) -> ResumptionApplication:
    from warroom.core.scoping import load_for

    return load_for(
        user,
        "view",
        ResumptionApplication.objects.select_related("business", "business__area"),
        pk,
    )
