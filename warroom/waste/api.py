"""The medical waste API (日产日清): sources and their balance, the daily generation and
collection-disposal records, the balance per source, district and city, the alerts.

The records are written as batches through the waste imports (the same checks, the same
finisher as a file: all or nothing, idempotent with an ``Idempotency-Key``, or without one
the body). Everything read is scoped by the user's area.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema
from ninja.pagination import paginate

from warroom.core.apilists import Shaped, area_or_home, matching
from warroom.core.errors import Forbidden
from warroom.core.imports import batch_key, table_from_rows
from warroom.core.schemas import OpDate
from warroom.core.today import today
from warroom.geo import selectors as geo
from warroom.geo.models import Area
from warroom.waste import imports, selectors
from warroom.waste.models import Disposed, Generated, Plant, WasteKind
from warroom.waste.services import capacity_on

router = Router(tags=["waste"])

AreaCode = Query(None, max_length=32, description="area code (default: your own area)")
Tonnes = Field(..., ge=0, le=99_999_999, max_digits=12, decimal_places=4)


def _writer(request: HttpRequest) -> None:
    if not request.auth.can("change"):
        raise Forbidden("your role may not change waste records")


class WasteGeneratedIn(Schema):
    date: OpDate
    area_code: str = Field(..., min_length=1, max_length=32, description="the district")
    facility_code: str = Field("", max_length=32, description="empty: the district's others")
    kind: WasteKind = WasteKind.INFECTIOUS
    tonnes: Decimal = Tonnes


class WasteDisposedIn(Schema):
    date: OpDate
    plant_code: str = Field(..., min_length=1, max_length=32)
    area_code: str = Field(..., min_length=1, max_length=32)
    facility_code: str = Field("", max_length=32)
    tonnes: Decimal = Tonnes


class WasteGeneratedBatchIn(Schema):
    rows: list[WasteGeneratedIn] = Field(..., min_length=1, max_length=10_000)


class WasteDisposedBatchIn(Schema):
    rows: list[WasteDisposedIn] = Field(..., min_length=1, max_length=10_000)


class WasteBatchOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str


class WasteGeneratedOut(Schema):
    date: dt.date
    area_code: str
    source: str = Field(..., description="the facility's code; empty: the district's others")
    kind: str
    tonnes: float


class WasteDisposedOut(Schema):
    date: dt.date
    plant_code: str
    area_code: str
    source: str
    tonnes: float


class WasteSourceOut(Schema):
    area_code: str
    source: str
    generated: float = Field(..., description="tonnes generated on the day")
    disposed: float = Field(..., description="tonnes collected and disposed of on the day")
    backlog: float = Field(..., description="tonnes stored at the day's cut-off")
    over_48h: float = Field(..., description="of which stored over 48 hours")
    oldest_days: int


class WastePlantOut(Schema):
    code: str
    name: str
    area_code: str
    operator: str
    synthetic: bool
    capacity: float = Field(..., description="tonnes a day on the date")
    load: float = Field(..., description="tonnes disposed of on the date")


class WasteTotalsOut(Schema):
    area_code: str
    generated: float
    disposed: float
    backlog: float
    over_48h: float
    sources_over_48h: int


class WasteBalanceOut(Schema):
    date: dt.date
    area: WasteTotalsOut
    districts: list[WasteTotalsOut]
    capacity: float
    plant_load: float
    plants: list[WastePlantOut]


def _batch(request: HttpRequest, kind: str, payload: Any, key: str | None, columns: Any) -> Any:
    body = [r.model_dump(mode="json") for r in payload.rows]
    return table_from_rows(body, columns, key=batch_key(request.auth, kind, key, body))


@router.post(
    "/generated",
    response=WasteBatchOut,
    summary="Report tonnes generated per day, source and kind: all or nothing, idempotent "
    "(a corrected figure replaces the day's)",
)
def post_generated(
    request: HttpRequest,
    payload: WasteGeneratedBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=128),
) -> object:
    _writer(request)
    table = _batch(request, "waste-generated", payload, idempotency_key, imports.GENERATED_COLUMNS)
    return imports.do_import_generated(table, actor=request.auth).__dict__


@router.post(
    "/disposed",
    response=WasteBatchOut,
    summary="Record tonnes collected from a source and disposed of by a plant: all or "
    "nothing, idempotent (refused above capacity or above what is stored)",
)
def post_disposed(
    request: HttpRequest,
    payload: WasteDisposedBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=128),
) -> object:
    _writer(request)
    table = _batch(request, "waste-disposed", payload, idempotency_key, imports.DISPOSED_COLUMNS)
    return imports.do_import_disposed(table, actor=request.auth).__dict__


@router.get("/generated", response=list[WasteGeneratedOut], summary="Tonnes generated, by day")
@paginate
def list_generated(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    root = area_or_home(request, area)
    qs = matching(Generated.objects.restrict(request.auth), area__path__under=root.path, day=date)
    rows = qs.order_by("-day", "area__code", "source_code", "kind").values_list(
        "day", "area__code", "source_code", "kind", "tonnes"
    )
    return Shaped(
        rows,
        lambda r: {
            "date": r[0],
            "area_code": r[1],
            "source": r[2],
            "kind": r[3],
            "tonnes": float(r[4]),
        },
    )


@router.get(
    "/disposed", response=list[WasteDisposedOut], summary="Tonnes collected and disposed of, by day"
)
@paginate
def list_disposed(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    root = area_or_home(request, area)
    qs = matching(Disposed.objects.restrict(request.auth), area__path__under=root.path, day=date)
    rows = qs.order_by("-day", "plant__code", "area__code").values_list(
        "day", "plant__code", "area__code", "source_code", "tonnes"
    )
    return Shaped(
        rows,
        lambda r: {
            "date": r[0],
            "plant_code": r[1],
            "area_code": r[2],
            "source": r[3],
            "tonnes": float(r[4]),
        },
    )


def _sources(request: HttpRequest, area: str | None, date: dt.date | None) -> list[dict]:
    root = area_or_home(request, area)
    bal = selectors.balance(request.auth, root, date or today())
    codes = dict(
        Area.objects.filter(pk__in={s.area_id for s in bal.sources}).values_list("pk", "code")
    )
    return [
        {
            "area_code": codes.get(s.area_id, ""),
            "source": s.source_code,
            "generated": round(s.generated, 4),
            "disposed": round(s.disposed, 4),
            "backlog": round(s.backlog, 4),
            "over_48h": round(s.over_48h, 4),
            "oldest_days": s.oldest_days,
        }
        for s in bal.sources
    ]


@router.get(
    "/sources",
    response=list[WasteSourceOut],
    summary="Every source (a facility, or a district's others): the day's balance",
)
def sources(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    return _sources(request, area, date)


@router.get(
    "/alerts",
    response=list[WasteSourceOut],
    summary="Sources with waste stored over 48 hours at the day's cut-off (collect it today)",
)
def alerts(request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None) -> object:
    rows = [r for r in _sources(request, area, date) if r["over_48h"] > 0]
    return sorted(rows, key=lambda r: (-r["over_48h"], r["area_code"], r["source"]))


@router.get(
    "/balance",
    response=WasteBalanceOut,
    summary="Generated vs disposed today, backlog and over 48 h per district and for the "
    "area; plant load against capacity",
)
def balance(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    root = area_or_home(request, area)
    day = date or today()
    bal = selectors.balance(request.auth, root, day)
    paths = dict(
        Area.objects.filter(pk__in={s.area_id for s in bal.sources}).values_list("pk", "path")
    )
    districts = []
    for child in geo.children(request.auth, root):
        ids = {aid for aid, path in paths.items() if path.startswith(child.path)}
        districts.append({"area_code": child.code, **bal.totals(ids)})
    return {
        "date": day,
        "area": {"area_code": root.code, **bal.totals()},
        "districts": districts,
        "capacity": round(bal.capacity, 3),
        "plant_load": round(bal.plant_load, 3),
        "plants": [_plant(p["plant"], p["capacity"], p["load"]) for p in bal.plants],
    }


def _plant(p: Plant, capacity: float, load: float) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "area_code": p.area.code,
        "operator": p.operator,
        "synthetic": p.synthetic,
        "capacity": round(capacity, 3),
        "load": round(load, 3),
    }


@router.get("/plants", response=list[WastePlantOut], summary="Disposal plants: capacity and load")
def plants(request: HttpRequest, date: OpDate | None = None) -> object:
    from django.db.models import Sum

    day = date or today()
    caps = capacity_on(day, user=request.auth)
    load = dict(
        Disposed.objects.restrict(request.auth)
        .filter(day=day)
        .values("plant_id")
        .annotate(t=Sum("tonnes"))
        .values_list("plant_id", "t")
    )
    return [
        _plant(p, caps.get(p.pk, 0.0), float(load.get(p.pk) or 0))
        for p in Plant.objects.restrict(request.auth).select_related("area").order_by("code")
    ]
