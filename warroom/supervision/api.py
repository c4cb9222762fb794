"""The supervision API (``/api/supervision/``): flags, visits and findings, special places,
accountability, the three quantities' rates, signals and risks, phase plans.

Reads go through :mod:`warroom.supervision.selectors` (scoped; another district's object
is 404 before anything else, :func:`register_object_param`); writes through the
services. Accountability answers 404 to everyone without the ``accountability``
capability, the list included, exactly as the pages do.
"""

import datetime as dt
from typing import Any

from django.db.models import Max
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from warroom.beds.selectors import get_facility
from warroom.core.apiauth import register_object_param
from warroom.core.apilists import (
    Shaped,
    area_or_home,
    area_or_none,
    in_period,
    matching,
    under_area,
)
from warroom.core.errors import NotFound
from warroom.core.schemas import OpDate
from warroom.core.today import today
from warroom.core.users import find_user
from warroom.geo import selectors as geo
from warroom.supervision import integrity, selectors, services
from warroom.supervision.models import (
    AccountabilityRecord,
    Finding,
    PhasePlan,
    Signal,
    SpecialPlace,
    Visit,
)
from warroom.supervision.schemas import (
    AccountabilityIn,
    AccountabilityOut,
    FindingEvidenceIn,
    FindingOut,
    FindingReopenIn,
    FlagIn,
    FlagOut,
    FlagResolveIn,
    PhasePlanOut,
    RatesOut,
    RateTargetIn,
    RateTargetOut,
    RiskOut,
    SignalOut,
    SpecialPlaceDetailOut,
    SpecialPlaceIn,
    SpecialPlaceOut,
    SpecialPlaceVisitIn,
    SupervisionChecklistOut,
    SupervisionVisitIn,
    VisitOut,
    VisitSummaryOut,
)
from warroom.surveillance import selectors as quality
from warroom.surveillance.services import do_set_flag_status
from warroom.tasks import services as tasks

router = Router(tags=["supervision"])
register_object_param("flag_id", quality.get_flag)
register_object_param("visit_id", selectors.get_visit)
register_object_param("finding_id", selectors.get_finding)
register_object_param("place_id", selectors.get_place)
register_object_param("record_id", selectors.get_record)
register_object_param("signal_id", selectors.get_signal)
register_object_param("phase_plan_id", selectors.get_plan)


# --- data-quality flags -------------------------------------------------------------------


def _flag_out(flag: Any) -> dict[str, Any]:
    from warroom.supervision.models import FlagTask

    link = FlagTask.objects.filter(flag=flag).select_related("task").first()
    return _flag_row(flag, link.task if link else None)


def _flag_row(flag: Any, task: Any) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "source": flag.source,
        "rule": flag.rule,
        "rule_label": flag.rule_label,
        "area_code": flag.area.code,
        "area_name": flag.area.name_zh,
        "day": flag.day,
        "column": flag.column,
        "severity": flag.severity,
        "measured": flag.measured,
        "expected": flag.expected,
        "message": flag.message,
        "detected_on": flag.detected_on,
        "status": flag.status,
        "status_note": flag.status_note,
        "task_id": task.pk if task else None,
        "task_status": task.status if task else None,
    }


@router.get(
    "/flags",
    response=list[FlagOut],
    summary="Data-quality flags of your area (status: open, acknowledged, resolved, pending)",
)
@paginate
def list_flags(
    request: HttpRequest,
    status: str = "",
    area: str = "",
    severity: str = "",
    rule: str = "",
    since: OpDate | None = None,
    until: OpDate | None = None,
) -> object:
    qs = quality.quality_flags(request.auth, status=status, area=area_or_none(request, area))
    qs = in_period(matching(qs, severity=severity, rule=rule), since, until)
    return Shaped(
        qs.select_related("supervision_task__task"),
        lambda f: _flag_row(f, f.supervision_task.task if _has_task(f) else None),
    )


def _has_task(flag: Any) -> bool:
    from warroom.supervision.models import FlagTask

    try:
        return flag.supervision_task is not None
    except FlagTask.DoesNotExist:
        return False


@router.post(
    "/flags",
    response={201: FlagOut},
    summary="Raise a data-quality flag by hand; its task opens for the reporting unit",
)
def raise_flag(request: HttpRequest, payload: FlagIn) -> object:
    area = geo.get_area(request.auth, payload.area_code)
    flag = integrity.do_raise_flag(
        area,
        day=payload.day,
        message=payload.message,
        severity=payload.severity,
        column=payload.column,
        actor=request.auth,
    )
    return Status(201, _flag_out(flag))


@router.get("/flags/{flag_id}", response=FlagOut, summary="One data-quality flag and its task")
def get_flag(request: HttpRequest, flag_id: int) -> object:
    return _flag_out(quality.get_flag(request.auth, flag_id))


@router.post("/flags/{flag_id}/resolve", response=FlagOut, summary="Resolve a flag with a note")
def resolve_flag(request: HttpRequest, flag_id: int, payload: FlagResolveIn) -> object:
    flag = quality.get_flag(request.auth, flag_id)
    do_set_flag_status(flag, "resolved", note=payload.note, actor=request.auth)
    return _flag_out(quality.get_flag(request.auth, flag_id))


# --- checklists, visits, findings ---------------------------------------------------------


@router.get(
    "/checklists", response=SupervisionChecklistOut, summary="The checklist in use for a unit kind"
)
def get_checklist(request: HttpRequest, kind: str = "compound") -> object:
    checklist = services.checklist_in_use(kind)
    return {
        "kind": checklist.kind,
        "version": checklist.version,
        "items": list(checklist.items.order_by("order").values("code", "text_zh", "text_en")),
    }


def _visit_summary(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "unit_kind": visit.unit_kind,
        "unit_name": visit.unit_name,
        "area_code": visit.area.code,
        "facility_code": visit.facility.code if visit.facility_id else None,  # type: ignore[union-attr]
        "place_id": visit.place_id,
        "date": visit.date,
        "announced": visit.announced,
        "inspector": visit.inspector.get_username() if visit.inspector_id else None,  # type: ignore[union-attr]
        "inspector_level": visit.inspector_level,
        "checklist_version": visit.checklist.version,
        "passed": visit.passed,
        "note": visit.note,
    }


def _finding_out(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "visit_id": finding.visit_id,
        "area_code": finding.area.code,
        "problem": str(finding.problem_shown),
        "problem_words": finding.problem_words,
        "item": finding.item.code if finding.item_id else None,  # type: ignore[union-attr]
        "closed": finding.closed,
        "found_at": finding.created_at,
        "task": finding.task,
    }


def _visit_out(user: Any, visit: Visit) -> dict[str, Any]:
    results = visit.results.select_related("item").order_by("item__order")
    found = selectors.findings(user).filter(visit=visit).order_by("pk")
    return {
        **_visit_summary(visit),
        "results": [
            {"item": r.item.code, "text": r.item.text_zh, "passed": r.passed, "note": r.note}
            for r in results
        ],
        "findings": [_finding_out(f) for f in found],
    }


@router.get("/visits", response=list[VisitSummaryOut], summary="Supervision visits, newest first")
@paginate
def list_visits(
    request: HttpRequest,
    kind: str = "",
    area: str = "",
    announced: bool | None = None,
    passed: bool | None = None,
) -> object:
    qs = under_area(selectors.visits(request.auth), request, area)
    qs = matching(qs, unit_kind=kind, announced=announced, passed=passed)
    return Shaped(qs, _visit_summary)


def _unit(request: HttpRequest, payload: SupervisionVisitIn) -> dict[str, Any]:
    user = request.auth
    return {
        "area": geo.get_area(user, payload.area_code) if payload.area_code else None,
        "facility": get_facility(user, payload.facility_code) if payload.facility_code else None,
        "place": selectors.get_place_by_code(user, payload.place_code)
        if payload.place_code
        else None,
    }


@router.post(
    "/visits",
    response={201: VisitOut},
    summary="Record a visit (announced or not); each failed item opens a rectification task",
)
def record_visit(request: HttpRequest, payload: SupervisionVisitIn) -> object:
    unit = _unit(request, payload)
    owner = find_user(request.auth, payload.owner) if payload.owner else None
    visit = services.do_record_visit(
        kind=payload.kind,
        date=payload.date,
        results={k: services.ItemResult(v.passed, v.note) for k, v in payload.results.items()},
        announced=payload.announced,
        owner=owner,
        deadline=payload.deadline,
        note=payload.note,
        actor=request.auth,
        **unit,
    )
    return Status(201, _visit_out(request.auth, selectors.get_visit(request.auth, visit.pk)))


@router.get("/visits/{visit_id}", response=VisitOut, summary="One visit: answers and findings")
def get_visit(request: HttpRequest, visit_id: int) -> object:
    return _visit_out(request.auth, selectors.get_visit(request.auth, visit_id))


@router.get(
    "/findings",
    response=list[FindingOut],
    summary="The problem ledger (open_only=true: not closed)",
)
@paginate
def list_findings(request: HttpRequest, open_only: bool = False, area: str = "") -> object:
    qs = under_area(selectors.findings(request.auth), request, area)
    if open_only:
        qs = qs.exclude(task__status="verified")
    return Shaped(qs, _finding_out)


@router.get("/findings/{finding_id}", response=FindingOut, summary="One finding and its task")
def get_finding(request: HttpRequest, finding_id: int) -> object:
    return _finding_out(selectors.get_finding(request.auth, finding_id))


@router.post(
    "/findings/{finding_id}/evidence",
    response=FindingOut,
    summary="The unit submits its rectification with evidence",
)
def submit_evidence(request: HttpRequest, finding_id: int, payload: FindingEvidenceIn) -> object:
    finding = selectors.get_finding(request.auth, finding_id)
    tasks.do_submit_task(finding.task, evidence_text=payload.evidence_text, actor=request.auth)
    return _finding_out(selectors.get_finding(request.auth, finding_id))


@router.post(
    "/findings/{finding_id}/verify",
    response=FindingOut,
    summary="Someone else verifies the rectification: the finding is closed (销号)",
)
def verify_finding(request: HttpRequest, finding_id: int) -> object:
    finding = selectors.get_finding(request.auth, finding_id)
    tasks.do_verify_task(finding.task, actor=request.auth)
    return _finding_out(selectors.get_finding(request.auth, finding_id))


@router.post(
    "/findings/{finding_id}/reopen",
    response=FindingOut,
    summary="Send the rectification back with a reason",
)
def reopen_finding(request: HttpRequest, finding_id: int, payload: FindingReopenIn) -> object:
    finding = selectors.get_finding(request.auth, finding_id)
    tasks.do_reopen_task(
        finding.task, reason=payload.reason, deadline=payload.deadline, actor=request.auth
    )
    return _finding_out(selectors.get_finding(request.auth, finding_id))


# --- special places -----------------------------------------------------------------------


def _place_out(place: SpecialPlace, last: Visit | None = None) -> dict[str, Any]:
    return {
        "id": place.pk,
        "code": place.code,
        "name": place.name,
        "kind": place.kind,
        "area_code": place.area.code,
        "area_name": place.area.name_zh,
        "residents": place.residents,
        "staff": place.staff,
        "contact": place.contact,
        "active": place.active,
        "last_visit": last.date if last else None,
        "last_passed": last.passed if last else None,
    }


@router.get(
    "/places",
    response=list[SpecialPlaceOut],
    summary="Special places (prisons, care and welfare homes, psychiatric hospitals)",
)
@paginate
def list_places(request: HttpRequest, kind: str = "", area: str = "") -> object:
    qs = matching(under_area(selectors.places(request.auth), request, area), kind=kind)
    qs = qs.annotate(last_visit=Max("visits__date"))
    return Shaped(qs, lambda p: {**_place_out(p), "last_visit": p.last_visit})


@router.post("/places", response={201: SpecialPlaceOut}, summary="Register a special place")
def register_place(request: HttpRequest, payload: SpecialPlaceIn) -> object:
    area = geo.get_area(request.auth, payload.area_code)
    place = services.do_register_place(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        area=area,
        residents=payload.residents,
        staff=payload.staff,
        contact=payload.contact,
        actor=request.auth,
    )
    return Status(201, _place_out(place))


def _place_detail(user: Any, place: SpecialPlace) -> dict[str, Any]:
    visits = list(selectors.visits(user).filter(place=place)[:50])
    return {
        **_place_out(place, visits[0] if visits else None),
        "visits": [_visit_summary(v) for v in visits],
    }


@router.get(
    "/places/{place_id}", response=SpecialPlaceDetailOut, summary="One special place, its visits"
)
def get_place(request: HttpRequest, place_id: int) -> object:
    return _place_detail(request.auth, selectors.get_place(request.auth, place_id))


@router.post(
    "/places/{place_id}/visits",
    response={201: VisitOut},
    summary="Inspect a special place with its own checklist; failed items open tasks",
)
def inspect_place(request: HttpRequest, place_id: int, payload: SpecialPlaceVisitIn) -> object:
    place = selectors.get_place(request.auth, place_id)
    owner = find_user(request.auth, payload.owner) if payload.owner else None
    visit = services.do_record_visit(
        kind=place.kind,
        place=place,
        date=payload.date,
        results={k: services.ItemResult(v.passed, v.note) for k, v in payload.results.items()},
        announced=payload.announced,
        owner=owner,
        deadline=payload.deadline,
        note=payload.note,
        actor=request.auth,
    )
    return Status(201, _visit_out(request.auth, selectors.get_visit(request.auth, visit.pk)))


# --- accountability (entitled only) -------------------------------------------------------


def _entitled(request: HttpRequest) -> None:
    if not request.auth.can("accountability"):
        raise NotFound("not found")


def _record_out(record: AccountabilityRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "area_code": record.area.code,
        "area_name": record.area.name_zh,
        "subject": record.subject,
        "position": record.position,
        "decision": record.decision,
        "grounds": record.grounds,
        "authority": record.authority,
        "decided_on": record.decided_on,
        "finding_ids": sorted(f.pk for f in record.findings.all()),
        "flag_ids": sorted(f.pk for f in record.flags.all()),
        "references": record.references,
        "recorded_by": record.recorded_by.get_username() if record.recorded_by_id else None,  # type: ignore[union-attr]
        "recorded_at": record.recorded_at,
    }


@router.get(
    "/accountability",
    response=list[AccountabilityOut],
    summary="Accountability and commendation records (only for those entitled; else 404)",
)
@paginate
def list_records(request: HttpRequest, decision: str = "", area: str = "") -> object:
    _entitled(request)
    qs = matching(under_area(selectors.records(request.auth), request, area), decision=decision)
    return Shaped(qs.prefetch_related("findings", "flags"), _record_out)


@router.post(
    "/accountability",
    response={201: AccountabilityOut},
    summary="Record a decision of accountability or commendation, linked to its grounds",
)
def record_accountability(request: HttpRequest, payload: AccountabilityIn) -> object:
    _entitled(request)
    user = request.auth
    area = geo.get_area(user, payload.area_code)
    services.check_accountability(user, area)
    record = services.do_record_accountability(
        area=area,
        subject=payload.subject,
        position=payload.position,
        decision=payload.decision,
        grounds=payload.grounds,
        authority=payload.authority,
        decided_on=payload.decided_on,
        findings=[selectors.get_finding(user, pk) for pk in payload.finding_ids],
        flags=[quality.get_flag(user, pk) for pk in payload.flag_ids],
        references=payload.references,
        actor=user,
    )
    return Status(201, _record_out(record))


@router.get(
    "/accountability/{record_id}", response=AccountabilityOut, summary="One record (entitled)"
)
def get_record(request: HttpRequest, record_id: int) -> object:
    return _record_out(selectors.get_record(request.auth, record_id))


# --- the three quantities' rates ----------------------------------------------------------


def _latest_rate_day(user: Any, area: Any) -> dt.date:
    from warroom.supervision.models import RateDay

    found = (
        RateDay.objects.restrict(user, "view")
        .filter(area=area, day__lte=today())
        .aggregate(last=Max("day"))["last"]
    )
    return found or today()


@router.get(
    "/rates",
    response=RatesOut,
    summary="The rates of an area (city or district) on a day: value, trend, target",
)
def get_rates(request: HttpRequest, area: str = "", date: OpDate | None = None) -> object:
    """收治率, 重症发生率, 病亡率, 治愈率, medical staff infections and contacts' positivity
    (docs/supervision.md §5), from the daily cycle's stored counts; ``date`` defaults to
    the latest day computed."""
    place = area_or_home(request, area)
    day = date or _latest_rate_day(request.auth, place)
    panel = selectors.rates_panel(request.auth, place, day)
    return {
        "area_code": place.code,
        "day": day,
        "dates": panel["dates"],
        "metrics": panel["metrics"],
    }


@router.post("/rates/targets", response={201: RateTargetOut}, summary="Headquarters sets a target")
def set_target(request: HttpRequest, payload: RateTargetIn) -> object:
    area = geo.get_area(request.auth, payload.area_code)
    target = services.do_set_target(area, payload.metric, payload.value, actor=request.auth)
    return Status(
        201,
        {
            "area_code": area.code,
            "metric": target.metric,
            "value": target.value,
            "set_by": request.auth.get_username(),
            "set_at": target.set_at,
        },
    )


# --- signals and the four risks -----------------------------------------------------------


def _signal_out(signal: Signal) -> dict[str, Any]:
    from warroom.supervision.signals import label_of

    return {
        "id": signal.pk,
        "name": signal.name,
        "label": str(label_of(signal.name)),
        "area_code": signal.area.code,
        "area_name": signal.area.name_zh,
        "day": signal.day,
        "value": signal.value,
        "threshold": signal.threshold,
        "message": signal.message_shown,
        "message_words": signal.message_words,
        "evidence": signal.evidence,
        "status": signal.status,
    }


@router.get("/signals", response=list[SignalOut], summary="Risk signals, newest first")
@paginate
def list_signals(
    request: HttpRequest,
    date: OpDate | None = None,
    area: str = "",
    status: str = "",
    name: str = "",
) -> object:
    qs = under_area(selectors.signals(request.auth), request, area)
    qs = matching(qs, day=date, status=status, name=name)
    return Shaped(qs.order_by("-day", "name", "area__path"), _signal_out)


@router.post("/signals/{signal_id}/handled", response=SignalOut, summary="Mark a signal handled")
def signal_handled(request: HttpRequest, signal_id: int) -> object:
    signal = selectors.get_signal(request.auth, signal_id)
    return _signal_out(services.do_mark_signal_handled(signal, actor=request.auth))


@router.get(
    "/risks",
    response=list[RiskOut],
    summary="The four major risks: indicators, 14-day trend, owner",
)
def list_risks(request: HttpRequest, area: str = "", date: OpDate | None = None) -> object:
    place = area_or_home(request, area)
    risks = selectors.risks_panel(request.auth, place, date or today())
    return [{**r, "label": str(r["label"])} for r in risks]


# --- phase plans --------------------------------------------------------------------------


def _plan_out(plan: PhasePlan) -> dict[str, Any]:
    items = list(plan.items.select_related("task__owner").order_by("kind", "pk"))
    return {
        "id": plan.pk,
        "area_code": plan.area.code,
        "phase": plan.phase,
        "phase_start": plan.phase_start,
        "summary": plan.summary,
        "recorded_by": plan.recorded_by.get_username() if plan.recorded_by_id else None,  # type: ignore[union-attr]
        "recorded_at": plan.recorded_at,
        "items": [
            {
                "kind": i.kind,
                "title": i.title,
                "target": i.target,
                "owner": i.task.owner.get_username(),
                "deadline": i.task.deadline,
                "status": i.task.status,
                "task_id": i.task_id,
            }
            for i in items
        ],
        "done": sum(1 for i in items if i.task.status == "verified"),
        "total": len(items),
    }


@router.get("/plans", response=list[PhasePlanOut], summary="Phase plans (阶段性谋划), newest first")
@paginate
def list_plans(request: HttpRequest, phase: str = "") -> object:
    qs = selectors.plans(request.auth)
    if phase:
        qs = qs.filter(phase=phase)
    return Shaped(qs, _plan_out)


@router.get(
    "/plans/current",
    response=PhasePlanOut,
    summary="The plan of the phase declared now (404 when none is recorded)",
)
def current_plan(request: HttpRequest, area: str = "") -> object:
    from warroom.situation.selectors import latest

    place = area_or_home(request, area)
    situation = latest(request.auth, place)
    phase = situation.payload.get("phase") if situation is not None else None
    plan = selectors.current_plan(request.auth, place, phase)
    if plan is None:
        raise NotFound("no plan for the phase declared now")
    return _plan_out(plan)


@router.get("/plans/{phase_plan_id}", response=PhasePlanOut, summary="One phase plan and its lines")
def get_plan(request: HttpRequest, phase_plan_id: int) -> object:
    return _plan_out(selectors.get_plan(request.auth, phase_plan_id))
