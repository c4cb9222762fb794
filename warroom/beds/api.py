"""The beds API: facilities report their occupancy; dispatch reserves beds.

Facilities authenticate with a token (``warroom token create USER --name hospital``).
A report is idempotent twice over: per (facility, date, bed type) it is an upsert, and
a request carrying an ``Idempotency-Key`` header is answered once and replayed after.
"""

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from warroom.beds import imports, selectors, services
from warroom.beds.models import BedReservation, FacilityKind, ReportSubmission
from warroom.beds.schemas import (
    BalanceOut,
    BedReportIn,
    BedReportOut,
    CapacityChangeOut,
    FacilityDetailOut,
    FacilityOut,
    ImportOut,
    ReservationIn,
    ReservationOut,
)
from warroom.core.apiauth import register_object_param
from warroom.core.errors import Conflict, Forbidden, InvalidInput
from warroom.core.jsonbody import parse_json_body
from warroom.core.schemas import OpDate
from warroom.core.scoping import load_for
from warroom.core.today import today as platform_today
from warroom.core.uploads import run_import

router = Router(tags=["beds"])
register_object_param("facility_code", selectors.get_facility)


def _inline(schema: dict) -> dict:
    """A pydantic JSON schema with its ``$defs`` inlined (for ``openapi_extra``)."""
    defs = schema.pop("$defs", {})

    def walk(node: object) -> object:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[return-value]


def _body(schema: type[Schema]) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema.model_json_schema())}},
        }
    }


def _parse(request: HttpRequest, schema: type[Schema]) -> Any:
    """Parse the JSON body *after* the object was found: another district's facility is a
    404 whatever the body, exactly like a missing one (no hint from a validation error)."""
    return parse_json_body(request, schema)


class FacilityFilter(Schema):
    kind: FacilityKind | None = None
    q: str | None = None


@router.get("/facilities", response=list[FacilityOut], summary="Facilities you may see")
@paginate
def list_facilities(request: HttpRequest, filters: Query[FacilityFilter]) -> object:
    qs = selectors.visible_facilities(request.auth).select_related("area")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q.replace("\x00", ""))
    return qs.order_by("kind", "code")


@router.post("/facilities/import", response=ImportOut, summary="Import facilities and beds")
def import_facilities(request: HttpRequest, file: File[UploadedFile]) -> object:
    if not request.auth.can("change"):
        raise Forbidden("your role may not import facilities")
    return run_import(imports.do_import_facilities, file, actor=request.auth)


@router.post("/reports/import", response=ImportOut, summary="Import occupancy reports")
def import_reports(request: HttpRequest, file: File[UploadedFile]) -> object:
    if not request.auth.can("change"):
        raise Forbidden("your role may not import reports")
    return run_import(imports.do_import_bed_reports, file, actor=request.auth)


@router.get(
    "/facilities/{facility_code}",
    response=FacilityDetailOut,
    summary="One facility with its beds on a day",
)
def get_facility(request: HttpRequest, facility_code: str, date: OpDate | None = None) -> object:
    facility = selectors.get_facility(request.auth, facility_code)
    day = selectors.check_day(date or platform_today())
    load = selectors.facility_loads_for(request.auth, [facility], day)[0]
    facility.date = day  # type: ignore[attr-defined]
    facility.beds = [  # type: ignore[attr-defined]
        {"bed_type": t, "capacity": cap, "occupied": occ, "free": free}
        for t, cap, occ, free in load.rows
    ]
    return facility


@router.get(
    "/facilities/{facility_code}/capacity",
    response=list[CapacityChangeOut],
    summary="The capacity history of a facility",
)
def capacity_history(request: HttpRequest, facility_code: str) -> object:
    facility = selectors.get_facility(request.auth, facility_code)
    return selectors.capacity_history(request.auth, facility)


def _report_response(facility_code: str, results: list[services.ReportResult]) -> list[dict]:
    return [
        {
            "facility_code": facility_code,
            "date": r.report.date,
            "bed_type": r.report.bed_type,
            "occupied": r.report.occupied,
            "free": r.report.free,
            "capacity": r.report.capacity,
            "created": r.created,
        }
        for r in results
    ]


@router.post(
    "/facilities/{facility_code}/reports",
    response=list[BedReportOut],
    summary="Report occupied beds per type for a day (the latest report wins)",
    openapi_extra=_body(BedReportIn),
)
def report_occupancy(request: HttpRequest, facility_code: str) -> object:
    facility = selectors.get_facility(request.auth, facility_code, "view")
    if not request.auth.can("change"):
        raise Forbidden("your role may not report occupancy")
    payload = _parse(request, BedReportIn)
    key = request.headers.get("Idempotency-Key", "").strip()
    body = payload.model_dump(mode="json")
    fingerprint = hashlib.sha256(
        json.dumps([facility_code, body], sort_keys=True).encode()
    ).hexdigest()
    if key:
        if len(key) > 128:
            raise InvalidInput("Idempotency-Key: at most 128 characters")
        seen = ReportSubmission.objects.filter(user=request.auth, key=key).first()
        if seen is not None:
            if seen.fingerprint != fingerprint:
                raise Conflict("this Idempotency-Key was used for a different report")
            return seen.response
    types = [item.bed_type for item in payload.beds]
    if len(set(types)) != len(types):
        raise InvalidInput("each bed type may appear once per report")
    with transaction.atomic():
        results = [
            services.do_report_occupancy(
                facility,
                day=payload.date,
                bed_type=str(item.bed_type),
                occupied=item.occupied,
                free=item.free,
                actor=request.auth,
                source="api",
            )
            for item in payload.beds
        ]
        response = _report_response(facility_code, results)
        if key:
            try:
                with transaction.atomic():
                    ReportSubmission.objects.create(
                        user=request.auth,
                        key=key,
                        fingerprint=fingerprint,
                        response=json.loads(json.dumps(response, default=str)),
                    )
            except IntegrityError:  # the same key raced in: answer as the first one did
                raise Conflict("this Idempotency-Key is being processed; retry") from None
    return response


@router.post(
    "/facilities/{facility_code}/reservations",
    response=ReservationOut,
    summary="Reserve beds of one type at once (dispatch); refused if not enough are free",
    openapi_extra=_body(ReservationIn),
)
def reserve_beds(request: HttpRequest, facility_code: str) -> object:
    facility = selectors.get_facility(request.auth, facility_code)
    payload = _parse(request, ReservationIn)
    done = services.do_reserve_beds(
        facility,
        str(payload.bed_type),
        payload.beds,
        actor=request.auth,
        reference=payload.reference,
    )
    r = done.reservation
    return {
        "id": r.pk,
        "facility_code": facility.code,
        "bed_type": r.bed_type,
        "beds": r.beds,
        "reference": r.reference,
        "released": False,
        "free_after": done.free_after,
    }


@router.post(
    "/reservations/{reservation_id}/release",
    response=ReservationOut,
    summary="Give reserved beds back",
)
def release_reservation(request: HttpRequest, reservation_id: int) -> object:
    qs = BedReservation.objects.select_related("facility__area")
    found = load_for(request.auth, "view", qs, reservation_id, what="reservation")
    r = services.do_release_reservation(found, actor=request.auth)
    return {
        "id": r.pk,
        "facility_code": found.facility.code,
        "bed_type": r.bed_type,
        "beds": r.beds,
        "reference": r.reference,
        "released": r.released_at is not None,
    }


@router.get("/balance", response=BalanceOut, summary="Bed balance per district and type")
def balance(request: HttpRequest, date: OpDate | None = None) -> object:
    day = selectors.check_day(date or platform_today())
    result = selectors.balance_on(day, user=request.auth)
    days, series = selectors.balance_history(request.auth, day - dt.timedelta(days=90), day)
    return {
        "date": day,
        "case_data": result.case_data,
        "beds_wait_for_patients_since": selectors.beds_wait_since(days, series),
        "rows": [r.__dict__ for r in result.rows],
    }
