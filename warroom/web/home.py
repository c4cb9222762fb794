"""Each role's home: the work waiting for the user, from the selectors the dashboard uses.

One definition per number: a backlog is ``situation.selectors.clearance_panel``'s, the
residents due a visit are ``services.selectors.care_backlog_counts``', the waiting are
``dispatch.selectors.waiting_list``'s, an overdue task is ``Task.objects.overdue()``. The
home only picks which of them a role sees and says what to do next, with a link each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from warroom.core.permits import may
from warroom.core.today import now as platform_now
from warroom.core.today import today as platform_today
from warroom.geo.models import Area, Level

# Roles whose home is the command dashboard (the headquarters' and the districts' view).
DASHBOARD_ROLES = {"hq_leader", "district_officer"}
FIELD_ROLES = {"street_officer", "community_worker", "grid_worker"}
# Roles whose own module is being built (appeals, supplies, supervision): the URL name
# their page will have; until it exists the home shows what they can do now.
MODULE_OF = {
    "hotline_operator": "appeals:index",
    "logistics_officer": "supplies:index",
    "supervisor": "supervision:index",
}


@dataclass(frozen=True)
class Step:
    """One thing to do next: what, how many, where to do it."""

    text: str
    count: int | None
    url: str
    urgent: bool = False


def url_or_none(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def data_day(user: Any) -> dt.date | None:
    """The latest day with a clearance run on or before the platform's today."""
    from warroom.cases.selectors import latest_run

    run = latest_run(platform_today())
    return run.date if run is not None else None


def inspections_due(user: Any, area: Area) -> int:
    """Compounds under ``area`` whose six in place no inspection has checked yet (what the
    certification reports as "the six in place not passed by an inspection yet")."""
    from warroom.communities.models import ChecklistKind, Inspection

    inspected = Inspection.objects.filter(kind=ChecklistKind.SIX_IN_PLACE).values("area_id")
    return (
        Area.objects.restrict(user)
        .filter(path__under=area.path, level=Level.COMPOUND)
        .exclude(pk__in=inspected)
        .count()
    )


def closed_compounds(user: Any, area: Area) -> dict[str, int]:
    """Compounds under ``area`` by their current closure (the latest change of each)."""
    from warroom.communities.models import ClosureStatus

    current: dict[int, str] = {}
    for area_id, status in (
        ClosureStatus.objects.restrict(user)
        .filter(area__path__under=area.path)
        .order_by("area_id", "since", "pk")
        .values_list("area_id", "status")
    ):
        current[area_id] = status
    out: dict[str, int] = {}
    for status in current.values():
        out[status] = out.get(status, 0) + 1
    return out


def field_home(user: Any, area: Area) -> dict[str, Any]:
    """Street, community and grid: their units' work and what to do next."""
    from warroom.services.models import CareStatus, OrderStatus
    from warroom.services.selectors import care_backlog_counts, medical_requests, orders
    from warroom.situation.selectors import clearance_panel
    from warroom.tasks.models import Status
    from warroom.tasks.selectors import visible_tasks

    day = data_day(user)
    clearance = clearance_panel(user, area, day) if day is not None else None
    tasks = visible_tasks(user).filter(area__path__under=area.path, status=Status.OPEN)
    rectification = tasks.filter(source_kind="inspection")
    overdue = tasks.overdue(now=platform_now())
    care = care_backlog_counts(area)
    open_orders = orders(user).filter(area__path__under=area.path, status=OrderStatus.ORDERED)
    open_medical = (
        medical_requests(user).filter(area__path__under=area.path).exclude(status=CareStatus.DONE)
    )
    due = inspections_due(user, area)
    closure = closed_compounds(user, area)
    figures = {
        "backlog": clearance["total"] if clearance else None,
        "backlog_over_48h": sum(d["over_48h"] for d in clearance["duties"].values())
        if clearance
        else None,
        "inspections_due": due,
        "closed": closure.get("closed", 0) + closure.get("sealed", 0),
        "rectification": rectification.count(),
        "overdue_tasks": overdue.count(),
        "my_tasks": tasks.filter(owner=user).count(),
        "visits_due": care["not_visited"],
        "without_caretaker": care["without_caretaker"],
        "residents": care["total"],
        "orders_open": open_orders.count(),
        "medical_open": open_medical.count(),
    }
    steps: list[Step] = []

    def add(text: str, count: int | None, name: str, urgent: bool = False, **kw: Any) -> None:
        url = url_or_none(name, **kw)
        if url is not None and count:
            steps.append(Step(text, count, url, urgent))

    add(_("Overdue tasks: do them first"), figures["overdue_tasks"], "tasks:index", True)
    add(
        _("People waiting over 48 hours in your area's backlogs"),
        figures["backlog_over_48h"],
        "cases:clearance",
        True,
    )
    add(
        _("Medical requests of residents not done yet"),
        figures["medical_open"],
        "services:medical",
        True,
    )
    add(_("Vulnerable residents due a visit"), figures["visits_due"], "services:index")
    add(
        _("Vulnerable residents without a caretaker"),
        figures["without_caretaker"],
        "services:index",
    )
    add(_("Rectification tasks open"), figures["rectification"], "tasks:index")
    if may(user, "inspect"):
        add(_("Compounds whose six in place are not inspected yet"), due, "communities:inspections")
    add(_("Group orders to deliver"), figures["orders_open"], "services:orders")
    add(_("People in your area's backlogs"), figures["backlog"], "cases:clearance")
    steps.sort(key=lambda s: not s.urgent)
    duties = []
    if clearance is not None:
        from warroom.cases.models import Duty

        duties = [(Duty(name).label, row) for name, row in clearance["duties"].items()]
    return {
        "day": day,
        "clearance": clearance,
        "duties": duties,
        "figures": figures,
        "closure": closure,
        "steps": steps,
        "tasks": list(tasks.select_related("area").order_by("deadline", "pk")[:10]),
        "medical": list(open_medical.select_related("area").order_by("pk")[:10]),
    }


def dispatcher_home(user: Any) -> dict[str, Any]:
    from warroom.dispatch.selectors import free_beds, waiting_list

    rows, counts = waiting_list(user, limit=20)
    return {
        "waiting": rows,
        "waiting_counts": counts,
        "waiting_total": sum(counts.values()),
        "free": free_beds(user),
    }


def analyst_home(user: Any, area: Area) -> dict[str, Any]:
    from warroom.situation.selectors import latest, series_imports
    from warroom.surveillance.models import FlagStatus, QualityFlag

    situation = latest(user, area, day=platform_today())
    flags = (
        QualityFlag.objects.restrict(user)
        .filter(area__path__under=area.path)
        .exclude(status=FlagStatus.RESOLVED)
        .count()
    )
    return {
        "situation": situation,
        "open_flags": flags,
        "imports": series_imports(user, limit=5),
        "can_import": may(user, "import_series"),
    }


def auditor_home(user: Any) -> dict[str, Any]:
    from warroom.audit.selectors import shown_entries, visible_entries

    entries = visible_entries(user).order_by("-seq")[:15]
    return {"entries": shown_entries(user, entries, unmask=False)}


def module_home(user: Any) -> dict[str, Any]:
    """Hotline, logistics and supervision: their module's page when it exists, and what
    they can do now (the pages of the platform their role uses today)."""
    name = MODULE_OF.get(str(user.role))
    return {"module_url": url_or_none(name) if name else None}
