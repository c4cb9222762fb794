from django.http import HttpRequest
from ninja import File, Header, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from warroom.cases import imports, screening, selectors, services
from warroom.cases.models import Duty, Person
from warroom.cases.schemas import (
    BatchOut,
    ClearanceOut,
    LineListRowIn,
    PersonIn,
    PersonListOut,
    PersonOut,
    PersonUpdateIn,
    ResultIn,
    ResultRowIn,
    SampleIn,
    SampleOut,
    ScreeningBatchOut,
    ScreeningOut,
    TracingOut,
    TransitionIn,
    TransitionOut,
)
from warroom.core.apiauth import register_object_param
from warroom.core.errors import Forbidden, NotFound
from warroom.core.imports import batch_key, table_from_rows
from warroom.core.schemas import OpDate
from warroom.core.uploads import run_import
from warroom.geo import selectors as geo

router = Router(tags=["cases"])
register_object_param("person_id", selectors.get_person)
register_object_param("sample_id", selectors.get_sample)


def _people(request: HttpRequest) -> None:
    if not selectors.can_see_people(request.auth):
        raise NotFound("not found")


def _writer(request: HttpRequest) -> None:
    _people(request)
    if not request.auth.can("change"):
        raise Forbidden("your role may not change case records")


def _out(request: HttpRequest, person: Person, *, detail: bool) -> dict[str, object]:
    ident = (
        selectors.identity(request.auth, person) if detail else selectors.masked_identity(person)
    )
    return {
        "id": person.pk,
        "name": person.name,
        "id_type": person.id_type,
        "id_number": ident.id_number,
        "phone": ident.phone,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "home_code": person.home.code,
        "status": person.status,
        "category": person.category,
        "status_since": person.status_since,
        "severity": person.severity,
        "isolation": person.isolation,
        "facility": person.facility,
        "next_test_due": person.next_test_due,
        "version": person.version,
        "masked": ident.masked,
    }


@router.get("/people", response=list[PersonListOut], summary="People in the four categories")
@paginate
def list_people(request: HttpRequest, status: str = "", q: str = "") -> object:
    _people(request)
    return selectors.people_search(request.auth, q=q, status=status)


@router.post("/people", response={201: PersonOut}, summary="Register a person")
def register_person(request: HttpRequest, payload: PersonIn) -> object:
    _writer(request)
    home = geo.visible_areas(request.auth).filter(code=payload.home_code).first()
    if home is None:
        raise NotFound("no such compound in your area")
    person = services.do_register_person(
        name=payload.name,
        home=home,
        actor=request.auth,
        id_type=payload.id_type,
        id_number=payload.id_number,
        phone=payload.phone,
        sex=payload.sex,
        birth_date=payload.birth_date,
        workplace=payload.workplace,
        vulnerability=payload.vulnerability,
        category=payload.category,
        reason=payload.reason,
    )
    return Status(201, _out(request, person, detail=True))


@router.get("/people/{person_id}", response=PersonOut, summary="One person")
def get_person(request: HttpRequest, person_id: int) -> object:
    _people(request)
    return _out(request, selectors.get_person(request.auth, person_id), detail=True)


@router.patch("/people/{person_id}", response=PersonOut, summary="Change a person's particulars")
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> object:
    _writer(request)
    person = selectors.get_person(request.auth, person_id, "change")
    changes = payload.dict(exclude={"version"}, exclude_none=True)
    services.do_update_person(person, changes, expected_version=payload.version, actor=request.auth)
    return _out(request, person, detail=True)


@router.get(
    "/people/{person_id}/transitions", response=list[TransitionOut], summary="A person's steps"
)
def person_transitions(request: HttpRequest, person_id: int) -> object:
    _people(request)
    return selectors.history(request.auth, selectors.get_person(request.auth, person_id))


@router.post(
    "/people/{person_id}/transitions", response=PersonOut, summary="Move a person to a status"
)
def transition_person(request: HttpRequest, person_id: int, payload: TransitionIn) -> object:
    _writer(request)
    person = selectors.get_person(request.auth, person_id, "change")
    services.do_transition_person(
        person,
        payload.target,
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.version,
        isolation=payload.isolation,
        facility=payload.facility,
        severity=payload.severity,
    )
    return _out(request, person, detail=True)


@router.post("/people/{person_id}/samples", response={201: SampleOut}, summary="A sample taken")
def record_sample(request: HttpRequest, person_id: int, payload: SampleIn) -> object:
    _writer(request)
    person = selectors.get_person(request.auth, person_id, "change")
    sample = services.do_record_sample(
        person,
        kind=payload.kind,
        lab=payload.lab,
        code=payload.code,
        taken_at=payload.taken_at,
        actor=request.auth,
    )
    return Status(201, sample)


@router.post("/samples/{sample_id}/result", response=SampleOut, summary="A sample's result")
def record_result(request: HttpRequest, sample_id: int, payload: ResultIn) -> object:
    _writer(request)
    sample = selectors.get_sample(request.auth, sample_id, "change")
    return services.do_record_result(
        sample,
        payload.result,
        actor=request.auth,
        reported_at=payload.reported_at,
        received_at=payload.received_at,
    )


@router.post(
    "/line-list",
    response=BatchOut,
    summary="A batch of case reports (hospitals, fever clinics): all or nothing, idempotent",
)
def post_line_list(
    request: HttpRequest,
    rows: list[LineListRowIn],
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> object:
    _writer(request)
    body = [r.dict() for r in rows]
    key = batch_key(request.auth, "line-list", idempotency_key, body)
    table = table_from_rows(body, imports.LINE_LIST_COLUMNS, key=key)
    return imports.do_import_line_list(table, actor=request.auth, sha256=key)


@router.post(
    "/results", response=BatchOut, summary="A batch of lab results: all or nothing, idempotent"
)
def post_results(
    request: HttpRequest,
    rows: list[ResultRowIn],
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> object:
    _writer(request)
    body = [r.dict() for r in rows]
    key = batch_key(request.auth, "results", idempotency_key, body)
    table = table_from_rows(body, imports.RESULT_COLUMNS, key=key)
    return imports.do_import_results(table, actor=request.auth, sha256=key)


@router.post("/import/line-list", response=BatchOut, summary="Import a line-list file")
def import_line_list(request: HttpRequest, file: File[UploadedFile]) -> object:
    _writer(request)
    return run_import(imports.do_import_line_list, file, actor=request.auth)


@router.post(
    "/import/screening",
    response=ScreeningBatchOut,
    summary="Import a day of mass screening results (up to 2,000,000 rows)",
)
def import_screening(request: HttpRequest, file: File[UploadedFile]) -> object:
    _writer(request)
    return run_import(
        screening.do_import_screening, file, actor=request.auth, kind=screening.LIMITS
    )


@router.get(
    "/people/{person_id}/screening",
    response={200: ScreeningOut, 204: None},
    summary="A person's latest mass screening result (204: none)",
)
def person_screening(request: HttpRequest, person_id: int) -> object:
    person = selectors.get_person(request.auth, person_id)
    found = screening.latest_for(request.auth, person.id_type, person.id_number)
    if found is None:
        return Status(204, None)
    return found


@router.post("/import/results", response=BatchOut, summary="Import a lab results file")
def import_results(request: HttpRequest, file: File[UploadedFile]) -> object:
    _writer(request)
    return run_import(imports.do_import_results, file, actor=request.auth)


def _duty(snap: object) -> dict[str, int]:
    keys = ("total", "under_24h", "from_24_to_48h", "over_48h", "priority")
    return {k: getattr(snap, k) if snap is not None else 0 for k in keys}


@router.get("/clearance/{code}", response=ClearanceOut, summary="An area's daily clearance")
def clearance(request: HttpRequest, code: str, date: OpDate | None = None) -> object:
    area = geo.get_area(request.auth, code)
    run = selectors.latest_run(date)
    day = date if date is not None else (run.date if run else None)
    kids = list(geo.children(request.auth, area))
    rows = selectors.clearance_rows(request.auth, [area, *kids], day) if day else {}
    duties = [str(d.value) for d in Duty]
    empty = {d: None for d in duties}
    return {
        "area_code": area.code,
        "date": day,
        "duties": {d: _duty(rows.get(area.pk, empty)[d]) for d in duties},
        "children": {k.code: {d: _duty(rows.get(k.pk, empty)[d]) for d in duties} for k in kids},
    }


@router.get("/tracing", response=list[TracingOut], summary="Contacts to trace within 24 h")
def tracing(request: HttpRequest) -> object:
    _people(request)
    return [
        {
            "case_id": r["link"].case_id,
            "contact_id": r["link"].contact_id,
            "contact_name": r["link"].contact.name,
            "setting": r["link"].setting,
            "exposure_date": r["link"].exposure_date,
            "deadline": r["deadline"],
            "overdue": r["overdue"],
        }
        for r in selectors.tracing_list(request.auth)
    ]
