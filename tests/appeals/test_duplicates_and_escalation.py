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


def test_a_batch_links_routes_and_audits_like_the_appeals_one_by_one(city, officer):
    """The batch path (the demo feed's): the rules of one appeal at a time, an appeal
    linking to an earlier one of the same batch, one audit entry per batch."""
    from warroom.appeals.services import (
        AppealIn,
        do_answer_appeals,
        do_file_appeals,
        do_record_callbacks,
    )
    from warroom.audit.models import AuditEntry
    from warroom.audit.services import verify_chain

    text = "小区封闭五天了，团购的大米一直没送到，家里快断粮了"
    start = timezone.now() - dt.timedelta(hours=2)
    items = [
        AppealIn(Channel.HOTLINE, text, area=city[VICTIM], caller_phone="13900000001", at=start),
        AppealIn(Channel.HOTLINE, text + "！", area=city[VICTIM], caller_phone="13900000002"),
        AppealIn(
            Channel.HOTLINE, "请问什么时候可以解封", area=city[VICTIM], caller_phone="13900000001"
        ),
        AppealIn(Channel.WEB, text + "!!", area=city[VICTIM], source_ref="m-1"),
    ]
    audited = AuditEntry.objects.filter(object_type="appeals.appeal").count()
    first, again, other, third = do_file_appeals(items, actor=SYSTEM)
    assert AuditEntry.objects.filter(object_type="appeals.appeal").count() == audited + 1
    assert again.status == third.status == AppealStatus.DUPLICATE
    assert again.duplicate_of_id == third.duplicate_of_id == first.pk  # the first filed
    assert other.repeat_of_id == first.pk and other.status == AppealStatus.RECEIVED
    assert first.assigned_area.code == "990101001001"  # groceries: the community
    note = again.events.get(kind=EventKind.DUPLICATE).note
    assert note == first.number
    assert Appeal.objects.get(pk=third.pk).duplicate_of_id == first.pk  # stored so
    # Idempotent by source_ref; a bad item names its row and writes nothing.
    assert do_file_appeals([items[3]], actor=SYSTEM)[0].pk == third.pk
    with pytest.raises(InvalidInput, match="Appeal 2"):
        do_file_appeals([items[0], AppealIn("fax", "x", area=city[VICTIM])], actor=SYSTEM)
    assert Appeal.objects.count() == 4
    # Answers and callbacks in batches: one audit entry each; the rules of one at a time.
    answered = do_answer_appeals(
        [(first, "明日上午送达", None), (other, "已解答", None)], actor=officer
    )
    assert {a.status for a in answered} == {AppealStatus.ANSWERED}
    closed, reopened = do_record_callbacks([(first, 5, ""), (other, 1, "没解决")], actor=officer)
    assert closed.status == AppealStatus.CLOSED and reopened.status == AppealStatus.ASSIGNED
    assert reopened.reopened == 1
    assert AuditEntry.objects.filter(object_type="appeals.appeal").count() == audited + 3
    # The escalation of several overdue appeals: each one level up, one audit entry.
    more = [
        AppealIn(Channel.HOTLINE, t, area=city[VICTIM])
        for t in ("家里老人需要透析，车辆通行证办不下来", "社区工作人员态度很差，电话打不通")
    ]
    levels = [a.assigned_area.parent for a in do_file_appeals(more, actor=SYSTEM)]
    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        assert escalate_overdue() == 3  # with the reopened one (duplicates are not open)
    escalated = Appeal.objects.filter(escalations=1).order_by("pk")
    assert [a.assigned_area for a in escalated][1:] == levels
    assert AuditEntry.objects.filter(object_type="appeals.appeal").count() == audited + 5
    assert verify_chain().ok
