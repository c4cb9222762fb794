"""``{% if user|may:"inspect" %}``: the template asks the service's question (core.permits)."""

from __future__ import annotations

from typing import Any

from django import template

from warroom.core.permits import may as _may

register = template.Library()


@register.filter
def may(user: Any, name: str) -> bool:
    return _may(user, name)


@register.filter
def reason(text: Any) -> str:
    """A reason of a pure module (a row error, an ID check) in the reader's language."""
    from warroom.core.reasons import reason as translate

    return translate(text)
