"""Dispatch pages: the waiting list, a proposal to confirm, a person's placements, the
occupants of a facility. Thin: every change goes through :mod:`warroom.dispatch.services`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from warroom.beds import selectors as beds_selectors
from warroom.beds.models import BED_TYPE_ORDER, BedType
from warroom.core.errors import NotFound, WarroomError
from warroom.dispatch import selectors, services
from warroom.dispatch.forms import EndForm, PlaceForm, RefuseForm
from warroom.dispatch.models import LineState, Need
from warroom.web.listing import Col, list_page


def _require_dispatch(request: HttpRequest) -> None:
    if not services.can_dispatch(request.user):
        raise Http404


def _found(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except NotFound:
        raise Http404 from None


def _beds(request: HttpRequest) -> list[tuple[str, dict[str, int]]]:
    free = selectors.free_beds(request.user)
    return [(str(BedType(t).label), free[t]) for t in BED_TYPE_ORDER if free[t]["capacity"]]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_dispatch(request)
    listed = list_page(
        request,
        selectors.waiting_queryset(request.user),
        [
            Col(_("Person no."), lambda p: p.pk),
            Col(_("Person"), lambda p: p.name),
            Col(_("Compound code"), lambda p: p.home.code),
            Col(pgettext("person's home", "Home"), lambda p: p.home.name_zh),
            Col(_("Need"), lambda p: selectors.waiting_row(p).need_label),
            Col(_("Waiting since"), lambda p: p.waiting_since),
            Col(_("Hours"), lambda p: selectors.waiting_row(p).hours),
        ],
        name="waiting-list",
    )
    if isinstance(listed, HttpResponse):
        return listed
    proposals = list_page(
        request,
        selectors.proposals(request.user),
        [
            Col(_("Proposal no."), lambda p: p.pk),
            Col(_("Proposed at"), lambda p: p.created_at),
            Col(_("By"), lambda p: p.created_by.username if p.created_by else _("system")),
            Col(_("Waiting"), lambda p: p.waiting),
            Col(_("Placed"), lambda p: p.placed),
            Col(_("Free beds"), lambda p: p.free_beds),
        ],
        name="proposals",
        prefix="proposals",
    )
    if isinstance(proposals, HttpResponse):
        return proposals
    counts = selectors.waiting_counts(request.user)
    return render(
        request,
        "dispatch/index.html",
        {
            **listed,
            "rows": [selectors.waiting_row(p) for p in listed["page"]],
            "counts": [(str(label), counts.get(value, 0)) for value, label in Need.choices],
            "total": sum(counts.values()),
            "beds": _beds(request),
            "proposals": proposals,
        },
    )


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    _require_dispatch(request)
    try:
        proposal = services.do_propose(actor=request.user)
    except WarroomError as exc:
        messages.error(request, exc.message)
        return redirect("dispatch:index")
    return redirect("dispatch:proposal", proposal.pk)


@login_required
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = _found(selectors.get_proposal, request.user, proposal_id)
    state = request.GET.get("state", "")
    lines = selectors.proposal_lines(request.user, found)
    if state in LineState.values:
        lines = lines.filter(state=state)
    listed = list_page(
        request,
        lines,
        [
            Col(_("Person no."), lambda ln: ln.person_id),
            Col(_("Person"), lambda ln: ln.person.name),
            Col(pgettext("person's home", "Home"), lambda ln: ln.person.home.name_zh),
            Col(_("Need"), lambda ln: ln.get_need_display()),
            Col(_("Facility"), lambda ln: ln.facility.name if ln.facility else ""),
            Col(_("Bed type"), lambda ln: ln.get_bed_type_display() if ln.bed_type else ""),
            Col(_("Distance (km)"), lambda ln: ln.distance_km),
            Col(_("Why"), selectors.reason),
            Col(_("State"), lambda ln: ln.get_state_display()),
            Col(_("Note"), lambda ln: ln.note),
        ],
        name=f"proposal-{found.pk}",
        per_page=200,
    )
    if isinstance(listed, HttpResponse):
        return listed
    page = listed["page"]
    return render(
        request,
        "dispatch/proposal.html",
        {
            **listed,
            "proposal": found,
            "rows": [(ln, selectors.reason(ln)) for ln in page.object_list],
            "counts": selectors.line_counts(request.user, found),
            "state": state,
            "states": LineState.choices,
            "beds": _beds(request),
        },
    )


@login_required
@require_POST
def confirm(request: HttpRequest, proposal_id: int) -> HttpResponse:
    found = _found(selectors.get_proposal, request.user, proposal_id)
    # "All" only when the all button said so; anything else names its lines or is refused.
    which = request.POST.get("which")
    ids = None
    if which != "all":
        try:
            ids = [int(v) for v in request.POST.getlist("line") if 0 < int(v) < 2**63]
        except ValueError:
            ids = []
        if which != "selected" or not ids:
            messages.error(request, _("Select the placements to confirm."))
            return redirect("dispatch:proposal", found.pk)
    try:
        done = services.do_confirm_proposal(found, actor=request.user, line_ids=ids)
    except WarroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext("%(n)d placement confirmed.", "%(n)d placements confirmed.", done.confirmed)
            % {"n": done.confirmed},
        )
        if done.refused:
            messages.warning(
                request,
                ngettext(
                    "%(n)d refused: see the reasons below.",
                    "%(n)d refused: see the reasons below.",
                    len(done.refused),
                )
                % {"n": len(done.refused)},
            )
    return redirect("dispatch:proposal", found.pk)


@login_required
@require_POST
def refuse(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _found(selectors.get_line, request.user, line_id)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the placement is refused."))
    else:
        try:
            services.do_refuse_line(line, actor=request.user, note=form.cleaned_data["note"])
        except WarroomError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Placement refused; the reason is kept."))
    return redirect("dispatch:proposal", line.proposal_id)


@login_required
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    _require_dispatch(request)
    found = _found(selectors.get_person, request.user, person_id)
    history = list(selectors.placements(request.user, person=found).order_by("-started_at", "-pk"))
    return render(
        request,
        "dispatch/person.html",
        {
            "person": found,
            "history": history,
            "open": next((p for p in history if p.ended_at is None), None),
            "place_form": PlaceForm(),
            "end_form": EndForm(),
        },
    )


def _person_url(person_id: int) -> str:
    return reverse("dispatch:person", args=[person_id])


@login_required
@require_POST
def place(request: HttpRequest, person_id: int) -> HttpResponse:
    _require_dispatch(request)
    found = _found(selectors.get_person, request.user, person_id)
    return _to_facility(
        request,
        found.pk,
        lambda facility, d: services.do_place_person(
            found, facility, d["bed_type"], actor=request.user, note=d["note"]
        ),
        invalid=_("The placement is not valid: %s"),
        done=_("Placed."),
    )


@login_required
@require_POST
def transfer(request: HttpRequest, placement_id: int) -> HttpResponse:
    placement = _found(selectors.get_placement, request.user, placement_id, "change")
    return _to_facility(
        request,
        placement.person_id,
        lambda facility, d: services.do_transfer_person(
            placement, facility, d["bed_type"], actor=request.user, note=d["note"]
        ),
        invalid=_("The transfer is not valid: %s"),
        done=_("Transferred."),
    )


def _to_facility(
    request: HttpRequest,
    person_id: int,
    act: Callable[[Any, dict[str, Any]], object],
    *,
    invalid: str,
    done: str,
) -> HttpResponse:
    """A placement or a transfer from the facility form: ``act(facility, form data)``."""
    form = PlaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, invalid % form.errors.as_text())
        return redirect(_person_url(person_id))
    d = form.cleaned_data
    try:
        facility = selectors.get_facility(request.user, d["facility"])
        act(facility, d)
    except NotFound:
        messages.error(request, _("No facility %s among yours.") % d["facility"])
    except WarroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(_person_url(person_id))


@login_required
@require_POST
def end(request: HttpRequest, placement_id: int) -> HttpResponse:
    placement = _found(selectors.get_placement, request.user, placement_id, "change")
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the stay ended."))
        return redirect(_person_url(placement.person_id))
    try:
        services.do_end_placement(
            placement,
            form.cleaned_data["outcome"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except WarroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The bed is free."))
    return redirect(_person_url(placement.person_id))


@login_required
def occupants(request: HttpRequest, facility_code: str) -> HttpResponse:
    _require_dispatch(request)
    facility = _found(beds_selectors.get_facility, request.user, facility_code)
    return render(
        request,
        "dispatch/occupants.html",
        {"facility": facility, "rows": selectors.occupants(request.user, facility)},
    )
