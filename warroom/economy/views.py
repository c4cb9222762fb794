from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from warroom.communities import coverage as closure
from warroom.core import axes
from warroom.core.today import today
from warroom.economy import selectors, services
from warroom.economy.models import (
    ApplicationStatus,
    AreaRiskLevel,
    Business,
    BusinessCategory,
    BusinessSize,
    Duty,
    ResumptionApplication,
    RiskLevel,
    TransportStatus,
    TravellerKind,
    Trip,
)
from warroom.geo.models import Area
from warroom.tasks.views import attempt, parse_date
from warroom.web.found import area_or_404, asked_area, form_area, load_or_404


def _day(request: HttpRequest) -> Any:
    return parse_date(request.GET.get("date") or request.POST.get("date")) or today()


def _back(request: HttpRequest, name: str, **kwargs: Any) -> HttpResponse:
    from django.urls import reverse

    query = request.GET.urlencode()
    return redirect(reverse(name, kwargs=kwargs) + (f"?{query}" if query else ""))


@login_required
def levels(request: HttpRequest) -> HttpResponse:
    """Risk levels by area (分区分级): the rule's level, HQ's overrides, what each implies."""
    area, day = asked_area(request, post=True), _day(request)
    rows = list(selectors.levels(request.user, area, day))
    return render(
        request,
        "economy/levels.html",
        {
            "area": area,
            "day": day,
            "graded_day": selectors.latest_graded_day(request.user, day),
            "rows": rows,
            "counts": selectors.level_counts(request.user, area, day),
            "measures": [(RiskLevel(k).label, v) for k, v in services.MEASURES.items()],
            "clauses": services.CLAUSES,
            "choices": RiskLevel.choices,
            "rule": services.risk_rule(),
        },
    )


@login_required
def area_levels(request: HttpRequest, code: str) -> HttpResponse:
    area = area_or_404(request.user, code)
    day = _day(request)
    if request.method == "POST":
        if request.POST.get("lift"):
            attempt(request, lambda: services.do_lift_override(area, day, actor=request.user))
        else:
            attempt(
                request,
                lambda: services.do_override_level(
                    area,
                    day,
                    level=request.POST.get("level", ""),
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                ),
            )
        return redirect(f"{request.path}?date={day.isoformat()}")
    history = list(selectors.level_history(request.user, area))
    return render(
        request,
        "economy/area.html",
        {
            "area": area,
            "day": day,
            "history": history,
            "chart_json": json.dumps(
                level_chart(history), ensure_ascii=False, separators=(",", ":")
            ),
            "may_override": request.user.can("set_level"),
            "choices": RiskLevel.choices,
            "clauses": services.CLAUSES,
        },
    )


def level_chart(history: Sequence[AreaRiskLevel]) -> dict[str, Any]:
    """The ECharts option of an area's levels over time (oldest first): the level in force
    and the rule's level as steps on the three levels, HQ's overrides marked with a pin
    (the table below the chart says the same for screen readers)."""
    rows = sorted(history, key=lambda r: r.date)
    names = [str(label) for label in RiskLevel.labels]  # low, medium, high: bottom to top
    label = dict(zip(RiskLevel.values, names, strict=True))
    dates = [r.date.isoformat() for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": axes.grid(top=32),
        "xAxis": axes.date_axis(dates),
        "yAxis": axes.category_axis(names),
        "series": [
            {
                "type": "line",
                "name": pgettext("risk level", "Level"),
                "step": "middle",
                "data": [label.get(r.level, r.level) for r in rows],
            },
            {
                "type": "line",
                "name": _("Computed level"),
                "step": "middle",
                "lineStyle": {"type": "dashed"},
                "data": [label.get(r.computed, r.computed) for r in rows],
            },
            {
                "type": "scatter",
                "name": _("Override"),
                "symbol": "pin",
                "symbolSize": 24,
                "encode": {"x": 0, "y": 1, "tooltip": 1},  # the level; the axis says the day
                "data": [
                    [r.date.isoformat(), label.get(r.level, r.level)]
                    for r in rows
                    if r.override_reason
                ],
            },
        ],
    }


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Closure coverage per subdivision, the units not yet closed, passages and anomalies."""
    area, day = asked_area(request, post=True), _day(request)
    data = closure.coverage(area, day)
    missing = closure.not_closed(area, day)
    names = dict(Area.objects.filter(path__in=missing[:200]).values_list("path", "name_zh"))
    return render(
        request,
        "economy/coverage.html",
        {
            "area": area,
            "day": day,
            "data": data,
            "missing": [(p, names.get(p, p)) for p in missing[:200]],
            "missing_count": len(missing),
            "trend": closure.coverage_trend(area, day, days=14),
            "passages": closure.passages(area, day),
        },
    )


@login_required
def import_closures(request: HttpRequest) -> HttpResponse:
    """Upload closure statuses in bulk (CSV or Excel): all or nothing, with a report."""
    from warroom.communities.imports import CLOSURE_COLUMNS, do_import_closures
    from warroom.core.jobs import enqueue_import, import_in_worker
    from warroom.core.uploads import run_import
    from warroom.tables import TableRejected

    report = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to import."))
            status = 422
        else:
            try:
                if import_in_worker(upload.size or 0):
                    queued = enqueue_import(
                        do_import_closures, upload, upload.name or "", actor=request.user
                    )
                    return redirect("web:job", queued_job_id=queued.pk)
                done = attempt(
                    request, lambda: run_import(do_import_closures, upload, actor=request.user)
                )
            except TableRejected as exc:
                report, done = exc, None
            if done is None:
                status = 422
            elif done.duplicate:
                messages.warning(request, _("This file was already imported: nothing added."))
                return redirect("economy:coverage")
            else:
                messages.success(
                    request, _("Imported %(n)s closure statuses.") % {"n": done.created}
                )
                return redirect("economy:coverage")
    return render(
        request,
        "economy/closures_import.html",
        {
            "report": report,
            "columns": CLOSURE_COLUMNS,
            "may_change": request.user.can("change"),
        },
        status=status,
    )


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    area, day = asked_area(request, post=True), _day(request)
    if request.method == "POST":
        target = _compound(request)
        if target is not None:
            if request.POST.get("grid_name"):
                attempt(
                    request,
                    lambda: services.do_add_grid(
                        target,
                        name=request.POST.get("grid_name", ""),
                        households=_int(request.POST.get("households")),
                        actor=request.user,
                    ),
                )
            else:
                attempt(
                    request,
                    lambda: services.do_assign(
                        target,
                        name=request.POST.get("name", ""),
                        duty=request.POST.get("duty", ""),
                        phone=request.POST.get("phone", ""),
                        from_unit=request.POST.get("from_unit", ""),
                        since=parse_date(request.POST.get("since")) or today(),
                        actor=request.user,
                    ),
                )
        return _back(request, "economy:roster")
    return render(
        request,
        "economy/roster.html",
        {
            "area": area,
            "day": day,
            "roster": selectors.roster(request.user, area, day)[:200],
            "gaps": selectors.roster_gaps(request.user, area, day),
            "duties": Duty.choices,
            "may_change": request.user.can("change"),
        },
    )


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return -1


def _compound(request: HttpRequest) -> Area | None:
    return form_area(
        request,
        request.POST.get("compound"),
        message=_("No compound %(code)s in your jurisdiction."),
        required=True,
    )


@login_required
def businesses(request: HttpRequest) -> HttpResponse:
    area = asked_area(request, post=True)
    if request.method == "POST":
        target = _compound(request)
        if target is not None:
            done = attempt(
                request,
                lambda: services.do_register_business(
                    target,
                    name=request.POST.get("name", ""),
                    category=request.POST.get("category", ""),
                    size=request.POST.get("size", ""),
                    workforce=_int(request.POST.get("workforce")),
                    credit_code=request.POST.get("credit_code", ""),
                    actor=request.user,
                ),
            )
            if done is not None:
                return redirect("economy:business", business_id=done.pk)
        return redirect("economy:businesses")
    qs = selectors.businesses(request.user).filter(area__path__startswith=area.path)
    if request.GET.get("category"):
        qs = qs.filter(category=request.GET["category"])
    return render(
        request,
        "economy/businesses.html",
        {
            "area": area,
            "rows": qs.order_by("name")[:200],
            "total": qs.count(),
            "categories": BusinessCategory.choices,
            "sizes": BusinessSize.choices,
            "may_change": request.user.can("change"),
        },
    )


@login_required
def business(request: HttpRequest, business_id: int) -> HttpResponse:
    b = load_or_404(request.user, "view", Business.objects.select_related("area"), business_id)
    if request.method == "POST":
        ids = [x for x in (request.POST.get("worker_ids") or "").split() if x]
        done = attempt(
            request,
            lambda: services.do_apply_resumption(
                b,
                plan={k: bool(request.POST.get(k)) for k in services.PLAN_ITEMS},
                worker_ids=ids,
                workers=_int(request.POST.get("workers")) if request.POST.get("workers") else None,
                actor=request.user,
            ),
        )
        if done is not None:
            return redirect("economy:application", resumption_id=done.pk)
        return redirect("economy:business", business_id=b.pk)
    return render(
        request,
        "economy/business.html",
        {
            "b": b,
            "applications": selectors.applications(request.user).filter(business=b),
            "plan_items": services.PLAN_ITEMS.items(),
            "level": services.level_of(b.area, today()),
            "may_change": request.user.can("change"),
        },
    )


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    area = asked_area(request, post=True)
    qs = selectors.applications(request.user).filter(business__area__path__startswith=area.path)
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "economy/applications.html",
        {
            "area": area,
            "rows": qs[:200],
            "total": qs.count(),
            "status": status,
            "statuses": ApplicationStatus.choices,
        },
    )


@login_required
def application(request: HttpRequest, resumption_id: int) -> HttpResponse:
    app = load_or_404(
        request.user,
        "view",
        ResumptionApplication.objects.select_related("business", "business__area"),
        resumption_id,
    )
    if request.method == "POST":
        attempt(
            request,
            lambda: services.do_decide_resumption(
                app,
                approve=request.POST.get("decision") == "approve",
                conditions=request.POST.get("conditions", ""),
                reason=request.POST.get("reason", ""),
                actor=request.user,
            ),
        )
        return redirect("economy:application", resumption_id=app.pk)
    day = today()
    return render(
        request,
        "economy/application.html",
        {
            "app": app,
            "assessment": services.assess(app, day),
            "plan": [(label, app.plan.get(k)) for k, label in services.PLAN_ITEMS.items()],
            "may_decide": app.status == ApplicationStatus.PENDING
            and services.approver_problem(request.user, app.business) is None,
        },
    )


@login_required
def resumption(request: HttpRequest) -> HttpResponse:
    area = asked_area(request, post=True)
    return render(
        request,
        "economy/resumption.html",
        {"area": area, "data": selectors.resumption(request.user, area)},
    )


@login_required
def transport(request: HttpRequest) -> HttpResponse:
    area, day = asked_area(request, post=True), _day(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "request":
            target = _compound(request)
            if target is not None:
                attempt(
                    request,
                    lambda: services.do_request_transport(
                        target,
                        kind=request.POST.get("kind", ""),
                        name=request.POST.get("name", ""),
                        id_number=request.POST.get("id_number", ""),
                        phone=request.POST.get("phone", ""),
                        origin=request.POST.get("origin", ""),
                        destination=request.POST.get("destination", ""),
                        wanted=parse_date(request.POST.get("wanted")) or day,
                        actor=request.user,
                    ),
                )
        elif action == "check":
            data = selectors.transport(request.user, area)
            attempt(
                request,
                lambda: services.do_health_check(
                    data["requests"].filter(status=TransportStatus.PENDING), actor=request.user
                ),
            )
        elif action == "plan":
            attempt(
                request,
                lambda: services.do_plan_trips(
                    area, day, capacity=_int(request.POST.get("capacity")), actor=request.user
                ),
            )
        elif action == "checkpoint":
            attempt(
                request,
                lambda: services.do_record_checkpoint(
                    area,
                    checkpoint=request.POST.get("checkpoint", ""),
                    day=day,
                    vehicles=_int(request.POST.get("vehicles")),
                    people=_int(request.POST.get("people")),
                    turned_back=_int(request.POST.get("turned_back")),
                    actor=request.user,
                ),
            )
        return _back(request, "economy:transport")
    data = selectors.transport(request.user, area)
    return render(
        request,
        "economy/transport.html",
        {
            "area": area,
            "day": day,
            "requests": _masked(request, data["requests"].order_by("wanted", "pk")[:200]),
            "may_change": request.user.can("change"),
            "by_status": [(TransportStatus(k).label, v) for k, v in data["by_status"].items()],
            "trips": data["trips"][:100],
            "kinds": TravellerKind.choices,
            "checkpoints": selectors.checkpoints(request.user, area),
        },
    )


def _masked(request: HttpRequest, rows: Any) -> list[dict[str, Any]]:
    """Transport requests as the user may see them: names by ``people``, ID numbers and
    phones always masked in a list (see warroom.core.personal)."""
    from warroom.core.personal import mask_record
    from warroom.economy.models import TransportRequest

    out = []
    for r in rows:
        seen = mask_record(
            TransportRequest.personal_fields,
            {"name": r.name, "id_number": r.id_number, "phone": r.phone},
            request.user,
            unmask=False,
        ).data
        out.append({"r": r, **seen})
    return out


@login_required
def trip(request: HttpRequest, trip_id: int) -> HttpResponse:
    t: Trip = load_or_404(request.user, "view", Trip, trip_id)
    if request.method == "POST":
        attempt(request, lambda: services.do_confirm_arrival(t, actor=request.user))
        return redirect("economy:trip", trip_id=t.pk)
    return render(
        request,
        "economy/trip.html",
        {
            "trip": t,
            "seats": _masked(
                request, [s.request for s in t.seats.select_related("request").order_by("pk")]
            ),
            "may_change": request.user.can("change") and t.arrived_at is None,
        },
    )
