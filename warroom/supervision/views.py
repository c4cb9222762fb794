"""Pages of supervision: the supervisor's desk, visits, the problem ledger, special places,
accountability, data integrity, rates and targets, signals and risks, phase plans, inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warroom.core.errors import InvalidInput
from warroom.core.today import today
from warroom.core.users import find_user
from warroom.geo import selectors as geo
from warroom.supervision import integrity, selectors, services
from warroom.supervision.models import (
    AREA_KINDS,
    FACILITY_KINDS,
    SPECIAL_CHOICES,
    SPECIAL_KINDS,
    Decision,
    PlanItemKind,
    RiskKind,
    UnitKind,
)
from warroom.supervision.templatetags.supervision_tags import RATE_LABELS
from warroom.tasks.views import attempt
from warroom.web.found import in_form


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Not a date: %(v)s.") % {"v": value[:20]}) from None


# --- the supervisor's desk ----------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The supervisor's home: problems open, overdue and escalated; recent visits; signals."""
    from warroom.tasks.selectors import visible_tasks

    user = request.user
    day = today()
    open_findings = selectors.findings(user).exclude(task__status="verified")
    return render(
        request,
        "supervision/index.html",
        {
            "open_findings": list(open_findings.order_by("task__deadline")[:20]),
            "open_count": open_findings.count(),
            "overdue": visible_tasks(user).overdue().count(),
            "escalations": list(selectors.escalations(user)[:10]),
            "visits": list(selectors.visits(user)[:10]),
            "signals": list(selectors.signals(user).filter(day=day, status="open")[:20]),
            "my_tasks": list(visible_tasks(user).filter(owner=user).pending()[:10]),
            "day": day,
        },
    )


# --- visits -------------------------------------------------------------------------------


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    qs = selectors.visits(request.user)
    if request.GET.get("announced") in ("0", "1"):
        qs = qs.filter(announced=request.GET["announced"] == "1")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/visits.html", {"page": page})


def _units(user: Any, kind: str) -> list[tuple[str, str]]:
    """(code, name) of the units of ``kind`` the user may visit (a bounded list)."""
    if kind in AREA_KINDS:
        home = geo.home_area(user)
        return [
            (a.code, a.name_zh) for a in geo.subtree(user, home, level=kind).order_by("code")[:500]
        ]
    if kind in FACILITY_KINDS:
        from warroom.beds.models import Facility

        return [
            (f.code, f.name)
            for f in Facility.objects.restrict(user, "view")
            .filter(kind=FACILITY_KINDS[kind])
            .order_by("code")[:500]
        ]
    return [(p.code, p.name) for p in selectors.places(user).filter(kind=kind)[:500]]


def _resolve_unit(user: Any, kind: str, code: str) -> dict[str, Any]:
    if kind in AREA_KINDS:
        return {"area": in_form(lambda: geo.get_area(user, code))}
    if kind in FACILITY_KINDS:
        from warroom.beds.selectors import get_facility

        return {"facility": in_form(lambda: get_facility(user, code))}
    if kind in SPECIAL_KINDS:
        found = selectors.places(user).filter(code=code).first()
        if found is None:
            raise InvalidInput(_("Not found."))
        return {"place": found}
    raise InvalidInput(_("Unknown unit kind %(k)s.") % {"k": kind})


@login_required
def new_visit(request: HttpRequest) -> HttpResponse:
    """Record a visit: choose the kind of unit and the unit, answer the checklist."""
    user = request.user
    if not user.can("inspect"):  # type: ignore[union-attr]
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("kind", "compound")
    if kind not in UnitKind.values:
        kind = "compound"
    checklist = attempt(request, lambda: services.checklist_in_use(kind))
    items = list(checklist.items.all()) if checklist else []
    if request.method == "POST":

        def record() -> Any:
            unit = _resolve_unit(user, kind, data.get("unit", ""))
            owner = find_user(user, data.get("owner", ""))
            results = {
                i.code: services.ItemResult(
                    data.get(f"item_{i.code}") != "fail", data.get(f"note_{i.code}", "")
                )
                for i in items
            }
            return services.do_record_visit(
                kind=kind,
                date=_date(data.get("date"), today()),  # type: ignore[arg-type]
                results=results,
                announced=data.get("announced") != "0",
                owner=owner,
                deadline=_date(data.get("deadline")),
                note=data.get("note", ""),
                actor=user,
                **unit,
            )

        visit = attempt(request, record)
        if visit is not None:
            messages.success(request, _("Visit recorded."))
            return redirect("supervision:visit", visit_id=visit.pk)
    return render(
        request,
        "supervision/visit_form.html",
        {
            "kind": kind,
            "kinds": UnitKind.choices,
            "units": _units(user, kind),
            "items": items,
            "checklist": checklist,
            "today": today(),
            "data": data,
        },
    )


@login_required
def visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_visit(request.user, visit_id))
    return render(
        request,
        "supervision/visit.html",
        {
            "visit": found,
            "results": list(found.results.select_related("item").order_by("item__order")),
            "findings": list(found.findings.select_related("task", "task__owner")),
        },
    )


# --- the problem ledger -------------------------------------------------------------------


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """Every problem found, its rectification and where it stands (问题台账)."""
    qs = selectors.findings(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.exclude(task__status="verified")
    elif state == "closed":
        qs = qs.filter(task__status="verified")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/ledger.html", {"page": page, "state": state})


@login_required
def finding(request: HttpRequest, finding_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_finding(request.user, finding_id))
    return render(request, "supervision/finding.html", {"finding": found})


# --- special places -----------------------------------------------------------------------


@login_required
def places(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":

        def add() -> Any:
            area = in_form(lambda: geo.get_area(user, request.POST.get("area", "")))
            return services.do_register_place(
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                area=area,
                residents=_int(request.POST.get("residents")),
                staff=_int(request.POST.get("staff")),
                contact=request.POST.get("contact", ""),
                actor=user,
            )

        if attempt(request, add) is not None:
            messages.success(request, _("Special place registered."))
            return redirect("supervision:places")
    return render(
        request,
        "supervision/places.html",
        {
            "places": list(selectors.places(user)[:500]),
            "kinds": SPECIAL_CHOICES,
        },
    )


def _ids(text: str) -> list[int]:
    """Ids separated by commas or spaces."""
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p]
    if any(not p.isdigit() or len(p) > 18 for p in parts):
        raise InvalidInput(_("Give ids as whole numbers separated by commas."))
    return [int(p) for p in parts]


def _int(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(_("Not a whole number: %(v)s.") % {"v": value[:20]})
    return int(value)


@login_required
def place(request: HttpRequest, place_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_place(request.user, place_id))
    return render(
        request,
        "supervision/place.html",
        {"place": found, "visits": list(selectors.visits(request.user).filter(place=found)[:50])},
    )


# --- accountability -----------------------------------------------------------------------


def _entitled(request: HttpRequest) -> None:
    if not request.user.can("accountability"):  # type: ignore[union-attr]
        raise Http404


@login_required
def records(request: HttpRequest) -> HttpResponse:
    _entitled(request)
    user = request.user
    if request.method == "POST":

        def add() -> Any:
            data = request.POST
            area = in_form(lambda: geo.get_area(user, data.get("area", "")))
            from warroom.surveillance.models import QualityFlag

            found = []
            for i in _ids(data.get("findings", "")):
                finding = selectors.findings(user).filter(pk=i).first()
                if finding is None:
                    raise InvalidInput(_("Not found."))
                found.append(finding)
            flags = []
            for i in _ids(data.get("flags", "")):
                flag = QualityFlag.objects.restrict(user, "view").filter(pk=i).first()
                if flag is None:
                    raise InvalidInput(_("Not found."))
                flags.append(flag)
            return services.do_record_accountability(
                area=area,
                subject=data.get("subject", ""),
                position=data.get("position", ""),
                decision=data.get("decision", ""),
                grounds=data.get("grounds", ""),
                authority=data.get("authority", ""),
                decided_on=_date(data.get("decided_on"), today()),  # type: ignore[arg-type]
                findings=found,
                flags=flags,
                references=data.get("references", ""),
                actor=user,
            )

        record = attempt(request, add)
        if record is not None:
            return redirect("supervision:record", record_id=record.pk)
    return render(
        request,
        "supervision/records.html",
        {
            "records": list(selectors.records(user)[:200]),
            "decisions": Decision.choices,
            "today": today(),
        },
    )


@login_required
def record(request: HttpRequest, record_id: int) -> HttpResponse:
    _entitled(request)
    found = attempt(request, lambda: selectors.get_record(request.user, record_id))
    return render(
        request,
        "supervision/record.html",
        {
            "record": found,
            "findings": list(found.findings.select_related("task")),
            "flags": list(found.flags.all()),
        },
    )


# --- data integrity -----------------------------------------------------------------------


@login_required
def integrity_page(request: HttpRequest) -> HttpResponse:
    """Scorecards of the reporting units and the reconciliation of the sources."""
    user = request.user
    day = attempt(request, lambda: _date(request.GET.get("date"), today())) or today()
    if request.method == "POST":

        def register() -> Any:
            data = request.POST
            area = in_form(lambda: geo.get_area(user, data.get("area", "")))
            return services.do_register_death(
                area=area,
                name=data.get("name", ""),
                id_number=data.get("id_number", ""),
                died_on=_date(data.get("died_on"), today()),  # type: ignore[arg-type]
                place=data.get("place", ""),
                registered_by=data.get("registered_by", ""),
                actor=user,
            )

        if attempt(request, register) is not None:
            messages.success(request, _("Death registration recorded."))
            return redirect("supervision:integrity")
    return render(
        request,
        "supervision/integrity.html",
        {
            "day": day,
            "cards": integrity.scorecards(user, day),
            "rows": integrity.reconcile_sources(user, day),
        },
    )


# --- rates and targets --------------------------------------------------------------------


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    user = request.user
    home = geo.home_area(user)
    if request.method == "POST":

        def set_target() -> Any:
            try:
                value = float(request.POST.get("value", ""))
            except ValueError:
                raise InvalidInput(_("A target is a share between 0 and 1 (e.g. 0.95).")) from None
            return services.do_set_target(home, request.POST.get("metric", ""), value, actor=user)

        if attempt(request, set_target) is not None:
            messages.success(request, _("Target set."))
            return redirect("supervision:rates")
    day = today()
    return render(
        request,
        "supervision/rates.html",
        {
            "panel": selectors.rates_panel(user, home, day),
            "area": home,
            "day": day,
            "metrics": list(RATE_LABELS.items()),
        },
    )


# --- signals and risks --------------------------------------------------------------------


@login_required
def signals(request: HttpRequest) -> HttpResponse:
    user = request.user
    home = geo.home_area(user)
    if request.method == "POST":

        def set_owner() -> Any:
            owner = find_user(user, request.POST.get("owner", ""))
            return services.do_set_risk_owner(
                home,
                request.POST.get("kind", ""),
                owner,
                note=request.POST.get("note", ""),
                actor=user,
            )

        if attempt(request, set_owner) is not None:
            messages.success(request, _("Risk owner set."))
            return redirect("supervision:signals")
    day = today()
    return render(
        request,
        "supervision/signals.html",
        {
            "signals": list(selectors.signals(user).order_by("-day", "name")[:100]),
            "risks": selectors.risks_panel(user, home, day),
            "risk_kinds": RiskKind.choices,
            "thresholds": selectors.thresholds(),
            "day": day,
        },
    )


@login_required
@require_POST
def signal_handled(request: HttpRequest, signal_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_signal(request.user, signal_id))
    attempt(request, lambda: services.do_mark_signal_handled(found, actor=request.user))
    return redirect("supervision:signals")


# --- phase plans --------------------------------------------------------------------------


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    home = geo.home_area(user)
    from warroom.situation.selectors import latest

    situation = latest(user, home)
    phase = (situation.payload.get("phase") if situation else None) or {}
    if request.method == "POST":

        def add() -> Any:
            data = request.POST
            lines = []
            for n in range(1, 7):
                title = data.get(f"title_{n}", "").strip()
                if not title:
                    continue
                lines.append(
                    services.PlanLine(
                        kind=data.get(f"kind_{n}", ""),
                        title=title,
                        owner=find_user(user, data.get(f"owner_{n}", "")),
                        deadline=_date(data.get(f"deadline_{n}"), today()),  # type: ignore[arg-type]
                        target=data.get(f"target_{n}", ""),
                    )
                )
            return services.do_record_phase_plan(
                home,
                phase=data.get("phase", ""),
                phase_start=_date(data.get("phase_start"), today()),  # type: ignore[arg-type]
                summary=data.get("summary", ""),
                lines=lines,
                actor=user,
            )

        plan = attempt(request, add)
        if plan is not None:
            return redirect("supervision:plan", phase_plan_id=plan.pk)
    from warroom.analytics.phases import Phase

    return render(
        request,
        "supervision/plans.html",
        {
            "plans": list(selectors.plans(user)[:50]),
            "phase": phase,
            "phases": list(Phase.__members__),
            "kinds": PlanItemKind.choices,
            "rows": range(1, 7),
            "today": today(),
        },
    )


@login_required
def plan(request: HttpRequest, phase_plan_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_plan(request.user, phase_plan_id))
    return render(
        request,
        "supervision/plan.html",
        {"plan": found, "items": list(found.items.select_related("task", "task__owner"))},
    )


# --- the inbox ----------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's own notifications (nobody sees another's)."""
    from warroom.core.models import Notification

    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        services.do_mark_read(request.user, None if request.POST.get("all") else ids)
        return redirect("supervision:inbox")
    qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/inbox.html", {"page": page})
