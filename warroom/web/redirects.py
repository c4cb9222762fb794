"""Redirects that keep the reader's filter: a date asked for survives the redirect.

``/cases/clearance/?date=2020-02-12`` redirects to the user's own area *on that date*; a
redirect that dropped it showed "today" instead, silently (issue 16).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url

KEPT = ("date", "day", "area", "q", "status")


def redirect_keeping(
    request: HttpRequest, to: str, *args: Any, **kwargs: Any
) -> HttpResponseRedirect:
    """``redirect(to, ...)`` with the request's filter parameters (``KEPT``) carried over."""
    url = resolve_url(to, *args, **kwargs)
    kept = [(k, request.GET[k]) for k in KEPT if request.GET.get(k)]
    if kept:
        url += ("&" if "?" in url else "?") + urlencode(kept)
    return HttpResponseRedirect(url)
