"""The one NinjaAPI. Each app adds its router; errors are JSON with a stable code."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from warroom.core.apiauth import scoped_auth
from warroom.core.errors import WarroomError
from warroom.core.jsonbody import StrictJSONParser
from warroom.tables import TableRejected

log = logging.getLogger(__name__)


class ErrorOut(Schema):
    """Every refusal the API answers, whatever its status: a stable code and a reason."""

    code: str = Field(..., description="stable machine code, e.g. not_found, invalid")
    message: str = Field(..., description="the reason, for people")
    details: Any = Field(None, description="per-field reasons (validation)")
    errors: list[dict[str, Any]] | None = Field(None, description="per-row reasons (imports)")
    total: int | None = Field(None, description="how many rows were refused (imports)")


# The refusals an operation can answer, by what it takes (documented centrally, so that a
# new endpoint is documented as it is added; tests/test_api_fuzz.py holds the API to it).
_REFUSALS = {
    400: "the body cannot be read (not UTF-8, not JSON)",
    401: "not signed in, or the token is not valid",
    403: "your role may not do this",
    404: "not found (another district's object answers the same)",
    409: "a conflict with the current state",
    413: "the upload is too large",
    415: "the body is not sent as application/json",
    422: "the request is not valid: the reason names the field or row",
}


def _refusals_of(method: str, operation: dict[str, Any]) -> list[int]:
    takes_body = "requestBody" in operation
    content = operation.get("requestBody", {}).get("content", {})
    statuses = [401, 403, 404, 422]
    if method in {"post", "put", "patch", "delete"}:
        statuses.append(409)
    if "application/json" in content:
        statuses += [400, 415]
    if takes_body and "multipart/form-data" in content:
        statuses += [400, 413, 415]
    return sorted(set(statuses))


def _plain_tuples(node: Any) -> Any:
    """A tuple of one type (``tuple[int, int]``) as an array of that type with a fixed
    length: the same values, in the form every OpenAPI 3.1 tool reads alike (schemathesis
    4.32 turns ``prefixItems`` into a draft-4 ``items`` list, then validates as 2020-12)."""
    if isinstance(node, list):
        return [_plain_tuples(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _plain_tuples(v) for k, v in node.items()}
    prefix = node.get("prefixItems")
    if (
        isinstance(prefix, list)
        and prefix
        and "items" not in node
        and all(item == prefix[0] for item in prefix)
    ):
        node.pop("prefixItems")
        node["items"] = prefix[0]
        node.setdefault("minItems", len(prefix))
        node.setdefault("maxItems", len(prefix))
    return node


class WarroomAPI(NinjaAPI):
    """The NinjaAPI whose schema documents, besides 200, every refusal an operation can
    answer, all with the one :class:`ErrorOut` shape."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for key in ("paths", "components"):
            if key in schema:
                schema[key] = _plain_tuples(schema[key])
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        ref = {"$ref": "#/components/schemas/Error"}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                unauthenticated = operation.get("security") == []
                for status in _refusals_of(method, operation):
                    if status == 401 and unauthenticated:
                        continue
                    responses.setdefault(
                        status,
                        {
                            "description": _REFUSALS[status],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


api = WarroomAPI(
    title="warroom API",
    version="1",
    description="The command platform of a city's epidemic response. "
    "Authenticate with `Authorization: Bearer <token>` (create one with "
    "`warroom token create USER`) or a signed-in browser session.",
    auth=scoped_auth(),
    urls_namespace="api",
    parser=StrictJSONParser(),
    # Swagger UI from django-ninja's own static files (ninja is an installed app), never a
    # CDN; no validator badge either (it would load an image from validator.swagger.io).
    docs=Swagger(settings={"validatorUrl": None}),
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
    from warroom.core.jobs import row_errors

    errors = row_errors(exc.errors)  # the reasons as written, and their words where known
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
    # django-ninja wraps what the body parser raises (StrictJSONParser) in a plain 400.
    if isinstance(exc.__cause__, WarroomError):
        return _warroom_error(request, exc.__cause__)
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
    from warroom.appeals.api import router as appeals_router
    from warroom.beds.api import router as beds_router
    from warroom.cases.api import router as cases_router
    from warroom.communities.api import router as communities_router
    from warroom.dispatch.api import router as dispatch_router
    from warroom.economy.api import router as zones_router
    from warroom.geo.api import router as geo_router
    from warroom.services.api import router as services_router
    from warroom.situation.api import router as situation_router
    from warroom.supervision.api import router as supervision_router
    from warroom.supplies.api import router as supplies_router
    from warroom.surveillance.api import router as surveillance_router
    from warroom.tasks.api import router as tasks_router
    from warroom.waste.api import router as waste_router

    api.add_router("/areas", geo_router)
    api.add_router("/cases", cases_router)
    api.add_router("/surveillance", surveillance_router)
    api.add_router("/beds", beds_router)
    api.add_router("/dispatch", dispatch_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/communities", communities_router)
    api.add_router("/services", services_router)
    api.add_router("/situation", situation_router)
    api.add_router("/zones", zones_router)
    api.add_router("/appeals", appeals_router)
    api.add_router("/supplies", supplies_router)
    api.add_router("/waste", waste_router)
    api.add_router("/supervision", supervision_router)


_mount()
