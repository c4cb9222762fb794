from __future__ import annotations

from typing import Any

from django import template

from warroom.cases.models import Duty
from warroom.cases.states import Status

register = template.Library()


@register.filter
def dictkey(mapping: Any, key: str) -> Any:
    """``mapping[key]`` in a template (None when missing)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def duty_label(code: str) -> str:
    return str(Duty(code).label)


@register.filter
def status_label(code: str) -> str:
    return str(Status(code).label) if code in Status.values() else code
