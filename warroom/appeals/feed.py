"""The demo's appeals: the twin's ``appeals`` records filed through the public intake
service (``do_file_appeal``, the service behind the public form and the API), day by day.

The twin says what was asked, where, by which channel, not the words: each appeal gets
a text of its category from the labelled set the classifier ships (deterministic by the
twin's appeal id), so the classifier, the duplicates and the hot topics have real
Chinese to work on. At most ``WARROOM_DEMO_APPEALS_PER_DAY`` a day are filed (the twin's
peak is thousands; the demo needs a queue, not the whole city's calls). The areas answer
most of the earlier days' appeals (the simulation of the people working the queue, so the
timeliness board has figures): four in five, at 60 % of the time allowed; one answer in
three is called back. Then what is still open past its deadline at the day's start is
escalated. Idempotent: a day fed twice files nothing twice (``source_ref`` per appeal).
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
    deadline_hours,
    do_answer_appeal,
    do_file_appeal,
    do_record_callback,
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
    escalate the earlier ones; returns how many were filed."""
    cap = settings.WARROOM_DEMO_APPEALS_PER_DAY if cap is None else cap
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    _work_the_queue(start, actor)
    texts = _texts()
    rows = appeals[:cap]
    wanted = {str(codes[p]) for p in rows["patch"]}
    areas = {a.code: a for a in Area.objects.filter(code__in=wanted)}
    filed = 0
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
        do_file_appeal(
            channel=channel,
            text=pool[aid % len(pool)],
            area=area,
            caller_phone=f"139{aid % 10**8:08d}",
            source_ref=f"twin-{aid}",
            at=start + dt.timedelta(minutes=minute),
            actor=actor,
        )
        filed += 1
    return filed


def _work_the_queue(start: dt.datetime, actor: Any) -> None:
    earlier = Appeal.objects.filter(
        status__in=OPEN_STATUSES, received_at__lt=start, source_ref__startswith="twin-"
    ).select_related("area")
    for appeal in earlier.iterator(chunk_size=500):
        if appeal.pk % 5 == 0:
            continue  # one in five left for the escalation
        at = appeal.received_at + dt.timedelta(hours=0.6 * deadline_hours(appeal.urgency))
        done = do_answer_appeal(
            appeal, reply=REPLY.format(unit=appeal.unit_label), actor=actor, at=at
        )
        if appeal.pk % 3 == 0:
            do_record_callback(done, satisfaction=4 if appeal.pk % 2 else 2, actor=actor)
    escalate_overdue(now=start, actor=actor)
