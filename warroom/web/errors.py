"""The error pages: the house style for people, JSON for the API, never a traceback.

Django calls these for any 400, 403, 404 or 500 outside django-ninja's own handlers
(``handler400`` ... in ``warroom/urls.py``): an unknown ``/api/`` path answers JSON with a
stable code like every API error; any other path answers a page in the user's language.
The page is self-contained (no navigation, no database), so that a 500 caused by the
database still renders.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from warroom.core.errors import RefusedAtTheEdge

_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "internal_error"}


def _answer(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": _CODES[status], "message": message}, status=status)
    html = render_to_string(
        "errors/error.html", {"status": status, "title": title, "message": message}
    )
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = _("The request could not be understood.")
    if isinstance(exception, RefusedAtTheEdge):
        reason = f"{reason} {exception}"
    return _answer(request, 400, _("Bad request"), reason)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, _("Forbidden"), _("You may not open this page."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request, 404, _("Not found"), _("There is no such page, or it is not in your area.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(
        request,
        500,
        _("Internal error"),
        _("Something went wrong on our side; it has been logged. Please try again."),
    )
