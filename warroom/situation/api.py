import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from warroom.core.errors import NotFound
from warroom.core.schemas import OpDate
from warroom.geo import selectors as geo
from warroom.situation import selectors

router = Router(tags=["situation"])


class SituationOut(Schema):
    area_code: str
    day: dt.date
    payload: dict[str, Any]


@router.get(
    "/{area_code}", response=SituationOut, summary="The situation of an area (latest, or on a day)"
)
def situation(request: HttpRequest, area_code: str, day: OpDate | None = None) -> dict[str, Any]:
    area = geo.get_area(request.auth, area_code)
    found = selectors.latest(request.auth, area, day=day)
    if found is None:
        raise NotFound("no situation computed for this area yet")
    return {"area_code": area.code, "day": found.day, "payload": found.payload}


class BriefingOut(Schema):
    area_code: str
    day: dt.date
    generated_at: dt.datetime
    payload: dict[str, Any]


@router.get(
    "/{area_code}/briefing",
    response=BriefingOut,
    summary="The daily briefing of an area (latest, or of a day): its figures, as archived",
)
def briefing(request: HttpRequest, area_code: str, day: OpDate | None = None) -> dict[str, Any]:
    area = geo.get_area(request.auth, area_code)
    found = selectors.briefing(request.auth, area, day)
    if found is None:
        raise NotFound("no briefing for this area and day: run the daily cycle")
    return {
        "area_code": area.code,
        "day": found.day,
        "generated_at": found.generated_at,
        "payload": found.payload,
    }
