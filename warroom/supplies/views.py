"""Pages of supplies: the logistics officer's home (stock, days left, alerts), the ledger,
donations and the public transparency page, allocations, aid teams."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from warroom.core.errors import InvalidInput
from warroom.core.scoping import load_for
from warroom.core.today import today
from warroom.geo import selectors as geo
from warroom.supplies import selectors, services
from warroom.supplies.catalogue import items_by_code
from warroom.supplies.models import (
    AllocationPlan,
    CareKind,
    Donation,
    DonationForm,
    DonorKind,
    Item,
    MovementKind,
    Place,
    PlaceKind,
    Source,
)
from warroom.tasks.views import attempt, parse_date
from warroom.web.found import in_form, load_or_404


def _place(user: Any, code: str, action: str = "change") -> Place:
    """The place a form names (a refusal of the form when it is not the user's)."""
    return in_form(
        lambda: load_for(
            user, action, selectors.places(user, action), (code or "").strip(), field="code"
        ),
        _("Place not found."),
    )


def _item(code: str) -> Item:
    found = items_by_code().get((code or "").strip())
    if found is None:
        raise InvalidInput(_("Unknown item %(code)s.") % {"code": code})
    return found


def _post_movement(request: HttpRequest) -> None:
    user, post = request.user, request.POST
    kind = post.get("kind", "")
    day = parse_date(post.get("date")) or today()

    def run() -> Any:
        item = _item(post.get("item", ""))
        qty = post.get("quantity", "")
        if kind == MovementKind.RECEIPT:
            return services.do_receive(
                _place(user, post.get("to_place", "")),
                item,
                qty,
                source=post.get("source", ""),
                day=day,
                lot=post.get("lot", "").strip()[:64],
                expires_on=parse_date(post.get("expires_on")),
                reference=post.get("reference", ""),
                actor=user,
            )
        if kind == MovementKind.TRANSFER:
            # To a place of the ledger, or to a facility (its store is made on first use).
            to = post.get("to_place", "").strip()
            target = selectors.places(user, "view").filter(code=to).first()
            if target is None:
                from warroom.beds.models import Facility

                facility: Facility = in_form(
                    lambda: load_for(user, "view", Facility, to, field="code"),
                    _("Place not found."),
                )
                target = services.place_for_facility(facility)
            return services.do_transfer(
                _place(user, post.get("from_place", "")),
                target,
                item,
                qty,
                day=day,
                reference=post.get("reference", ""),
                actor=user,
            )
        return services.do_issue(
            _place(user, post.get("from_place", "")),
            item,
            qty,
            day=day,
            reference=post.get("reference", ""),
            actor=user,
        )

    done = attempt(request, run)
    if done is not None:
        messages.success(request, _("Recorded."))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The logistics officer's home: alerts, days of stock per facility, stock, teams."""
    if request.method == "POST":
        if not request.user.can("change"):
            raise PermissionDenied
        _post_movement(request)
        return redirect("supplies:index")
    area = geo.home_area(request.user)
    day = today()
    return render(
        request,
        "supplies/index.html",
        {
            "area": area,
            "day": day,
            "panel": selectors.panel(request.user, area, day),
            "left": selectors.days_left(request.user, area, day)[:60],
            "stock": selectors.stock_table(request.user, area),
            "places": selectors.places(request.user).filter(kind=PlaceKind.WAREHOUSE)[:200],
            "items": list(items_by_code().values()),
            "sources": Source.choices(),
            "check": selectors.last_check(),
            "can_change": request.user.can("change"),
        },
    )


@login_required
def movements(request: HttpRequest) -> HttpResponse:
    area = geo.home_area(request.user)
    from django.db.models import Q

    from warroom.supplies.models import Movement

    visible = selectors.places(request.user).values_list("pk", flat=True)
    rows = (
        Movement.objects.filter(Q(debit_id__in=visible) | Q(credit_id__in=visible))
        .select_related("item", "lot", "debit", "credit")
        .order_by("-seq")[:300]
    )
    return render(request, "supplies/movements.html", {"area": area, "rows": rows})


@login_required
def count(request: HttpRequest) -> HttpResponse:
    """A physical inventory of one item at one place: the difference is booked."""
    if request.method != "POST":
        return redirect("supplies:index")
    if not request.user.can("change"):
        raise PermissionDenied
    post = request.POST

    def run() -> Any:
        place = _place(request.user, post.get("place", ""))
        item = _item(post.get("item", ""))
        try:
            counted = int(post.get("counted", ""))
        except ValueError:
            from warroom.core.errors import InvalidInput

            raise InvalidInput(_("The count must be a whole number.")) from None
        return services.do_record_count(
            place,
            {(item.code, post.get("lot", "").strip()[:64]): counted},
            note=post.get("note", ""),
            actor=request.user,
        )

    try:
        if attempt(request, run) is not None:
            messages.success(request, _("Count recorded; the difference was booked."))
    except Http404:
        messages.error(request, _("Place not found."))
    return redirect("supplies:index")


@login_required
def donations(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        if not user.can("change"):
            raise PermissionDenied
        post = request.POST
        form = post.get("form", "")

        def run() -> Donation:
            goods = form == DonationForm.GOODS
            return services.do_register_donation(
                donor=post.get("donor", ""),
                donor_kind=post.get("donor_kind", ""),
                area=geo.home_area(user),
                form=form,
                received_on=parse_date(post.get("received_on")),
                amount=post.get("amount") if not goods else None,
                item=_item(post.get("item", "")) if goods else None,
                quantity=post.get("quantity") if goods else None,
                warehouse=_place(user, post.get("warehouse", "")) if goods else None,
                public_name=post.get("public_name", ""),
                country=post.get("country", ""),
                contact=post.get("contact", ""),
                standard_claimed=post.get("standard_claimed", ""),
                expires_on=parse_date(post.get("expires_on")),
                use=post.get("use", ""),
                actor=user,
            )

        try:
            done = attempt(request, run)
        except Http404:
            messages.error(request, _("Place not found."))
            done = None
        if done is not None:
            return redirect("supplies:donation", donation_id=done.pk)
        return redirect("supplies:donations")
    area = geo.home_area(user)
    qs = selectors.donations(user).filter(area__path__under=area.path)
    return render(
        request,
        "supplies/donations.html",
        {
            "area": area,
            "rows": qs[:300],
            "totals": selectors.donation_totals(qs),
            "kinds": DonorKind.choices(),
            "items": list(items_by_code().values()),
            "places": selectors.places(user).filter(kind=PlaceKind.WAREHOUSE)[:200],
            "today": today(),
        },
    )


@login_required
def donation(request: HttpRequest, donation_id: int) -> HttpResponse:
    user = request.user
    found = load_or_404(user, "view", selectors.donations(user), donation_id)
    if request.method == "POST":
        found = load_or_404(user, "change", selectors.donations(user), donation_id)
        action = request.POST.get("action", "")
        if action == "inspect":
            attempt(
                request,
                lambda: services.do_inspect_donation(
                    found,
                    accepted=request.POST.get("accepted") == "yes",
                    standard_met=request.POST.get("standard_met", ""),
                    reason=request.POST.get("reason", ""),
                    actor=user,
                ),
            )
        elif action in ("publish", "withdraw"):
            attempt(
                request,
                lambda: services.do_publish_donation(
                    found, published=action == "publish", actor=user
                ),
            )
        return redirect("supplies:donation", donation_id=found.pk)
    went = selectors.destinations([found.pk]).get(found.pk, [])
    return render(request, "supplies/donation.html", {"d": found, "went": went})


def public(request: HttpRequest) -> HttpResponse:
    """The public transparency page (no sign-in): published donations, what came in and
    where it went. Only the donor's agreed name; never a contact."""
    return render(request, "supplies/public.html", selectors.public_donations())


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        if not user.can("change"):
            raise PermissionDenied
        try:
            days = int(request.POST.get("days") or 1)
        except ValueError:
            days = 0
        done = attempt(
            request,
            lambda: services.do_propose_allocation(
                _place(user, request.POST.get("warehouse", "")), days=days, actor=user
            ),
        )
        if done is not None:
            return redirect("supplies:plan", plan_id=done.pk)
        return redirect("supplies:plans")
    return render(
        request,
        "supplies/plans.html",
        {
            "rows": selectors.plans(user)[:100],
            "places": selectors.places(user).filter(kind=PlaceKind.WAREHOUSE)[:200],
        },
    )


@login_required
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = request.user
    found: AllocationPlan = load_or_404(user, "view", selectors.plans(user), plan_id)
    if request.method == "POST":
        found = load_or_404(user, "change", selectors.plans(user), plan_id)
        if request.POST.get("action") == "cancel":
            attempt(request, lambda: services.do_cancel_allocation(found, actor=user))
        elif attempt(request, lambda: services.do_confirm_allocation(found, actor=user)):
            messages.success(request, _("Confirmed: the transfers are posted."))
        return redirect("supplies:plan", plan_id=found.pk)
    lines = found.lines.select_related("place", "item").order_by(
        "tier", "place__code", "item__code"
    )
    return render(request, "supplies/plan.html", {"p": found, "lines": lines})


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    user = request.user
    area = geo.home_area(user)
    if request.method == "POST":
        if not user.can("change"):
            raise PermissionDenied
        post = request.POST
        from warroom.beds.selectors import visible_facilities

        if post.get("action") == "care":

            def care() -> Any:
                team = (
                    in_form(
                        lambda: load_for(user, "change", selectors.teams(user), post.get("team")),
                        _("Team not found."),
                    )
                    if post.get("team")
                    else None
                )
                return services.do_record_care(
                    team.area if team else area,
                    kind=post.get("kind", ""),
                    description=post.get("description", ""),
                    team=team,
                    actor=user,
                )

            attempt(request, care)
            return redirect("supplies:teams")

        def register() -> Any:
            hospital = in_form(
                lambda: load_for(
                    user, "change", visible_facilities(user), post.get("hospital", ""), field="code"
                ),
                _("Facility not found."),
            )
            return services.do_register_team(
                name=post.get("name", ""),
                origin=post.get("origin", ""),
                size=post.get("size"),
                doctors=post.get("doctors") or 0,
                nurses=post.get("nurses") or 0,
                specialities=post.get("specialities", ""),
                hospital=hospital,
                arrived_on=parse_date(post.get("arrived_on")) or today(),
                lodging=post.get("lodging", ""),
                meals=post.get("meals", ""),
                actor=user,
            )

        attempt(request, register)
        return redirect("supplies:teams")
    day = today()
    return render(
        request,
        "supplies/teams.html",
        {
            "area": area,
            "rows": selectors.teams(user).filter(area__path__under=area.path)[:300],
            "care": selectors.care(user).filter(area__path__under=area.path)[:100],
            "counts": selectors.team_counts(user, area, day),
            "care_kinds": CareKind.choices(),
            "today": day,
        },
    )


@login_required
def import_movements(request: HttpRequest) -> HttpResponse:
    """Upload a file of movements (all or nothing; the same file twice adds nothing)."""
    from warroom.core.uploads import run_import
    from warroom.supplies.imports import do_import_movements
    from warroom.tables import TableRejected

    if not request.user.can("change"):
        raise PermissionDenied
    errors: list[Any] = []
    result = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        try:
            result = run_import(
                do_import_movements, upload, actor=request.user, filename=upload.name or ""
            )
        except TableRejected as exc:
            errors = exc.errors
        except Exception as exc:
            from warroom.core.errors import WarroomError

            if not isinstance(exc, WarroomError):
                raise
            messages.error(request, exc.message)
    return render(request, "supplies/import.html", {"result": result, "errors": errors})


@login_required
def template(request: HttpRequest) -> HttpResponse:
    from warroom.supplies.imports import MOVEMENT_COLUMNS
    from warroom.tables import template_bytes

    response = HttpResponse(
        template_bytes(MOVEMENT_COLUMNS, sheet="movements"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="supplies-movements.xlsx"'
    return response
