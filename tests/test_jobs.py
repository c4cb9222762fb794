"""The job queue (``warroom.core.jobs``): claims, leases, retries, progress, the job page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warroom.core.errors import InvalidInput
from warroom.core.jobs import claim, enqueue_import, job, run, work
from warroom.core.models import Job

pytestmark = pytest.mark.django_db
CALLS: list[str] = []


@job("test.counts", max_attempts=2)
def counts(ctx, *, n: int) -> dict[str, int]:
    for i in range(n):
        ctx.progress(i + 1, n, "counting")
    CALLS.append("counts")
    return {"n": n}


@job("test.flaky", max_attempts=2)
def flaky(ctx) -> None:
    CALLS.append("flaky")
    raise RuntimeError("the network dropped")


@job("test.refused")
def refused(ctx) -> None:
    CALLS.append("refused")
    raise InvalidInput("this file has no rows")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def test_a_job_runs_once_with_its_progress_and_result(officer):
    queued = counts.enqueue(actor=officer, n=3)
    assert (queued.status, queued.area_path, queued.created_by) == (
        "queued",
        officer.area_path,
        officer,
    )
    assert work(burst=True) == 1 and work(burst=True) == 0
    done = Job.objects.get(pk=queued.pk)
    assert (done.status, done.done, done.total, done.result, done.attempts) == (
        "done",
        3,
        3,
        {"n": 3},
        1,
    )
    assert CALLS == ["counts"]


def test_a_claimed_job_is_not_claimed_again_while_its_lease_runs(officer):
    queued = counts.enqueue(actor=officer, n=1)
    first = claim("worker-1")
    assert first is not None and first.pk == queued.pk
    assert claim("worker-2") is None  # the database decided: one winner
    Job.objects.filter(pk=queued.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    second = claim("worker-2")
    assert second is not None and (second.worker, second.attempts) == ("worker-2", 2)
    assert second.lease_token != first.lease_token


def test_a_worker_that_lost_its_lease_writes_nothing(officer):
    counts.enqueue(actor=officer, n=1)
    first = claim("worker-1")
    Job.objects.filter(pk=first.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    second = claim("worker-2")
    run(first)  # the first worker wakes up late: its writes are refused by the token
    assert Job.objects.get(pk=first.pk).status == "running"
    assert run(second).status == "done"


def test_an_unexpected_error_is_retried_then_fails(officer):
    queued = flaky.enqueue(actor=officer)
    work(burst=True)
    retry = Job.objects.get(pk=queued.pk)
    assert (retry.status, retry.attempts) == ("queued", 1)
    assert retry.run_after > timezone.now() and "network dropped" in retry.error
    assert work(burst=True) == 0  # not before its backoff
    Job.objects.filter(pk=queued.pk).update(run_after=timezone.now())
    work(burst=True)
    failed = Job.objects.get(pk=queued.pk)
    assert (failed.status, failed.attempts) == ("failed", 2) and CALLS == ["flaky", "flaky"]


def test_a_refusal_fails_at_once_without_retries(officer):
    queued = refused.enqueue(actor=officer)
    work(burst=True)
    failed = Job.objects.get(pk=queued.pk)
    assert (failed.status, failed.attempts, failed.error) == (
        "failed",
        1,
        "this file has no rows",
    )


def test_a_job_abandoned_too_often_fails(officer):
    queued = counts.enqueue(actor=officer, n=1)
    for worker in ("w1", "w2"):
        claim(worker)
        Job.objects.filter(pk=queued.pk).update(
            lease_until=timezone.now() - dt.timedelta(seconds=1)
        )
    assert work(burst=True) == 1
    failed = Job.objects.get(pk=queued.pk)
    assert (failed.status, failed.attempts) == ("failed", 3) and CALLS == []


def test_the_job_page_polls_for_its_starter_and_his_superiors_only(officer, outsider, hq, client):
    queued = counts.enqueue(actor=officer, n=2)
    url = f"/jobs/{queued.pk}/"
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 1s"' in page
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith("<div") and "<html" not in partial
    client.force_login(hq)
    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get("/jobs/999999/").status_code == 404
    work(burst=True)
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert 'data-status="done"' in page and "every 1s" not in page


def test_an_import_on_the_queue_reports_its_rows_or_its_errors(officer, client):
    from warroom.surveillance.services import do_import_daily_reports

    day = timezone.localdate().isoformat()
    good = f"date,area_code,new_confirmed\n{day},990101,3\n".encode()
    bad = f"date,area_code,new_confirmed\n{day},990102,3\n".encode()
    ok = enqueue_import(do_import_daily_reports, good, "good.csv", actor=officer)
    refused_file = enqueue_import(do_import_daily_reports, bad, "bad.csv", actor=officer)
    assert work(burst=True) == 2
    done = Job.objects.get(pk=ok.pk)
    assert done.status == "done" and (done.result["rows"], done.result["created"]) == (1, 1)
    from warroom.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="import", object_type="surveillance.dailyreport")
    assert (entry.source, entry.actor) == ("job", officer)  # who queued it, from a worker
    client.force_login(officer)
    page = client.get(f"/jobs/{refused_file.pk}/").content.decode()
    assert 'data-status="failed"' in page and "不在您的辖区内" in page and "<td>2</td>" in page
    # the reason is stored as written and shown in the reader's language
    page = client.get(f"/jobs/{refused_file.pk}/", headers={"Accept-Language": "en"})
    assert "outside your area" in page.content.decode()


def test_only_importers_can_be_queued_as_imports(officer):
    with pytest.raises(ValueError):
        enqueue_import(print, b"", "x.csv", actor=officer)


def test_a_large_upload_is_imported_by_a_worker_and_followed_on_its_page(officer, client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import resident_id
    from warroom.cases.models import Person

    settings.WARROOM_IMPORT_QUEUE_BYTES = 100
    rows = [
        f"人{i},{resident_id(500 + i)},990101001001001,suspected,2020-02-10 08:00" for i in range(5)
    ]
    data = ("name,id_number,home_code,category,reported_at\n" + "\n".join(rows)).encode()
    client.force_login(officer)
    response = client.post(
        "/cases/import/",
        {"kind": "line-list", "file": SimpleUploadedFile("big.csv", data, "text/csv")},
    )
    queued = Job.objects.get()
    assert response["Location"] == f"/jobs/{queued.pk}/" and not Person.objects.exists()
    assert queued.args == {
        "importer": "warroom.cases.imports.do_import_line_list",
        "filename": "big.csv",
    }
    work(burst=True)
    assert Person.objects.count() == 5
    page = client.get(f"/jobs/{queued.pk}/").content.decode()
    assert 'data-status="done"' in page and "5 行：新增 5，更新 0。" in page  # zh-CN default


@pytest.mark.parametrize(
    ("url", "fields", "importer"),
    [
        ("/surveillance/", {}, "warroom.surveillance.services.do_import_daily_reports"),
        (
            "/communities/inspections/import/",
            {},
            "warroom.communities.imports.do_import_inspections",
        ),
        ("/beds/import/", {"which": "reports"}, "warroom.beds.imports.do_import_bed_reports"),
        ("/cases/import/", {"kind": "results"}, "warroom.cases.imports.do_import_results"),
    ],
)
def test_every_upload_page_sends_a_large_file_to_the_queue(
    hq, client, settings, url, fields, importer
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.WARROOM_IMPORT_QUEUE_BYTES = 10
    client.force_login(hq)
    upload = SimpleUploadedFile("big.csv", b"a,b,c\n1,2,3\n" * 5, "text/csv")
    response = client.post(url, {**fields, "file": upload})
    queued = Job.objects.get()
    assert response["Location"] == f"/jobs/{queued.pk}/"
    assert (queued.args["importer"], bytes(queued.payload)) == (importer, b"a,b,c\n1,2,3\n" * 5)
