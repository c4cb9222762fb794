"""Escalation: an overdue task goes once to the level above (逐级上报).

A task still open ``WARROOM_ESCALATION_GRACE_HOURS`` (24) after its deadline is escalated
to the level above its owner: the users of the owner's parent area who may verify (the
next level up when that area has none), who are notified in-app and by e-mail, as is the
owner. The ``Escalation`` row is unique per task, so a task escalates once however often
the step runs, and on however many workers. Run by the daily cycle
(``supervision.escalate``) and by ``warroom supervision escalate`` (a periodic job: cron
it hourly for a faster answer than the daily cut-off).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.core.context import acting
from warroom.core.notify import notify
from warroom.core.words import Worded, say
from warroom.geo.models import Area
from warroom.tasks.models import Task


def level_above(task: Task) -> tuple[Area | None, list[Any]]:
    """The area above the task's owner and who there may verify (walking up while empty)."""
    start = task.owner.area if task.owner.area_id else task.area
    area = start.parent if start is not None else None
    users = get_user_model().objects.filter(is_active=True)
    while area is not None:
        found = [u for u in users.filter(area=area) if u.can("verify")]
        if found:
            return area, found
        area = area.parent
    return None, []


def do_escalate_overdue(*, now: dt.datetime | None = None, actor: Any) -> list[Any]:
    """Escalate every task open past its deadline plus the grace period, once."""
    from warroom.supervision.models import Escalation

    now = now or timezone.now()
    grace = dt.timedelta(hours=int(settings.WARROOM_ESCALATION_GRACE_HOURS))
    due = (
        Task.objects.overdue(now=now - grace)
        .exclude(pk__in=Escalation.objects.values("task_id"))
        .select_related("owner__area", "area")
        .order_by("deadline", "pk")
    )
    done = []
    with acting(actor):
        for task in due:
            to_area, people = level_above(task)
            if to_area is None:
                continue
            try:
                with transaction.atomic():
                    row = Escalation.objects.create(
                        task=task, area=task.area, to_area=to_area, notified=len(people)
                    )
                    title = say(
                        gettext_noop("Overdue task escalated: %(t)s"),
                        t=Worded.from_json(task.title_words) or task.title,
                    )
                    body = say(
                        gettext_noop("%(owner)s has not done it by %(deadline)s."),
                        owner=task.owner.get_full_name() or task.owner.get_username(),
                        deadline=timezone.localtime(task.deadline).strftime("%Y-%m-%d %H:%M"),
                    )
                    notify(
                        [*people, task.owner],
                        kind="escalation",
                        title=title,
                        body=body,
                        link=task.get_absolute_url(),
                    )
            except IntegrityError:  # escalated meanwhile by another run
                continue
            done.append(row)
    return done
