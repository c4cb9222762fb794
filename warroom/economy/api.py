import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from warroom.communities import coverage as closure
from warroom.core.apiauth import register_object_param
from warroom.core.apilists import area_or_home
from warroom.core.schemas import OpDate
from warroom.core.today import today
from warroom.economy import selectors, services
from warroom.geo import selectors as geo

router = Router(tags=["zones"])
register_object_param("business_id", selectors.get_business)
register_object_param("resumption_id", selectors.get_application)

AreaCode = Query(None, max_length=32, description="area code (default: your own area)")


class LevelOut(Schema):
    area_code: str
    area_name: str
    date: dt.date
    level: str
    computed: str
    clause: str
    cumulative: int
    new_in_window: int
    clusters: int
    override_reason: str


class CoverageOut(Schema):
    area_code: str
    date: dt.date
    closed: int
    total: int
    share: float | None
    children: list[dict[str, object]]


class BusinessIn(Schema):
    location_code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=200)
    category: str = Field(..., max_length=24)
    size: str = Field(..., max_length=8)
    workforce: int = Field(..., ge=1, le=1_000_000)
    credit_code: str = Field("", max_length=18)


class BusinessOut(Schema):
    id: int
    name: str
    category: str
    size: str
    workforce: int


class ApplicationIn(Schema):
    plan: dict[str, bool] = Field(..., description="plan item → in place (see docs/zones.md)")
    workers: int = Field(..., ge=1, le=1_000_000)
    worker_ids: list[str] = Field(default_factory=list, max_length=100_000)


class ResumptionDecisionIn(Schema):
    approve: bool
    conditions: str = Field("", max_length=1000)
    reason: str = Field("", max_length=1000)


class ApplicationOut(Schema):
    id: int
    business_id: int
    status: str
    workers: int
    workers_blocked: int
    reason: str = Field(description="In the request's language.")
    reason_words: dict[str, Any] | None = Field(
        None, description="A reason the platform wrote, as its message id and values."
    )
    conditions: str = Field(description="In the request's language.")
    conditions_words: dict[str, Any] | None = Field(
        None, description="Conditions the rules set, as their message id and values."
    )

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return str(obj.reason_shown)

    @staticmethod
    def resolve_conditions(obj: Any) -> str:
        return str(obj.conditions_shown)


@router.get("/levels", response=list[LevelOut], summary="Risk levels of the graded areas")
def levels(request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None) -> object:
    rows = selectors.levels(request.auth, area_or_home(request, area), date or today())
    return [
        {
            "area_code": r.area.code,
            "area_name": r.area.name_zh,
            "date": r.date,
            "level": r.level,
            "computed": r.computed,
            "clause": r.clause,
            "override_reason": r.override_reason,
            **r.basis,
        }
        for r in rows
    ]


@router.get("/coverage", response=CoverageOut, summary="Closure coverage of an area")
def coverage(
    request: HttpRequest, area: str | None = AreaCode, date: OpDate | None = None
) -> object:
    root = area_or_home(request, area)
    data = closure.coverage(root, date or today())
    return {
        "area_code": root.code,
        "date": data["day"],
        "closed": data["closed"],
        "total": data["total"],
        "share": data["share"],
        "children": [
            {
                "area_code": c["area"].code,
                "closed": c["closed"],
                "total": c["total"],
                "share": c["share"],
            }
            for c in data["children"]
        ],
    }


@router.post("/businesses", response={201: BusinessOut}, summary="Register a business")
def register_business(request: HttpRequest, payload: BusinessIn) -> object:
    area = geo.get_area(request.auth, payload.location_code)
    return Status(
        201,
        services.do_register_business(
            area,
            name=payload.name,
            category=payload.category,
            size=payload.size,
            workforce=payload.workforce,
            credit_code=payload.credit_code,
            actor=request.auth,
        ),
    )


@router.post(
    "/businesses/{business_id}/applications",
    response={201: ApplicationOut},
    summary="Apply to resume work",
)
def apply(request: HttpRequest, business_id: int, payload: ApplicationIn) -> object:
    business = selectors.get_business(request.auth, business_id)
    return Status(
        201,
        services.do_apply_resumption(
            business,
            plan=payload.plan,
            worker_ids=payload.worker_ids,
            workers=payload.workers,
            actor=request.auth,
        ),
    )


@router.post(
    "/applications/{resumption_id}/decision",
    response=ApplicationOut,
    summary="Approve or refuse a resumption application",
)
def decide(request: HttpRequest, resumption_id: int, payload: ResumptionDecisionIn) -> object:
    app = selectors.get_application(request.auth, resumption_id)
    return services.do_decide_resumption(
        app,
        approve=payload.approve,
        conditions=payload.conditions,
        reason=payload.reason,
        actor=request.auth,
    )


@router.get("/resumption", summary="Resumption of work by area and category")
def resumption(request: HttpRequest, area: str | None = AreaCode) -> dict[str, object]:
    data = selectors.resumption(request.auth, area_or_home(request, area))
    return {
        "totals": data["totals"],
        "rows": [
            {
                **{k: v for k, v in r.items() if k != "area"},
                "area_code": r["area"].code,
                "category": str(r["category"]),
            }
            for r in data["rows"]
        ],
    }
