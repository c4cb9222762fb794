"""Appeals reach the platform through its own services: waiting list, services, tasks."""

from __future__ import annotations

import pytest

from warroom.appeals.models import Channel
from warroom.appeals.services import (
    do_file_appeal,
    do_link_admission,
    do_link_services,
    do_open_task,
    do_publish_rebuttal,
)
from warroom.cases.models import Person
from warroom.cases.waiting import is_waiting, waiting_people
from warroom.core.context import SYSTEM
from warroom.core.errors import InvalidInput
from warroom.services.models import GroupOrder, MedicalRequest
from warroom.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
VICTIM = "990101001001001"


def _file(city, text, category, urgency="urgent", **kw):
    return do_file_appeal(
        channel=Channel.HOTLINE,
        text=text,
        area=city[VICTIM],
        category=category,
        urgency=urgency,
        caller_phone="13800000009",
        actor=SYSTEM,
        **kw,
    )


def test_an_admission_request_puts_the_patient_on_the_waiting_list(city, operator_user):
    appeal = _file(city, "我父亲确诊了在家等床，呼吸困难", "admission", "immediate")
    assert appeal.assigned_area.code == "990101"
    linked = do_link_admission(appeal, name="王建国", category="confirmed", actor=operator_user)
    person = Person.objects.get(pk=linked.person_id)
    assert person.home.code == VICTIM and person.phone == "13800000009"
    assert is_waiting(person)
    assert waiting_people().filter(pk=person.pk).exists()  # what dispatch places from
    # The same patient calling again is found, not registered twice.
    again = _file(city, "还是没有床位", "admission", "immediate")
    do_link_admission(again, name="王建国", actor=operator_user)
    assert Person.objects.filter(name="王建国").count() == 1


def test_medicine_and_groceries_become_services_requests(city, operator_user):
    medicine = do_link_services(_file(city, "降压药只剩两天", "medicine"), actor=operator_user)
    req = MedicalRequest.objects.get(pk=medicine.medical_request_id)
    assert req.area.code == VICTIM and req.kind == "chronic_medicine"
    groceries = _file(city, "买不到大米", "groceries", "normal")
    with pytest.raises(InvalidInput):
        do_link_services(groceries, items=[], actor=operator_user)
    linked = do_link_services(groceries, items=[("大米", 10, "kg", 5)], actor=operator_user)
    assert GroupOrder.objects.get(pk=linked.group_order_id).items.count() == 1


def test_a_complaint_opens_a_supervision_task(city, operator_user, officer):
    appeal = _file(city, "网格员态度恶劣", "complaint", "normal")
    linked = do_open_task(appeal, owner=officer, actor=operator_user)
    task = Task.objects.get(pk=linked.task_id)
    assert task.source_kind == "appeal" and task.owner == officer


def test_a_rumour_report_leads_to_a_published_rebuttal(city, operator_user, client):
    appeal = _file(city, "网传明天全城断水断电", "rumour")
    rebuttal = do_publish_rebuttal(
        appeal, title="全城断水断电系谣言", body="供水供电正常。", actor=operator_user
    )
    appeal.refresh_from_db()
    assert appeal.rebuttal_id == rebuttal.pk and appeal.status == "answered"
    page = client.get("/appeals/public/rebuttals/").content.decode()
    assert "全城断水断电系谣言" in page
