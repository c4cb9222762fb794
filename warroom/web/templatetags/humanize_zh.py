"""Numbers as each language writes them: 12,326,518 in English, 1232.65万 in Chinese."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def num(value: object) -> str:
    if value is None or value == "":
        return "—"  # unknown is shown as unknown, never as zero
    try:
        n = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    lang = get_language() or "zh-hans"
    if lang.startswith("zh") and abs(n) >= 100_000:
        return f"{n / 10_000:,.2f}万".replace(".00万", "万")
    return f"{n:,.0f}" if n == int(n) else f"{n:,.2f}"


@register.filter
def signed(value: object) -> str:
    """A change with its sign (+12, −3), or — when unknown."""
    if value is None or value == "":
        return "—"
    n = float(value)  # type: ignore[arg-type]
    text = num(abs(n))
    return f"+{text}" if n > 0 else (f"−{text}" if n < 0 else "0")
