"""Reading communities data with permission: statuses, counts, the map, inspections."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Count, QuerySet

from warroom.communities.models import (
    Certification,
    CertificationEvent,
    CertificationStatus,
    ClosureStatus,
    EntryExitRecord,
    EntryPoint,
    GatePass,
    Inspection,
    ReopeningApplication,
)
from warroom.core.scoping import load_for
from warroom.geo.models import LEVEL_ORDER, Area, Level

LEVELS = [str(lv) for lv in LEVEL_ORDER]


def statuses(user: Any) -> QuerySet[CertificationStatus]:
    return CertificationStatus.objects.restrict(user)


def latest_date(user: Any, on: dt.date | None = None) -> dt.date | None:
    """The latest day with computed statuses (on or before ``on``)."""
    qs = statuses(user)
    if on is not None:
        qs = qs.filter(date__lte=on)
    # The newest row first, down the date index: not an aggregate over every day's rows.
    return qs.order_by("-date").values_list("date", flat=True).first()


def status_of(user: Any, area: Area, day: dt.date | None) -> CertificationStatus | None:
    if day is None:
        return None
    return statuses(user).filter(area=area, date=day).first()


def level_counts(user: Any, area: Area, day: dt.date | None) -> list[dict[str, Any]]:
    """Per level under (and including) ``area``: certified, not certified, unknown, total.

    Read from the unit's own row (its ``subtree_counts``, written by the recompute and
    kept by a decertification); a day with no recompute falls back to counting rows.
    """
    counts: dict[str, dict[str, Any]] = {
        lv: {"level": lv, "certified": 0, "not_certified": 0, "unknown": 0} for lv in LEVELS
    }
    own = status_of(user, area, day)
    if own is not None and own.subtree_counts:
        for lv, (good, total) in own.subtree_counts.items():
            if own.status == Certification.UNKNOWN:
                counts[lv]["unknown"] = total
            else:
                counts[lv]["certified"] = good
                counts[lv]["not_certified"] = total - good
    elif day is not None:
        rows = (
            statuses(user)
            .filter(area__path__under=area.path, date=day)
            .values("level", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for r in rows:
            counts[r["level"]][r["status"]] = r["n"]
    out = []
    for lv in LEVELS:
        c = counts[lv]
        c["total"] = c["certified"] + c["not_certified"] + c["unknown"]
        c["share"] = 100 * c["certified"] / c["total"] if c["total"] else None
        c["label"] = Level(lv).label
        if c["total"]:
            out.append(c)
    return out


def history(user: Any, area: Area, days: int = 30) -> dict[str, Any]:
    """Certified units per level per day over the last ``days`` days (the unit's own rows)."""
    last = latest_date(user)
    if last is None:
        return {"dates": [], "series": {}}
    rows = list(
        statuses(user)
        .filter(area=area, date__gt=last - dt.timedelta(days=days))
        .order_by("date")
        .values_list("date", "subtree_counts")
    )
    series: dict[str, list[int]] = {lv: [] for lv in LEVELS}
    for _day, counts in rows:
        for lv in LEVELS:
            series[lv].append(int((counts or {}).get(lv, [0, 0])[0]))
    return {"dates": [d.isoformat() for d, _c in rows], "series": series}


def children_statuses(user: Any, area: Area, day: dt.date | None) -> list[tuple[Area, Any]]:
    kids = list(Area.objects.restrict(user).filter(parent=area).order_by("code"))
    found = {}
    if day is not None:
        found = {s.area_id: s for s in statuses(user).filter(parent_filter(area), date=day)}
    return [(k, found.get(k.pk)) for k in kids]


def parent_filter(area: Area) -> Any:
    from django.db.models import Q

    return Q(area__parent=area)


def map_points(
    user: Any, area: Area, day: dt.date | None, *, level: str = str(Level.COMPOUND)
) -> dict[str, list[list[Any]]]:
    """Units of ``level`` (compounds by default) under ``area`` with a location, grouped by
    status: [lon, lat, name, code]."""
    status_by_area: dict[int, str] = {}
    if day is not None:
        status_by_area = dict(
            statuses(user)
            .filter(area__path__under=area.path, date=day, level=level)
            .values_list("area_id", "status")
        )
    groups: dict[str, list[list[Any]]] = {str(s): [] for s in Certification.values}
    unknown = str(Certification.UNKNOWN)
    rows = (
        Area.objects.restrict(user)
        .filter(path__under=area.path, level=level, lat__isnull=False, lon__isnull=False)
        .values_list("pk", "lon", "lat", "name_zh", "code")
    )
    for pk, lon, lat, name, code in rows:
        groups[status_by_area.get(pk, unknown)].append([round(lon, 4), round(lat, 4), name, code])
    return groups


def newly_certified(user: Any, day: dt.date, window: int = 3) -> QuerySet[CertificationStatus]:
    """Units certified on ``day`` whose certification began within the last ``window`` days."""
    return (
        statuses(user)
        .filter(
            date=day,
            status=Certification.CERTIFIED,
            certified_since__gt=day - dt.timedelta(days=window),
        )
        .select_related("area", "area__parent")
        .order_by("area__path")
    )


def random_certified_compounds(user: Any, n: int = 10) -> list[Area]:
    """A random sample of certified compounds to inspect (Wuhan checked at random)."""
    day = latest_date(user)
    if day is None:
        return []
    ids = list(
        statuses(user)
        .filter(date=day, level=Level.COMPOUND, status=Certification.CERTIFIED)
        .values_list("area_id", flat=True)
    )
    chosen = random.sample(ids, min(n, len(ids)))
    return list(Area.objects.restrict(user).filter(pk__in=chosen).order_by("code"))


def events(user: Any) -> QuerySet[CertificationEvent]:
    return CertificationEvent.objects.restrict(user).select_related("area")


def inspections(user: Any) -> QuerySet[Inspection]:
    return Inspection.objects.restrict(user).select_related("area", "inspector", "checklist")


def get_inspection(user: Any, pk: Any) -> Inspection:
    qs = Inspection.objects.select_related("area", "inspector", "checklist")
    return load_for(user, "view", qs, pk)


def closure_history(user: Any, area: Area) -> QuerySet[ClosureStatus]:
    return ClosureStatus.objects.restrict(user).filter(area=area).select_related("set_by")


def entry_points(user: Any, area: Area) -> QuerySet[EntryPoint]:
    return EntryPoint.objects.restrict(user).filter(area=area)


def get_entry_point(user: Any, pk: Any) -> EntryPoint:
    return load_for(user, "view", EntryPoint.objects.select_related("area"), pk)


def passages(user: Any, area: Area) -> QuerySet[EntryExitRecord]:
    return (
        EntryExitRecord.objects.restrict(user)
        .filter(entry_point__area=area)
        .select_related("entry_point")
    )


def applications(user: Any) -> QuerySet[ReopeningApplication]:
    return ReopeningApplication.objects.restrict(user).select_related(
        "area", "applied_by", "decided_by"
    )


def get_application(user: Any, pk: Any) -> ReopeningApplication:
    qs = ReopeningApplication.objects.select_related("area", "applied_by", "decided_by")
    return load_for(user, "view", qs, pk, what="application")


def gate_passes(user: Any, area: Area) -> QuerySet[GatePass]:
    return (
        GatePass.objects.restrict(user, "view")
        .filter(area__path__startswith=area.path)
        .order_by("-issued_at", "-pk")
    )
