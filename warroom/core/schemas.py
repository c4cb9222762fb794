"""Input types shared by every API: dates an operation can mean, numbers a database holds.

A date or time far outside the years a headquarters works in (0001-01-07, 9999-12-31)
would overflow date arithmetic deep in a service; refusing it at the door makes it a
422 with the field named, never a 500.
"""

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


def _in_range(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


def _iso_text(value: object) -> object:
    """Dates travel as ISO text: pydantic would also take a number (``0.0``) as seconds
    since 1970, which no one means and the schema does not allow."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("must be an ISO date (YYYY-MM-DD), not a number")
    if isinstance(value, str) and not _ISO.match(value.strip()):
        raise ValueError("must be an ISO date (YYYY-MM-DD)")
    return value


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
OpDate = Annotated[dt.date, BeforeValidator(_iso_text), Field(ge=EARLIEST, le=LATEST)]
OpDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_in_range)]

# A database id: 64-bit, positive. A larger one cannot exist, and a lookup by it would
# overflow deep in the database driver instead of being refused here.
INT64_MAX = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]
# Any count or amount given to the API: within 64 bits.
Int64 = Annotated[int, Field(ge=-(2**63), le=INT64_MAX)]
# A number of days counted back from today (a backlog's "not visited for N days"): at most
# a century, so that no date arithmetic on it can overflow.
DayCount = Annotated[int, Field(ge=0, le=36_500)]
# A percentage threshold (a price rise): up to 100 times.
Percent = Annotated[int, Field(ge=0, le=10_000)]
