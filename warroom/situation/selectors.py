"""Reading the situation room with permission: the dashboard's panels and the briefing.

:func:`room` is the one place the day's numbers are read: the dashboard renders it live
and the daily step ``situation.briefing`` stores it as the day's briefing, so the two can
never disagree. ``user=SYSTEM`` is the system (the daily cycle): every row; otherwise every
query goes through ``restrict(user)``. One query per panel.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from warroom.geo.models import Area
from warroom.situation.models import Briefing, Situation

DUTIES = ("admit", "isolate", "test", "treat")
TOP_FLAGS = 8
OVERLOADED = 0.95  # a facility over 95 % occupied is a red item of the stand-up


def _rows(model: Any, user: Any) -> QuerySet[Any]:
    return model.objects.restrict(user)  # SYSTEM: every row


def latest(user: Any, area: Area, *, day: dt.date | None = None) -> Situation | None:
    """The area's situation on ``day`` (or its latest), if ``user`` may see the area."""
    qs = _rows(Situation, user).filter(area=area)
    if day is not None:
        qs = qs.filter(day__lte=day)
    return qs.order_by("-day").first()


def followed_areas(user: Any) -> list[Area]:
    """The city and districts ``user`` may see (what the area filter offers)."""
    return list(_rows(Area, user).filter(depth__lte=1).order_by("path"))


def _area(a: Area) -> dict[str, str]:
    return {"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en}


def _districts(user: Any, area: Area) -> list[Area]:
    """The districts under ``area`` (the area itself when it is a district)."""
    if area.depth >= 1:
        return [area]
    return list(_rows(Area, user).filter(parent=area).order_by("code"))


def reporting(
    user: Any, area: Area, day: dt.date, *, districts: list[Area] | None = None
) -> dict[str, Any]:
    """Which of the area's districts (and itself) sent no figures for ``day``.

    A district without a report row, or whose new confirmed cell is empty, is missing:
    the briefing says so ("江岸区 2月3日未报送") instead of counting it as 0.
    """
    from warroom.surveillance.models import DailyReport, Source

    if districts is None:
        districts = _districts(user, area)
    areas = [area, *[d for d in districts if d.pk != area.pk]]
    got = dict(
        _rows(DailyReport, user)
        .filter(area__in=areas, date=day, source=Source.REPORT)
        .values_list("area_id", "new_confirmed")
    )
    missing = [{**_area(a), "reported": a.pk in got} for a in areas if got.get(a.pk) is None]
    return {"areas": len(areas), "missing": missing}


def clearance_panel(
    user: Any, area: Area, day: dt.date, *, districts: list[Area] | None = None
) -> dict[str, Any]:
    """The four backlogs of the area with age buckets and change, and per district
    (``districts``: :func:`_districts` when the caller has read them already)."""
    from warroom.cases.models import ClearanceRun, ClearanceSnapshot

    yesterday = day - dt.timedelta(days=1)
    runs = set(
        ClearanceRun.objects.filter(date__in=[day, yesterday]).values_list("date", flat=True)
    )
    if districts is None:
        districts = _districts(user, area)
    districts = [d for d in districts if d.pk != area.pk]
    duties: dict[str, dict[str, Any]] = {}
    for d in DUTIES:
        duties[d] = dict.fromkeys(("total", "under_24h", "from_24_to_48h", "over_48h"), 0)
        duties[d]["priority"] = 0
        duties[d]["yesterday"] = 0 if yesterday in runs else None
    by_district: dict[int, dict[str, int]] = {d.pk: dict.fromkeys(DUTIES, 0) for d in districts}
    for snap in _rows(ClearanceSnapshot, user).filter(
        date__in=[day, yesterday], area__in=[area, *districts]
    ):
        if snap.area_id == area.pk:
            row = duties[snap.duty]
            if snap.date == day:
                for k in ("total", "under_24h", "from_24_to_48h", "over_48h", "priority"):
                    row[k] = getattr(snap, k)
            else:
                row["yesterday"] = snap.total
        elif snap.date == day:
            by_district[snap.area_id][snap.duty] = snap.total
    for row in duties.values():
        row["change"] = None if row["yesterday"] is None else row["total"] - row["yesterday"]
    rows: list[dict[str, Any]] = [
        {**_area(d), **by_district[d.pk], "total": sum(by_district[d.pk].values())}
        for d in districts
    ]
    ranked = sorted(rows, key=lambda r: (-r["total"], r["code"]))
    return {
        "computed": day in runs,
        "duties": duties,
        "total": sum(r["total"] for r in duties.values()),
        "by_district": ranked,
    }


def beds_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The stored bed balance per type over the area's districts on ``day``."""
    from warroom.beds.models import BED_TYPE_ORDER, BedBalance

    rows = (
        _rows(BedBalance, user)
        .filter(day=day, area__path__under=area.path)
        .values("bed_type")
        .annotate(
            t_capacity=Sum("capacity"),
            t_occupied=Sum("occupied"),
            t_free=Sum("free"),
            t_waiting=Sum("waiting"),
            t_balance=Sum("balance"),
            unknown=Count("pk", filter=Q(balance__isnull=True)),
        )
        .order_by()
    )
    found = {r["bed_type"]: r for r in rows}
    by_type = []
    for t in BED_TYPE_ORDER:
        r = found.get(t)
        if r is None:
            continue
        r = {k.removeprefix("t_"): v for k, v in r.items()}
        known = r["unknown"] == 0
        by_type.append(
            {
                "type": t,
                "capacity": r["capacity"],
                "occupied": r["occupied"],
                "free": r["free"],
                "occupancy": round(100 * r["occupied"] / r["capacity"], 1)
                if r["capacity"]
                else None,
                "waiting": r["waiting"] if known else None,
                "balance": r["balance"] if known else None,
            }
        )
    balances = [r["balance"] for r in by_type]
    return {
        "computed": bool(by_type),
        "by_type": by_type,
        "beds_wait": bool(balances) and all(b is not None and b >= 0 for b in balances),
    }


def certification_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """Certified units per level under the area on ``day`` (from the area's own row)."""
    from warroom.communities.models import Certification, CertificationStatus
    from warroom.geo.models import LEVEL_ORDER

    own = (
        _rows(CertificationStatus, user)
        .filter(area=area, date=day)
        .values("status", "subtree_counts")
        .first()
    )
    if own is None:
        return {"computed": False, "status": None, "levels": []}
    levels = []
    for lv in LEVEL_ORDER:
        good, total = (own["subtree_counts"] or {}).get(str(lv), (0, 0))
        if total:
            levels.append(
                {
                    "level": str(lv),
                    "certified": good if own["status"] != Certification.UNKNOWN else None,
                    "total": total,
                    "share": round(100 * good / total, 1)
                    if own["status"] != Certification.UNKNOWN
                    else None,
                }
            )
    return {"computed": True, "status": own["status"], "levels": levels}


def quality_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The open quality flags under the area found up to ``day``: errors first, newest first."""
    from warroom.surveillance.models import FlagStatus, QualityFlag

    qs = _rows(QualityFlag, user).filter(
        area__path__under=area.path, day__lte=day, detected_on__lte=day
    )
    pending = qs.exclude(status=FlagStatus.RESOLVED)
    top = list(
        pending.select_related("area").order_by("severity", "-day", "area__code", "rule")[
            :TOP_FLAGS
        ]
    )
    counts = dict(
        pending.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n")
    )
    return {
        "open": counts.get(FlagStatus.OPEN, 0),
        "acknowledged": counts.get(FlagStatus.ACKNOWLEDGED, 0),
        "top": [
            {
                "id": f.pk,
                "rule": f.rule,
                "area": _area(f.area),
                "day": f.day.isoformat(),
                "column": f.column,
                "severity": f.severity,
                "status": f.status,
                "message": f.text,
                "rule_label": f.rule_label,
            }
            for f in top
        ],
    }


def overloaded_facilities(user: Any, area: Area, day: dt.date) -> list[dict[str, Any]]:
    """Facilities whose latest report on ``day`` has a bed type over 95 % occupied, each
    with its district (the agenda groups them by it)."""
    from django.db.models import F

    from warroom.beds.models import BedReport
    from warroom.beds.selectors import district_of

    rows = (
        _rows(BedReport, user)
        .filter(
            date=day,
            facility__area__path__under=area.path,
            capacity__gt=0,
            occupied__gt=OVERLOADED * F("capacity"),
        )
        .order_by("facility__code", "bed_type")
        .values(
            "facility__code",
            "facility__name",
            "facility__area__path",
            "bed_type",
            "occupied",
            "capacity",
        )
    )
    codes = {district_of(r["facility__area__path"]) for r in rows}
    districts = {a.code: _area(a) for a in Area.objects.filter(code__in=codes)}
    return [
        {
            "code": r["facility__code"],
            "name": r["facility__name"],
            "district": districts.get(district_of(r["facility__area__path"])),
            "type": r["bed_type"],
            "occupied": r["occupied"],
            "capacity": r["capacity"],
            "occupancy": round(100 * r["occupied"] / r["capacity"], 1),
        }
        for r in rows
    ]


def overdue_tasks(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """Open tasks (rectifications, quality checks, meeting tasks) past their deadline."""
    from django.utils import timezone

    from warroom.tasks.models import Task

    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    moment = min(timezone.now(), end)  # today: now; a past day: its end
    qs = _rows(Task, user).filter(area__path__under=area.path).overdue(now=moment)
    top = list(qs.select_related("area", "owner").order_by("deadline", "pk")[:TOP_FLAGS])
    return {
        "count": qs.count() if len(top) == TOP_FLAGS else len(top),
        "items": [
            {
                "id": t.pk,
                "title": t.title_shown,
                "title_words": t.title_words,  # (the briefing shows it in its reader's language)
                "source": t.source_kind,
                "area": _area(t.area),
                "owner": t.owner.get_username(),
                "deadline": timezone.localtime(t.deadline).date().isoformat(),
            }
            for t in top
        ],
    }


def plan_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any] | None:
    """The capacity plan's next openings, as the day's briefing of the city stored them.

    The plan is city-wide (every facility), so it is shown on the city's view only.
    """
    if area.depth != 0:
        return None
    found = (
        _rows(Briefing, user).filter(area=area, day=day).values_list("payload", flat=True).first()
    )
    return None if found is None else found.get("plan")


def room(
    user: Any,
    area: Area,
    day: dt.date,
    *,
    plan: dict[str, Any] | None = None,
    situation: Situation | None = None,
    waste: Any = None,
    plans: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """Every panel of the situation room for ``area`` on ``day`` (JSON-ready).

    ``situation``: the area's situation of ``day`` when the caller has read it already;
    ``waste``: the area's waste balance of ``day`` (the briefing reads the city's once);
    ``plans``: a dict the caller keeps across the areas of one city (the phase plan is the
    city's: read once).
    """
    if situation is None or situation.day != day:
        situation = _rows(Situation, user).filter(area=area, day=day).first()
    districts = _districts(user, area)  # read once for the reporting and clearance panels
    return {
        "day": day.isoformat(),
        "area": {**_area(area), "depth": area.depth},
        "situation": None if situation is None else situation.payload,
        "reporting": reporting(user, area, day, districts=districts),
        "clearance": clearance_panel(user, area, day, districts=districts),
        "beds": beds_panel(user, area, day),
        "plan": plan if plan is not None else plan_panel(user, area, day),
        "certification": certification_panel(user, area, day),
        "quality": quality_panel(user, area, day),
        "overloaded": overloaded_facilities(user, area, day),
        "tasks": overdue_tasks(user, area, day),
        "logistics": logistics_panel(user, area, day, waste=waste),
        **supervision_panels(user, area, day, situation, plans=plans),
        "appeals": appeals_panel(user, area, day),
    }


def appeals_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The citizens' appeals of the day (docs/appeals.md): received, open, overdue, and
    the topics surging (a signal for the stand-up)."""
    from warroom.appeals.selectors import summary

    found = summary(user, area, day)
    return {
        **{k: found[k] for k in ("received", "admission", "open", "overdue")},
        "surges": [
            {"term": s.term, "today": s.today, "baseline": round(s.baseline, 1)}
            for s in found["surges"]
        ],
        "topics": [
            {"key": t.key, "label": list(t.label), "today": t.today} for t in found["topics"]
        ],
    }


def supervision_panels(
    user: Any,
    area: Area,
    day: dt.date,
    situation: Situation | None,
    *,
    plans: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """The supervision app's panels: the rates, the day's signals, the phase's plan."""
    from django.apps import apps

    if not apps.is_installed("warroom.supervision"):
        return {}
    from warroom.supervision import selectors as sup

    phase = situation.payload.get("phase") if situation is not None else None
    return {
        "rates": sup.rates_panel(user, area, day),
        "signals": sup.signals_panel(user, area, day),
        "phase_plan": sup.plan_panel(user, area, phase, memo=plans),
    }


def logistics_panel(user: Any, area: Area, day: dt.date, *, waste: Any = None) -> dict[str, Any]:
    """Supplies (stock-out alerts, aid teams, donations, the ledger check) and medical
    waste (generated, disposed, backlog, over 48 h, plants) for the dashboard and briefing."""
    from warroom.supplies.selectors import panel as supplies_panel
    from warroom.waste.selectors import panel as waste_panel

    return {
        "supplies": supplies_panel(user, area, day),
        "waste": waste_panel(user, area, day, balance_=waste),
    }


def waste_balances(user: Any, areas: list[Area], day: dt.date) -> dict[int, Any]:
    """Each area's waste balance of ``day``, for :func:`logistics_panel` (``waste``)."""
    from warroom.waste.selectors import balances

    return balances(user, areas, day)


# --- the briefing archive ------------------------------------------------------------------


def briefing(user: Any, area: Area, day: dt.date | None) -> Briefing | None:
    """The area's briefing of ``day`` (its latest when ``day`` is None)."""
    qs = _rows(Briefing, user).filter(area=area)
    return (qs.filter(day=day) if day is not None else qs.order_by("-day")).first()


def briefing_revisions(user: Any, found: Briefing) -> list[Any]:
    """The earlier revisions of a briefing (kept as issued), the first first."""
    from warroom.situation.models import BriefingRevision

    return list(
        _rows(BriefingRevision, user)
        .filter(area_id=found.area_id, day=found.day)
        .order_by("revision")
    )


def briefing_days(user: Any, area: Area, *, limit: int = 120) -> list[dt.date]:
    return list(
        _rows(Briefing, user)
        .filter(area=area)
        .order_by("-day")
        .values_list("day", flat=True)[:limit]
    )


# --- the stand-up meeting ------------------------------------------------------------------


def _link(item: dict[str, Any], area: Area, day: dt.date) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    kind = item["kind"]
    if kind == "backlog":
        return reverse("cases:clearance_area", kwargs={"code": area.code})
    if kind == "overloaded":
        return reverse("beds:facility", kwargs={"facility_code": item["code"]})
    if kind in ("full_facilities", "full_facilities_elsewhere"):
        return reverse("beds:board")
    if kind == "overdue_tasks":
        return reverse("tasks:index")
    if kind == "quality_flags":
        return reverse("surveillance:quality")
    if kind == "appeal_surge":
        return reverse("appeals:topics")
    if kind == "overdue_appeals":
        return reverse("appeals:index")
    if kind == "missing_reports":
        return reverse("surveillance:index") + f"?date={day.isoformat()}"
    if kind == "overdue_task":
        return reverse("tasks:detail", kwargs={"task_id": item["id"]})
    if kind == "quality_flag":
        return reverse("surveillance:quality")
    if kind == "signal":
        return item.get("evidence") or reverse("supervision:signals")
    if kind == "signals":
        return reverse("supervision:signals")
    if kind == "hot_topics":
        return reverse("appeals:topics")
    if kind == "hot_topic":
        return reverse("appeals:topics") + "?" + urlencode({"days": 1, "topic": item["key"]})
    if kind == "missing_report":
        return reverse("surveillance:index") + f"?date={day.isoformat()}"
    return reverse("situation:dashboard") + f"?area={area.code}&day={day.isoformat()}"


def standup(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The day's agenda: the red items (as the briefing's decisions needed), each with a
    link; the meeting tasks still open from earlier days; the day's decisions."""
    from warroom.situation import briefing as doc
    from warroom.situation.models import Decision
    from warroom.tasks.models import Status, Task

    data = room(user, area, day)
    items = [
        {
            **i,
            "text": doc.item_text(i),
            "url": _link(i, area, day),
            "members": [
                {**m, "text": doc.item_text(m), "url": _link(m, area, day)}
                for m in i.get("members", [])
            ],
        }
        for i in doc.decisions_needed(data)
    ]
    carried = list(
        _rows(Task, user)
        .filter(area__path__under=area.path, source_kind="meeting", created_at__date__lt=day)
        .exclude(status=Status.VERIFIED)
        .select_related("owner", "area")
        .order_by("deadline", "pk")
    )
    decisions = list(
        _rows(Decision, user)
        .filter(area=area, day=day)
        .select_related("task", "task__owner", "recorded_by")
        .order_by("recorded_at", "pk")
    )
    return {"items": items, "carried": carried, "decisions": decisions, "room": data}


def series_imports(user: Any, *, limit: int = 20) -> list[Any]:
    from warroom.situation.models import SeriesImport

    return list(_rows(SeriesImport, user).select_related("area").order_by("-pk")[:limit])


def series_import(user: Any, job_id: int) -> Any:
    from warroom.situation.models import SeriesImport

    return _rows(SeriesImport, user).select_related("area").filter(pk=job_id).first()


def briefing_calendar(user: Any, area: Area, *, limit: int = 370) -> list[dict[str, Any]]:
    """The archive as a calendar: months (newest first), weeks Monday to Sunday, each day
    with its briefing's headline figures (new confirmed, under treatment, the backlog)."""
    import calendar

    rows = list(
        _rows(Briefing, user)
        .filter(area=area)
        .order_by("-day")
        .values_list("day", "payload")[:limit]
    )
    figures: dict[dt.date, dict[str, Any]] = {}
    for day, payload in rows:
        quantities = ((payload or {}).get("situation") or {}).get("quantities") or {}
        figures[day] = {
            "new": (quantities.get("increment") or {}).get("today"),
            "stock": (quantities.get("stock") or {}).get("today"),
            "backlog": ((payload or {}).get("clearance") or {}).get("total"),
        }
    months = sorted({(d.year, d.month) for d in figures}, reverse=True)
    out = []
    for year, month in months:
        weeks = [
            [{"day": d, "in_month": d.month == month, "figures": figures.get(d)} for d in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        out.append({"month": dt.date(year, month, 1), "weeks": weeks})
    return out
