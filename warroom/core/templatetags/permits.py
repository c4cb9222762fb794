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


@register.filter
def row_reason(error: Any) -> str:
    """A stored row error's reason (``{"reason", "reason_words"}``, as a job keeps it) in the
    reader's language: its words, else the reason translated as a pure module's."""
    from warroom.core.reasons import reason as translate
    from warroom.core.words import shown

    text = str(error.get("reason", ""))
    if error.get("reason_words"):
        return shown(text, error["reason_words"])
    return translate(text)
