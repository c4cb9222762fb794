import datetime as dt
from typing import Any

from ninja import Field, Schema

from warroom.core.schemas import OpDate, OpDateTime


class PersonIn(Schema):
    name: str
    home_code: str
    id_type: str = "resident"
    id_number: str = ""
    phone: str = ""
    sex: str = "U"
    birth_date: OpDate | None = None
    workplace: str = ""
    vulnerability: list[str] = []
    category: str | None = None
    reason: str = ""


class PersonUpdateIn(Schema):
    version: int
    name: str | None = None
    phone: str | None = None
    workplace: str | None = None
    vulnerability: list[str] | None = None


class PersonOut(Schema):
    id: int
    name: str
    id_type: str
    id_number: str
    phone: str
    sex: str
    birth_date: dt.date | None
    home_code: str
    status: str
    category: str
    status_since: dt.datetime | None
    severity: str
    isolation: str
    facility: str
    next_test_due: dt.datetime | None
    version: int
    masked: bool


class PersonListOut(Schema):
    """A row of a list: ID number and phone always masked (the detail shows them to
    roles with ``personal_data``, and audits it)."""

    id: int
    name: str
    id_type: str
    id_number: str
    phone: str
    home_code: str
    status: str
    category: str
    status_since: dt.datetime | None
    severity: str
    isolation: str
    version: int

    @staticmethod
    def resolve_id_number(obj: object) -> str:
        from warroom.cases.identity import mask_id

        value = getattr(obj, "id_number", "")
        return mask_id(value) if value else ""

    @staticmethod
    def resolve_phone(obj: object) -> str:
        from warroom.cases.identity import mask_phone

        value = getattr(obj, "phone", "")
        return mask_phone(value) if value else ""

    @staticmethod
    def resolve_home_code(obj: object) -> str:
        return obj.home.code  # type: ignore[attr-defined]


class TransitionIn(Schema):
    target: str
    version: int | None = None
    reason: str = ""
    isolation: str | None = None
    facility: str = ""
    severity: str | None = None


class TransitionOut(Schema):
    source: str
    target: str
    at: dt.datetime
    actor_name: str
    reason: str = Field(description="In the request's language.")
    reason_words: dict[str, Any] | None = Field(
        None, description="A reason the platform wrote, as its message id and values."
    )

    @staticmethod
    def resolve_reason(obj: object) -> str:
        return str(obj.reason_shown)  # type: ignore[attr-defined]


class SampleIn(Schema):
    kind: str
    lab: str = ""
    code: str = ""
    taken_at: OpDateTime | None = None


class ResultIn(Schema):
    result: str
    reported_at: OpDateTime | None = None
    received_at: OpDateTime | None = None


class SampleOut(Schema):
    id: int
    person_id: int
    kind: str
    lab: str
    code: str
    taken_at: dt.datetime
    reported_at: dt.datetime | None
    result: str


class LineListRowIn(Schema):
    name: str
    home_code: str
    category: str
    reported_at: OpDateTime
    id_type: str | None = None
    id_number: str | None = None
    phone: str | None = None
    sex: str | None = None
    birth_date: OpDate | None = None
    workplace: str | None = None
    severity: str | None = None
    index_id_number: str | None = None
    exposure_date: OpDate | None = None
    setting: str | None = None
    status: str | None = None
    facility: str | None = None


class ResultRowIn(Schema):
    id_number: str
    lab: str
    sample_code: str
    kind: str
    taken_at: OpDateTime
    id_type: str | None = None
    received_at: OpDateTime | None = None
    reported_at: OpDateTime | None = None
    result: str | None = None


class BatchOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    transitions: int
    already_imported: bool
    sha256: str


class ScreeningBatchOut(BatchOut):
    """A screening import: ``created`` results kept, ``positives`` of them positive, of
    whom ``new_suspected`` entered case management as new suspected people and
    ``updated`` were already there (their result became a sample)."""

    positives: int
    new_suspected: int


class ScreeningOut(Schema):
    """A person's latest mass screening result."""

    lab: str
    code: str
    taken_at: dt.datetime
    reported_at: dt.datetime
    result: str


class DutyOut(Schema):
    total: int
    under_24h: int
    from_24_to_48h: int
    over_48h: int
    priority: int


class ClearanceOut(Schema):
    area_code: str
    date: dt.date | None
    duties: dict[str, DutyOut]
    children: dict[str, dict[str, DutyOut]]


class TracingOut(Schema):
    case_id: int
    contact_id: int
    contact_name: str
    setting: str
    exposure_date: dt.date
    deadline: dt.datetime
    overdue: bool
