"""The twin's appeals enter through the intake service, day by day, idempotently."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from warroom.appeals.feed import feed_day_appeals
from warroom.appeals.models import Appeal, AppealStatus
from warroom.twin import records as R

pytestmark = pytest.mark.django_db


def _records(ids, kinds):
    out = np.zeros(len(ids), dtype=R.APPEAL)
    out["appeal_id"] = ids
    out["kind"] = kinds
    out["patch"] = 0
    out["person_id"] = -1
    return out


def test_a_day_fed_twice_files_nothing_twice_and_the_next_day_works_the_queue(city, hq):
    codes = np.array(["990101001001001"])
    day = dt.date(2020, 2, 1)
    recs = _records(range(10), [i % 7 for i in range(10)])
    assert feed_day_appeals(recs, codes, day, actor=hq) == 10
    feed_day_appeals(recs, codes, day, actor=hq)
    assert Appeal.objects.count() == 10
    assert set(Appeal.objects.values_list("category", flat=True)) <= {
        "admission",
        "medicine",
        "groceries",
        "complaint",
        "rumour",
        "other",
        "transport",
        "data_error",
        "psychological",
        "aftermath",
    }
    open_before = list(
        Appeal.objects.filter(
            status__in=(AppealStatus.RECEIVED, AppealStatus.ASSIGNED)
        ).values_list("pk", flat=True)
    )
    feed_day_appeals(_records([10], [0]), codes, day + dt.timedelta(days=1), actor=hq)
    answered = Appeal.objects.filter(replied_at__isnull=False)
    # The simulated areas answer four in five of the open appeals (all but pk % 5 == 0);
    # an unsatisfied callback reopens some, but they were answered.
    assert answered.count() == len([pk for pk in open_before if pk % 5]) > 0
    assert all(a.replied_at <= a.deadline for a in answered)


def test_the_simulated_queue_answers_every_appeal_within_days_and_reopens_one_once(city, hq):
    """The fifth appeal left for the escalation is answered once escalated, an unsatisfied
    callback's appeal is answered again and then satisfied: a week after filing nothing is
    open, nothing was reopened twice nor escalated twice (the old simulation left one in
    five open for ever, escalated every day, and reopened every second callback daily)."""
    codes = np.array(["990101001001001"])
    day = dt.date(2020, 2, 1)
    feed_day_appeals(_records(range(40), [i % 7 for i in range(40)]), codes, day, actor=hq)
    for n in range(1, 9):
        feed_day_appeals(_records([], []), codes, day + dt.timedelta(days=n), actor=hq)
    appeals = list(Appeal.objects.all())
    assert len(appeals) == 40
    assert not [a for a in appeals if a.status in (AppealStatus.RECEIVED, AppealStatus.ASSIGNED)]
    assert max(a.reopened for a in appeals) == 1  # some reopened, once
    assert max(a.escalations for a in appeals) == 1  # the fifth ones escalated, once
    assert all(a.replied_at >= a.received_at for a in appeals)
