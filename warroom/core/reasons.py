"""The reasons of the pure modules (the table reader, the resident-ID check), in the
reader's language.

``warroom.tables`` and ``warroom.cases.identity`` run without Django, so they cannot
translate; their reasons are stable English sentences. The pages show them through
:func:`reason` (``{{ e.reason|reason }}``), which translates a fixed sentence through the
catalogue and a parameterised one by its pattern, keeping the figures. A reason no
pattern knows is shown as it is (and the every-page test catches it in zh-Hans).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

FIXED = {
    "empty, but required": _("empty, but required"),
    "empty text": _("empty text"),
    "not a whole number": _("not a whole number"),
    "a count cannot be negative": _("a count cannot be negative"),
    "not a number": _("not a number"),
    "not a finite number": _("not a finite number"),
    "not a date (use YYYY-MM-DD)": _("not a date (use YYYY-MM-DD)"),
    "this column appears twice": _("this column appears twice"),
    "no such area": _("no such area"),
    "outside your area": _("outside your area"),
    "the file is empty: no header row": _("the file is empty: no header row"),
    "the sheet is empty: no header row": _("the sheet is empty: no header row"),
    "latitude must be between -90 and 90": _("latitude must be between -90 and 90"),
    "longitude must be between -180 and 180": _("longitude must be between -180 and 180"),
    "the body of a resident ID is 17 digits": _("the body of a resident ID is 17 digits"),
    "a resident ID is 17 digits and a check digit (0-9 or X)": _(
        "a resident ID is 17 digits and a check digit (0-9 or X)"
    ),
    "the check digit is wrong (GB 11643): a digit was mistyped": _(
        "the check digit is wrong (GB 11643): a digit was mistyped"
    ),
    "not a phone number (mobile 1[3-9]xxxxxxxxx or landline 0xx-xxxxxxxx)": _(
        "not a phone number (mobile 1[3-9]xxxxxxxxx or landline 0xx-xxxxxxxx)"
    ),
}
PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^at most (?P<n>[\d,]+) characters$"), _("at most %(n)s characters")),
    (re.compile(r"^too large: at most (?P<n>[\d,]+)$"), _("too large: at most %(n)s")),
    (re.compile(r"^must be one of: (?P<names>.*)$"), _("must be one of: %(names)s")),
    (
        re.compile(r"^out of range: a date between (?P<a>\S+) and (?P<b>\S+)$"),
        _("out of range: a date between %(a)s and %(b)s"),
    ),
    (
        re.compile(r"^this area and day are also in row (?P<row>\d+)$"),
        _("this area and day are also in row %(row)s"),
    ),
    (
        re.compile(
            r"^missing column '(?P<name>[^']*)' \((?P<zh>[^)]*)\); the header has: (?P<has>.*)$"
        ),
        _("missing column %(zh)s (%(name)s); the header has: %(has)s"),
    ),
    (
        re.compile(r"^region code (?P<code>\d+) is not a Chinese province$"),
        _("region code %(code)s is not a Chinese province"),
    ),
    (
        re.compile(r"^birth date (?P<d>\S+) is not a date$"),
        _("birth date %(d)s is not a date"),
    ),
    (
        re.compile(r"^birth date (?P<d>\S+) is not plausible$"),
        _("birth date %(d)s is not plausible"),
    ),
    (
        re.compile(r"^more than (?P<n>[\d,]+) rows \(the import limit\); split the file$"),
        _("more than %(n)s rows (the import limit); split the file"),
    ),
    (
        re.compile(r"^a cell is longer than (?P<n>[\d,]+) characters$"),
        _("a cell is longer than %(n)s characters"),
    ),
]


def reason(text: Any) -> str:
    """``text`` (a reason of a pure module) in the active language."""
    raw = str(text)
    fixed = FIXED.get(raw)
    if fixed is not None:
        return str(fixed)
    for pattern, template in PATTERNS:
        m = pattern.match(raw)
        if m:
            return str(template) % m.groupdict()
    translated = gettext(raw)
    return translated
