from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from warroom.core.context import for_request


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Opens the acting context (who, from where, request id) for every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith("/api/") else "web"
        with for_request(request, source=source, ip=client_ip(request)) as ctx:
            response = self.get_response(request)
            response["X-Request-ID"] = ctx.request_id
            return response
