import datetime as dt
from typing import Any

from ninja import Field, Schema

from warroom.core.schemas import OpDate


class StatusOut(Schema):
    area_code: str
    area_name: str
    level: str
    date: dt.date
    status: str
    reasons: dict[str, object]
    reason_texts: list[str]
    certified_since: dt.date | None
    children_total: int
    children_certified: int

    @staticmethod
    def resolve_area_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_area_name(obj: object) -> str:
        return obj.area.name_zh  # type: ignore[attr-defined]


class LevelCountOut(Schema):
    level: str
    certified: int
    not_certified: int
    unknown: int
    total: int


class RecomputeIn(Schema):
    date: OpDate


class RecomputeOut(Schema):
    date: dt.date
    areas: int
    certified: int
    known: bool
    by_level: dict[str, tuple[int, int]]


class InspectionImportOut(Schema):
    kind: str
    rows: int
    inspections: int
    tasks: int
    duplicate: bool
    sha256: str


class ItemResultIn(Schema):
    passed: bool
    note: str = ""


class InspectionIn(Schema):
    kind: str = "six_in_place"
    date: OpDate
    results: dict[str, ItemResultIn]
    owner: str | None = None
    deadline: OpDate | None = None
    note: str = ""


class ResultOut(Schema):
    item: str
    passed: bool
    note: str
    task_id: int | None = None


class InspectionOut(Schema):
    id: int
    area_code: str
    kind: str
    checklist_version: int
    date: dt.date
    inspector: str
    inspector_level: str
    passed: bool
    note: str
    results: list[ResultOut]


class ClosureIn(Schema):
    status: str
    note: str = ""


class ClosureOut(Schema):
    status: str
    since: dt.datetime
    note: str = Field(description="In the request's language.")
    note_words: dict[str, Any] | None = Field(
        None, description="A note the platform wrote, as its message id and values."
    )
    set_by: str | None

    @staticmethod
    def resolve_note(obj: Any) -> str:
        return str(obj.note_shown)

    @staticmethod
    def resolve_set_by(obj: object) -> str | None:
        user = obj.set_by  # type: ignore[attr-defined]
        return user.username if user is not None else None


class ReopeningIn(Schema):
    note: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class ReopeningOut(Schema):
    id: int
    area_code: str
    status: str
    applied_by: str
    applied_at: dt.datetime
    checks: dict[str, object]
    decided_by: str | None
    decision_note: str

    @staticmethod
    def resolve_area_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_applied_by(obj: object) -> str:
        return obj.applied_by.username  # type: ignore[attr-defined]

    @staticmethod
    def resolve_decided_by(obj: object) -> str | None:
        user = obj.decided_by  # type: ignore[attr-defined]
        return user.username if user is not None else None


class EntryPointIn(Schema):
    name: str
    duty_staff: str = ""
    duty_phone: str = ""


class EntryPointOut(Schema):
    id: int
    name: str
    duty_staff: str
    duty_phone: str
    active: bool


class PassageIn(Schema):
    direction: str
    purpose: str
    person: str = ""
    note: str = ""


class PassageOut(Schema):
    id: int
    at: dt.datetime
    direction: str
    purpose: str
    person: str


class ChecklistItemIO(Schema):
    code: str
    category: str
    text_zh: str
    text_en: str = ""


class ChecklistIn(Schema):
    kind: str
    items: list[ChecklistItemIO]


class ChecklistOut(Schema):
    kind: str
    version: int
    items: list[ChecklistItemIO]
