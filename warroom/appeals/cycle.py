"""The appeals' step of the daily cycle: escalate what is overdue, prune the counters.

Deadlines are in hours, so escalation does not wait for the daily cycle: the worker (and
cron) runs ``warroom appeals escalate`` every few minutes; the daily step is the backstop
that leaves nothing overdue unescalated at the day's close.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from warroom.appeals.services import escalate_overdue, prune_counters


def escalate_step(day: dt.date, **_: Any) -> str:
    n = escalate_overdue()
    pruned = prune_counters()
    return f"{n} appeals escalated, {pruned} rate counters pruned"
