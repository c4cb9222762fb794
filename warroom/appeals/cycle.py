"""The appeals' step of the daily cycle: escalate what is overdue, prune the counters.

Deadlines are in hours, so escalation does not wait for the daily cycle: cron (or a
scheduler enqueuing the ``appeals.escalate`` job) runs ``warroom appeals escalate`` every
few minutes; the daily step is the backstop that leaves nothing overdue unescalated at
the day's close. It escalates as of the end of the cycle's day (or now, if earlier), so a
replayed or exercised day escalates what was overdue on that day, not on the wall clock's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from warroom.appeals.services import escalate_overdue, prune_counters


def escalate_step(day: dt.date, **_: Any) -> str:
    tz = timezone.get_current_timezone()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    n = escalate_overdue(now=min(timezone.now(), end))
    pruned = prune_counters()
    return f"{n} appeals escalated, {pruned} rate counters pruned"
