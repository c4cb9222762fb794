"""The appeals' job on the durable queue: escalate overdue appeals (enqueue it from cron,
or let the daily cycle's step catch up); idempotent, so a retry escalates nothing twice."""

from __future__ import annotations

from typing import Any

from warroom.core.jobs import job


@job("appeals.escalate")
def escalate(ctx: Any) -> str:
    from warroom.appeals.services import escalate_overdue

    return f"{escalate_overdue()} appeals escalated"
