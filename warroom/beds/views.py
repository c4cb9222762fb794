"""Beds pages: overview, facilities, occupancy board, bed balance, capacity plan, import."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warroom.beds import charts, imports, selectors, services
from warroom.beds.demand import constant_assumption
from warroom.beds.forms import (
    CapacityForm,
    DayForm,
    FacilityFilterForm,
    FacilityForm,
    ImportForm,
    PlanForm,
    PlannedOpeningForm,
    ReportForm,
    StatusForm,
)
from warroom.beds.models import BED_TYPE_ORDER, BedType, FacilityKind
from warroom.core.errors import NotFound, WarroomError
from warroom.core.jobs import enqueue_import, import_in_worker
from warroom.core.today import today as platform_today
from warroom.core.uploads import run_import
from warroom.tables import TableRejected, template_bytes
from warroom.web.listing import Col, list_page

FULL = 0.95  # the board shows a facility red above this occupancy


def _day(request: HttpRequest) -> dt.date:
    form = DayForm(request.GET)
    if form.is_valid() and form.cleaned_data.get("date"):
        return form.cleaned_data["date"]
    return platform_today()


def _facility(request: HttpRequest, code: str, action: str = "view") -> Any:
    try:
        return selectors.get_facility(request.user, code, action)
    except NotFound:
        raise Http404 from None


def _type_labels() -> dict[str, str]:
    return {t: str(BedType(t).label) for t in BED_TYPE_ORDER}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    loads = selectors.facility_loads(request.user, day)
    totals = selectors.totals_by_type(loads)
    by_kind: dict[str, int] = {}
    for load in loads:
        if load.total_capacity:
            by_kind[load.facility.kind] = by_kind.get(load.facility.kind, 0) + 1
    start = day - dt.timedelta(days=29)
    history = selectors.capacity_series(start, 30, user=request.user)
    days = [start + dt.timedelta(days=i) for i in range(30)]
    chart = charts.lines(days, {t: [h[t] for h in history] for t in BED_TYPE_ORDER}, stack=True)
    rows = [(labels, totals[t]) for t, labels in _type_labels().items() if totals[t]["capacity"]]
    return render(
        request,
        "beds/index.html",
        {
            "day": day,
            "rows": rows,
            "total": sum(t["capacity"] for t in totals.values()),
            "free": sum(t["free"] for t in totals.values()),
            "kinds": [(FacilityKind(k).label, n) for k, n in sorted(by_kind.items())],
            "chart": chart,
        },
    )


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    form = FacilityFilterForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    day = data.get("date") or platform_today()
    loads = selectors.facility_loads(request.user, day, kind=data.get("kind") or None)
    if data.get("q"):
        loads = [x for x in loads if data["q"] in x.facility.name or data["q"] in x.facility.code]
    listed = list_page(
        request,
        loads,
        [
            Col(_("Code"), lambda x: x.facility.code),
            Col(_("Name"), lambda x: x.facility.name),
            Col(_("Type"), lambda x: x.facility.get_kind_display()),
            Col(_("Area"), lambda x: x.facility.area.name_zh),
            Col(_("Status"), lambda x: x.facility.get_status_display()),
            Col(_("Beds"), lambda x: x.total_capacity),
            Col(_("Occupied"), lambda x: x.total_occupied),
            Col(_("Occupancy"), lambda x: None if x.rate is None else round(x.rate, 4)),
            Col(_("Date"), lambda x: day),
        ],
        name=f"facilities-{day.isoformat()}",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "beds/facilities.html",
        {
            **listed,
            "form": form,
            "loads": listed["page"],
            "day": day,
            "can_change": request.user.can("change"),  # type: ignore[union-attr]
        },
    )


@login_required
def facility_new(request: HttpRequest) -> HttpResponse:
    """Add one facility; its beds then come as capacity changes on its page."""
    from warroom.geo.models import Area

    if not request.user.can("change"):  # type: ignore[union-attr]
        raise Http404
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        area = Area.objects.restrict(request.user, "change").filter(code=d.pop("area_code")).first()
        if area is None:
            form.add_error("area_code", _("No such area among yours."))
        else:
            try:
                f = services.do_create_facility(
                    code=d.pop("code"), area=area, actor=request.user, **d
                )
            except WarroomError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Facility added: now record its beds."))
                return redirect(f)
    return render(request, "beds/facility_new.html", {"form": form})


@login_required
def facility(request: HttpRequest, facility_code: str) -> HttpResponse:
    f = _facility(request, facility_code)
    day = _day(request)
    load = selectors.facility_loads_for(request.user, [f], day)[0]
    history = list(selectors.capacity_history(request.user, f))
    reports = selectors.reports(request.user, f)
    chart = None
    if history:
        start = min(c.effective for c in history) - dt.timedelta(days=1)
        end = max(max(c.effective for c in history), day) + dt.timedelta(days=1)
        n = min((end - start).days + 1, 400)
        days = [start + dt.timedelta(days=i) for i in range(n)]
        actual = selectors.capacity_series(start, n, user=request.user, facility_ids=[f.pk])
        sched = selectors.capacity_series(
            start, n, user=request.user, facility_ids=[f.pk], schedule=True
        )
        chart = charts.lines(
            days,
            {t: [a[t] for a in actual] for t in f.bed_types},
            dashed={t: [s[t] for s in sched] for t in f.bed_types},
            dashed_suffix=_("(with planned)"),
        )
    occ_chart = None
    if reports:
        by_day = sorted({r.date for r in reports})
        occ_chart = charts.lines(
            by_day,
            {
                t: [
                    next((r.occupied for r in reports if r.date == d and r.bed_type == t), None)
                    for d in by_day
                ]
                for t in f.bed_types
            },
        )
    can_change = request.user.can("change")  # type: ignore[union-attr]
    return render(
        request,
        "beds/facility.html",
        {
            "f": f,
            "day": day,
            "load": load,
            "history": history,
            "reports": reports,
            "chart": chart,
            "occ_chart": occ_chart,
            "can_change": can_change,
            "report_form": ReportForm(initial={"date": day, "bed_type": f.bed_types[0]}),
            "status_form": StatusForm(initial={"status": f.status, "date": day}),
            "capacity_form": CapacityForm(
                initial={"effective": day, "bed_type": f.bed_types[0], "kind": "opening"}
            ),
        },
    )


@login_required
@require_POST
def report(request: HttpRequest, facility_code: str) -> HttpResponse:
    f = _facility(request, facility_code, "change")
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The report is not valid: %s") % form.errors.as_text())
        return redirect(f)
    d = form.cleaned_data
    try:
        services.do_report_occupancy(
            f, day=d["date"], bed_type=d["bed_type"], occupied=d["occupied"], actor=request.user
        )
    except WarroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Occupancy recorded."))
    return redirect(f"{f.get_absolute_url()}?date={d['date']}")


@login_required
@require_POST
def capacity(request: HttpRequest, facility_code: str) -> HttpResponse:
    f = _facility(request, facility_code, "change")
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for e in form.errors.get("__all__", []))
            or _("The change is not valid."),
        )
        return redirect(f)
    d = form.cleaned_data
    try:
        if d["kind"] == "conversion":
            services.do_convert_beds(
                f,
                from_type=d["bed_type"],
                to_type=d["convert_to"],
                beds=d["delta"],
                effective=d["effective"],
                actor=request.user,
                note=d["note"],
            )
        else:
            services.do_record_capacity_change(
                f,
                bed_type=d["bed_type"],
                kind=d["kind"],
                effective=d["effective"],
                delta=d["delta"],
                level=d["level"],
                note=d["note"],
                actor=request.user,
            )
    except WarroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Capacity change recorded."))
    return redirect(f)


@login_required
@require_POST
def status(request: HttpRequest, facility_code: str) -> HttpResponse:
    f = _facility(request, facility_code, "change")
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The status is not valid."))
        return redirect(f)
    try:
        services.do_set_facility_status(
            f, form.cleaned_data["status"], day=form.cleaned_data["date"], actor=request.user
        )
    except WarroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Status changed."))
    return redirect(f)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    loads = [x for x in selectors.facility_loads(request.user, day) if x.total_capacity]
    loads.sort(key=lambda x: (-(x.rate if x.rate is not None else -1), x.facility.code))
    return render(
        request,
        "beds/board.html",
        {
            "day": day,
            "loads": loads,
            "full": FULL,
            "full_count": sum(1 for x in loads if x.rate is not None and x.rate > FULL),
            "unreported": sum(1 for x in loads if x.rate is None),
        },
    )


@login_required
def balance(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    result = selectors.balance_on(day, user=request.user)
    start = day - dt.timedelta(days=59)
    days, series = selectors.balance_history(request.user, start, day)
    since = selectors.beds_wait_since(days, series) if result.case_data else None
    has_history = any(v is not None for values in series.values() for v in values)
    districts: dict[str, dict[str, Any]] = {}
    for r in result.rows:
        row = districts.setdefault(r.area_code, {"name": r.area_name, "types": {}})
        row["types"][r.bed_type] = r
    return render(
        request,
        "beds/balance.html",
        {
            "day": day,
            "result": result,
            "totals": result.by_type(),
            "labels": _type_labels(),
            "districts": sorted(districts.items()),
            "since": since,
            "chart": charts.lines(days, series, mark_zero=True) if has_history else None,
        },
    )


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    from warroom.beds.planning import capacity_plan

    query = request.GET.copy()
    if not query.get("date"):
        query["date"] = platform_today().isoformat()
    form = PlanForm(query)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    start = data.get("date") or platform_today()
    opening = PlannedOpeningForm(initial={"effective": start})
    if request.method == "POST":
        if not request.user.can("change"):  # type: ignore[union-attr]
            raise Http404
        opening = PlannedOpeningForm(request.POST)
        if opening.is_valid():
            d = opening.cleaned_data
            try:
                f = selectors.get_facility(request.user, d["facility"], "change")
                services.do_plan_opening(
                    f,
                    bed_type=d["bed_type"],
                    beds=d["beds"],
                    effective=d["effective"],
                    note=d["note"],
                    actor=request.user,
                )
            except NotFound:
                messages.error(request, _("No facility %s among yours.") % d["facility"])
            except WarroomError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Planned opening added to the schedule."))
                query = request.GET.urlencode()
                return redirect(request.path + (f"?{query}" if query else ""))
    assumption = None
    if data.get("confirmed") is not None:
        assumption = constant_assumption(data["confirmed"], data.get("quarantined") or 0, 30)
    target = data["target"] / 100 if data.get("target") else None
    result = capacity_plan(request.user, start, assumption=assumption, target=target)
    context: dict[str, Any] = {
        "form": form,
        "opening": opening,
        "start": start,
        "result": result,
        "labels": _type_labels(),
        "can_change": request.user.can("change"),  # type: ignore[union-attr]
    }
    if result is not None:
        context["window_rows"] = [
            (w, [w.open_beds[t] for t in BED_TYPE_ORDER]) for w in result.windows
        ]
        context["charts"] = [
            (
                _type_labels()[t],
                charts.lines(
                    result.days,
                    {t: result.occupancy[t]},
                    dashed={t: result.schedule[t]},
                    dashed_suffix=_("capacity scheduled"),
                ),
            )
            for t in BED_TYPE_ORDER
            if any(result.occupancy[t]) or any(result.schedule[t])
        ]
    return render(request, "beds/plan.html", context)


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    if not request.user.can("change"):  # type: ignore[union-attr]
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = None
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        importer = (
            imports.do_import_facilities
            if form.cleaned_data["which"] == "facilities"
            else imports.do_import_bed_reports
        )
        try:
            if import_in_worker(upload.size or 0):  # a large file: a worker imports it
                queued = enqueue_import(importer, upload, upload.name or "", actor=request.user)
                return redirect("web:job", queued_job_id=queued.pk)
            result = run_import(importer, upload, actor=request.user)
        except TableRejected as exc:
            errors = exc
        except WarroomError as exc:
            messages.error(request, exc.message)
    return render(request, "beds/import.html", {"form": form, "errors": errors, "result": result})


@login_required
def template(request: HttpRequest, which: str) -> HttpResponse:
    columns = {"facilities": imports.FACILITY_COLUMNS, "reports": imports.REPORT_COLUMNS}.get(which)
    if columns is None:
        raise Http404
    response = HttpResponse(
        template_bytes(columns, sheet=which),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="beds-{which}-template.xlsx"'
    return response
