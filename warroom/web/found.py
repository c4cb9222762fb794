"""What a page is about, loaded for its user — one helper over ``load_for`` for every view.

A page names an object by its URL (``/zones/businesses/<id>/``) or an area by ``?area=CODE``.
``warroom.core.scoping.load_for`` answers the object the user may see or ``NotFound``; a
page answers that as 404, exactly like a missing object (another district's never hints).
The apps' views used to carry each their own ``_load``/``_area`` doing this (issue 13):

- :func:`load_or_404` — ``load_for`` for a page;
- :func:`area_or_404` — the area a URL names by its code;
- :func:`asked_area` — the area a page is asked about (``?area=CODE``), else the user's own.

A form that names an area or an object answers a refusal instead (the form is shown again
with its message), never a 404: the page exists, only the name typed into it is wrong.

- :func:`in_form` — a form's lookup: ``NotFound`` becomes the form's ``InvalidInput``, which
  :func:`warroom.tasks.views.attempt` shows as the form's message;
- :func:`form_area` — the area a form names by its code, or None with the message said.

Another district's object answers every one of these exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from warroom.core.errors import InvalidInput, NotFound
from warroom.core.scoping import load_for
from warroom.geo import selectors as geo
from warroom.geo.models import Area

_M = TypeVar("_M", bound=models.Model)
_T = TypeVar("_T")


def load_or_404(
    user: Any,
    action: str,
    model: type[_M] | models.QuerySet[_M],
    key: Any,
    *,
    field: str = "pk",
) -> _M:
    """The object ``key`` that ``user`` may ``action`` (``load_for``), else 404."""
    try:
        return load_for(user, action, model, key, field=field)
    except NotFound:
        raise Http404 from None


def area_or_404(user: Any, code: str) -> Area:
    """The area ``code`` if ``user`` may see it, else 404."""
    try:
        return geo.get_area(user, code)
    except NotFound:
        raise Http404 from None


def asked_area(request: HttpRequest, *, post: bool = False) -> Area:
    """The area the page is asked about: ``?area=CODE`` (with ``post``, also a posted
    ``area`` field), else the user's own area; another district's area is 404."""
    code = request.GET.get("area") or (request.POST.get("area") if post else None)
    if not code:
        return geo.home_area(request.user)
    return area_or_404(request.user, code)


def in_form(call: Callable[[], _T], message: str | None = None) -> _T:
    """Run a form's lookup: a missing (or another district's) object refuses the form with
    ``message`` (default "Not found.") instead of answering 404."""
    try:
        return call()
    except NotFound:
        raise InvalidInput(message or _("Not found.")) from None


def form_area(
    request: HttpRequest,
    code: str | None,
    *,
    message: str | None = None,
    required: bool = False,
) -> Area | None:
    """The area a posted form names by ``code`` (scoped), else None with the form's message
    said to the user. An empty code is None quietly unless the field is ``required``.
    ``message`` may hold ``%(code)s``."""
    code = (code or "").strip()
    if not code and not required:
        return None
    try:
        return geo.get_area(request.user, code)
    except NotFound:
        text = message or _("No area %(code)s in your jurisdiction.")
        messages.error(request, text % {"code": code})
        return None
