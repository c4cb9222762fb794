from __future__ import annotations

from typing import Any

from django import template

from warroom.economy.models import RiskLevel

register = template.Library()


@register.filter
def percent(value: Any) -> str:
    """A share (0..1) as a percentage with one decimal, or — when there is nothing to divide."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def level_label(code: str) -> str:
    return str(RiskLevel(code).label) if code in RiskLevel.values else code


@register.filter
def clause_label(code: str) -> str:
    from warroom.economy.services import CLAUSES

    return str(CLAUSES.get(code, code))


@register.filter
def purpose_label(code: str) -> str:
    from warroom.communities.models import Purpose

    return str(Purpose(code).label) if code in Purpose.values else code
