"""Supervision visits of any unit, special places included; findings → rectification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warroom.core.errors import Forbidden, InvalidInput, NotFound
from warroom.supervision.models import Finding, SupervisionChecklist
from warroom.supervision.services import (
    ItemResult,
    checklist_in_use,
    do_publish_checklist,
    do_record_visit,
    do_register_place,
)
from warroom.tasks.services import do_submit_task, do_verify_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"


@pytest.fixture
def care_home(city, officer):
    return do_register_place(
        code="CH-1",
        name="甲一养老院",
        kind="care_home",
        area=city[VICTIM],
        residents=120,
        staff=30,
        actor=officer,
    )


def answers(kind: str, failed: set[str] = frozenset()) -> dict[str, ItemResult]:
    items = checklist_in_use(kind).items.all()
    return {
        i.code: ItemResult(i.code not in failed, "见问题" if i.code in failed else "")
        for i in items
    }


def test_a_special_place_is_inspected_and_its_failure_opens_a_task(
    care_home, supervisor, grid_worker, hq
):
    visit = do_record_visit(
        kind="care_home",
        place=care_home,
        date=timezone.localdate(),
        results=answers("care_home", {"staff"}),
        announced=False,
        owner=grid_worker,
        actor=supervisor,
    )
    assert not visit.passed and not visit.announced and visit.area == care_home.area
    finding = Finding.objects.get(visit=visit)
    task = finding.task
    assert (
        task.owner == grid_worker and task.source == finding and task.source_kind == "supervision"
    )
    assert not finding.closed
    do_submit_task(task, evidence_text="staff now rotate in isolation", actor=grid_worker)
    do_verify_task(task, actor=hq)
    finding.refresh_from_db()
    assert finding.closed


def test_a_passed_visit_opens_nothing_and_keeps_its_checklist_version(city, supervisor, hq):
    first = do_record_visit(
        kind="street",
        area=city["990101001"],
        date=timezone.localdate(),
        results=answers("street"),
        announced=True,
        actor=supervisor,
    )
    do_publish_checklist("street", [("only", "唯一一项", "The only item")], actor=hq)
    assert checklist_in_use("street").version == 2
    assert first.passed and first.checklist.version == 1 and not first.findings.exists()
    assert SupervisionChecklist.objects.filter(kind="street").count() == 2


def test_refusals(city, care_home, supervisor, outsider, grid_worker, analyst):
    with pytest.raises(InvalidInput, match="owner"):
        do_record_visit(
            kind="care_home",
            place=care_home,
            date=timezone.localdate(),
            results=answers("care_home", {"staff"}),
            announced=True,
            actor=supervisor,
        )
    with pytest.raises(InvalidInput, match="Answer every item"):
        do_record_visit(
            kind="care_home",
            place=care_home,
            date=timezone.localdate(),
            results={},
            announced=True,
            actor=supervisor,
        )
    with pytest.raises(InvalidInput, match="future"):
        do_record_visit(
            kind="care_home",
            place=care_home,
            date=timezone.localdate() + dt.timedelta(days=2),
            results=answers("care_home"),
            announced=True,
            actor=supervisor,
        )
    with pytest.raises(InvalidInput, match="level"):
        do_record_visit(
            kind="street",
            area=city[VICTIM],
            date=timezone.localdate(),
            results=answers("street"),
            announced=True,
            actor=supervisor,
        )
    with pytest.raises(NotFound):  # another district's place answers like a missing one
        do_record_visit(
            kind="care_home",
            place=care_home,
            date=timezone.localdate(),
            results=answers("care_home"),
            announced=True,
            actor=outsider,
        )
    with pytest.raises(Forbidden):
        do_record_visit(
            kind="care_home",
            place=care_home,
            date=timezone.localdate(),
            results=answers("care_home"),
            announced=True,
            actor=analyst,
        )
