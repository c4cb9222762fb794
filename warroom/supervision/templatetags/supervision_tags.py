from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

RATE_LABELS = {
    "admission": _("Admission rate (收治率)"),
    "severe": _("Severe rate (重症发生率)"),
    "fatality": _("Fatality rate (病亡率)"),
    "cure": _("Cure rate (治愈率)"),
    "staff_infection": _("Health workers among the confirmed"),
    "contact_positivity": _("Contacts' positivity"),
}


@register.filter
def rate_label(metric: str) -> Any:
    return RATE_LABELS.get(metric, metric)


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{100 * float(value):.1f}%"


@register.filter
def signed_percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{100 * float(value):+.1f}%"
