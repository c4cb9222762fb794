"""Input types shared by every API: dates an operation can mean.

A date or time far outside the years a headquarters works in (0001-01-07, 9999-12-31)
would overflow date arithmetic deep in a service; refusing it at the door makes it a
422 with the field named, never a 500.
"""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


def _in_range(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


OpDate = Annotated[dt.date, Field(ge=EARLIEST, le=LATEST)]
OpDateTime = Annotated[dt.datetime, AfterValidator(_in_range)]
