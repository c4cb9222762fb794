"""The dispatch API: the waiting list, proposals, confirmation, placements; facilities
report admissions and discharges with a token (``warroom token create USER``).

Objects are looked up before the body is read: another district's object is a 404
whatever the body, exactly like a missing one.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from warroom.beds import selectors as beds_selectors
from warroom.core.apiauth import register_object_param
from warroom.core.errors import Forbidden
from warroom.core.jsonbody import parse_json_body
from warroom.dispatch import selectors, services
from warroom.dispatch.models import Need, Placement, Proposal
from warroom.dispatch.schemas import (
    ConfirmIn,
    ConfirmOut,
    EndIn,
    FacilityMovesIn,
    FacilityMovesOut,
    LineOut,
    PlaceIn,
    PlacementOut,
    ProposalDetailOut,
    ProposalOut,
    RefuseIn,
    WaitingListOut,
)

router = Router(tags=["dispatch"])
register_object_param("proposal_id", selectors.get_proposal)
register_object_param("line_id", selectors.get_line)
register_object_param("placement_id", selectors.get_placement)


def _body(schema: type[Schema]) -> dict:
    from warroom.beds.api import _body as beds_body

    return beds_body(schema)


def _parse(request: HttpRequest, schema: type[Schema]) -> Any:
    """The body, read after the object was found (core.jsonbody: strict, nothing implied)."""
    return parse_json_body(request, schema)


def _dispatcher(request: HttpRequest) -> Any:
    if not services.can_dispatch(request.auth):
        raise Forbidden("your role may not dispatch patients to beds")
    return request.auth


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "created_at": p.created_at,
        "waiting": p.waiting,
        "placed": p.placed,
        "free_beds": p.free_beds,
        "distance_km": p.distance_km,
        "seconds": p.seconds,
    }


def _placement_out(p: Placement) -> dict[str, Any]:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "facility_code": p.facility.code,
        "bed_type": p.bed_type,
        "started_at": p.started_at,
        "ended_at": p.ended_at,
        "outcome": p.outcome,
        "transferred_from_id": p.transferred_from_id,
    }


@router.get("/waiting", response=WaitingListOut, summary="Who waits for a bed, by priority")
def waiting(request: HttpRequest, limit: int = 500) -> object:
    user = _dispatcher(request)
    rows, counts = selectors.waiting_list(user, limit=max(1, min(limit, 5000)))
    return {
        "total": sum(counts.values()),
        "by_need": {Need(k).name.lower(): v for k, v in sorted(counts.items())},
        "people": [
            {
                "person_id": r.person.pk,
                "name": r.person.name,
                "home_code": r.person.home.code,
                "need": r.need,
                "need_label": r.need_label,
                "waiting_since": r.waiting_since,
            }
            for r in rows
        ],
    }


@router.post("/proposals", response=ProposalOut, summary="Propose placements for everyone")
def propose(request: HttpRequest) -> object:
    return _proposal_out(services.do_propose(actor=_dispatcher(request)))


@router.get(
    "/proposals/{proposal_id}", response=ProposalDetailOut, summary="A proposal: who, where, why"
)
def proposal(request: HttpRequest, proposal_id: int) -> object:
    found = selectors.get_proposal(request.auth, proposal_id)
    lines = selectors.proposal_lines(request.auth, found)[:20000]
    return {
        **_proposal_out(found),
        "lines": [
            LineOut(
                id=ln.pk,
                person_id=ln.person_id,
                need=ln.need,
                facility_code=ln.facility.code if ln.facility else None,
                bed_type=ln.bed_type,
                distance_km=ln.distance_km,
                state=ln.state,
                refusal=ln.refusal,
                reason=selectors.reason(ln),
            )
            for ln in lines
        ],
    }


@router.post(
    "/proposals/{proposal_id}/confirm",
    response=ConfirmOut,
    summary='Confirm some lines ({"line_ids": [...]}) or all ({"all": true}); atomic, '
    "stale lines refused with a reason",
    openapi_extra=_body(ConfirmIn),
)
def confirm(request: HttpRequest, proposal_id: int) -> object:
    found = selectors.get_proposal(request.auth, proposal_id)
    payload = _parse(request, ConfirmIn)
    done = services.do_confirm_proposal(
        found, actor=request.auth, line_ids=None if payload.all else payload.line_ids
    )
    return {
        "proposal_id": found.pk,
        "confirmed": done.confirmed,
        "placements": [
            {"person_id": p, "facility_id": f, "bed_type": t} for p, f, t in done.placements
        ],
        "refused": [r.__dict__ for r in done.refused],
    }


@router.post(
    "/lines/{line_id}/refuse",
    response=LineOut,
    summary="Refuse one proposed placement, saying why",
    openapi_extra=_body(RefuseIn),
)
def refuse(request: HttpRequest, line_id: int) -> object:
    line = selectors.get_line(request.auth, line_id)
    payload = _parse(request, RefuseIn)
    line = services.do_refuse_line(line, actor=request.auth, note=payload.note)
    return LineOut(
        id=line.pk,
        person_id=line.person_id,
        need=line.need,
        facility_code=line.facility.code if line.facility else None,
        bed_type=line.bed_type,
        distance_km=line.distance_km,
        state=line.state,
        refusal=line.refusal,
        reason=selectors.reason(line),
    )


@router.get(
    "/people/{person_id}/placements",
    response=list[PlacementOut],
    summary="A person's placements (occupancy history)",
)
def person_placements(request: HttpRequest, person_id: int) -> object:
    person = selectors.get_person(_dispatcher(request), person_id)
    return [_placement_out(p) for p in selectors.placements(request.auth, person=person)]


@router.post(
    "/people/{person_id}/place",
    response=PlacementOut,
    summary="Place one waiting person by hand",
    openapi_extra=_body(PlaceIn),
)
def place(request: HttpRequest, person_id: int) -> object:
    person = selectors.get_person(_dispatcher(request), person_id)
    return _to_facility(request, services.do_place_person, person)


@router.post(
    "/placements/{placement_id}/transfer",
    response=PlacementOut,
    summary="Step-up or step-down: move a placed person to another bed, atomically",
    openapi_extra=_body(PlaceIn),
)
def transfer(request: HttpRequest, placement_id: int) -> object:
    found = selectors.get_placement(request.auth, placement_id, "change")
    return _to_facility(request, services.do_transfer_person, found)


def _to_facility(request: HttpRequest, service: Callable[..., Any], subject: Any) -> object:
    """A placement or a transfer: ``service(subject, facility, bed type, actor=, note=)``."""
    payload = _parse(request, PlaceIn)
    facility = selectors.get_facility(request.auth, payload.facility_code)
    done = service(subject, facility, str(payload.bed_type), actor=request.auth, note=payload.note)
    return _placement_out(done)


@router.post(
    "/placements/{placement_id}/end",
    response=PlacementOut,
    summary="Discharge, death or release: the bed is free at once",
    openapi_extra=_body(EndIn),
)
def end(request: HttpRequest, placement_id: int) -> object:
    found = selectors.get_placement(request.auth, placement_id, "change")
    payload = _parse(request, EndIn)
    done = services.do_end_placement(found, payload.outcome, actor=request.auth, note=payload.note)
    return _placement_out(done)


@router.get(
    "/facilities/{facility_code}/occupants",
    response=list[PlacementOut],
    summary="Who is and was in a facility's beds",
)
def occupants(request: HttpRequest, facility_code: str) -> object:
    facility = beds_selectors.get_facility(_dispatcher(request), facility_code)
    return [_placement_out(p) for p in selectors.occupants(request.auth, facility)]


@router.post(
    "/facilities/{facility_code}/moves",
    response=FacilityMovesOut,
    summary="A facility reports admissions and discharges (all or nothing, idempotent)",
    openapi_extra=_body(FacilityMovesIn),
)
def facility_moves(request: HttpRequest, facility_code: str) -> object:
    facility = selectors.get_facility(request.auth, facility_code)
    payload = _parse(request, FacilityMovesIn)
    done = services.do_record_facility_moves(
        facility,
        admissions=[(a.person_id, str(a.bed_type)) for a in payload.admissions],
        discharges=[(d.person_id, d.outcome) for d in payload.discharges],
        actor=request.auth,
    )
    return {
        "facility_code": facility.code,
        "admitted": [_placement_out(p) for p in done.admitted],
        "discharged": [_placement_out(p) for p in done.discharged],
    }
