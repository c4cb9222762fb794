"""Who may use a form or a button — one check for the template and the service.

A page shows a form or a button only to those the service behind it will let through
(issue 16: the community worker was offered the full inspection form, and refused with a
422 only after submitting it). The service and the template ask the same question by the
same name:

- the service calls ``require(actor, "inspect")`` (raises ``Forbidden`` with the reason);
- the template writes ``{% load permits %}{% if user|may:"inspect" %}...{% endif %}``;
- a view passes ``may(request.user, "inspect")`` to its template when it needs it.

A name is a capability of ``warroom.accounts.roles.CAPABILITIES`` (``user.can(name)``),
unless an app registers a stricter check under that name with :func:`register_permit`
(the inspection also asks the inspector's level: street, district or the city).

A change to something that belongs to an area (a compound's closure, a street's risk level,
a resident's visit, an appeal) asks one question more, the area: :func:`require_in_area`
answers both for every service that writes under an area (issue 13, one door), and
:func:`area_refusal` gives its answer as a reason for importers that report row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.utils.translation import gettext as _

from warroom.core.errors import Forbidden, NotFound
from warroom.core.scoping import in_scope

Check = Callable[[Any], None]
_CHECKS: dict[str, Check] = {}


def register_permit(name: str, check: Check) -> None:
    """Register the check behind ``name``: ``check(actor)`` raises ``Forbidden`` to refuse."""
    known = _CHECKS.get(name)
    if known is not None and known is not check:
        raise RuntimeError(f"permit {name!r} is registered twice")
    _CHECKS[name] = check


def require(actor: Any, name: str) -> None:
    """Refuse (``Forbidden``) an actor who may not do ``name``."""
    check = _CHECKS.get(name)
    if check is not None:
        check(actor)
        return
    if actor is None or not getattr(actor, "is_authenticated", True) or not actor.can(name):
        raise Forbidden(_("Your role may not do this."))


def may(actor: Any, name: str) -> bool:
    """Whether ``actor`` may do ``name`` (what a template shows)."""
    try:
        require(actor, name)
    except Forbidden:
        return False
    return True


class Placed(Protocol):
    """Anything under an area: its materialised path (a ``geo.Area`` itself)."""

    path: str


def require_in_area(
    actor: Any,
    area: Placed,
    capability: str = "change",
    *,
    missing: str = "area not found",
    refusal: str | None = None,
) -> None:
    """Refuse an actor who may not ``capability`` under ``area``.

    Outside the actor's jurisdiction (or for an actor who may not even view, or nobody)
    the area answers ``NotFound(missing)``, exactly like a missing one; inside it, a role
    without the capability is ``Forbidden`` with ``refusal`` (a registered permit's own
    check, e.g. the inspector's level, speaks for itself)."""
    if actor is None or not actor.can("view") or not in_scope(actor, area.path):
        raise NotFound(missing)
    check = _CHECKS.get(capability)
    if check is not None:
        check(actor)
    elif not actor.can(capability):
        raise Forbidden(refusal or _("You may not do this."))


def area_refusal(actor: Any, area: Placed, capability: str = "change") -> str | None:
    """Why ``actor`` may not ``capability`` under ``area`` ("not_found" for another
    district's), or None: :func:`require_in_area` for imports that report it row by row."""
    try:
        require_in_area(actor, area, capability)
    except NotFound:
        return "not_found"
    except Forbidden as exc:
        return exc.message
    return None
