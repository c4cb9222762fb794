from ninja import Schema

from warroom.core.schemas import OpDate


class DailyReportIn(Schema):
    date: OpDate
    area_code: str
    new_confirmed: int | None = None
    new_suspected: int | None = None
    new_febrile: int | None = None
    new_contacts: int | None = None
    new_deaths: int | None = None
    new_discharged: int | None = None
    cum_confirmed: int | None = None
    cum_deaths: int | None = None
    cum_discharged: int | None = None
    under_treatment: int | None = None
    severe: int | None = None
    critical: int | None = None


class DailyReportOut(DailyReportIn):
    source: str


class ReportBatchOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str
