import datetime as dt

from ninja import Field, Schema

from warroom.beds.models import BedType


class FacilityOut(Schema):
    code: str
    name: str
    kind: str
    status: str
    operator: str
    area_code: str = Field(..., alias="area.code")
    lat: float | None
    lon: float | None
    opened_on: dt.date | None
    closed_on: dt.date | None
    doctors: int | None
    nurses: int | None
    other_staff: int | None
    synthetic: bool


class BedsByTypeOut(Schema):
    bed_type: str
    capacity: int
    occupied: int | None
    free: int | None


class FacilityDetailOut(FacilityOut):
    date: dt.date
    beds: list[BedsByTypeOut]


class CapacityChangeOut(Schema):
    id: int
    bed_type: str
    kind: str
    delta: int
    level: int | None
    effective: dt.date
    realises_id: int | None
    note: str


class BedReportItemIn(Schema):
    bed_type: BedType
    occupied: int = Field(..., ge=0)
    free: int | None = Field(None, ge=0)


class BedReportIn(Schema):
    date: dt.date
    beds: list[BedReportItemIn] = Field(..., min_length=1)


class BedReportOut(Schema):
    facility_code: str
    date: dt.date
    bed_type: str
    occupied: int
    free: int
    capacity: int
    created: bool


class ReservationIn(Schema):
    bed_type: BedType
    beds: int = Field(..., ge=1)
    reference: str = Field("", max_length=100)


class ReservationOut(Schema):
    id: int
    facility_code: str
    bed_type: str
    beds: int
    reference: str
    released: bool
    free_after: int | None = None


class BalanceRowOut(Schema):
    area_code: str
    area_name: str
    bed_type: str
    capacity: int
    occupied: int
    free: int
    waiting: int | None
    balance: int | None


class BalanceOut(Schema):
    date: dt.date
    case_data: bool
    beds_wait_for_patients_since: dt.date | None
    rows: list[BalanceRowOut]


class ImportOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    changes: int
    already_imported: bool
    sha256: str
