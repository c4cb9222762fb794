import datetime as dt
from typing import Any

from ninja import Field, Schema

from warroom.core.schemas import OpDate


class TaskOut(Schema):
    id: int
    title: str = Field(description="In the request's language.")
    description: str = Field(description="In the request's language.")
    title_words: dict[str, Any] | None = Field(
        None, description="A title the platform wrote, as its message id and values."
    )
    description_words: dict[str, Any] | None = Field(
        None, description="A description the platform wrote, as its message id and values."
    )
    area_code: str
    source_kind: str
    owner: str
    deadline: dt.datetime
    status: str
    overdue: bool
    evidence_text: str
    verified_by: str | None
    reopened_count: int

    @staticmethod
    def resolve_title(obj: object) -> str:
        return str(obj.title_shown)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_description(obj: object) -> str:
        return str(obj.description_shown)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_area_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_owner(obj: object) -> str:
        return obj.owner.username  # type: ignore[attr-defined]

    @staticmethod
    def resolve_overdue(obj: object) -> bool:
        return bool(obj.is_overdue)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_verified_by(obj: object) -> str | None:
        user = obj.verified_by  # type: ignore[attr-defined]
        return user.username if user is not None else None


class TaskIn(Schema):
    title: str
    description: str = ""
    area_code: str
    owner: str
    deadline: OpDate
    source_kind: str = "manual"


class SubmitIn(Schema):
    evidence_text: str


class ReopenIn(Schema):
    reason: str
    deadline: OpDate | None = None
