"""Filters of the situation room: days and unknown figures as each language writes them."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from warroom.situation import charts

register = template.Library()


@register.filter
def day_label(value: object) -> str:
    """2月3日 in Chinese, Feb 3 in English (from a date or an ISO string)."""
    if not value:
        return "—"
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if (get_language() or "zh-hans").startswith("zh"):
        return f"{day.month}月{day.day}日"
    return day.strftime("%b %-d")


@register.filter
def or_missing(value: object) -> object:
    """The value, or the words "not reported" (an unknown figure is never shown as 0)."""
    return _("not reported") if value is None or value == "" else value


@register.filter
def phase_name(value: object) -> str:
    return charts.phase_label(str(value) if value else None)


@register.filter
def direction_name(value: object) -> str:
    return charts.direction_label(str(value) if value else None)


@register.filter
def area_name(area: dict[str, str] | None) -> str:
    if not area:
        return ""
    if not (get_language() or "zh-hans").startswith("zh") and area.get("name_en"):
        return area["name_en"]
    return area.get("name_zh", "")


@register.filter
def duty_label(value: str) -> str:
    return {
        "admit": _("Admit"),
        "isolate": _("Isolate"),
        "test": _("Test"),
        "treat": _("Treat"),
    }.get(value, value)


@register.filter
def bed_type_label(value: str) -> str:
    from warroom.beds.models import BedType

    try:
        return str(BedType(value).label)
    except ValueError:
        return value


@register.filter
def level_label(value: str) -> str:
    from warroom.geo.models import Level

    try:
        return str(Level(value).label)
    except ValueError:
        return value


@register.filter
def lookup(mapping: dict[str, object] | None, key: str) -> object:
    return (mapping or {}).get(key)
