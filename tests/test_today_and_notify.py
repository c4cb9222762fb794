"""The two small doors: the platform's today and notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from warroom.core.context import SYSTEM
from warroom.core.models import Notification
from warroom.core.notify import notify, recipients, unread
from warroom.core.today import do_set_today, exercise, today

pytestmark = pytest.mark.django_db


def test_today_is_the_wall_clock_until_an_exercise_sets_it(settings):
    settings.WARROOM_TODAY = ""
    assert today() == timezone.localdate()
    assert exercise() is None

    do_set_today(dt.date(2020, 2, 12), actor=SYSTEM, label="demo", step=23, steps=90)
    assert today() == dt.date(2020, 2, 12)
    assert exercise() == exercise().__class__(dt.date(2020, 2, 12), "demo", 23, 90)

    do_set_today(None, actor=SYSTEM)
    assert today() == timezone.localdate()
    assert exercise() is None


def test_a_fixed_setting_wins_over_the_exercise(settings):
    do_set_today(dt.date(2020, 2, 12), actor=SYSTEM, label="demo", step=1, steps=2)
    settings.WARROOM_TODAY = "2020-03-01"
    assert today() == dt.date(2020, 3, 1)


def test_setting_the_day_is_audited(settings):
    from warroom.audit.models import AuditEntry

    before = AuditEntry.objects.count()
    do_set_today(dt.date(2020, 2, 12), actor=SYSTEM)
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.object_type == "core.platformday" and "2020-02-12" in entry.message


def test_recipients_are_those_whose_jurisdiction_contains_the_area(city, hq, officer, outsider):
    street = next(
        a for a in city.values() if a.path.startswith(officer.area.path) and a.level == "street"
    )
    found = recipients(street, "change")
    assert officer in found
    assert (hq in found) == hq.can("change")  # hq's jurisdiction contains it; the role decides
    assert outsider not in found
    assert outsider not in recipients(city["990101"], "view")


def test_notify_writes_in_app_then_mails_after_commit(
    city, officer, outsider, django_capture_on_commit_callbacks
):
    officer.email = "a@example.org"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        sent = notify(
            [officer, officer, outsider], kind="task", title="整改任务逾期", link="/tasks/1/"
        )
    assert sent == 2
    assert Notification.objects.filter(user=officer).count() == 1
    assert [n.title for n in unread(officer)] == ["整改任务逾期"]
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert not unread(outsider).filter(user=officer).exists()


def test_nothing_is_sent_when_the_transaction_rolls_back(city, officer):
    from django.db import transaction

    officer.email = "a@example.org"
    officer.save()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([officer], kind="task", title="x")
        raise RuntimeError
    assert not Notification.objects.filter(user=officer).exists()
    assert mail.outbox == []
