"""Reading the situation room with permission: the dashboard's panels and the briefing.

:func:`room` is the one place the day's numbers are read: the dashboard renders it live
and the daily step ``situation.briefing`` stores it as the day's briefing, so the two can
never disagree. ``user=SYSTEM`` is the system (the daily cycle): every row; otherwise every
query goes through ``restrict(user)``. One query per panel.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from warroom.core import words
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
    return _districts_of(user, [area])[area.pk]


def _districts_of(user: Any, areas: list[Area]) -> dict[int, list[Area]]:
    """:func:`_districts` of several areas (the cities' children read once)."""
    cities = [a for a in areas if a.depth < 1]
    children: dict[int, list[Area]] = {a.pk: [] for a in cities}
    if cities:
        for child in _rows(Area, user).filter(parent__in=cities).order_by("code"):
            children[child.parent_id].append(child)
    return {a.pk: [a] if a.depth >= 1 else children[a.pk] for a in areas}


def reporting(
    user: Any, area: Area, day: dt.date, *, districts: list[Area] | None = None
) -> dict[str, Any]:
    """Which of the area's districts (and itself) sent no figures for ``day``.

    A district without a report row, or whose new confirmed cell is empty, is missing:
    the briefing says so ("江岸区 2月3日未报送") instead of counting it as 0.
    """
    if districts is None:
        districts = _districts(user, area)
    return reportings(user, [area], day, districts={area.pk: districts})[area.pk]


def reportings(
    user: Any, areas: list[Area], day: dt.date, *, districts: dict[int, list[Area]]
) -> dict[int, dict[str, Any]]:
    """:func:`reporting` of several areas: the day's reports of them all read once."""
    from warroom.surveillance.models import DailyReport, Source

    listed = {
        a.pk: [a, *[d for d in districts[a.pk] if d.pk != a.pk]] for a in areas
    }  # the area, then its districts
    got = dict(
        _rows(DailyReport, user)
        .filter(
            area__in={x.pk for xs in listed.values() for x in xs}, date=day, source=Source.REPORT
        )
        .values_list("area_id", "new_confirmed")
    )
    out: dict[int, dict[str, Any]] = {}
    for a in areas:
        missing = [
            {**_area(x), "reported": x.pk in got} for x in listed[a.pk] if got.get(x.pk) is None
        ]
        out[a.pk] = {"areas": len(listed[a.pk]), "missing": missing}
    return out


def clearance_panel(
    user: Any, area: Area, day: dt.date, *, districts: list[Area] | None = None
) -> dict[str, Any]:
    """The four backlogs of the area with age buckets and change, and per district
    (``districts``: :func:`_districts` when the caller has read them already)."""
    if districts is None:
        districts = _districts(user, area)
    return clearance_panels(user, [area], day, districts={area.pk: districts})[area.pk]


BACKLOG_FIGURES = ("total", "under_24h", "from_24_to_48h", "over_48h", "priority")


def clearance_panels(
    user: Any, areas: list[Area], day: dt.date, *, districts: dict[int, list[Area]]
) -> dict[int, dict[str, Any]]:
    """:func:`clearance_panel` of several areas: the stored snapshots of the day and the
    day before (the clearance step's, never recomputed here) read once for all of them."""
    from warroom.cases.models import ClearanceRun, ClearanceSnapshot

    yesterday = day - dt.timedelta(days=1)
    runs = set(
        ClearanceRun.objects.filter(date__in=[day, yesterday]).values_list("date", flat=True)
    )
    others = {a.pk: [d for d in districts[a.pk] if d.pk != a.pk] for a in areas}
    wanted = {a.pk for a in areas} | {d.pk for ds in others.values() for d in ds}
    snaps: dict[int, list[Any]] = {pk: [] for pk in wanted}
    for snap in (
        _rows(ClearanceSnapshot, user)
        .filter(date__in=[day, yesterday], area__in=wanted)
        .order_by()
        .values_list("area_id", "date", "duty", *BACKLOG_FIGURES)
    ):
        snaps[snap[0]].append(snap)
    out: dict[int, dict[str, Any]] = {}
    for area in areas:
        duties: dict[str, dict[str, Any]] = {}
        for d in DUTIES:
            duties[d] = dict.fromkeys(("total", "under_24h", "from_24_to_48h", "over_48h"), 0)
            duties[d]["priority"] = 0
            duties[d]["yesterday"] = 0 if yesterday in runs else None
        for _pk, date, duty, *figures in snaps[area.pk]:
            row = duties[duty]
            if date == day:
                row.update(zip(BACKLOG_FIGURES, figures, strict=True))
            else:
                row["yesterday"] = figures[0]
        for row in duties.values():
            row["change"] = None if row["yesterday"] is None else row["total"] - row["yesterday"]
        rows: list[dict[str, Any]] = []
        for d in others[area.pk]:
            mine = dict.fromkeys(DUTIES, 0)
            for _pk, date, duty, total, *_rest in snaps[d.pk]:
                if date == day:
                    mine[duty] = total
            rows.append({**_area(d), **mine, "total": sum(mine.values())})
        ranked = sorted(rows, key=lambda r: (-r["total"], r["code"]))
        out[area.pk] = {
            "computed": day in runs,
            "duties": duties,
            "total": sum(r["total"] for r in duties.values()),
            "by_district": ranked,
        }
    return out


BED_SUMS = ("capacity", "occupied", "free", "waiting", "balance")


def beds_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The stored bed balance per type over the area's districts on ``day``."""
    return beds_panels(user, [area], day)[area.pk]


def beds_panels(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`beds_panel` of several areas: the day's stored balance rows under them read
    once, summed per area and type as SQL's ``SUM`` does (NULLs aside; NULL when all are)."""
    from warroom.beds.models import BED_TYPE_ORDER, BedBalance
    from warroom.geo.subtrees import Subtrees, under_any

    sums: dict[int, dict[str, dict[str, Any]]] = {a.pk: {} for a in areas}
    subtrees = Subtrees(areas)
    for path, bed_type, *figures in (
        _rows(BedBalance, user)
        .filter(under_any("area__path", areas), day=day)
        .order_by()
        .values_list("area__path", "bed_type", *BED_SUMS)
    ):
        for pk in subtrees.of(path):
            r = sums[pk].setdefault(bed_type, {**dict.fromkeys(BED_SUMS), "unknown": 0})
            for k, v in zip(BED_SUMS, figures, strict=True):
                if v is not None:
                    r[k] = v if r[k] is None else r[k] + v
            r["unknown"] += figures[-1] is None
    out: dict[int, dict[str, Any]] = {}
    for area in areas:
        found = sums[area.pk]
        by_type = []
        for t in BED_TYPE_ORDER:
            got = found.get(t)
            if got is None:
                continue
            r = got
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
        out[area.pk] = {
            "computed": bool(by_type),
            "by_type": by_type,
            "beds_wait": bool(balances) and all(b is not None and b >= 0 for b in balances),
        }
    return out


def certification_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """Certified units per level under the area on ``day`` (from the area's own row)."""
    return certification_panels(user, [area], day)[area.pk]


def certification_panels(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`certification_panel` of several areas: their own rows of the day read once."""
    from warroom.communities.models import Certification, CertificationStatus
    from warroom.geo.models import LEVEL_ORDER

    rows: dict[int, dict[str, Any]] = {}
    for row in (
        _rows(CertificationStatus, user)
        .filter(area__in=areas, date=day)
        .order_by("pk")
        .values("area_id", "status", "subtree_counts")
    ):
        rows.setdefault(row["area_id"], row)
    out: dict[int, dict[str, Any]] = {}
    for area in areas:
        own = rows.get(area.pk)
        if own is None:
            out[area.pk] = {"computed": False, "status": None, "levels": []}
            continue
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
        out[area.pk] = {"computed": True, "status": own["status"], "levels": levels}
    return out


def quality_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The open quality flags under the area found up to ``day``: errors first, newest first."""
    return quality_panels(user, [area], day)[area.pk]


# errors first, newest first; the id last, so that the order is total (one list cut per area
# is the list each area would read alone)
FLAG_ORDER = ("severity", "-day", "area__code", "rule", "pk")


def quality_panels(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`quality_panel` of several areas: the pending flags under them read once."""
    from warroom.geo.subtrees import Subtrees, under_any
    from warroom.surveillance.models import FlagStatus, QualityFlag

    pending = list(
        _rows(QualityFlag, user)
        .filter(under_any("area__path", areas), day__lte=day, detected_on__lte=day)
        .exclude(status=FlagStatus.RESOLVED)
        .select_related("area")
        .order_by(*FLAG_ORDER)
    )
    split = Subtrees(areas).split(pending, lambda f: f.area.path)
    out: dict[int, dict[str, Any]] = {}
    for area in areas:
        found = split[area.pk]
        out[area.pk] = {
            "open": sum(1 for f in found if f.status == FlagStatus.OPEN),
            "acknowledged": sum(1 for f in found if f.status == FlagStatus.ACKNOWLEDGED),
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
                for f in found[:TOP_FLAGS]
            ],
        }
    return out


def overloaded_facilities(user: Any, area: Area, day: dt.date) -> list[dict[str, Any]]:
    """Facilities whose latest report on ``day`` has a bed type over 95 % occupied, each
    with its district (the agenda groups them by it)."""
    return overloaded_by_area(user, [area], day)[area.pk]


def overloaded_by_area(
    user: Any, areas: list[Area], day: dt.date
) -> dict[int, list[dict[str, Any]]]:
    """:func:`overloaded_facilities` of several areas: the day's reports under them read
    once (one report per facility, day and type: the order is total)."""
    from django.db.models import F

    from warroom.beds.models import BedReport
    from warroom.beds.selectors import district_of
    from warroom.geo.subtrees import Subtrees, under_any

    rows = list(
        _rows(BedReport, user)
        .filter(
            under_any("facility__area__path", areas),
            date=day,
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
    districts = {a.code: _area(a) for a in Area.objects.filter(code__in=codes)} if codes else {}
    split = Subtrees(areas).split(rows, lambda r: r["facility__area__path"])
    return {
        pk: [
            {
                "code": r["facility__code"],
                "name": r["facility__name"],
                "district": districts.get(district_of(r["facility__area__path"])),
                "type": r["bed_type"],
                "occupied": r["occupied"],
                "capacity": r["capacity"],
                "occupancy": round(100 * r["occupied"] / r["capacity"], 1),
            }
            for r in found
        ]
        for pk, found in split.items()
    }


def overdue_tasks(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """Open tasks (rectifications, quality checks, meeting tasks) past their deadline."""
    return overdue_tasks_by_area(user, [area], day)[area.pk]


def overdue_tasks_by_area(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`overdue_tasks` of several areas: the overdue tasks under them read once
    (their fields, not the objects: only the first few of each area are shown)."""
    from django.utils import timezone

    from warroom.geo.subtrees import Subtrees, under_any
    from warroom.tasks.models import Task

    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    moment = min(timezone.now(), end)  # today: now; a past day: its end
    owner_name = "owner__username"  # get_username(): AbstractUser's USERNAME_FIELD
    rows = (
        _rows(Task, user)
        .filter(under_any("area__path", areas))
        .overdue(now=moment)
        .order_by("deadline", "pk")
        .values_list(
            "area__path",
            "pk",
            "title",
            "title_words",
            "source_kind",
            "area__code",
            "area__name_zh",
            "area__name_en",
            owner_name,
            "deadline",
        )
    )
    split = Subtrees(areas).split(rows, lambda r: r[0])
    return {
        pk: {
            "count": len(found),
            "items": [
                {
                    "id": task,
                    "title": words.shown(title, title_words),
                    "title_words": title_words,  # (the briefing shows it in its reader's language)
                    "source": source,
                    "area": {"code": code, "name_zh": name_zh, "name_en": name_en},
                    "owner": owner,
                    "deadline": timezone.localtime(deadline).date().isoformat(),
                }
                for (
                    _path,
                    task,
                    title,
                    title_words,
                    source,
                    code,
                    name_zh,
                    name_en,
                    owner,
                    deadline,
                ) in found[:TOP_FLAGS]
            ],
        }
        for pk, found in split.items()
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
    return rooms(
        user,
        [area],
        day,
        plan=plan,
        situations=None if situation is None else {area.pk: situation},
        waste=None if waste is None else {area.pk: waste},
        plans=plans,
    )[area.pk]


def rooms(
    user: Any,
    areas: list[Area],
    day: dt.date,
    *,
    plan: dict[str, Any] | None = None,
    situations: dict[int, Situation] | None = None,
    waste: dict[int, Any] | None = None,
    plans: dict[Any, Any] | None = None,
) -> dict[int, dict[str, Any]]:
    """:func:`room` of several areas at once (area id -> room): each panel reads its table
    once for all of them (the rows under them, grouped by area) and cuts it per area, so
    that the city and its districts cost a statement a panel, not one a panel and area.

    ``plan``: the capacity plan of the city's room (areas of depth 0); ``situations``,
    ``waste``: what the caller has read already, by area id; ``plans``: as :func:`room`'s.
    """
    found = dict(situations or {})
    wanted = [a for a in areas if a.pk not in found or found[a.pk].day != day]
    if wanted:
        for s in _rows(Situation, user).filter(area__in=wanted, day=day).order_by("pk"):
            if s.area_id not in found or found[s.area_id].day != day:
                found[s.area_id] = s
    own = {a.pk: found[a.pk] if a.pk in found and found[a.pk].day == day else None for a in areas}
    districts = _districts_of(user, areas)  # for the reporting and clearance panels
    reported = reportings(user, areas, day, districts=districts)
    clearance = clearance_panels(user, areas, day, districts=districts)
    beds = beds_panels(user, areas, day)
    certification = certification_panels(user, areas, day)
    quality = quality_panels(user, areas, day)
    overloaded = overloaded_by_area(user, areas, day)
    tasks = overdue_tasks_by_area(user, areas, day)
    logistics = logistics_panels(user, areas, day, waste=waste)
    supervision = supervision_panels_of(user, areas, day, own, plans=plans)
    appeals = appeals_panels(user, areas, day)
    out: dict[int, dict[str, Any]] = {}
    for area in areas:
        situation = own[area.pk]
        out[area.pk] = {
            "day": day.isoformat(),
            "area": {**_area(area), "depth": area.depth},
            "situation": None if situation is None else situation.payload,
            "reporting": reported[area.pk],
            "clearance": clearance[area.pk],
            "beds": beds[area.pk],
            "plan": plan if plan is not None and area.depth == 0 else plan_panel(user, area, day),
            "certification": certification[area.pk],
            "quality": quality[area.pk],
            "overloaded": overloaded[area.pk],
            "tasks": tasks[area.pk],
            "logistics": logistics[area.pk],
            **supervision[area.pk],
            "appeals": appeals[area.pk],
        }
    return out


def appeals_panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The citizens' appeals of the day (docs/appeals.md): received, open, overdue, and
    the topics surging (a signal for the stand-up)."""
    return appeals_panels(user, [area], day)[area.pk]


def appeals_panels(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`appeals_panel` of several areas (:func:`warroom.appeals.selectors.summaries`)."""
    from warroom.appeals.selectors import summaries

    return {
        pk: {
            **{k: found[k] for k in ("received", "admission", "open", "overdue")},
            "surges": [
                {"term": s.term, "today": s.today, "baseline": round(s.baseline, 1)}
                for s in found["surges"]
            ],
            "topics": [
                {"key": t.key, "label": list(t.label), "today": t.today} for t in found["topics"]
            ],
        }
        for pk, found in summaries(user, areas, day).items()
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
    return supervision_panels_of(user, [area], day, {area.pk: situation}, plans=plans)[area.pk]


def supervision_panels_of(
    user: Any,
    areas: list[Area],
    day: dt.date,
    situations: dict[int, Situation | None],
    *,
    plans: dict[Any, Any] | None = None,
) -> dict[int, dict[str, Any]]:
    """:func:`supervision_panels` of several areas: the rates and signals read once."""
    from django.apps import apps

    if not apps.is_installed("warroom.supervision"):
        return {a.pk: {} for a in areas}
    from warroom.supervision import selectors as sup

    rates = sup.rates_panels(user, areas, day)
    signals = sup.signals_panels(user, areas, day)
    phases = {
        pk: situation.payload.get("phase") if situation is not None else None
        for pk, situation in situations.items()
    }
    phase_plans = sup.plan_panels(user, areas, phases, memo=plans)
    return {
        a.pk: {
            "rates": rates[a.pk],
            "signals": signals[a.pk],
            "phase_plan": phase_plans[a.pk],
        }
        for a in areas
    }


def logistics_panel(user: Any, area: Area, day: dt.date, *, waste: Any = None) -> dict[str, Any]:
    """Supplies (stock-out alerts, aid teams, donations, the ledger check) and medical
    waste (generated, disposed, backlog, over 48 h, plants) for the dashboard and briefing."""
    return logistics_panels(user, [area], day, waste=None if waste is None else {area.pk: waste})[
        area.pk
    ]


def logistics_panels(
    user: Any, areas: list[Area], day: dt.date, *, waste: dict[int, Any] | None = None
) -> dict[int, dict[str, Any]]:
    """:func:`logistics_panel` of several areas: the supplies read once for all of them,
    the waste balance of each cut from the city's (:func:`waste_balances`) unless given."""
    from warroom.supplies.selectors import panels as supplies_panels
    from warroom.waste.selectors import panel as waste_panel

    supplies = supplies_panels(user, areas, day)
    balances = dict(waste or {})
    missing = [a for a in areas if a.pk not in balances]
    if len(missing) > 1:
        balances.update(waste_balances(user, missing, day))
    return {
        a.pk: {
            "supplies": supplies[a.pk],
            "waste": waste_panel(user, a, day, balance_=balances.get(a.pk)),
        }
        for a in areas
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
