"""The platform's "today" — one door for every page, default form value and the stand-up.

Real time by default (the local date in ``TIME_ZONE``). An exercise or a replay sets it:
``WARROOM_TODAY`` (an ISO date, fixed by the operator) wins; otherwise the stored
:class:`~warroom.core.models.PlatformDay` (the demo sets it to the day it has fed, with the
exercise's step for the banner "演练：第 23/90 天"); otherwise the wall clock.

Code never calls ``timezone.localdate()`` or ``date.today()`` for "today": it calls
:func:`today`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Exercise:
    """A running exercise or replay, as the banner shows it."""

    day: dt.date
    label: str
    step: int | None
    steps: int | None


def _fixed() -> dt.date | None:
    value = getattr(settings, "WARROOM_TODAY", "") or ""
    return dt.date.fromisoformat(value) if value else None


# The stored day, read once per request: the view, its forms' defaults, the banner and the
# panels all ask for today; one request sees one day. The memo lives on the request the one
# acting context holds (no context variable of its own); outside a request (jobs, the CLI,
# tests calling services) nothing is memoised. Setting the day forgets the memo.
_UNREAD = object()
_MEMO = "_warroom_today_memo"


def _memo() -> dict[str, Any] | None:
    from warroom.core.context import current

    request = current().request
    if request is None:
        return None
    memo = getattr(request, _MEMO, None)
    if memo is None:
        memo = {}
        setattr(request, _MEMO, memo)
    return memo  # type: ignore[no-any-return]


def _stored() -> Any:
    from warroom.core.models import PlatformDay

    memo = _memo()
    if memo is not None:
        row = memo.get("row", _UNREAD)
        if row is not _UNREAD:
            return row
    row = PlatformDay.objects.filter(pk=1, day__isnull=False).first()
    if memo is not None:
        memo["row"] = row
    return row


def today() -> dt.date:
    """The platform's today: the fixed setting, else the exercise's day, else the wall clock."""
    fixed = _fixed()
    if fixed is not None:
        return fixed
    row = _stored()
    if row is not None:
        return row.day  # type: ignore[no-any-return]
    return timezone.localdate()


def now() -> dt.datetime:
    """The platform's present moment: :func:`today` at the wall clock's time of day.

    What is due or overdue (a visit, a task's deadline) is judged against it, so that an
    exercise replaying 2020 sees its own overdue tasks, not everything overdue since.
    """
    wall = timezone.localtime()
    day = today()
    if day == wall.date():
        return wall
    return dt.datetime.combine(day, wall.timetz())


def cutoff_time() -> dt.time | None:
    """The day's cut-off (``WARROOM_CLEARANCE_CUTOFF``, "HH:MM"); None = 24:00."""
    raw = settings.WARROOM_CLEARANCE_CUTOFF
    if raw in ("24:00", "00:00"):
        return None
    hours, minutes = raw.split(":")
    return dt.time(int(hours), int(minutes))


def cutoff_for(date: dt.date) -> dt.datetime:
    """The cut-off of ``date`` in local time (24:00 is the next day's midnight): the moment
    a past day's figures are read as of (valid time). One definition for every app (case
    management's clearance, the beds' free beds, dispatch's placements)."""
    at = cutoff_time()
    tz = timezone.get_current_timezone()
    if at is None:
        return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    return dt.datetime.combine(date, at, tzinfo=tz)


def wall_today() -> dt.date:
    """The wall clock's date, for what belongs to real time whatever the exercise (the audit
    anchor of the day). Everything the users see uses :func:`today`."""
    return timezone.localdate()


def exercise() -> Exercise | None:
    """The running exercise (stored day), or None in real time or under a fixed setting."""
    row = _stored()
    if row is None:
        return None
    return Exercise(day=row.day, label=row.label, step=row.step, steps=row.steps)


def do_set_today(
    day: dt.date | None,
    *,
    actor: Any,
    label: str = "",
    step: int | None = None,
    steps: int | None = None,
) -> None:
    """Set the platform's day (``None``: back to real time). Audited as one entry."""
    from warroom.audit.services import record_event
    from warroom.core.context import acting
    from warroom.core.models import PlatformDay

    memo = _memo()
    if memo is not None:
        memo.clear()
    with acting(actor), transaction.atomic():
        PlatformDay.objects.update_or_create(
            pk=1, defaults={"day": day, "label": label, "step": step, "steps": steps}
        )
        record_event(
            "update",
            object_type="core.platformday",
            object_id="1",
            message=f"platform day {day.isoformat() if day else 'real time'}"
            + (f" ({label} {step}/{steps})" if label else ""),
        )
