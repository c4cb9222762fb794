import datetime as dt
from typing import Self

from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

from warroom.beds.models import BedType
from warroom.core.schemas import RowId


class WaitingOut(Schema):
    person_id: int
    name: str
    home_code: str
    need: int
    need_label: str
    waiting_since: dt.datetime


class WaitingListOut(Schema):
    total: int
    by_need: dict[str, int]
    people: list[WaitingOut]


class ProposalOut(Schema):
    id: int
    created_at: dt.datetime
    waiting: int
    placed: int
    free_beds: int
    distance_km: float
    seconds: float


class LineOut(Schema):
    id: int
    person_id: int
    need: int
    facility_code: str | None
    bed_type: str
    distance_km: float | None
    state: str
    refusal: str
    reason: str


class ProposalDetailOut(ProposalOut):
    lines: list[LineOut]


class ConfirmIn(Schema):
    """What to confirm, said explicitly: ``{"all": true}`` or ``{"line_ids": [...]}``.

    Nothing is implied: an empty object, ``null`` or an unreadable body is refused, never
    taken as "all lines" (a partial confirmation must not become a total one)."""

    model_config = ConfigDict(extra="forbid")

    all: bool = Field(False, description="confirm every proposed line (say it explicitly)")
    line_ids: list[RowId] | None = Field(
        None, min_length=1, max_length=20000, description="confirm only these lines"
    )

    @model_validator(mode="after")
    def _one_choice(self) -> Self:
        if self.all and self.line_ids is not None:
            raise ValueError('give either "all": true or "line_ids", not both')
        if not self.all and self.line_ids is None:
            raise ValueError('say what to confirm: "line_ids": [...] or "all": true')
        return self


class RefusedOut(Schema):
    line_id: int
    person_id: int
    refusal: str
    message: str


class PlacementRowOut(Schema):
    person_id: int
    facility_id: int
    bed_type: str


class ConfirmOut(Schema):
    proposal_id: int
    confirmed: int
    placements: list[PlacementRowOut]
    refused: list[RefusedOut]


class RefuseIn(Schema):
    note: str = Field(..., min_length=1, max_length=300)


class PlaceIn(Schema):
    facility_code: str = Field(..., max_length=32)
    bed_type: BedType
    note: str = Field("", max_length=300)


class EndIn(Schema):
    outcome: str = Field(..., description="discharged, died or released")
    note: str = Field("", max_length=300)


class PlacementOut(Schema):
    id: int
    person_id: int
    facility_code: str
    bed_type: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str
    transferred_from_id: int | None


class AdmissionItemIn(Schema):
    person_id: RowId
    bed_type: BedType


class DischargeItemIn(Schema):
    person_id: RowId
    outcome: str = Field(..., description="discharged, died or released")


class FacilityMovesIn(Schema):
    admissions: list[AdmissionItemIn] = Field(default_factory=list)
    discharges: list[DischargeItemIn] = Field(default_factory=list)


class FacilityMovesOut(Schema):
    facility_code: str
    admitted: list[PlacementOut]
    discharged: list[PlacementOut]
