"""A faked wall clock for the whole test run: ``WARROOM_TEST_CLOCK``.

The suite must pass at any hour (a test that builds "today" in UTC and compares it with
the Asia/Shanghai date fails for eight hours a day). CI proves it by running the SQLite
pass at 23:30 UTC (already tomorrow in Shanghai) and the PostgreSQL pass at 23:45
Asia/Shanghai (the last quarter hour of the local day); see the Makefile.

``WARROOM_TEST_CLOCK`` is either ``"HH:MM <IANA zone>"`` (today's date in that zone, at
that time) or an ISO 8601 datetime with an offset. Empty or unset: the real clock.

The clock is started with time-machine when pytest configures itself, in the main
process and in every xdist worker (each one loads the root conftest), and it ticks: time
moves on from the faked instant at the real pace. It fakes Python's clocks only
(``time.time``, ``datetime.now``, ``date.today``...); monotonic clocks, the database
server and child processes (Chromium, R, a killed import) keep the real time.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any
from zoneinfo import ZoneInfo

ENV = "WARROOM_TEST_CLOCK"
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})\s+(\S+)$")


def parse_clock(value: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The instant ``value`` names (aware), or None for the real clock."""
    value = value.strip()
    if not value or value.lower() in {"real", "now", "off"}:
        return None
    m = _HHMM.match(value)
    if m:
        zone = ZoneInfo(m.group(3))
        today = (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()
        return dt.datetime.combine(today, dt.time(int(m.group(1)), int(m.group(2))), tzinfo=zone)
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError(f"{ENV}={value!r}: give an offset or a zone, e.g. '23:30 UTC'")
    return when


_traveller: Any = None


def start() -> dt.datetime | None:
    """Start the faked clock named by the environment (idempotent)."""
    global _traveller
    when = parse_clock(os.environ.get(ENV, ""))
    if when is None or _traveller is not None:
        return when
    import time_machine

    _traveller = time_machine.travel(when, tick=True)
    _traveller.start()
    return when


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None
