"""The supplies API: the catalogue, places and their stock, the ledger's movements, counts,
donations and allocations (docs/supplies.md, "API").

Every object named in a URL (``place_code``, ``donation_id``, ``plan_id``) is resolved by
the scoped selectors before anything else (:func:`register_object_param`): another
district's object is a 404, like a missing one. Every write goes through the services;
a batch of movements goes through the ledger's import (the same checks, lock, chain and
finisher as a file), idempotent with an ``Idempotency-Key`` (or, without one, the body).
"""

import datetime as dt
from typing import Any

from django.db.models import F, Q, Sum
from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from warroom.core.apiauth import register_object_param
from warroom.core.apilists import (
    Shaped,
    area_or_home,
    in_period,
    matching,
    query_text,
    under_area,
)
from warroom.core.errors import Forbidden, InvalidInput, NotFound
from warroom.core.imports import batch_key, table_from_rows
from warroom.core.schemas import OpDate
from warroom.core.today import today
from warroom.supplies import imports, selectors, services
from warroom.supplies.catalogue import items_by_code
from warroom.supplies.models import (
    Balance,
    DonationForm,
    DonorKind,
    Item,
    Movement,
    MovementKind,
    PlaceKind,
    Source,
)

router = Router(tags=["supplies"])
register_object_param("place_code", selectors.get_place)
register_object_param("donation_id", selectors.get_donation)
register_object_param("plan_id", selectors.get_plan)

Code = Field(..., min_length=1, max_length=40)
Units = Field(..., ge=1, le=10**12, description="whole units, more than 0")
AreaCode = Query(None, max_length=32, description="area code (default: your own area)")


def _writer(request: HttpRequest) -> None:
    if not request.auth.can("change"):
        raise Forbidden("your role may not change supplies")


def _item(code: str) -> Item:
    found = items_by_code().get(query_text(code))
    if found is None:
        raise NotFound("item not found")
    return found


# --- schemas -------------------------------------------------------------------------------


class SupplyItemOut(Schema):
    code: str
    name: str
    name_en: str
    category: str
    unit: str
    standard: str


class SupplyPlaceOut(Schema):
    code: str
    name: str
    kind: str
    area_code: str = Field(..., alias="area.code")
    facility_code: str | None = None

    @staticmethod
    def resolve_facility_code(obj: Any) -> str | None:
        return obj.code if obj.facility_id else None


class SupplyLotStockOut(Schema):
    item: str
    lot: str
    expires_on: dt.date | None
    quantity: int


class SupplyPlaceDetailOut(SupplyPlaceOut):
    stock: list[SupplyLotStockOut]


class SupplyStockOut(Schema):
    place: str
    item: str
    quantity: int


class SupplyOneBalanceOut(Schema):
    place: str
    item: str
    quantity: int = Field(..., description="units at the place, every lot")


class SupplyDaysLeftOut(Schema):
    place: str
    place_kind: str
    item: str
    stock: int
    per_day: float = Field(..., description="need per day (facility) or average issue (warehouse)")
    days_left: float | None = Field(..., description="null: no use, the stock lasts")


class SupplyAlertOut(Schema):
    date: dt.date
    place: str
    item: str
    stock: int
    per_day: float
    days_left: float


class SupplyMovementOut(Schema):
    seq: int
    date: dt.date
    kind: str
    item: str
    lot: str
    from_place: str
    to_place: str
    quantity: int
    source: str
    reference: str
    hash: str


class SupplyMovementRowIn(Schema):
    """One movement of a batch (the import's columns: docs/supplies.md)."""

    date: OpDate
    kind: MovementKind
    item: str = Field(..., min_length=1, max_length=32)
    quantity: int = Units
    from_place: str = Field("", max_length=40)
    to_place: str = Field("", max_length=40)
    lot: str = Field("", max_length=64)
    expires_on: OpDate | None = None
    source: Source | None = None
    reference: str = Field("", max_length=100)


class SupplyMovementBatchIn(Schema):
    rows: list[SupplyMovementRowIn] = Field(..., min_length=1, max_length=10_000)


class SupplyMovementBatchOut(Schema):
    kind: str
    rows: int
    created: int
    already_imported: bool
    sha256: str


class SupplyCountLineIn(Schema):
    item: str = Field(..., min_length=1, max_length=32)
    lot: str = Field("", max_length=64)
    counted: int = Field(..., ge=0, le=10**12)


class SupplyCountIn(Schema):
    date: OpDate | None = None
    lines: list[SupplyCountLineIn] = Field(..., min_length=1, max_length=1000)
    note: str = Field("", max_length=2000)


class SupplyCountOut(Schema):
    id: int
    place: str
    date: dt.date
    lines: list[dict[str, Any]]


class SupplyDonationIn(Schema):
    donor: str = Field(..., min_length=1, max_length=200)
    donor_kind: DonorKind
    form: DonationForm
    area_code: str | None = Field(None, max_length=32, description="default: your own area")
    received_on: OpDate | None = None
    amount: str | None = Field(
        None, max_length=40, description="money: yuan as written (1,000.50 / 500万 / 21.95亿)"
    )
    item: str | None = Field(None, max_length=32, description="goods: the item's code")
    quantity: int | None = Field(None, ge=1, le=10**12)
    warehouse: str | None = Field(None, max_length=40, description="goods: the receiving place")
    public_name: str = Field("", max_length=200)
    country: str = Field("", max_length=64)
    contact: str = Field("", max_length=200)
    standard_claimed: str = Field("", max_length=200)
    expires_on: OpDate | None = None
    use: str = Field("", max_length=200)
    reference: str = Field("", max_length=100)


class SupplyInspectionIn(Schema):
    accepted: bool
    standard_met: str = Field("", max_length=200)
    reason: str = Field("", max_length=300, description="required when rejected")
    date: OpDate | None = None


class SupplyPublishIn(Schema):
    published: bool


class SupplyDonationOut(Schema):
    id: int
    donor: str
    donor_kind: str
    public_name: str
    area_code: str = Field(..., alias="area.code")
    received_on: dt.date
    form: str
    amount_fen: int | None
    item: str | None = None
    quantity: int | None
    warehouse: str | None = None
    status: str
    inspected_on: dt.date | None
    standard_met: str
    reason: str
    lot: str | None = None
    published: bool
    reference: str

    @staticmethod
    def resolve_item(obj: Any) -> str | None:
        return obj.item.code if obj.item_id else None

    @staticmethod
    def resolve_warehouse(obj: Any) -> str | None:
        return obj.warehouse.code if obj.warehouse_id else None

    @staticmethod
    def resolve_lot(obj: Any) -> str | None:
        return obj.lot.code if obj.lot_id else None


class SupplyAllocationIn(Schema):
    warehouse: str = Code
    days: int = Field(1, ge=1, le=30)
    date: OpDate | None = None


class SupplyAllocationLineOut(Schema):
    place: str
    item: str
    tier: int
    need: int
    proposed: int


class SupplyAllocationOut(Schema):
    id: int
    date: dt.date
    warehouse: str
    area_code: str
    status: str
    days: int
    proposed_by: str
    confirmed_by: str
    lines: list[SupplyAllocationLineOut] | None = None


# --- catalogue, places, stock ---------------------------------------------------------------


@router.get(
    "/items", response=list[SupplyItemOut], summary="The catalogue: items, standards, units"
)
def list_items(request: HttpRequest) -> object:
    return list(Item.objects.filter(active=True).order_by("category", "code"))


@router.get(
    "/places", response=list[SupplyPlaceOut], summary="Warehouses and facility stores you see"
)
@paginate
def list_places(
    request: HttpRequest,
    kind: PlaceKind | None = None,
    area: str | None = AreaCode,
) -> object:
    qs = under_area(selectors.places(request.auth).select_related("area"), request, area)
    qs = matching(qs, kind=kind)
    return qs.order_by("kind", "code")


@router.get(
    "/places/{place_code}", response=SupplyPlaceDetailOut, summary="One place with its stock by lot"
)
def get_place(request: HttpRequest, place_code: str) -> object:
    place = selectors.get_place(request.auth, place_code)
    rows = (
        Balance.objects.filter(place=place, quantity__gt=0)
        .select_related("item", "lot")
        .order_by("item__code", "lot__expires_on", "lot__code")
    )
    place.stock = [  # type: ignore[attr-defined]
        {
            "item": b.item.code,
            "lot": b.lot.code,
            "expires_on": b.lot.expires_on,
            "quantity": b.quantity,
        }
        for b in rows[:5000]
    ]
    return place


@router.get(
    "/balance",
    response=SupplyOneBalanceOut,
    summary="The stock of one item at one place (every lot): the maintained balance",
)
def one_balance(
    request: HttpRequest,
    item: str = Query(..., max_length=32),
    place: str = Query(..., max_length=40),
) -> object:
    found = selectors.get_place(request.auth, query_text(place))
    it = _item(item)
    return {"place": found.code, "item": it.code, "quantity": selectors.balance(it.pk, found.pk)}


@router.get(
    "/balances", response=list[SupplyStockOut], summary="Stock per place and item in an area"
)
@paginate
def list_balances(
    request: HttpRequest,
    area: str | None = AreaCode,
    item: str | None = Query(None, max_length=32),
    place: str | None = Query(None, max_length=40),
) -> object:
    qs = Balance.objects.restrict(request.auth).filter(
        external=False,
        quantity__gt=0,
        place__area__path__under=area_or_home(request, area).path,
    )
    if place:
        qs = qs.filter(place=selectors.get_place(request.auth, query_text(place)))
    if item:
        qs = qs.filter(item=_item(item))
    rows = (
        qs.values(place_code=F("place__code"), item_code=F("item__code"))
        .annotate(n=Sum("quantity"))
        .order_by("place_code", "item_code")
        .values_list("place_code", "item_code", "n")
    )
    return _Rows(rows, ("place", "item", "quantity"))


def _days(value: float) -> float | None:
    return None if value == float("inf") else round(float(value), 2)


@router.get(
    "/days-left",
    response=list[SupplyDaysLeftOut],
    summary="Days of stock left per facility and item (need) and per warehouse (issues)",
)
def days_left(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    root = area_or_home(request, area)
    day = date or today()
    rows = selectors.days_left(request.auth, root, day)
    visible = set(
        selectors.places(request.auth)
        .filter(area__path__under=root.path)
        .values_list("pk", flat=True)
    )
    rows += [r for r in selectors.warehouse_days_left(day) if r["place"].pk in visible]
    return [
        {
            "place": r["place"].code if r["place"] else r["facility"].code,
            "place_kind": r["place"].kind if r["place"] else PlaceKind.FACILITY,
            "item": r["item"].code,
            "stock": r["stock"],
            "per_day": round(float(r["per_day"]), 3),
            "days_left": _days(r["days_left"]),
        }
        for r in rows
    ]


@router.get(
    "/alerts", response=list[SupplyAlertOut], summary="Stock-out alerts of a day (< 3 days)"
)
def stock_alerts(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    day = date or today()
    return [
        {
            "date": a.day,
            "place": a.place.code,
            "item": a.item.code,
            "stock": a.stock,
            "per_day": a.per_day,
            "days_left": a.days_left,
        }
        for a in selectors.alerts(request.auth, area_or_home(request, area), day)
    ]


# --- movements and counts -------------------------------------------------------------------


@router.get(
    "/movements", response=list[SupplyMovementOut], summary="The ledger's movements you see"
)
@paginate
def list_movements(
    request: HttpRequest,
    place: str | None = Query(None, max_length=40),
    item: str | None = Query(None, max_length=32),
    kind: MovementKind | None = None,
    since: OpDate | None = None,
    until: OpDate | None = None,
) -> object:
    visible = selectors.places(request.auth)
    qs = Movement.objects.filter(Q(debit__in=visible) | Q(credit__in=visible))
    if place:
        found = selectors.get_place(request.auth, query_text(place))
        qs = qs.filter(Q(debit=found) | Q(credit=found))
    if item:
        qs = qs.filter(item=_item(item))
    if kind:
        qs = qs.filter(kind=kind)
    qs = in_period(qs, since, until)
    rows = qs.order_by("-seq").values_list(
        "seq",
        "day",
        "kind",
        "item__code",
        "lot__code",
        "credit__code",
        "debit__code",
        "quantity",
        "source",
        "reference",
        "hash",
    )
    names: tuple[str, ...] = ("seq", "date", "kind", "item", "lot", "from_place", "to_place")
    names += ("quantity", "source", "reference", "hash")
    return _Rows(rows, names)


class _Rows:
    """A values_list queryset the paginator slices, each row as a dict."""

    def __init__(self, qs: Any, names: tuple[str, ...]) -> None:
        self.qs, self.names = qs, names

    def __len__(self) -> int:
        return int(self.qs.count())

    def count(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, key: Any) -> Any:
        return [dict(zip(self.names, row, strict=True)) for row in self.qs[key]]


@router.post(
    "/movements",
    response=SupplyMovementBatchOut,
    summary="Post a batch of movements (receipt, transfer, issue, adjustment): all or "
    "nothing, idempotent",
)
def post_movements(
    request: HttpRequest,
    payload: SupplyMovementBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=128),
) -> object:
    _writer(request)
    body = [r.model_dump(mode="json") for r in payload.rows]
    for r in body:
        r["source"] = r["source"] or ""
        r["expires_on"] = r["expires_on"] or ""
    key = batch_key(request.auth, imports.KIND, idempotency_key, body)
    table = table_from_rows(body, imports.MOVEMENT_COLUMNS, key=key)
    result = imports.do_import_movements(table, actor=request.auth)
    return result.__dict__


@router.post(
    "/places/{place_code}/counts",
    response=SupplyCountOut,
    summary="A physical inventory of a place: each difference is booked as an adjustment",
)
def record_count(request: HttpRequest, place_code: str, payload: SupplyCountIn) -> object:
    place = selectors.get_place(request.auth, place_code)
    _writer(request)
    counted: dict[tuple[str, str], int] = {}
    for line in payload.lines:
        k = (query_text(line.item), query_text(line.lot))
        if k in counted:
            raise InvalidInput("each item and lot may appear once per count")
        counted[k] = line.counted
    count = services.do_record_count(
        place, counted, actor=request.auth, day=payload.date, note=payload.note
    )
    return {"id": count.pk, "place": place.code, "date": count.day, "lines": count.counted}


# --- donations -------------------------------------------------------------------------------


@router.get(
    "/donations", response=list[SupplyDonationOut], summary="Donations registered in your area"
)
@paginate
def list_donations(request: HttpRequest, status: str | None = Query(None, max_length=16)) -> object:
    qs = selectors.donations(request.auth).select_related("area")
    if status:
        qs = qs.filter(status=query_text(status))
    return qs.order_by("-received_on", "-pk")


@router.post(
    "/donations", response={201: SupplyDonationOut}, summary="Register a donation (goods or money)"
)
def register_donation(request: HttpRequest, payload: SupplyDonationIn) -> object:
    _writer(request)
    area = area_or_home(request, payload.area_code)
    item = _item(payload.item) if payload.item else None
    warehouse = (
        selectors.get_place(request.auth, query_text(payload.warehouse), "change")
        if payload.warehouse
        else None
    )
    donation = services.do_register_donation(
        donor=payload.donor,
        donor_kind=payload.donor_kind,
        area=area,
        form=payload.form,
        actor=request.auth,
        received_on=payload.received_on,
        amount=payload.amount,
        item=item,
        quantity=payload.quantity,
        warehouse=warehouse,
        public_name=payload.public_name,
        country=payload.country,
        contact=payload.contact,
        standard_claimed=payload.standard_claimed,
        expires_on=payload.expires_on,
        use=payload.use,
        reference=payload.reference,
    )
    return Status(201, selectors.get_donation(request.auth, donation.pk))


@router.get("/donations/{donation_id}", response=SupplyDonationOut, summary="One donation")
def get_donation(request: HttpRequest, donation_id: int) -> object:
    return selectors.get_donation(request.auth, donation_id)


@router.post(
    "/donations/{donation_id}/inspect",
    response=SupplyDonationOut,
    summary="The acceptance inspection: accepted goods enter the ledger in their own lot",
)
def inspect_donation(request: HttpRequest, donation_id: int, payload: SupplyInspectionIn) -> object:
    donation = selectors.get_donation(request.auth, donation_id)
    services.do_inspect_donation(
        donation,
        accepted=payload.accepted,
        actor=request.auth,
        standard_met=payload.standard_met,
        reason=payload.reason,
        day=payload.date,
    )
    return selectors.get_donation(request.auth, donation_id)


@router.post(
    "/donations/{donation_id}/publish",
    response=SupplyDonationOut,
    summary="Show (or withdraw) an inspected donation on the public transparency page",
)
def publish_donation(request: HttpRequest, donation_id: int, payload: SupplyPublishIn) -> object:
    donation = selectors.get_donation(request.auth, donation_id)
    services.do_publish_donation(donation, published=payload.published, actor=request.auth)
    return selectors.get_donation(request.auth, donation_id)


# --- allocations -----------------------------------------------------------------------------


def _plan(plan: Any, lines: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": plan.pk,
        "date": plan.day,
        "warehouse": plan.warehouse.code,
        "area_code": plan.area.code,
        "status": plan.status,
        "days": plan.days,
        "proposed_by": plan.proposed_by,
        "confirmed_by": plan.confirmed_by,
    }
    if lines:
        out["lines"] = [
            {
                "place": line.place.code,
                "item": line.item.code,
                "tier": line.tier,
                "need": line.need,
                "proposed": line.proposed,
            }
            for line in plan.lines.select_related("place", "item")
        ]
    return out


@router.get("/allocations", response=list[SupplyAllocationOut], summary="Allocation plans")
@paginate
def list_allocations(
    request: HttpRequest, status: str | None = Query(None, max_length=16)
) -> object:
    qs = selectors.plans(request.auth).select_related("area", "warehouse")
    if status:
        qs = qs.filter(status=query_text(status))
    return Shaped(qs.order_by("-day", "-pk"), lambda p: _plan(p, False))


@router.post(
    "/allocations",
    response={201: SupplyAllocationOut},
    summary="Propose an allocation of a warehouse's stock by need, ICU first (nothing moves)",
)
def propose_allocation(request: HttpRequest, payload: SupplyAllocationIn) -> object:
    _writer(request)
    warehouse = selectors.get_place(request.auth, query_text(payload.warehouse), "change")
    plan = services.do_propose_allocation(
        warehouse, actor=request.auth, day=payload.date, days=payload.days
    )
    return Status(201, _plan(selectors.get_plan(request.auth, plan.pk), True))


@router.get(
    "/allocations/{plan_id}", response=SupplyAllocationOut, summary="One plan with its lines"
)
def get_allocation(request: HttpRequest, plan_id: int) -> object:
    return _plan(selectors.get_plan(request.auth, plan_id), True)


@router.post(
    "/allocations/{plan_id}/confirm",
    response=SupplyAllocationOut,
    summary="Confirm a plan: its transfers are posted at once (refused if stock moved)",
)
def confirm_allocation(request: HttpRequest, plan_id: int) -> object:
    plan = selectors.get_plan(request.auth, plan_id)
    services.do_confirm_allocation(plan, actor=request.auth)
    return _plan(selectors.get_plan(request.auth, plan_id), True)


@router.post("/allocations/{plan_id}/cancel", response=SupplyAllocationOut, summary="Cancel a plan")
def cancel_allocation(request: HttpRequest, plan_id: int) -> object:
    plan = selectors.get_plan(request.auth, plan_id)
    services.do_cancel_allocation(plan, actor=request.auth)
    return _plan(selectors.get_plan(request.auth, plan_id), True)
