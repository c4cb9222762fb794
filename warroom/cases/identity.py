"""Identity documents and phones: the GB 11643-1999 check digit, plausibility, masking.

Pure functions (no database): the importers, the forms and the API validate with them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from operator import mul

# Masking is one rule for every screen (warroom.core.personal); re-exported for the importers.
from warroom.core.personal import mask_id as mask_id
from warroom.core.personal import mask_phone as mask_phone

# GB 11643-1999 §8.2: weights W_i = 2^(17-i) mod 11 for the 17 body digits; the check
# digit is the value of (12 - (Σ a_i W_i mod 11)) mod 11, written "X" for 10.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by Σ a_i W_i mod 11
# First two digits: provinces, autonomous regions and municipalities (GB/T 2260), and
# 71 / 81 / 82 (Taiwan, Hong Kong, Macao residence permits use 83, also accepted).
PROVINCES = frozenset(
    str(code)
    for group in (range(11, 16), range(21, 24), range(31, 38), range(41, 47), range(50, 55))
    for code in group
) | frozenset(str(code) for code in (*range(61, 66), 71, 81, 82, 83))
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# A landline: area code 0 + 2-3 digits, then 7-8 digits, with an optional dash/space.
_LANDLINE = re.compile(r"0[0-9]{2,3}[- ]?[0-9]{7,8}")
# Compiled once: an import checks tens of thousands of numbers (``re.fullmatch`` with a
# pattern string looks its compiled form up in ``re``'s cache at every call).
_BODY = re.compile(r"[0-9]{17}")
_RESIDENT = re.compile(r"[0-9]{17}[0-9X]")
_PHONE_NOISE = re.compile(r"[\s()]")
_PHONE_PREFIX = re.compile(r"^(\+?86)(?=1[3-9][0-9]{9}$)")


def check_digit(body: str) -> str:
    """The GB 11643 check character for the first 17 digits ``body``."""
    if not _BODY.fullmatch(body):
        raise ValueError("the body of a resident ID is 17 digits")
    return _CHECK[sum(map(mul, map(int, body), _WEIGHTS)) % 11]


def check_day() -> dt.date:
    """The day a resident ID's birth date is checked against: the wall clock's (nobody is
    born after the real today, whatever day an exercise plays). A file's import reads it
    once for all its numbers."""
    return dt.date.today()


def validate_resident_id(raw: str, *, today: dt.date | None = None) -> str:
    """The normalised 18-character resident ID, or ``ValueError`` with the reason."""
    return _validated(raw, today or check_day())


@functools.lru_cache(maxsize=2**16)
def _validated(raw: str, today: dt.date) -> str:
    """:func:`validate_resident_id`, remembered: an import checks a number 2-3 times
    (its row, its index case, its identity facts)."""
    value = raw.strip().upper()
    if not _RESIDENT.fullmatch(value):
        raise ValueError("a resident ID is 17 digits and a check digit (0-9 or X)")
    if value[:2] not in PROVINCES:
        raise ValueError(f"region code {value[:6]} is not a Chinese province")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError(f"birth date {value[6:14]} is not a date") from None
    if born.year < 1890 or born > today:
        raise ValueError(f"birth date {born.isoformat()} is not plausible")
    if check_digit(value[:17]) != value[17]:
        raise ValueError("the check digit is wrong (GB 11643): a digit was mistyped")
    return value


def birth_date_of(resident_id: str) -> dt.date:
    return dt.date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))


def sex_of(resident_id: str) -> str:
    """The 17th digit: odd for male, even for female (GB 11643 §7.4)."""
    return "M" if int(resident_id[16]) % 2 else "F"


def validate_phone(raw: str) -> str:
    """A mainland mobile (1[3-9] + 9 digits, optional +86) or a landline with area code."""
    value = raw.strip()
    if _MOBILE.fullmatch(value):  # the common case: nothing to take away
        return value
    value = _PHONE_NOISE.sub("", value)
    value = _PHONE_PREFIX.sub("", value)
    if _MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value):
        return value
    raise ValueError("not a phone number (mobile 1[3-9]xxxxxxxxx or landline 0xx-xxxxxxxx)")


def make_resident_id(region: str, born: dt.date, sequence: int) -> str:
    """A valid resident ID for ``region`` (6 digits), ``born``, ``sequence`` (0-999):
    for the twin, the benchmarks and the tests."""
    body = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + check_digit(body)
