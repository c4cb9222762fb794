from django.http import HttpRequest
from ninja import File, Header, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from warroom.core.apilists import area_or_none
from warroom.core.errors import Forbidden
from warroom.core.imports import batch_key, table_from_rows
from warroom.core.schemas import OpDate
from warroom.core.uploads import run_import
from warroom.surveillance import selectors, services
from warroom.surveillance.models import FIGURES
from warroom.surveillance.schemas import DailyReportIn, DailyReportOut, ReportBatchOut

router = Router(tags=["surveillance"])


def _writer(request: HttpRequest) -> None:
    if not request.auth.can("change"):
        raise Forbidden("your role may not submit reports")


@router.get("/reports", response=list[DailyReportOut], summary="Daily reports in your area")
@paginate
def list_reports(
    request: HttpRequest, date: OpDate | None = None, source: str = "", area: str = ""
) -> object:
    scope = area_or_none(request, area)
    qs = selectors.reports(request.auth, area=scope, day=date, source=source)
    return [
        {"date": r.date, "area_code": r.area.code, "source": r.source, **r.figures()} for r in qs
    ]


@router.post(
    "/reports",
    response=ReportBatchOut,
    summary="Post daily reports (DESIGN §4 format): all or nothing, idempotent",
)
def post_reports(
    request: HttpRequest,
    rows: list[DailyReportIn],
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> object:
    _writer(request)
    body = [r.dict() for r in rows]
    key = batch_key(request.auth, "daily", idempotency_key, body)
    table = table_from_rows(body, services.REPORT_COLUMNS, key=key)
    return services.do_import_daily_reports(table, actor=request.auth, sha256=key)


@router.post("/import", response=ReportBatchOut, summary="Import a daily report file")
def import_reports(request: HttpRequest, file: File[UploadedFile]) -> object:
    _writer(request)
    return run_import(services.do_import_daily_reports, file, actor=request.auth)


__all__ = ["FIGURES", "router"]
