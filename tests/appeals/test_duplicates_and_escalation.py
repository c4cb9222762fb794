"""Repeat callers and duplicates linked; escalation up the tree when a deadline passes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from warroom.appeals.models import Appeal, AppealStatus, Channel, EventKind
from warroom.appeals.selectors import escalated_to, public_status
from warroom.appeals.services import (
    do_answer_appeal,
    do_file_appeal,
    do_reassign_appeal,
    do_record_callback,
    do_triage_appeal,
    escalate_overdue,
)
from warroom.core.context import SYSTEM
from warroom.core.errors import InvalidInput
from warroom.core.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
VICTIM = "990101001001001"


def _file(city, text, **kw):
    kw.setdefault("area", city[VICTIM])
    return do_file_appeal(channel=Channel.HOTLINE, text=text, actor=SYSTEM, **kw)


def test_a_repeat_caller_and_a_near_identical_text_are_linked(city, officer):
    first = _file(
        city, "小区封闭五天了，团购的大米一直没送到，家里快断粮了", caller_phone="13900000001"
    )
    again = _file(
        city, "小区封闭五天了，团购的大米一直没送到，家里快断粮了！", caller_phone="13900000002"
    )
    other = _file(city, "请问什么时候可以解封", caller_phone="13900000001")
    assert again.status == AppealStatus.DUPLICATE and again.duplicate_of_id == first.pk
    assert other.repeat_of_id == first.pk and other.status != AppealStatus.DUPLICATE
    # The duplicate's public status follows the original's answer.
    do_answer_appeal(first, reply="明日上午送达", actor=officer)
    shown = public_status(again.number)
    assert shown.reply == "明日上午送达"


def test_escalation_at_the_deadline_moves_up_the_tree_and_tells_the_level_above(
    city, officer, street_a, settings
):
    settings.WARROOM_APPEAL_HOURS_IMMEDIATE = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        appeal = _file(city, "孕妇要去医院产检没有车", category="transport", urgency="immediate")
    assert appeal.assigned_area.code == "990101001"  # transport: the street
    assert appeal.deadline == start + dt.timedelta(hours=1)
    assert escalate_overdue(now=start + dt.timedelta(minutes=59)) == 0
    late = start + dt.timedelta(minutes=61)
    with time_machine.travel(late, tick=False):
        assert escalate_overdue() == 1
        assert escalate_overdue() == 0  # idempotent: the new deadline has not passed
    appeal.refresh_from_db()
    assert appeal.assigned_area.code == "990101" and appeal.escalations == 1
    assert appeal.deadline == late + dt.timedelta(hours=1)
    assert list(escalated_to(officer, city["990101"])) == [appeal]
    assert appeal.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert Notification.objects.filter(user=officer, kind="appeal_escalated").exists()
    with time_machine.travel(late + dt.timedelta(hours=2), tick=False):
        assert escalate_overdue() == 1
    appeal.refresh_from_db()
    assert appeal.assigned_area.code == "9901" and appeal.escalations == 2


def test_an_answered_appeal_does_not_escalate(city, officer):
    appeal = _file(city, "请问社保缴费可以延期吗", category="other", urgency="routine")
    do_answer_appeal(appeal, reply="可以延期", actor=officer)
    assert escalate_overdue(now=timezone.now() + dt.timedelta(days=10)) == 0


def test_triage_reassignment_callback_and_reopening(city, officer, street_a):
    appeal = _file(city, "网格员态度恶劣")
    do_triage_appeal(appeal, category="complaint", urgency="normal", actor=street_a)
    appeal.refresh_from_db()
    assert appeal.triaged and appeal.assigned_area.code == "990101001"
    with pytest.raises(InvalidInput):
        do_reassign_appeal(appeal, to=city["990102"], reason="x", actor=SYSTEM)
    do_reassign_appeal(appeal, to=city["990101"], reason="涉及街道干部，区里处理", actor=street_a)
    appeal.refresh_from_db()
    assert appeal.assigned_area.code == "990101"
    assert appeal.events.get(kind=EventKind.REASSIGNED).note == "涉及街道干部，区里处理"
    do_answer_appeal(appeal, reply="已约谈", actor=officer)
    reopened = do_record_callback(appeal, satisfaction=1, note="没有改变", actor=officer)
    assert reopened.status == AppealStatus.ASSIGNED and reopened.reopened == 1
    do_answer_appeal(reopened, reply="已调换网格员", actor=officer)
    closed = do_record_callback(reopened, satisfaction=4, actor=officer)
    assert closed.status == AppealStatus.CLOSED and closed.satisfaction == 4
    assert Appeal.objects.filter(status=AppealStatus.CLOSED).count() == 1


def test_the_daily_step_escalates_as_of_the_cycles_day(city):
    from warroom.appeals.cycle import escalate_step

    tz = timezone.get_current_timezone()
    at = dt.datetime(2020, 2, 1, 10, 0, tzinfo=tz)
    appeal = _file(city, "孕妇要去医院产检没有车", category="transport", urgency="immediate", at=at)
    assert escalate_step(dt.date(2020, 1, 31)).startswith("0 appeals escalated")
    assert escalate_step(dt.date(2020, 2, 1)).startswith("1 appeals escalated")
    appeal.refresh_from_db()
    assert appeal.deadline == dt.datetime(2020, 2, 2, 1, 0, tzinfo=tz)  # day's end + 1 h
