"""Checks of free input shared by the services of tasks, communities and services.

A value too long for its column, or a number too large for it, must be refused with a
message, not fail in the database (a 500 on PostgreSQL, a silent truncation nowhere).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from warroom.core.errors import InvalidInput


def clean_text(value: Any, *, max_length: int, what: str, required: bool = False) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise InvalidInput(_("%(what)s is required.") % {"what": what})
    if len(text) > max_length:
        raise InvalidInput(
            _("%(what)s is longer than %(n)s characters.") % {"what": what, "n": max_length}
        )
    return text


def clean_amount(value: Any, *, what: str, max_digits: int, places: int = 2) -> Decimal:
    """A positive decimal that fits ``max_digits`` digits with ``places`` decimals."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(what)s is not a number: %(v)s") % {"what": what, "v": value}
        ) from None
    if not number.is_finite() or number <= 0:
        raise InvalidInput(_("%(what)s must be positive: %(v)s") % {"what": what, "v": value})
    if number >= Decimal(10) ** (max_digits - places):
        raise InvalidInput(_("%(what)s is too large: %(v)s") % {"what": what, "v": value})
    number = number.quantize(Decimal(1).scaleb(-places))
    if number <= 0:
        raise InvalidInput(_("%(what)s must be positive: %(v)s") % {"what": what, "v": value})
    return number
