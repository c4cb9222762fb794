import datetime as dt
from typing import Any

from ninja import Field, Schema


class AppealIn(Schema):
    text: str
    channel: str = "api"
    compound_code: str = ""
    place: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    category: str = ""
    urgency: str = ""


class AppealOut(Schema):
    """An appeal without its personal fields (caller, phone, place as given)."""

    id: int
    number: str
    channel: str
    area_code: str
    responsible_code: str
    unit: str
    text: str
    category: str
    urgency: str
    proposed_category: str
    proposed_urgency: str
    confidence: float
    triaged: bool
    status: str
    received_at: dt.datetime
    deadline: dt.datetime | None
    escalations: int
    duplicate_of: str | None
    repeat_of: str | None
    reply: str
    satisfaction: int | None

    @staticmethod
    def resolve_area_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_responsible_code(obj: object) -> str:
        return obj.assigned_area.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_duplicate_of(obj: object) -> str | None:
        other = obj.duplicate_of  # type: ignore[attr-defined]
        return other.number if other is not None else None

    @staticmethod
    def resolve_repeat_of(obj: object) -> str | None:
        other = obj.repeat_of  # type: ignore[attr-defined]
        return other.number if other is not None else None


class AppealEventOut(Schema):
    """One step of an appeal's history."""

    at: dt.datetime
    kind: str
    actor_name: str
    to_area_code: str | None
    note: str = Field(description="In the request's language.")
    note_words: dict[str, Any] | None = Field(
        None, description="A note the platform wrote, as its message id and values."
    )

    @staticmethod
    def resolve_to_area_code(obj: Any) -> str | None:
        return obj.to_area.code if obj.to_area_id is not None else None

    @staticmethod
    def resolve_note(obj: Any) -> str:
        return str(obj.note_shown)


class AnswerIn(Schema):
    reply: str


class TriageIn(Schema):
    category: str
    urgency: str
    area_code: str = ""
    note: str = ""


class TopicOut(Schema):
    """A topic of the appeals (a cluster of their words): label, counts, the appeals' ids
    (each readable at ``/api/appeals/{id}``: the drill-down)."""

    key: str
    label: list[str]
    today: int
    window: int
    appeals: list[int]
