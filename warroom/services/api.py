from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from warroom.core.apiauth import register_object_param
from warroom.core.schemas import DayCount, Percent
from warroom.core.users import find_user
from warroom.geo import selectors as geo
from warroom.services import selectors, services
from warroom.services.schemas import (
    BacklogOut,
    CaretakerIn,
    MedicalIn,
    MedicalOut,
    OrderIn,
    OrderOut,
    PriceAlertOut,
    PriceIn,
    ResidentIn,
    ResidentOut,
    RouteIn,
    VisitIn,
)

router = Router(tags=["services"])
register_object_param("resident_id", selectors.get_resident)
register_object_param("order_id", selectors.get_order)
register_object_param("medical_id", selectors.get_medical_request)


@router.get("/residents", response=list[ResidentOut], summary="Vulnerable residents")
@paginate
def list_residents(request: HttpRequest) -> object:
    return selectors.residents(request.auth).order_by("pk")


@router.post("/residents", response={201: ResidentOut}, summary="Register a vulnerable resident")
def register(request: HttpRequest, payload: ResidentIn) -> object:
    area = geo.get_area(request.auth, payload.compound_code)
    return Status(
        201,
        services.do_register_vulnerable(
            area,
            name=payload.name,
            kind=payload.kind,
            address=payload.address,
            phone=payload.phone,
            actor=request.auth,
        ),
    )


@router.get("/residents/{resident_id}", response=ResidentOut, summary="One resident")
def get_resident(request: HttpRequest, resident_id: int) -> object:
    return selectors.get_resident(request.auth, resident_id)


@router.post(
    "/residents/{resident_id}/caretaker", response=ResidentOut, summary="Assign the caretaker"
)
def assign(request: HttpRequest, resident_id: int, payload: CaretakerIn) -> object:
    person = selectors.get_resident(request.auth, resident_id)
    user = find_user(request.auth, payload.username)
    return services.do_assign_caretaker(
        person, user=user, name=payload.name, phone=payload.phone, actor=request.auth
    )


@router.post("/residents/{resident_id}/visits", response=ResidentOut, summary="Record a visit")
def visit(request: HttpRequest, resident_id: int, payload: VisitIn) -> object:
    person = selectors.get_resident(request.auth, resident_id)
    services.do_record_visit(person, needs=payload.needs, note=payload.note, actor=request.auth)
    return selectors.get_resident(request.auth, resident_id)


@router.get(
    "/areas/{code}/backlogs",
    response=list[BacklogOut],
    summary="Vulnerable residents without a caretaker or not visited, per subdivision",
)
def backlogs(request: HttpRequest, code: str, days: DayCount | None = None) -> object:
    area = geo.get_area(request.auth, code)
    own = {"area_code": area.code, **selectors.care_backlog_counts(area, days)}
    rows = [
        {"area_code": r["area"].code, **{k: v for k, v in r.items() if k != "area"}}
        for r in selectors.care_backlog_by_child(request.auth, area, days)
    ]
    return [own, *rows]


@router.post("/prices", response={201: None}, summary="Record a staple's price")
def record_price(request: HttpRequest, payload: PriceIn) -> object:
    area = geo.get_area(request.auth, payload.district_code)
    services.do_record_price(
        area,
        item=payload.item,
        date=payload.date,
        price=payload.price,
        unit=payload.unit,
        actor=request.auth,
    )
    return Status(201, None)


@router.get("/prices/alerts", response=list[PriceAlertOut], summary="Price rises over the week")
def alerts(request: HttpRequest, percent: Percent | None = None) -> object:
    return [
        {**a.__dict__, "district_code": a.area.code}
        for a in selectors.price_alerts(request.auth, percent=percent)
    ]


@router.get("/orders", response=list[OrderOut], summary="Group orders")
@paginate
def list_orders(request: HttpRequest) -> object:
    return selectors.orders(request.auth).order_by("-ordered_at")


@router.post("/orders", response={201: OrderOut}, summary="Place a group order")
def place_order(request: HttpRequest, payload: OrderIn) -> object:
    area = geo.get_area(request.auth, payload.compound_code)
    return Status(
        201,
        services.do_place_group_order(
            area,
            items=[(i.name, i.quantity, i.unit, i.unit_price) for i in payload.items],
            kind=payload.kind,
            supplier=payload.supplier,
            actor=request.auth,
        ),
    )


@router.post("/orders/{order_id}/delivered", response=OrderOut, summary="Mark delivered")
def delivered(request: HttpRequest, order_id: int) -> object:
    order = selectors.get_order(request.auth, order_id)
    return services.do_mark_order_delivered(order, actor=request.auth)


@router.get("/medical", response=list[MedicalOut], summary="Medical-care requests")
@paginate
def list_medical(request: HttpRequest) -> object:
    return selectors.medical_requests(request.auth).order_by("-requested_at")


@router.post("/medical", response={201: MedicalOut}, summary="Request medical care")
def request_care(request: HttpRequest, payload: MedicalIn) -> object:
    area = geo.get_area(request.auth, payload.compound_code)
    return Status(
        201,
        services.do_request_medical_care(
            area,
            person=payload.person,
            kind=payload.kind,
            phone=payload.phone,
            note=payload.note,
            actor=request.auth,
        ),
    )


@router.post("/medical/{medical_id}/route", response=MedicalOut, summary="Route to a hospital")
def route(request: HttpRequest, medical_id: int, payload: RouteIn) -> object:
    req = selectors.get_medical_request(request.auth, medical_id)
    return services.do_route_medical_request(req, hospital=payload.hospital, actor=request.auth)


@router.post("/medical/{medical_id}/done", response=MedicalOut, summary="Mark the care done")
def done(request: HttpRequest, medical_id: int) -> object:
    req = selectors.get_medical_request(request.auth, medical_id)
    return services.do_complete_medical_request(req, actor=request.auth)
