import datetime as dt

from ninja import Schema


class TaskOut(Schema):
    id: int
    title: str
    description: str
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
    deadline: dt.date
    source_kind: str = "manual"


class SubmitIn(Schema):
    evidence_text: str


class ReopenIn(Schema):
    reason: str
    deadline: dt.date | None = None
