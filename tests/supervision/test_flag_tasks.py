"""A data-quality flag becomes a task for the reporting unit; its resolution closes it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warroom.core.context import SYSTEM
from warroom.core.models import Notification
from warroom.supervision.integrity import do_open_flag_tasks, reconcile_sources, scorecards
from warroom.supervision.models import FlagTask
from warroom.surveillance.models import QualityFlag
from warroom.tasks.models import Status, Task
from warroom.tasks.services import do_reopen_task, do_submit_task, do_verify_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def flag(city):
    day = timezone.localdate()
    return QualityFlag.objects.create(
        rule="identity_broken",
        area=city["990101"],
        day=day,
        column="cum_confirmed",
        severity="error",
        message="cum_confirmed is not deaths + discharged + under treatment",
        detected_on=day,
    )


def test_a_flag_becomes_one_task_for_the_reporting_unit(flag, officer, hq):
    assert do_open_flag_tasks(flag.day, actor=SYSTEM) == 1
    assert do_open_flag_tasks(flag.day, actor=SYSTEM) == 0  # idempotent
    link = FlagTask.objects.get(flag=flag)
    task = link.task
    assert task.owner == officer  # the district's own officer, not headquarters
    assert task.source_kind == "quality" and task.source == flag
    assert task.deadline.date() >= flag.day + dt.timedelta(days=2)
    assert Notification.objects.filter(user=officer, kind="task").exists()


def test_the_tasks_verification_resolves_the_flag_and_reopening_opens_it(flag, officer, hq):
    do_open_flag_tasks(flag.day, actor=SYSTEM)
    task = Task.objects.get(source_kind="quality")
    do_submit_task(task, evidence_text="corrected: 12 not 21", actor=officer)
    do_verify_task(task, actor=hq)
    flag.refresh_from_db()
    assert flag.status == "resolved" and "corrected" in flag.status_note
    do_reopen_task(Task.objects.get(pk=task.pk), reason="still wrong", actor=hq)
    flag.refresh_from_db()
    assert flag.status == "open"
    assert Task.objects.get(pk=task.pk).status == Status.OPEN


def test_a_flag_with_nobody_to_answer_waits(city):
    day = timezone.localdate()
    QualityFlag.objects.create(
        rule="stale_figure",
        area=city["990102"],
        day=day,
        severity="warning",
        message="stale",
        detected_on=day,
    )
    assert do_open_flag_tasks(day, actor=SYSTEM) == 0


def test_scorecards_count_reports_errors_and_tasks(flag, officer, hq):
    from warroom.surveillance.models import DailyReport

    DailyReport.objects.create(
        area=flag.area, date=flag.day, source="report", new_confirmed=3, cum_confirmed=10
    )
    do_open_flag_tasks(flag.day, actor=SYSTEM)
    cards = scorecards(hq, flag.day, days=7)
    card = next(c for c in cards if c.area == flag.area)
    assert (card.reported, card.error_flags, card.tasks_open) == (1, 1, 1)
    assert card.timeliness == pytest.approx(1 / 7)
    assert card.accuracy == 0.0


def test_reconciliation_lists_what_the_line_list_misses(city, officer, hq, outsider):
    from tests.conftest import resident_id
    from warroom.cases import services
    from warroom.supervision.services import do_register_death

    victim = city["990101001001001"]
    lab_only = services.do_register_person(
        name="化验阳性", home=victim, actor=officer, id_number=resident_id(11), category="suspected"
    )
    sample = services.do_record_sample(
        lab_only, kind="nucleic_acid", lab="L", code="S1", actor=officer
    )
    sample.result, sample.reported_at = "positive", timezone.now()
    sample.save(update_fields=["result", "reported_at"])
    do_register_death(
        area=victim,
        name="登记死亡",
        id_number=resident_id(12),
        died_on=timezone.localdate(),
        actor=officer,
    )
    rows = {r.area.code: r for r in reconcile_sources(hq, timezone.localdate())}
    a = rows["990101"]
    assert a.lab_positive_not_confirmed == [lab_only.pk]
    assert a.missing_deaths == 1 and a.registered_deaths == 1 and a.has_discrepancy
    assert not rows["990102"].has_discrepancy
    # District B's officer sees only his own district.
    assert {r.area.code for r in reconcile_sources(outsider, timezone.localdate())} == {"990102"}


def test_the_daily_quality_step_runs_the_line_list_rule(cases_world, city, officer):
    """A district reporting more new confirmed than the line list holds is flagged, and the
    flag becomes the district's task."""
    from warroom.surveillance.models import DailyReport
    from warroom.surveillance.services import do_check_quality

    day = timezone.localdate()
    DailyReport.objects.create(area=city["990101"], date=day, source="report", new_confirmed=3)
    do_check_quality(day, actor=SYSTEM)
    flag = QualityFlag.objects.get(rule="line_list_mismatch", area=city["990101"], day=day)
    assert (flag.measured, flag.expected) == (3, 1)
    do_open_flag_tasks(day, actor=SYSTEM)
    assert FlagTask.objects.get(flag=flag).task.owner == officer


def test_without_a_line_list_in_use_the_rule_is_silent(city):
    from warroom.surveillance.models import DailyReport
    from warroom.surveillance.services import do_check_quality

    day = timezone.localdate()
    DailyReport.objects.create(area=city["990101"], date=day, source="report", new_confirmed=3)
    do_check_quality(day, actor=SYSTEM)
    assert not QualityFlag.objects.filter(rule="line_list_mismatch").exists()
