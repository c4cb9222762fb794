"""An overdue task escalates once to the level above, and everyone concerned hears of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from warroom.core.context import SYSTEM
from warroom.core.models import Notification
from warroom.supervision.escalation import do_escalate_overdue
from warroom.supervision.models import Escalation
from warroom.tasks.services import do_create_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"


@pytest.fixture
def late_task(city, grid_worker, inspector):
    inspector.email = "inspector@example.org"
    inspector.save(update_fields=["email"])
    return do_create_task(
        title="Fix the gate",
        area=city[VICTIM],
        owner=grid_worker,
        deadline=timezone.now() - dt.timedelta(hours=30),
        source_kind="manual",
        actor=inspector,
    )


def test_an_overdue_task_escalates_once_and_notifies(late_task, inspector, grid_worker, settings):
    settings.WARROOM_ESCALATION_GRACE_HOURS = 24
    mail.outbox.clear()
    done = do_escalate_overdue(actor=SYSTEM)
    assert len(done) == 1
    row = Escalation.objects.get(task=late_task)
    # The grid worker sits at the compound; the community has nobody who verifies, so
    # the level above that answers is the street.
    assert row.to_area.code == "990101001"
    kinds = set(
        Notification.objects.filter(kind="escalation").values_list("user__username", flat=True)
    )
    assert kinds == {inspector.username, grid_worker.username}
    assert any("escalated" in m.subject for m in mail.outbox)
    # Again: nothing more.
    before = Notification.objects.count()
    assert do_escalate_overdue(actor=SYSTEM) == []
    assert Escalation.objects.count() == 1 and Notification.objects.count() == before


def test_the_grace_period_holds_it_back(late_task, settings):
    settings.WARROOM_ESCALATION_GRACE_HOURS = 48
    assert do_escalate_overdue(actor=SYSTEM) == []
    assert do_escalate_overdue(now=timezone.now() + dt.timedelta(hours=19), actor=SYSTEM)


def test_the_daily_cycle_escalates(late_task, settings):
    from warroom.core.daily import run_daily_cycle

    settings.WARROOM_ESCALATION_GRACE_HOURS = 0
    run_daily_cycle(timezone.localdate(), only=["supervision.escalate"])
    assert Escalation.objects.filter(task=late_task).exists()
