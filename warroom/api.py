"""The one NinjaAPI. Each app adds its router; errors are JSON with a stable code."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from warroom.core.apiauth import scoped_auth
from warroom.core.errors import WarroomError
from warroom.tables import TableRejected

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="warroom API",
    version="1",
    description="The command platform of a city's epidemic response. "
    "Authenticate with `Authorization: Bearer <token>` (create one with "
    "`warroom token create USER`) or a signed-in browser session.",
    auth=scoped_auth(),
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(WarroomError)
def _warroom_error(request: HttpRequest, exc: WarroomError) -> HttpResponse:
    extra = {"details": exc.details} if exc.details is not None else {}
    return _error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(TableRejected)
def _rejected(request: HttpRequest, exc: TableRejected) -> HttpResponse:
    errors = [
        {"row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in exc.errors
    ]
    return _error(
        request,
        exc.status,
        exc.code,
        exc.report().splitlines()[0],
        errors=errors,
        total=exc.total,
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", "the request is not valid", details=exc.errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", "sign in or send a valid API token")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "not found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def _internal(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s", request.path)
    return _error(request, 500, "internal_error", "an internal error occurred; it has been logged")


class MeOut(Schema):
    username: str
    role: str
    area_code: str
    area_name: str
    capabilities: list[str]


@api.get("/me", response=MeOut, tags=["accounts"], summary="Who am I")
def me(request: HttpRequest) -> dict[str, object]:
    from warroom.accounts.roles import CAPABILITIES

    user = request.auth
    return {
        "username": user.username,
        "role": user.role,
        "area_code": user.area.code,
        "area_name": user.area.name_zh,
        "capabilities": sorted(CAPABILITIES.get(user.role, ())),
    }


def _mount() -> None:
    from warroom.beds.api import router as beds_router
    from warroom.cases.api import router as cases_router
    from warroom.communities.api import router as communities_router
    from warroom.dispatch.api import router as dispatch_router
    from warroom.geo.api import router as geo_router
    from warroom.services.api import router as services_router
    from warroom.situation.api import router as situation_router
    from warroom.surveillance.api import router as surveillance_router
    from warroom.tasks.api import router as tasks_router

    api.add_router("/areas", geo_router)
    api.add_router("/cases", cases_router)
    api.add_router("/surveillance", surveillance_router)
    api.add_router("/beds", beds_router)
    api.add_router("/dispatch", dispatch_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/communities", communities_router)
    api.add_router("/services", services_router)
    api.add_router("/situation", situation_router)


_mount()
