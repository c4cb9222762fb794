"""The demo's outbreak as a job on the queue (issue 21): live, resumable, with progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.demo.test_feed import SCALE, _state, _wipe, demo_city  # noqa: F401 (a fixture)
from warroom.core import today as today_module
from warroom.core.jobs import work
from warroom.core.models import ImportBatch, Job, PlatformDay
from warroom.demo.jobs import EXERCISE, FEED_JOB, enqueue_feed

pytestmark = pytest.mark.django_db
DAYS = 3


def _batches() -> list[tuple[str, str]]:
    """The feed's import batches (the demo city's own is wiped with the outbreak)."""
    return sorted(ImportBatch.objects.exclude(kind="demo-city").values_list("kind", "filename"))


def test_the_feed_job_feeds_day_by_day_and_sets_the_exercise_day(demo_city):  # noqa: F811
    job = enqueue_feed(actor=demo_city, scale=SCALE, days=DAYS)
    assert enqueue_feed(actor=demo_city, scale=SCALE, days=DAYS).pk == job.pk  # queued once
    assert work(burst=True) == 1
    job.refresh_from_db()
    assert job.name == FEED_JOB and job.status == Job.Status.DONE, job.error
    assert (job.done, job.total) == (DAYS, DAYS)
    assert job.result["days"] == DAYS and set(job.result["seconds"]) == {
        "simulation",
        "ingest",
        "cycle",
    }
    day = PlatformDay.objects.get(pk=1)
    assert (day.day, day.label, day.step, day.steps) == (dt.date(2020, 1, 3), EXERCISE, 3, 3)
    assert today_module.today() == dt.date(2020, 1, 3)
    # Done: asked again, the demo serves what it fed and queues nothing.
    assert enqueue_feed(actor=demo_city, scale=SCALE, days=DAYS).pk == job.pk
    client = Client()
    client.force_login(demo_city)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True).content.decode()
    assert 'data-testid="exercise-banner"' in page
    assert "演练：第 3/3 天" in page and "2020-01-03" in page
    assert f"/jobs/{job.pk}/" in page
    job_page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"{DAYS} / {DAYS}" in job_page or f"{DAYS}/{DAYS}" in job_page or "100%" in job_page


def test_a_feed_stopped_mid_way_resumes_and_ends_as_one_run(demo_city, monkeypatch):  # noqa: F811
    days = 4
    enqueue_feed(actor=demo_city, scale=SCALE, days=days)
    work(burst=True)
    straight = (_state(), _batches())
    _wipe()
    Job.objects.all().delete()
    PlatformDay.objects.all().delete()

    real = today_module.do_set_today

    def dies_on_day_3(day, *, actor, label="", step=None, steps=None):
        if step == 3:  # day 3 is in (imports, dispatch, cycle), the worker dies before noting it
            raise RuntimeError("the worker was killed")
        real(day, actor=actor, label=label, step=step, steps=steps)

    monkeypatch.setattr(today_module, "do_set_today", dies_on_day_3)
    job = enqueue_feed(actor=demo_city, scale=SCALE, days=days)
    work(burst=True)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.done == 2  # back in the queue, 2 days noted
    monkeypatch.setattr(today_module, "do_set_today", real)
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())  # its backoff is over
    work(burst=True)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 2, job.error
    assert job.result["days"] == days - 2  # the two days noted were replayed, not fed again
    assert (_state(), _batches()) == straight
    assert PlatformDay.objects.get(pk=1).step == days
