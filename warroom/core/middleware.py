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


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.WARROOM_CSP`` as the Content-Security-Policy of every response.

    Scripts only from the platform itself (no inline script, no eval, no CDN); styles from
    the platform plus inline style attributes (chart heights, ECharts' tooltips); nothing
    may frame a page; forms post only to the platform. A response that set its own policy
    keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.WARROOM_CSP

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
