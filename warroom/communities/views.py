from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from warroom.communities import selectors, services
from warroom.communities.imports import INSPECTION_COLUMNS, do_import_inspections
from warroom.communities.models import (
    Certification,
    ChecklistKind,
    Closure,
    Decision,
    Purpose,
)
from warroom.core import axes
from warroom.core.errors import NotFound
from warroom.core.jobs import enqueue_import, import_in_worker
from warroom.core.permits import may
from warroom.core.today import today as platform_today
from warroom.core.uploads import run_import
from warroom.core.users import user_choices
from warroom.geo import selectors as geo
from warroom.geo.models import Area, Level
from warroom.tables import TableRejected, template_bytes
from warroom.tasks.views import attempt, parse_date
from warroom.web.found import area_or_404
from warroom.web.listing import Col, list_page


def _day(request: HttpRequest) -> dt.date | None:
    asked = parse_date(request.GET.get("date"))
    return selectors.latest_date(request.user, asked)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The certification overview of one's jurisdiction: counts per level, over time."""
    home = geo.home_area(request.user)
    day = _day(request)
    hist = selectors.history(request.user, home)
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": axes.grid(top=32),
        "xAxis": axes.date_axis(hist["dates"]),
        "yAxis": {"type": "value"},
        "series": [
            {"type": "line", "name": str(Level(lv).label), "data": data}
            for lv, data in hist["series"].items()
            if any(data) and lv != Level.CITY
        ],
    }
    return render(
        request,
        "communities/index.html",
        {
            "home": home,
            "day": day,
            "own": selectors.status_of(request.user, home, day),
            "counts": selectors.level_counts(request.user, home, day),
            "history_json": _json(option),
            "has_history": bool(hist["dates"]),
            "events": selectors.events(request.user).order_by("-at", "-pk")[:20],
        },
    )


@login_required
def area_map(request: HttpRequest) -> HttpResponse:
    """Compounds coloured by status on the user's area's boundaries, its children coloured by
    certification (the situation map's certification view, docs/maps.md)."""
    from django.urls import reverse

    from warroom.geo.shapes import shape_index
    from warroom.situation.maps import map_option

    home = geo.home_area(request.user)
    day = _day(request)
    groups = selectors.map_points(request.user, home, day)
    labels: dict[str, str] = {str(s): str(Certification(s).label) for s in Certification.values}
    option, links, _places = map_option(
        request.user, home, day, "certification", shape_index(request.user, home), groups=groups
    )
    counts = {s: len(p) for s, p in groups.items()}
    return render(
        request,
        "communities/map.html",
        {
            "day": day,
            "option_json": _json(option),
            "links_json": _json(links),
            "shapes_url": reverse("situation:map_shapes", kwargs={"code": home.code}),
            "map_name": "warroom-" + home.code,
            "full_map": reverse("situation:map", kwargs={"code": home.code}),
            "counts": counts,
            "labels": labels,
        },
    )


@login_required
def tree(request: HttpRequest, code: str) -> HttpResponse:
    """One unit's status with its reasons, its subdivisions' statuses and counts per level."""
    area = area_or_404(request.user, code)
    day = _day(request)
    return render(
        request,
        "communities/tree.html",
        {
            "area": area,
            "day": day,
            "own": selectors.status_of(request.user, area, day),
            "ancestors": geo.ancestors(request.user, area),
            "children": selectors.children_statuses(request.user, area, day),
            "counts": selectors.level_counts(request.user, area, day),
            "closure": services.current_closure(area) if area.level == Level.COMPOUND else None,
            "checks": services.reopening_checks(area) if area.parent_id else None,
            "can_change": request.user.can("change"),  # type: ignore[union-attr]
        },
    )


@login_required
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    """The printable certificate of a certified unit (print CSS hides the chrome)."""
    area = area_or_404(request.user, code)
    day = _day(request)
    own = selectors.status_of(request.user, area, day)
    return render(
        request,
        "communities/certificate.html",
        {
            "area": area,
            "day": day,
            "own": own,
            "certified": own is not None and own.status == Certification.CERTIFIED,
            "ancestors": geo.ancestors(request.user, area),
        },
    )


@login_required
def published(request: HttpRequest) -> HttpResponse:
    """The list of newly certified units, as Wuhan published it every 3 days."""
    day = _day(request)
    rows = list(selectors.newly_certified(request.user, day)) if day else []
    by_level: dict[str, list[Any]] = {}
    for r in rows:
        by_level.setdefault(r.level, []).append(r)
    groups = [(Level(lv).label, by_level[lv]) for lv in selectors.LEVELS if lv in by_level]
    return render(
        request,
        "communities/published.html",
        {
            "day": day,
            "groups": groups,
            "total": len(rows),
            "since": day - dt.timedelta(days=2) if day else None,
        },
    )


# --- inspections ----------------------------------------------------------------------


@login_required
def inspections(request: HttpRequest) -> HttpResponse:
    qs = selectors.inspections(request.user).order_by("-date", "-pk")
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("communities:inspect", code=code)
    can_inspect = may(request.user, "inspect")
    since = parse_date(request.GET.get("since"))
    if since is not None:
        qs = qs.filter(date__gte=since)
    listed = list_page(
        request,
        qs.select_related("area", "inspector", "checklist"),
        [
            Col(_("Date"), lambda i: i.date),
            Col(_("Compound code"), lambda i: i.area.code),
            Col(_("Compound"), lambda i: i.area.name_zh),
            Col(_("Checklist"), lambda i: str(i.checklist)),
            Col(_("Inspector"), lambda i: i.inspector.username if i.inspector else ""),
            Col(_("Result"), lambda i: _("Passed") if i.passed else _("Failed")),
        ],
        name="inspections",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "communities/inspections.html",
        {
            **listed,
            "since": since,
            "inspections": listed["page"],
            "can_inspect": can_inspect,
            "sample": selectors.random_certified_compounds(request.user) if can_inspect else [],
        },
    )


def _owner_choices(request: HttpRequest, area: Area) -> list[Any]:
    return list(user_choices(request.user, area))


@login_required
def inspect(request: HttpRequest, code: str) -> HttpResponse:
    """The inspection form (mobile first): every item pass or fail, failed items → tasks."""
    area = area_or_404(request.user, code)
    kind = str(request.POST.get("kind") or request.GET.get("kind") or ChecklistKind.SIX_IN_PLACE)
    if kind not in ChecklistKind.values:
        raise Http404
    checklist = attempt(request, lambda: services.active_checklist(kind))
    items = list(checklist.items.order_by("order")) if checklist else []
    lang = get_language() or "zh-hans"
    status = 200
    if request.method == "POST":
        results = {}
        for item in items:
            answer = request.POST.get(f"item_{item.code}")
            if answer in ("pass", "fail"):
                results[item.code] = services.ItemResult(
                    answer == "pass", request.POST.get(f"note_{item.code}", "")
                )
        date = parse_date(request.POST.get("date"))
        owner = None
        if request.POST.get("owner"):
            owner = next(
                (u for u in _owner_choices(request, area) if str(u.pk) == request.POST["owner"]),
                None,
            )
        if date is None:
            messages.error(request, _("Give the date of the inspection."))
            status = 422
        else:
            done = attempt(
                request,
                lambda: services.do_record_inspection(
                    area,
                    kind=kind,
                    date=date,
                    results=results,
                    owner=owner,
                    deadline=parse_date(request.POST.get("deadline")),
                    note=request.POST.get("note", ""),
                    actor=request.user,
                ),
            )
            if done is not None:
                messages.success(request, _("Inspection recorded."))
                return redirect("communities:inspection", inspection_id=done.pk)
            status = 422
    return render(
        request,
        "communities/inspect.html",
        {
            "area": area,
            "kind": kind,
            "kinds": ChecklistKind.choices,
            "checklist": checklist,
            "items": [(i, i.text(lang)) for i in items],
            "owners": _owner_choices(request, area),
            "today": platform_today().isoformat(),
            "posted": request.POST,
            "can_inspect": request.user.can("inspect"),  # type: ignore[union-attr]
        },
        status=status,
    )


@login_required
def inspection(request: HttpRequest, inspection_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_inspection(request.user, inspection_id))
    from warroom.tasks.models import Task

    results = list(found.results.select_related("item").order_by("item__order"))
    tasks = {
        t.source_id: t
        for t in Task.objects.restrict(request.user).filter(
            source_kind="inspection", source_id__in=[r.pk for r in results]
        )
    }
    lang = get_language() or "zh-hans"
    return render(
        request,
        "communities/inspection.html",
        {
            "inspection": found,
            "rows": [(r, r.item.text(lang), tasks.get(r.pk)) for r in results],
        },
    )


@login_required
def import_inspections(request: HttpRequest) -> HttpResponse:
    """Upload the day's inspection sheets (CSV or Excel): all or nothing, with a report."""
    report = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to import."))
            status = 422
        else:
            try:
                if import_in_worker(upload.size or 0):  # a large file: a worker imports it
                    queued = enqueue_import(
                        do_import_inspections, upload, upload.name or "", actor=request.user
                    )
                    return redirect("web:job", queued_job_id=queued.pk)
                done = attempt(
                    request,
                    lambda: run_import(do_import_inspections, upload, actor=request.user),
                )
            except TableRejected as exc:
                report, done = exc, None
            if done is None:
                status = 422
            elif done.duplicate:
                messages.warning(request, _("This file was already imported: nothing added."))
                return redirect("communities:inspections")
            else:
                messages.success(
                    request,
                    _("Imported %(n)s inspections; %(tasks)s rectification tasks opened.")
                    % {"n": done.inspections, "tasks": done.tasks},
                )
                return redirect("communities:inspections")
    return render(
        request,
        "communities/import.html",
        {
            "report": report,
            "columns": INSPECTION_COLUMNS,
            "can_inspect": request.user.can("inspect"),  # type: ignore[union-attr]
        },
        status=status,
    )


@login_required
@require_GET
def inspections_template(request: HttpRequest) -> HttpResponse:
    """The Excel template of the inspection import (Chinese headers, English notes)."""
    response = HttpResponse(
        template_bytes(INSPECTION_COLUMNS, sheet="inspections"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="inspections-template.xlsx"'
    return response


# --- closure --------------------------------------------------------------------------


@login_required
def closure(request: HttpRequest, code: str) -> HttpResponse:
    """A compound's closure: status history, entry points with duty staff, passages."""
    area = area_or_404(request.user, code)
    if request.method == "POST":
        action = request.POST.get("action")
        user = request.user
        p = request.POST
        if action == "status":
            attempt(
                request,
                lambda: services.do_set_closure(
                    area, p.get("status", ""), note=p.get("note", ""), actor=user
                ),
            )
        elif action == "entry_point":
            attempt(
                request,
                lambda: services.do_add_entry_point(
                    area,
                    name=p.get("name", ""),
                    duty_staff=p.get("duty_staff", ""),
                    duty_phone=p.get("duty_phone", ""),
                    actor=user,
                ),
            )
        elif action == "passage":
            try:
                point = selectors.get_entry_point(user, p.get("entry_point"))
            except NotFound:
                raise Http404 from None
            if point.area_id != area.pk:
                raise Http404
            attempt(
                request,
                lambda: services.do_record_passage(
                    point,
                    direction=p.get("direction", ""),
                    purpose=p.get("purpose", ""),
                    person=p.get("person", ""),
                    note=p.get("note", ""),
                    pass_number=p.get("pass_number", ""),
                    actor=user,
                ),
            )
        elif action == "pass":
            attempt(
                request,
                lambda: services.do_issue_pass(
                    area,
                    household=p.get("household", ""),
                    holder=p.get("holder", ""),
                    purpose=p.get("purpose", "supply"),
                    actor=user,
                ),
            )
        else:
            messages.error(request, _("Unknown action."))
        return redirect("communities:closure", code=area.code)
    return render(
        request,
        "communities/closure.html",
        {
            "area": area,
            "history": selectors.closure_history(request.user, area),
            "points": selectors.entry_points(request.user, area),
            "passages": selectors.passages(request.user, area)[:50],
            "passes": selectors.gate_passes(request.user, area)[:50],
            "closures": Closure.choices,
            "purposes": Purpose.choices,
            "is_compound": area.level == Level.COMPOUND,
        },
    )


# --- reopening ------------------------------------------------------------------------


@login_required
def reopenings(request: HttpRequest) -> HttpResponse:
    listed = _reopening_list(request)
    if isinstance(listed, HttpResponse):
        return listed
    return render(request, "communities/reopenings.html", listed)


def _reopening_list(request: HttpRequest) -> Any:
    listed = list_page(
        request,
        selectors.applications(request.user).order_by("-applied_at").select_related("area"),
        [
            Col(_("Applied"), lambda a: a.applied_at),
            Col(_("Code"), lambda a: a.area.code),
            Col(_("Area"), lambda a: a.area.name_zh),
            Col(_("Status"), lambda a: a.get_status_display()),
        ],
        name="reopening-applications",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return {**listed, "applications": listed["page"]}


@login_required
@require_POST
def apply_reopening(request: HttpRequest, code: str) -> HttpResponse:
    area = area_or_404(request.user, code)
    done = attempt(
        request,
        lambda: services.do_apply_reopening(
            area, note=request.POST.get("note", ""), actor=request.user
        ),
    )
    if done is not None:
        messages.success(request, _("The application is sent to the level above."))
        return redirect("communities:application", application_id=done.pk)
    return redirect("communities:tree", code=area.code)


@login_required
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    app = attempt(request, lambda: selectors.get_application(request.user, application_id))
    if request.method == "POST":
        attempt(
            request,
            lambda: services.do_decide_reopening(
                app,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
                actor=request.user,
            ),
        )
        return redirect("communities:application", application_id=app.pk)
    user = request.user
    can_decide = (
        app.status == Decision.PENDING
        and user.can("change")  # type: ignore[union-attr]
        and user.area_path != app.area.path  # type: ignore[union-attr]
    )
    return render(
        request,
        "communities/application.html",
        {
            "app": app,
            "failed": services.describe_failed_checks(app.checks) if app.checks else [],
            "can_decide": can_decide,
        },
    )
