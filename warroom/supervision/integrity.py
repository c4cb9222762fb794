"""Data integrity: quality flags become tasks; scorecards; the reconciliation of sources.

- **A flag becomes a task.** The daily step ``supervision.flags`` (after
  ``surveillance.quality``) opens one task per open flag for the reporting unit — the
  users of the flag's own area who may change records, else the nearest level above —
  to verify the figure and correct it or explain it, due ``WARROOM_FLAG_TASK_DAYS``
  after detection. The task's verification (by someone else) resolves the flag; a
  reopened task opens it again. One task per flag is held by the database (``FlagTask``).
- **Scorecards.** Per reporting unit over a window: days reported, days on time (stored
  before the next day's cut-off), error flags, tasks open and overdue.
- **Reconciliation** (Wuhan's revision of 17 April 2020: +325 cases, +1,290 deaths found
  by cross-matching the line list with hospitals, labs and death registrations): per
  district, the people one source knows and another misses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warroom.core.context import acting
from warroom.core.words import area_name, say
from warroom.geo.models import Area
from warroom.tasks.models import Status as TaskStatus
from warroom.tasks.models import Task

SOURCE_KIND = "quality"


def reporting_owner(area: Area) -> Any:
    """Who answers for ``area``'s figures: a user of the area itself who may change
    records (the one with the lowest id, so the choice is stable), else the nearest level
    above; None when nobody is."""
    from warroom.core.notify import recipients

    people = [u for u in recipients(area, "change") if u.is_active]
    if not people:
        return None
    depth = {u.pk: (u.area.depth if u.area_id else -1) for u in people}
    people.sort(key=lambda u: (-depth[u.pk], u.pk))
    return people[0]


def do_open_flag_tasks(day: dt.date, *, actor: Any) -> int:
    """Open a task for every open quality flag that has none (idempotent)."""
    from warroom.supervision.models import FlagTask
    from warroom.surveillance.models import FlagStatus, QualityFlag

    days = int(settings.WARROOM_FLAG_TASK_DAYS)
    flags = list(
        QualityFlag.objects.filter(status=FlagStatus.OPEN, supervision_task__isnull=True)
        .select_related("area")
        .order_by("pk")
    )
    opened = 0
    with acting(actor):
        for flag in flags:
            owner = reporting_owner(flag.area)
            if owner is None:
                continue
            try:
                with transaction.atomic():
                    task = _create_flag_task(flag, owner, days, actor)
                    FlagTask.objects.create(flag=flag, task=task, area=flag.area)
            except IntegrityError:  # another run opened it first
                continue
            opened += 1
    return opened


MANUAL_SOURCE = "supervision"
MANUAL_RULE = "supervision_report"


def do_raise_flag(
    area: Area,
    *,
    day: dt.date,
    message: str,
    severity: str = "warning",
    column: str = "",
    actor: Any,
) -> Any:
    """A supervisor (``inspect``) raises a data-quality flag by hand: a figure found false
    or doubtful on a visit, a tip-off, a cross-check. Its source is ``supervision`` (the
    quality step neither refreshes nor resolves it) and its task for the reporting unit
    opens at once, as the daily step opens those of the rules."""
    from warroom.core.errors import Forbidden, InvalidInput, NotFound
    from warroom.core.inputs import clean_text
    from warroom.core.scoping import in_scope
    from warroom.core.today import today
    from warroom.supervision.models import FlagTask
    from warroom.surveillance.models import FIGURES, FlagSeverity, QualityFlag

    if not in_scope(actor, area.path):
        raise NotFound("area not found")
    if not actor.can("inspect"):
        raise Forbidden(_("You may not raise data-quality flags."))
    if severity not in FlagSeverity.values():
        raise InvalidInput(_("Unknown severity %(s)s.") % {"s": severity})
    if column and column not in FIGURES:
        raise InvalidInput(_("Unknown column %(c)s.") % {"c": column})
    now = today()
    if day > now:
        raise InvalidInput(_("The flag's day is in the future."))
    text = clean_text(message, max_length=2000, what=_("Message"), required=True)
    owner = reporting_owner(area)
    with acting(actor), transaction.atomic():
        flag = QualityFlag.objects.create(
            source=MANUAL_SOURCE,
            rule=MANUAL_RULE,
            area=area,
            day=day,
            column=column,
            severity=severity,
            message=text,
            detected_on=now,
        )
        if owner is not None:
            task = _create_flag_task(flag, owner, int(settings.WARROOM_FLAG_TASK_DAYS), actor)
            FlagTask.objects.create(flag=flag, task=task, area=area)
    return flag


def _create_flag_task(flag: Any, owner: Any, days: int, actor: Any) -> Task:
    from warroom.tasks.services import do_create_task

    return do_create_task(
        title=say(
            gettext_noop("Verify %(area)s's figure of %(day)s (%(rule)s)"),
            area=area_name(flag.area),
            day=flag.day.isoformat(),
            rule=flag.rule,
        ),
        description=say(
            gettext_noop("%(message)s\nVerify the figure, then correct the report or explain it."),
            message=flag.message,  # the reporter's own text
        ),
        area=flag.area,
        owner=owner,
        deadline=max(flag.detected_on, flag.day) + dt.timedelta(days=days),
        source_kind=SOURCE_KIND,
        source=flag,
        actor=actor,
    )


def on_task_verified(task: Task, event: str, actor: Any) -> None:
    """The task hook: verification resolves the flag, reopening opens it again."""
    from warroom.supervision.models import FlagTask
    from warroom.surveillance.models import FlagStatus, QualityFlag

    link = FlagTask.objects.filter(task=task).first()
    if link is None:
        return
    flag = QualityFlag.objects.select_for_update().get(pk=link.flag_id)
    if event == "verified":
        flag.status = FlagStatus.RESOLVED
        flag.status_note = (f"task {task.pk} verified: {(task.evidence_text or '')[:200]}")[:300]
    else:
        flag.status = FlagStatus.OPEN
        flag.status_note = f"task {task.pk} reopened"
    flag.status_changed_at = timezone.now()
    flag.save(update_fields=["status", "status_note", "status_changed_at"])


# --- scorecards ---------------------------------------------------------------------------


@dataclass
class Scorecard:
    area: Area
    expected: int
    reported: int = 0
    on_time: int = 0
    error_flags: int = 0
    tasks_open: int = 0
    tasks_overdue: int = 0

    @property
    def timeliness(self) -> float | None:
        return None if not self.expected else self.on_time / self.expected

    @property
    def accuracy(self) -> float | None:
        if not self.reported:
            return None
        return max(0.0, 1 - self.error_flags / self.reported)


def scorecards(user: Any, end: dt.date, *, days: int = 14) -> list[Scorecard]:
    """Reporting timeliness and accuracy of every unit that reports, over ``days`` days."""
    from warroom.cases.clearance import cutoff_for
    from warroom.surveillance.models import DailyReport, QualityFlag, Source

    start = end - dt.timedelta(days=days - 1)
    reports = list(
        DailyReport.objects.restrict(user, "view")
        .filter(source=Source.REPORT, date__gte=start, date__lte=end)
        .values_list("area_id", "date", "updated_at")
    )
    cards: dict[int, Scorecard] = {}
    ids = {a for a, _d, _u in reports}
    areas = {a.pk: a for a in Area.objects.filter(pk__in=ids)}
    for area_id, date, updated in reports:
        card = cards.setdefault(area_id, Scorecard(areas[area_id], days))
        card.reported += 1
        if updated <= cutoff_for(date + dt.timedelta(days=1)):
            card.on_time += 1
    flags = (
        QualityFlag.objects.restrict(user, "view")
        .filter(area_id__in=ids, day__gte=start, day__lte=end, severity="error")
        .values("area_id")
        .annotate(n=Count("pk"))
    )
    for row in flags:
        cards[row["area_id"]].error_flags = row["n"]
    now = timezone.now()
    tasks = (
        Task.objects.restrict(user, "view")
        .filter(area_id__in=ids, source_kind=SOURCE_KIND)
        .exclude(status=TaskStatus.VERIFIED)
        .values("area_id")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(status=TaskStatus.OPEN, deadline__lt=now)),
        )
    )
    for row in tasks:
        cards[row["area_id"]].tasks_open = row["n"]
        cards[row["area_id"]].tasks_overdue = row["late"]
    return sorted(cards.values(), key=lambda c: (c.timeliness or 0, c.area.path))


# --- reconciliation -----------------------------------------------------------------------


@dataclass
class AreaReconciliation:
    area: Area
    line_list_cases: int = 0
    reported_cases: int | None = None
    line_list_deaths: int = 0
    reported_deaths: int | None = None
    registered_deaths: int = 0
    lab_positive_not_confirmed: list[int] = field(default_factory=list)  # person ids
    treated_not_confirmed: list[int] = field(default_factory=list)  # person ids
    deaths_not_in_line_list: list[Any] = field(default_factory=list)

    @property
    def cases_difference(self) -> int | None:
        return None if self.reported_cases is None else self.reported_cases - self.line_list_cases

    @property
    def deaths_difference(self) -> int | None:
        if self.reported_deaths is None:
            return None
        return self.reported_deaths - self.line_list_deaths

    @property
    def missing_cases(self) -> int:
        return len(self.lab_positive_not_confirmed) + len(self.treated_not_confirmed)

    @property
    def missing_deaths(self) -> int:
        return len(self.deaths_not_in_line_list)

    @property
    def has_discrepancy(self) -> bool:
        return bool(
            self.missing_cases
            or self.missing_deaths
            or self.cases_difference
            or self.deaths_difference
        )


CONFIRMED_STATES = ("confirmed", "admitted", "discharged", "post_discharge", "recovered", "died")


def reconcile_sources(user: Any, day: dt.date) -> list[AreaReconciliation]:
    """Per district in the user's view: the line list against the districts' reports,
    the hospital records (treatment roll), the lab results and the death registrations.

    Lists the people a source knows that the line list has not confirmed (a positive lab
    result, a treatment record, a registered COVID-19 death): the +325 and +1,290 of
    Wuhan's revision were of these kinds.
    """
    from warroom.cases.clearance import cutoff_for
    from warroom.cases.models import Person, Sample, TransitionRecord, TreatmentRecord
    from warroom.supervision.models import DeathRegistration
    from warroom.surveillance.models import DailyReport, Source

    end = cutoff_for(day)
    districts = list(Area.objects.restrict(user, "view").filter(depth=1).order_by("path"))
    people = Person.objects.restrict(user, "view").filter(merged_into__isnull=True)

    def district_of(path: str) -> int | None:
        for d in districts:
            if path.startswith(d.path):
                return d.pk
        return None

    steps = TransitionRecord.objects.filter(
        person__in=people, at__lt=end, target__in=("confirmed", "died")
    ).order_by()
    confirmed: dict[int, str] = {}
    died: dict[int, str] = {}
    for pid, target, path in steps.values_list("person_id", "target", "person__home__path"):
        (confirmed if target == "confirmed" else died)[pid] = path
    positive = {
        pid: path
        for pid, path in Sample.objects.filter(
            person__in=people, result="positive", reported_at__lt=end
        )
        .order_by()
        .values_list("person_id", "person__home__path")
        if pid not in confirmed
    }
    treated = {
        pid: path
        for pid, path in TreatmentRecord.objects.filter(person__in=people, date__lte=day)
        .order_by()
        .values_list("person_id", "person__home__path")
        if pid not in confirmed and pid not in positive
    }
    registrations = list(
        DeathRegistration.objects.restrict(user, "view")
        .filter(died_on__lte=day)
        .select_related("area")
    )
    died_numbers = set(
        people.filter(
            pk__in=list(died), id_number__in=[r.id_number for r in registrations]
        ).values_list("id_number", flat=True)
    )
    rows = {d.pk: AreaReconciliation(d) for d in districts}
    for pid_map, attr in ((confirmed, "line_list_cases"), (died, "line_list_deaths")):
        for path in pid_map.values():
            if (k := district_of(path)) is not None:
                setattr(rows[k], attr, getattr(rows[k], attr) + 1)
    for pid_map, attr in (
        (positive, "lab_positive_not_confirmed"),
        (treated, "treated_not_confirmed"),
    ):
        for pid, path in sorted(pid_map.items()):
            if (k := district_of(path)) is not None:
                getattr(rows[k], attr).append(pid)
    for r in registrations:
        if (k := district_of(r.area.path)) is not None:
            rows[k].registered_deaths += 1
            if r.id_number not in died_numbers:
                rows[k].deaths_not_in_line_list.append(r)
    out = []
    for district in districts:
        row = rows[district.pk]
        report = (
            DailyReport.objects.filter(area=district, source=Source.REPORT, date__lte=day)
            .order_by("-date")
            .first()
        )
        if report is not None:
            row.reported_cases = report.cum_confirmed
            row.reported_deaths = report.cum_deaths
        out.append(row)
    return out
