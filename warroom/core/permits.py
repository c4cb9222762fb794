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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from warroom.core.errors import Forbidden

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
