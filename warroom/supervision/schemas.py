"""The supervision API's bodies and answers (``warroom/supervision/api.py``)."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from warroom.core.schemas import OpDate, RowId
from warroom.tasks.schemas import TaskOut

# --- data-quality flags -------------------------------------------------------------------


class FlagOut(Schema):
    id: int
    source: str
    rule: str
    rule_label: str
    area_code: str
    area_name: str
    day: dt.date
    column: str
    severity: str
    measured: float | None
    expected: float | None
    message: str
    detected_on: dt.date
    status: str
    status_note: str
    task_id: int | None = None
    task_status: str | None = None


class FlagIn(Schema):
    area_code: str
    day: OpDate
    message: str = Field(..., max_length=2000)
    severity: str = "warning"
    column: str = ""


class FlagResolveIn(Schema):
    note: str = Field("", max_length=300)


# --- visits, findings, checklists ---------------------------------------------------------


class VisitAnswerIn(Schema):
    passed: bool
    note: str = Field("", max_length=300)


class SupervisionVisitIn(Schema):
    kind: str = Field(..., description="compound, community, street, hospital, shelter, ...")
    date: OpDate
    announced: bool = True
    area_code: str | None = Field(None, description="the unit, for compound/community/street")
    facility_code: str | None = Field(None, description="the unit, for hospital/shelter/...")
    place_code: str | None = Field(None, description="the unit, for a special place")
    results: dict[str, VisitAnswerIn]
    owner: str | None = Field(None, description="who rectifies the failed items")
    deadline: OpDate | None = None
    note: str = Field("", max_length=2000)


class SpecialPlaceVisitIn(Schema):
    date: OpDate
    announced: bool = True
    results: dict[str, VisitAnswerIn]
    owner: str | None = None
    deadline: OpDate | None = None
    note: str = Field("", max_length=2000)


class VisitAnswerOut(Schema):
    item: str
    text: str
    passed: bool
    note: str


class FindingOut(Schema):
    id: int
    visit_id: int
    area_code: str
    problem: str = Field(description="In the request's language.")
    problem_words: dict[str, Any] | None = Field(
        None, description="The problem as its message id and values (warroom.core.words)."
    )
    item: str | None
    closed: bool
    found_at: dt.datetime
    task: TaskOut


class VisitSummaryOut(Schema):
    id: int
    unit_kind: str
    unit_name: str
    area_code: str
    facility_code: str | None
    place_id: int | None
    date: dt.date
    announced: bool
    inspector: str | None
    inspector_level: str
    checklist_version: int
    passed: bool
    note: str


class VisitOut(VisitSummaryOut):
    results: list[VisitAnswerOut]
    findings: list[FindingOut]


class FindingEvidenceIn(Schema):
    evidence_text: str = Field(..., max_length=5000)


class FindingReopenIn(Schema):
    reason: str = Field(..., max_length=2000)
    deadline: OpDate | None = None


class SupervisionItemOut(Schema):
    code: str
    text_zh: str
    text_en: str


class SupervisionChecklistOut(Schema):
    kind: str
    version: int
    items: list[SupervisionItemOut]


# --- special places -----------------------------------------------------------------------


class SpecialPlaceIn(Schema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=200)
    kind: str = Field(..., description="prison, care_home, welfare_home, psychiatric")
    area_code: str
    residents: int | None = Field(None, ge=0, le=2_000_000_000)
    staff: int | None = Field(None, ge=0, le=2_000_000_000)
    contact: str = Field("", max_length=100)


class SpecialPlaceOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    area_code: str
    area_name: str
    residents: int | None
    staff: int | None
    contact: str
    active: bool
    last_visit: dt.date | None = None
    last_passed: bool | None = None


class SpecialPlaceDetailOut(SpecialPlaceOut):
    visits: list[VisitSummaryOut]


# --- accountability -----------------------------------------------------------------------


class AccountabilityIn(Schema):
    area_code: str
    subject: str = Field(..., max_length=100)
    position: str = Field("", max_length=200)
    decision: str = Field(..., description="commendation, promotion, reminder, warning, ...")
    grounds: str = Field(..., max_length=5000)
    authority: str = Field(..., max_length=200)
    decided_on: OpDate
    finding_ids: list[RowId] = Field(default_factory=list, max_length=100)
    flag_ids: list[RowId] = Field(default_factory=list, max_length=100)
    references: str = Field("", max_length=300)


class AccountabilityOut(Schema):
    id: int
    area_code: str
    area_name: str
    subject: str
    position: str
    decision: str
    grounds: str
    authority: str
    decided_on: dt.date
    finding_ids: list[int]
    flag_ids: list[int]
    references: str
    recorded_by: str | None
    recorded_at: dt.datetime


# --- rates --------------------------------------------------------------------------------


class RateOut(Schema):
    metric: str
    value: float | None
    numerator: int
    denominator: int
    trend: float | None
    series: list[float | None]
    target: float | None
    meets: bool | None


class RatesOut(Schema):
    area_code: str
    day: dt.date
    dates: list[dt.date]
    metrics: list[RateOut]


class RateTargetIn(Schema):
    area_code: str
    metric: str
    value: float = Field(..., ge=0, le=1)


class RateTargetOut(Schema):
    area_code: str
    metric: str
    value: float
    set_by: str | None
    set_at: dt.datetime


# --- signals and risks --------------------------------------------------------------------


class SignalOut(Schema):
    id: int
    name: str
    label: str
    area_code: str
    area_name: str
    day: dt.date
    value: float
    threshold: float
    message: str = Field(description="In the request's language.")
    message_words: dict[str, Any] | None = Field(
        None, description="The message as its id and values (warroom.core.words)."
    )
    evidence: str
    status: str


class RiskOut(Schema):
    kind: str
    label: str
    indicators: list[str]
    description: str
    trend: list[int]
    today: int
    owner: str | None


# --- phase plans --------------------------------------------------------------------------


class PhasePlanItemOut(Schema):
    kind: str
    title: str
    target: str
    owner: str
    deadline: dt.datetime
    status: str
    task_id: int


class PhasePlanOut(Schema):
    id: int
    area_code: str
    phase: str
    phase_start: dt.date
    summary: str
    recorded_by: str | None
    recorded_at: dt.datetime
    items: list[PhasePlanItemOut]
    done: int
    total: int
