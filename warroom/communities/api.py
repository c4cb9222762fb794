import datetime as dt

from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from warroom.communities import imports, selectors, services
from warroom.communities.models import Inspection
from warroom.communities.schemas import (
    ChecklistIn,
    ChecklistOut,
    ClosureIn,
    ClosureOut,
    DecisionIn,
    EntryPointIn,
    EntryPointOut,
    InspectionImportOut,
    InspectionIn,
    InspectionOut,
    LevelCountOut,
    PassageIn,
    PassageOut,
    RecomputeIn,
    RecomputeOut,
    ReopeningIn,
    ReopeningOut,
    StatusOut,
)
from warroom.core.apiauth import register_object_param
from warroom.core.errors import Forbidden, NotFound
from warroom.core.schemas import OpDate
from warroom.core.uploads import run_import
from warroom.core.users import find_user
from warroom.geo import selectors as geo
from warroom.tasks.models import Task

router = Router(tags=["communities"])
register_object_param("inspection_id", selectors.get_inspection)
register_object_param("application_id", selectors.get_application)
register_object_param("entry_id", selectors.get_entry_point)


def _day(request: HttpRequest, date: dt.date | None) -> dt.date:
    day = selectors.latest_date(request.auth, date)
    if day is None:
        raise NotFound("no certification computed yet")
    return day


@router.get(
    "/areas/{code}/certification", response=StatusOut, summary="A unit's epidemic-free status"
)
def area_status(request: HttpRequest, code: str, date: OpDate | None = None) -> object:
    area = geo.get_area(request.auth, code)
    row = selectors.status_of(request.auth, area, _day(request, date))
    if row is None:
        raise NotFound("no status for this unit on that day")
    return row


@router.get(
    "/areas/{code}/certification/children",
    response=list[StatusOut],
    summary="The statuses of a unit's subdivisions",
)
def children_status(request: HttpRequest, code: str, date: OpDate | None = None) -> object:
    area = geo.get_area(request.auth, code)
    day = _day(request, date)
    return [s for _a, s in selectors.children_statuses(request.auth, area, day) if s]


@router.get(
    "/areas/{code}/certification/counts",
    response=list[LevelCountOut],
    summary="Certified units per level under a unit",
)
def level_counts(request: HttpRequest, code: str, date: OpDate | None = None) -> object:
    area = geo.get_area(request.auth, code)
    return selectors.level_counts(request.auth, area, _day(request, date))


@router.post("/certification/recompute", response=RecomputeOut, summary="Recompute a day")
def recompute(request: HttpRequest, payload: RecomputeIn) -> object:
    if not request.auth.can("manage_areas"):
        raise Forbidden("only headquarters recomputes the certification")
    return services.do_recompute_certification(payload.date, actor=request.auth)


def _inspection_out(inspection: Inspection) -> dict[str, object]:
    results = list(inspection.results.select_related("item").order_by("item__order"))
    tasks = dict(
        Task.objects.filter(
            source_kind="inspection", source_id__in=[r.pk for r in results]
        ).values_list("source_id", "pk")
    )
    return {
        "id": inspection.pk,
        "area_code": inspection.area.code,
        "kind": inspection.kind,
        "checklist_version": inspection.checklist.version,
        "date": inspection.date,
        "inspector": inspection.inspector.username,
        "inspector_level": inspection.inspector_level,
        "passed": inspection.passed,
        "note": inspection.note,
        "results": [
            {"item": r.item.code, "passed": r.passed, "note": r.note, "task_id": tasks.get(r.pk)}
            for r in results
        ],
    }


@router.post(
    "/areas/{code}/inspections",
    response={201: InspectionOut},
    summary="Record an inspection; failed items open rectification tasks",
)
def record_inspection(request: HttpRequest, code: str, payload: InspectionIn) -> object:
    area = geo.get_area(request.auth, code)
    owner = find_user(request.auth, payload.owner)
    inspection = services.do_record_inspection(
        area,
        kind=payload.kind,
        date=payload.date,
        results={k: services.ItemResult(v.passed, v.note) for k, v in payload.results.items()},
        owner=owner,
        deadline=payload.deadline,
        note=payload.note,
        actor=request.auth,
    )
    return Status(201, _inspection_out(inspection))


@router.post(
    "/inspections/import",
    response=InspectionImportOut,
    summary="Import a file of inspections: all or nothing, idempotent",
)
def import_inspections(request: HttpRequest, file: File[UploadedFile]) -> object:
    return run_import(imports.do_import_inspections, file, actor=request.auth)


@router.get("/inspections/{inspection_id}", response=InspectionOut, summary="One inspection")
def get_inspection(request: HttpRequest, inspection_id: int) -> object:
    return _inspection_out(selectors.get_inspection(request.auth, inspection_id))


@router.get("/areas/{code}/closure", response=list[ClosureOut], summary="Closure history")
def closure_history(request: HttpRequest, code: str) -> object:
    area = geo.get_area(request.auth, code)
    return selectors.closure_history(request.auth, area)


@router.post("/areas/{code}/closure", response={201: ClosureOut}, summary="Change the closure")
def set_closure(request: HttpRequest, code: str, payload: ClosureIn) -> object:
    area = geo.get_area(request.auth, code)
    return Status(
        201, services.do_set_closure(area, payload.status, note=payload.note, actor=request.auth)
    )


@router.post("/areas/{code}/reopening", response={201: ReopeningOut}, summary="Apply for reopening")
def apply_reopening(request: HttpRequest, code: str, payload: ReopeningIn) -> object:
    area = geo.get_area(request.auth, code)
    return Status(201, services.do_apply_reopening(area, note=payload.note, actor=request.auth))


@router.get("/reopening/{application_id}", response=ReopeningOut, summary="One application")
def get_application(request: HttpRequest, application_id: int) -> object:
    return selectors.get_application(request.auth, application_id)


@router.post(
    "/reopening/{application_id}/decision",
    response=ReopeningOut,
    summary="The level above approves or rejects",
)
def decide(request: HttpRequest, application_id: int, payload: DecisionIn) -> object:
    app = selectors.get_application(request.auth, application_id)
    return services.do_decide_reopening(
        app, approve=payload.approve, note=payload.note, actor=request.auth
    )


@router.get(
    "/areas/{code}/entry-points", response=list[EntryPointOut], summary="A compound's gates"
)
def list_entry_points(request: HttpRequest, code: str) -> object:
    return selectors.entry_points(request.auth, geo.get_area(request.auth, code))


@router.post("/areas/{code}/entry-points", response={201: EntryPointOut}, summary="Add a gate")
def add_entry_point(request: HttpRequest, code: str, payload: EntryPointIn) -> object:
    area = geo.get_area(request.auth, code)
    return Status(
        201,
        services.do_add_entry_point(
            area,
            name=payload.name,
            duty_staff=payload.duty_staff,
            duty_phone=payload.duty_phone,
            actor=request.auth,
        ),
    )


@router.post(
    "/entry-points/{entry_id}/passages",
    response={201: PassageOut},
    summary="Record an entry or exit by purpose",
)
def record_passage(request: HttpRequest, entry_id: int, payload: PassageIn) -> object:
    point = selectors.get_entry_point(request.auth, entry_id)
    return Status(
        201,
        services.do_record_passage(
            point,
            direction=payload.direction,
            purpose=payload.purpose,
            person=payload.person,
            note=payload.note,
            actor=request.auth,
        ),
    )


def _checklist_out(checklist: object) -> dict[str, object]:
    return {
        "kind": checklist.kind,  # type: ignore[attr-defined]
        "version": checklist.version,  # type: ignore[attr-defined]
        "items": list(
            checklist.items.order_by("order").values(  # type: ignore[attr-defined]
                "code", "category", "text_zh", "text_en"
            )
        ),
    }


@router.get("/checklists", response=ChecklistOut, summary="The checklist of a kind in use")
def get_checklist(request: HttpRequest, kind: str = "six_in_place") -> object:
    return _checklist_out(services.active_checklist(kind))


@router.post("/checklists", response={201: ChecklistOut}, summary="Publish a new checklist version")
def publish_checklist(request: HttpRequest, payload: ChecklistIn) -> object:
    checklist = services.do_publish_checklist(
        payload.kind,
        [(i.code, i.category, i.text_zh, i.text_en) for i in payload.items],
        actor=request.auth,
    )
    return Status(201, _checklist_out(checklist))
