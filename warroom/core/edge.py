"""Values refused at the edge, before any view or endpoint sees them.

A value a database or date arithmetic cannot hold once travelled deep into a service and
came back as a 500: an id beyond 64 bits in a URL, a year-1 or year-10000 date, a NUL
character in a query string, an integer beyond 64 bits in a JSON body. Each is refused
here with the parameter named and the reason: by :class:`EdgeGuardMiddleware` for every
URL's path and query parameters (web and API alike), and by ``core.jsonbody`` for bodies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from warroom.core.errors import RefusedAtTheEdge

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# The years a headquarters works in (as core.schemas.OpDate): anything else is a typo or
# an attack, and would overflow date arithmetic (a year-1 date minus 14 days).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2199
_INTEGER = re.compile(r"[+-]?\d+")
# An ISO date or date-time, alone: the shape every date travels in (query or JSON).
_ISO_DATE = re.compile(
    r"([+-]?\d{1,})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refusal(value: object) -> str | None:
    """Why ``value`` cannot be taken as input, or None when it can."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return "the integer is out of range (64 bits)"
        return None
    if not isinstance(value, str):
        return None
    if _CONTROL.search(value):
        return "contains a control character"
    text = value.strip()
    if _INTEGER.fullmatch(text) and len(text) > 18 and not INT64_MIN <= int(text) <= INT64_MAX:
        return "the integer is out of range (64 bits)"
    date = _ISO_DATE.fullmatch(text)
    if date is not None:
        year = int(date.group(1))
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            return f"the date must lie between {EARLIEST_YEAR} and {LATEST_YEAR}"
        try:
            dt.date(year, int(date.group(2)), int(date.group(3)))
        except ValueError:
            return "not a calendar date"
    return None


class EdgeGuardMiddleware:
    """Refuses a hostile path or query parameter before the view: a path parameter no
    object can have is a 404 (like any missing object); a query parameter is a 400 page,
    or a 422 JSON error under /api/, naming the parameter and the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        api = request.path.startswith("/api/")
        for value in [*view_args, *view_kwargs.values()]:
            if refusal(value) is not None:
                if api:
                    return JsonResponse({"code": "not_found", "message": "not found"}, status=404)
                raise Http404
        for name, values in request.GET.lists():
            for value in [name, *values]:
                reason = refusal(value)
                if reason is None:
                    continue
                message = f"{name[:40]}: {reason}"
                if api:
                    return JsonResponse(
                        {
                            "code": "invalid",
                            "message": message,
                            "details": [{"loc": ["query", name[:40]], "msg": reason}],
                        },
                        status=422,
                    )
                raise RefusedAtTheEdge(message)
        return None
