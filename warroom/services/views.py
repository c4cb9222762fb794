from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from warroom.audit.services import record_event
from warroom.core.personal import mask_name, mask_phone, may_see
from warroom.core.today import today as platform_today
from warroom.core.users import find_user, user_choices
from warroom.geo import selectors as geo
from warroom.geo.models import Area, Level
from warroom.services import selectors, services
from warroom.services.models import CareKind, CareStatus, OrderStatus, Vulnerability
from warroom.tasks.views import attempt, parse_date
from warroom.web.found import asked_area, form_area
from warroom.web.listing import Col, list_page


def _area_by_code(request: HttpRequest, code: str | None) -> Area | None:
    if not (code or "").strip():
        messages.error(request, _("Give the code of the compound."))
        return None
    return form_area(request, code, message=_("No compound %(code)s in your jurisdiction."))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Vulnerable residents: the backlogs per subdivision, and those left to do."""
    home = geo.home_area(request.user)
    area = asked_area(request)
    if request.method == "POST":
        target = _area_by_code(request, request.POST.get("compound"))
        if target is not None:
            done = attempt(
                request,
                lambda: services.do_register_vulnerable(
                    target,
                    name=request.POST.get("name", ""),
                    kind=request.POST.get("kind", ""),
                    address=request.POST.get("address", ""),
                    phone=request.POST.get("phone", ""),
                    actor=request.user,
                ),
            )
            if done is not None:
                return redirect("services:resident", resident_id=done.pk)
        return redirect("services:index")
    backlog = request.GET.get("backlog", "")
    totals = selectors.care_backlog_counts(area) if area.path.startswith(home.path) else {}
    listed = list_page(
        request,
        selectors.resident_list(request.user, area, backlog),
        [
            Col(_("Name"), lambda p: selectors.listed_resident(request.user, p)["name"]),
            Col(_("Kind"), lambda p: p.get_kind_display()),
            Col(_("Compound code"), lambda p: p.area.code),
            Col(_("Compound"), lambda p: p.area.name_zh),
            Col(_("Phone"), lambda p: selectors.listed_resident(request.user, p)["phone"]),
            Col(
                _("Caretaker"),
                lambda p: p.caretaker_user.username if p.caretaker_user else p.caretaker_name,
            ),
            Col(_("Last visit"), lambda p: p.last_visit_at),
        ],
        name="vulnerable-residents",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "services/index.html",
        {
            **listed,
            "area": area,
            "totals": totals,
            "rows": selectors.care_backlog_by_child(request.user, area),
            "residents": [(p, selectors.listed_resident(request.user, p)) for p in listed["page"]],
            "backlog": backlog,
            "backlogs": [
                ("without_caretaker", _("Without a caretaker")),
                ("not_visited", _("Not visited recently")),
            ],
            "days": settings.WARROOM_VISIT_DAYS,
            "kinds": Vulnerability.choices,
        },
    )


@login_required
def resident(request: HttpRequest, resident_id: int) -> HttpResponse:
    person = attempt(request, lambda: selectors.get_resident(request.user, resident_id))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "caretaker":
            attempt(
                request,
                lambda: services.do_assign_caretaker(
                    person,
                    user=find_user(request.user, pk=request.POST.get("caretaker_user")),
                    name=request.POST.get("caretaker_name", ""),
                    phone=request.POST.get("caretaker_phone", ""),
                    actor=request.user,
                ),
            )
        elif action == "visit":
            attempt(
                request,
                lambda: services.do_record_visit(
                    person,
                    needs=request.POST.get("needs", ""),
                    note=request.POST.get("note", ""),
                    actor=request.user,
                ),
            )
        else:
            messages.error(request, _("Unknown action."))
        return redirect("services:resident", resident_id=person.pk)
    unmasked = request.user.can("personal_data")  # type: ignore[union-attr]
    if unmasked and person.phone:
        record_event(
            "view_personal",
            object_type="services.vulnerableresident",
            object_id=str(person.pk),
            area_path=person.area.path,
            message=f"phone of vulnerable resident {person.pk}",
        )
    return render(
        request,
        "services/resident.html",
        {
            "person": person,
            "phone": person.phone if unmasked else mask_phone(person.phone),
            "visits": person.visits.select_related("by")[:50],
            "users": user_choices(request.user, person.area),
        },
    )


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    """Group orders of groceries and medicine per compound (增品类, 优配送)."""
    if request.method == "POST":
        target = _area_by_code(request, request.POST.get("compound"))
        if target is not None:
            p = request.POST
            items = list(
                zip(
                    p.getlist("item"),
                    p.getlist("quantity"),
                    p.getlist("unit"),
                    p.getlist("price"),
                    strict=False,
                )
            )
            done = attempt(
                request,
                lambda: services.do_place_group_order(
                    target,
                    items=items,
                    kind=p.get("kind", "groceries"),
                    supplier=p.get("supplier", ""),
                    actor=request.user,
                ),
            )
            if done is not None:
                return redirect("services:order", order_id=done.pk)
        return redirect("services:orders")
    status = request.GET.get("status", OrderStatus.ORDERED)
    qs = selectors.orders(request.user)
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    listed = list_page(
        request,
        qs.select_related("area"),
        [
            Col(_("Ordered"), lambda o: o.ordered_at),
            Col(_("Code"), lambda o: o.area.code),
            Col(_("Compound"), lambda o: o.area.name_zh),
            Col(_("Kind"), lambda o: o.get_kind_display()),
            Col(_("Status"), lambda o: o.get_status_display()),
        ],
        name="group-orders",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "services/orders.html",
        {
            **listed,
            "orders": listed["page"],
            "status": status,
            "statuses": OrderStatus.choices,
            "lines": range(5),
        },
    )


@login_required
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_order(request.user, order_id))
    if request.method == "POST":
        attempt(request, lambda: services.do_mark_order_delivered(found, actor=request.user))
        return redirect("services:order", order_id=found.pk)
    items = list(found.items.all())
    return render(
        request,
        "services/order.html",
        {"order": found, "items": items, "total": sum((i.amount for i in items), 0)},
    )


@login_required
def prices(request: HttpRequest) -> HttpResponse:
    """The price board of staples per district, with the week's alerts (稳物价)."""
    if request.method == "POST":
        target = _area_by_code(request, request.POST.get("district"))
        if target is not None:
            attempt(
                request,
                lambda: services.do_record_price(
                    target,
                    item=request.POST.get("item", ""),
                    date=parse_date(request.POST.get("date")) or platform_today(),
                    price=request.POST.get("price", ""),
                    unit=request.POST.get("unit", "kg") or "kg",
                    actor=request.user,
                ),
            )
        return redirect("services:prices")
    today = platform_today()
    board: dict[tuple[str, str], Any] = {}
    from warroom.services.models import PriceObservation

    for obs in (
        PriceObservation.objects.restrict(request.user)
        .filter(date__gte=today - dt.timedelta(days=14))
        .select_related("area")
        .order_by("area__code", "item", "date")
    ):
        board[(obs.area.code, obs.item)] = obs
    districts = Area.objects.restrict(request.user).filter(level=Level.DISTRICT).order_by("code")
    return render(
        request,
        "services/prices.html",
        {
            "board": list(board.values()),
            "alerts": selectors.price_alerts(request.user),
            "percent": settings.WARROOM_PRICE_ALERT_PERCENT,
            "districts": districts,
            "today": today.isoformat(),
        },
    )


@login_required
def medical(request: HttpRequest) -> HttpResponse:
    """Medical-care requests (保就医): dialysis, chemotherapy, childbirth, chronic medicine."""
    if request.method == "POST":
        target = _area_by_code(request, request.POST.get("compound"))
        if target is not None:
            done = attempt(
                request,
                lambda: services.do_request_medical_care(
                    target,
                    person=request.POST.get("person", ""),
                    kind=request.POST.get("kind", ""),
                    phone=request.POST.get("phone", ""),
                    note=request.POST.get("note", ""),
                    actor=request.user,
                ),
            )
            if done is not None:
                return redirect("services:medical_request", medical_id=done.pk)
        return redirect("services:medical")
    qs = selectors.medical_requests(request.user)
    open_only = request.GET.get("all") != "1"
    if open_only:
        qs = qs.exclude(status=CareStatus.DONE)
    listed = list_page(
        request,
        qs.select_related("area"),
        [
            Col(_("Code"), lambda r: r.area.code),
            Col(_("Compound"), lambda r: r.area.name_zh),
            Col(_("Requested"), lambda r: r.requested_at),
            Col(
                _("Person"),
                lambda r: r.person if may_see(request.user, "people") else mask_name(r.person),
            ),
            Col(_("Kind"), lambda r: r.get_kind_display()),
            Col(_("Status"), lambda r: r.get_status_display()),
        ],
        name="medical-requests",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "services/medical.html",
        {**listed, "requests": listed["page"], "kinds": CareKind.choices, "open_only": open_only},
    )


@login_required
def medical_request(request: HttpRequest, medical_id: int) -> HttpResponse:
    req = attempt(request, lambda: selectors.get_medical_request(request.user, medical_id))
    if request.method == "POST":
        if request.POST.get("action") == "done":
            attempt(
                request,
                lambda: services.do_complete_medical_request(
                    req, note=request.POST.get("note", ""), actor=request.user
                ),
            )
        else:
            attempt(
                request,
                lambda: services.do_route_medical_request(
                    req, hospital=request.POST.get("hospital", ""), actor=request.user
                ),
            )
        return redirect("services:medical_request", medical_id=req.pk)
    unmasked = request.user.can("personal_data")  # type: ignore[union-attr]
    if unmasked and req.phone:
        record_event(
            "view_personal",
            object_type="services.medicalrequest",
            object_id=str(req.pk),
            area_path=req.area.path,
            message=f"phone of medical-care request {req.pk}",
        )
    return render(
        request,
        "services/medical_request.html",
        {"req": req, "phone": req.phone if unmasked else mask_phone(req.phone)},
    )
