import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from warroom.appeals import selectors, services
from warroom.appeals.models import Channel
from warroom.appeals.schemas import (
    AnswerIn,
    AppealEventOut,
    AppealIn,
    AppealOut,
    TopicOut,
    TriageIn,
)
from warroom.core.apiauth import register_object_param
from warroom.core.errors import Forbidden
from warroom.core.imports import batch_key
from warroom.core.today import today
from warroom.geo import selectors as geo

router = Router(tags=["appeals"])
register_object_param("appeal_id", selectors.get_appeal)


@router.get("/", response=list[AppealOut], summary="Appeals, the nearest deadline first")
@paginate
def list_appeals(request: HttpRequest, open_only: bool = False) -> object:
    if open_only:
        return selectors.open_by_deadline(request.auth)
    return selectors.appeals(request.auth).order_by("-received_at", "-pk")


@router.post(
    "/",
    response={200: AppealOut, 201: AppealOut},
    summary="File an appeal from a machine source (idempotent with Idempotency-Key)",
)
def file_appeal(request: HttpRequest, payload: AppealIn) -> object:
    """A social-media monitor or the hotline's telephony system files an appeal. The same
    ``Idempotency-Key`` (per user), or without one the same body, returns the appeal filed
    the first time (200) instead of filing it twice."""
    actor = request.auth
    if not actor.can("appeals"):  # type: ignore[union-attr]
        raise Forbidden("You may not handle appeals.")
    area = geo.get_area(actor, payload.compound_code) if payload.compound_code else None
    channel = (
        payload.channel if payload.channel in (Channel.API, Channel.SOCIAL, Channel.HOTLINE) else ""
    )
    key = batch_key(actor, "appeal", request.headers.get("Idempotency-Key"), payload.dict())
    from warroom.appeals.models import Appeal

    known = Appeal.objects.filter(channel=channel or payload.channel, source_ref=key).first()
    if known is not None:
        return Status(200, selectors.get_appeal(actor, known.pk))
    appeal = services.do_file_appeal(
        channel=channel or payload.channel,
        text=payload.text,
        place_text=payload.place,
        area=area,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        category=payload.category,
        urgency=payload.urgency,
        source_ref=key,
        actor=actor,
    )
    return Status(201, selectors.get_appeal(actor, appeal.pk))


@router.get("/topics", response=list[TopicOut], summary="Topics of the appeals (clusters)")
def topics(
    request: HttpRequest,
    day: dt.date | None = None,
    days: int = Query(7, ge=1, le=31, description="days of the window, up to ``day``"),
) -> object:
    """The appeals of the caller's area over ``days`` (1–31) up to ``day`` (the platform's
    day), grouped into topics; the busiest of the last day first, the unlabelled rest
    last."""
    area = geo.home_area(request.auth)
    rows = selectors.topic_clusters(request.auth, area, end=day or today(), days=days)
    return [
        {
            "key": r.key,
            "label": list(r.label),
            "today": r.today,
            "window": r.window,
            "appeals": list(r.ids),
        }
        for r in rows
    ]


@router.get("/{appeal_id}", response=AppealOut, summary="One appeal")
def get_appeal(request: HttpRequest, appeal_id: int) -> object:
    return selectors.get_appeal(request.auth, appeal_id)


@router.get("/{appeal_id}/events", response=list[AppealEventOut], summary="One appeal's history")
def appeal_events(request: HttpRequest, appeal_id: int) -> object:
    return selectors.events(request.auth, selectors.get_appeal(request.auth, appeal_id))


@router.post("/{appeal_id}/triage", response=AppealOut, summary="Confirm category and urgency")
def triage(request: HttpRequest, appeal_id: int, payload: TriageIn) -> object:
    appeal = selectors.get_appeal(request.auth, appeal_id)
    area = geo.get_area(request.auth, payload.area_code) if payload.area_code else None
    services.do_triage_appeal(
        appeal,
        category=payload.category,
        urgency=payload.urgency,
        area=area,
        note=payload.note,
        actor=request.auth,
    )
    return selectors.get_appeal(request.auth, appeal_id)


@router.post("/{appeal_id}/answer", response=AppealOut, summary="Answer the citizen")
def answer(request: HttpRequest, appeal_id: int, payload: AnswerIn) -> object:
    appeal = selectors.get_appeal(request.auth, appeal_id)
    services.do_answer_appeal(appeal, reply=payload.reply, actor=request.auth)
    return selectors.get_appeal(request.auth, appeal_id)
