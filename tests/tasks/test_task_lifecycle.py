"""Tasks: open → submitted with evidence → verified by someone else, or reopened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.tasks.models import Status, Task
from warroom.tasks.services import do_create_task, do_reopen_task, do_submit_task, do_verify_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"


@pytest.fixture
def task(city, grid_worker, inspector):
    return do_create_task(
        title="Fix the gate",
        area=city[VICTIM],
        owner=grid_worker,
        deadline=timezone.localdate() + dt.timedelta(days=2),
        source_kind="manual",
        actor=inspector,
    )


def test_a_task_is_submitted_by_its_owner_and_verified_by_someone_else(
    task, grid_worker, inspector, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assert task.status == Status.OPEN and not task.is_overdue
    task = do_submit_task(
        task,
        evidence_text="gate repaired",
        evidence_file=SimpleUploadedFile("gate.jpg", b"jpeg"),
        actor=grid_worker,
    )
    assert task.status == Status.SUBMITTED and task.submitted_by == grid_worker
    assert task.evidence_file.name.endswith(".jpg")
    with pytest.raises(Forbidden):
        do_verify_task(task, actor=grid_worker)
    task = do_verify_task(task, actor=inspector)
    assert task.status == Status.VERIFIED and task.verified_by == inspector


def test_nobody_verifies_his_own_work(city, officer, inspector):
    own = do_create_task(
        title="Own work",
        area=city[VICTIM],
        owner=officer,
        deadline=timezone.localdate(),
        source_kind="manual",
        actor=inspector,
    )
    do_submit_task(own, evidence_text="done", actor=officer)
    with pytest.raises(Forbidden, match="other than its owner"):
        do_verify_task(own, actor=officer)  # a district officer may verify, but not his own
    assert do_verify_task(own, actor=inspector).status == Status.VERIFIED


def test_verification_needs_the_capability(task, grid_worker, analyst, officer):
    do_submit_task(task, evidence_text="done", actor=grid_worker)
    with pytest.raises(Forbidden):
        do_verify_task(task, actor=analyst)  # read-only role


def test_a_verifier_reopens_submitted_work_with_a_reason(task, grid_worker, inspector):
    do_submit_task(task, evidence_text="done", actor=grid_worker)
    with pytest.raises(InvalidInput, match="why"):
        do_reopen_task(task, reason=" ", actor=inspector)
    new_deadline = timezone.localdate() + dt.timedelta(days=5)
    task = do_reopen_task(task, reason="photo unclear", deadline=new_deadline, actor=inspector)
    assert task.status == Status.OPEN and task.reopened_count == 1
    assert timezone.localtime(task.deadline).date() == new_deadline
    with pytest.raises(Conflict):
        do_verify_task(task, actor=inspector)  # open again: nothing to verify


def test_submitting_needs_evidence_and_an_open_task(task, grid_worker):
    with pytest.raises(InvalidInput, match="evidence"):
        do_submit_task(task, evidence_text="", actor=grid_worker)
    do_submit_task(task, evidence_text="done", actor=grid_worker)
    with pytest.raises(Conflict):
        do_submit_task(task, evidence_text="again", actor=grid_worker)


def test_another_district_cannot_touch_the_task(task, outsider):
    with pytest.raises(NotFound):
        do_submit_task(task, evidence_text="x", actor=outsider)
    with pytest.raises(NotFound):
        do_verify_task(task, actor=outsider)


def test_the_owner_must_cover_the_area(city, grid_worker, inspector):
    with pytest.raises(InvalidInput, match="jurisdiction"):
        do_create_task(
            title="x",
            area=city["990101001001002"],  # the grid worker's compound is the victim
            owner=grid_worker,
            deadline=timezone.localdate(),
            source_kind="manual",
            actor=inspector,
        )


def test_overdue_means_open_past_the_deadline(task, grid_worker):
    past = timezone.now() - dt.timedelta(hours=1)
    Task.objects.filter(pk=task.pk).update(deadline=past)
    assert list(Task.objects.overdue()) == [task]
    do_submit_task(Task.objects.get(pk=task.pk), evidence_text="done", actor=grid_worker)
    assert not Task.objects.overdue().exists()  # waiting for the verifier, not the owner


def test_the_task_pages_highlight_overdue_and_verify(client, task, grid_worker, inspector):
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    client.force_login(grid_worker)
    page = client.get("/tasks/").content.decode()
    assert 'class="overdue"' in page and "Fix the gate" in page
    response = client.post(f"/tasks/{task.pk}/submit/", {"evidence_text": "fixed"})
    assert response.status_code == 302
    client.force_login(inspector)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-testid="verify-task"' in page
    client.post(f"/tasks/{task.pk}/verify/", {"decision": "verify"})
    assert Task.objects.get(pk=task.pk).status == Status.VERIFIED


def test_the_api_runs_the_lifecycle(client, city, grid_worker, inspector):
    from warroom.accounts.services import do_create_token

    _, inspector_token = do_create_token(inspector, name="t", actor=SYSTEM)
    _, worker_token = do_create_token(grid_worker, name="t", actor=SYSTEM)
    created = client.post(
        "/api/tasks/",
        {
            "title": "Disinfect stairs",
            "area_code": VICTIM,
            "owner": "grid_a",
            "deadline": timezone.localdate().isoformat(),
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {inspector_token}",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    mine = client.get("/api/tasks/?mine=true", HTTP_AUTHORIZATION=f"Bearer {worker_token}")
    assert [t["id"] for t in mine.json()["items"]] == [pk]
    r = client.post(
        f"/api/tasks/{pk}/submit",
        {"evidence_text": "done"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {worker_token}",
    )
    assert r.json()["status"] == "submitted"
    r = client.post(f"/api/tasks/{pk}/verify", HTTP_AUTHORIZATION=f"Bearer {worker_token}")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.post(f"/api/tasks/{pk}/verify", HTTP_AUTHORIZATION=f"Bearer {inspector_token}")
    assert r.json()["status"] == "verified" and r.json()["verified_by"] == "inspector_a1"


def test_cli_lists_overdue_tasks(task):
    from typer.testing import CliRunner

    from warroom.cli import app

    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - dt.timedelta(days=2))
    result = CliRunner().invoke(app, ["tasks", "overdue"])
    assert result.exit_code == 0, result.output
    assert "Fix the gate" in result.output and "1 overdue" in result.output
