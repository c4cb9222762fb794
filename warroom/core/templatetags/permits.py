"""``{% if user|may:"inspect" %}``: the template asks the service's question (core.permits)."""

from __future__ import annotations

from typing import Any

from django import template

from warroom.core.permits import may as _may

register = template.Library()


@register.filter
def may(user: Any, name: str) -> bool:
    return _may(user, name)
