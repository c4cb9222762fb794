"""The demo's appeals: the twin's ``appeals`` records filed through the intake service's
batch path (``do_file_appeals``: the rules of ``do_file_appeal``, the service behind the
public form and the API), a day's appeals in one batch.

The twin says what was asked, where, by which channel, not the words: each appeal gets
a text of its category from the labelled set the classifier ships (deterministic by the
twin's appeal id), so the classifier, the duplicates and the hot topics have real
Chinese to work on. At most ``WARROOM_DEMO_APPEALS_PER_DAY`` a day are filed (the twin's
peak is thousands; the demo needs a queue, not the whole city's calls). The areas answer
the earlier days' appeals (the simulation of the people working the queue, so the
timeliness board has figures): four in five in time, at 60 % of the time allowed, the
fifth once escalated; one answer in three is called back, half of those unsatisfied the
first time (reopened, then answered again). Then what is still open past its deadline at
the day's start is escalated. Idempotent: a day fed twice files nothing twice
(``source_ref`` per appeal).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from warroom.appeals import triage
from warroom.appeals.models import OPEN_STATUSES, Appeal, Channel
from warroom.appeals.services import (
    AppealIn,
    deadline_hours,
    do_answer_appeals,
    do_file_appeals,
    do_record_callbacks,
    escalate_overdue,
)
from warroom.geo.models import Area
from warroom.twin import records as R

# The twin's kinds (records.APPEAL_NAMES) → the platform's categories.
KIND_CATEGORY = {
    "ADMISSION": "admission",
    "MEDICINE": "medicine",
    "GROCERIES": "groceries",
    "PRICES": "groceries",
    "COMPLAINT": "complaint",
    "RUMOUR": "rumour",
    "OTHER": "other",
}
REPLY = "已转{unit}办理，工作人员已与您联系。"  # the canned answer of the simulated areas


def _texts() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in triage.labelled():
        out.setdefault(row["category"], []).append(row["text"])
    return out


def feed_day_appeals(
    appeals: np.ndarray, codes: Any, day: dt.date, *, actor: Any, cap: int | None = None
) -> int:
    """File the twin's appeals of ``day`` (``codes[patch]`` is the area code), answer and
    escalate the earlier ones; returns how many were filed. Each step is one batch through
    the services' batch paths (the rules of the one-appeal services, one audit entry)."""
    cap = settings.WARROOM_DEMO_APPEALS_PER_DAY if cap is None else cap
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    _work_the_queue(start, actor)
    texts = _texts()
    rows = appeals[:cap]
    wanted = {str(codes[p]) for p in rows["patch"]}
    areas = {a.code: a for a in Area.objects.filter(code__in=wanted)}
    batch = []
    for row in rows:
        area = areas.get(str(codes[row["patch"]]))
        if area is None:
            continue
        aid = int(row["appeal_id"])
        category = KIND_CATEGORY[R.APPEAL_NAMES[int(row["kind"])]]
        pool = texts[category]
        minute = 7 * 60 + (aid * 7919) % (15 * 60)  # 07:00-22:00, spread by the id
        channel = (
            Channel.HOTLINE
            if R.CHANNEL_NAMES[int(row["channel"])].startswith("HOT")
            else Channel.WEB
        )
        batch.append(
            AppealIn(
                channel=channel,
                text=pool[aid % len(pool)],
                area=area,
                caller_phone=f"139{aid % 10**8:08d}",
                source_ref=f"twin-{aid}",
                at=start + dt.timedelta(minutes=minute),
            )
        )
    if batch:
        do_file_appeals(batch, actor=actor)
    return len(batch)


def _work_the_queue(start: dt.datetime, actor: Any) -> None:
    # Only what the simulated areas read (a partial load: no audit snapshot per appeal;
    # the services lock and snapshot what they change).
    earlier = list(
        Appeal.objects.filter(
            status__in=OPEN_STATUSES, received_at__lt=start, source_ref__startswith="twin-"
        )
        .select_related("area")
        .only("received_at", "urgency", "unit", "reopened", "escalations", "area__path")
        .order_by("pk")
    )
    # Four in five answered in time, at 60 % of the time allowed; the fifth is answered
    # once it was escalated, and an appeal reopened is answered again: both at the day's
    # start. Each appeal is so closed or answered within days of its filing, as a working
    # queue is: the queue stays the size of a few days' appeals, not of the whole outbreak
    # (the simulated areas left one in five unanswered for ever and called every second
    # callback unsatisfied, again and again: after 90 days 18,000 appeals had 461,000
    # events, one reopened 89 times and escalated 84, and each day worked the whole
    # backlog again).
    answers = [
        (
            appeal,
            REPLY.format(unit=appeal.unit_label),
            start
            if appeal.reopened or appeal.escalations
            else appeal.received_at + dt.timedelta(hours=0.6 * deadline_hours(appeal.urgency)),
        )
        for appeal in earlier
        if appeal.pk % 5 or appeal.escalations
    ]
    if answers:
        done = do_answer_appeals(answers, actor=actor)
        # One answer in three called back; every second one unsatisfied the first time
        # (the appeal reopened), satisfied after the second answer.
        callbacks = [
            (a, 2 if a.pk % 2 == 0 and not a.reopened else 4, "") for a in done if a.pk % 3 == 0
        ]
        if callbacks:
            do_record_callbacks(callbacks, actor=actor)
    escalate_overdue(now=start, actor=actor)
