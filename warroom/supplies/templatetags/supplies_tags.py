from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """Fen as yuan with two decimals and thousands separators (exact: Decimal)."""
    if fen is None or fen == "":
        return "—"
    value = Decimal(int(fen)) / 100
    return _("%(v)s yuan") % {"v": f"{value:,.2f}"}


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key, []) if hasattr(mapping, "get") else []


@register.filter
def tier_label(tier: int) -> str:
    labels = [_("ICU"), _("Severe"), _("General and shelter"), _("Quarantine")]
    return labels[tier] if 0 <= tier < len(labels) else str(tier)
