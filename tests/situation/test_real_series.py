"""An analyst imports a city's published daily series and gets the analysis without the twin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import epidemic_csv
from warroom.core.context import SYSTEM
from warroom.situation.models import Briefing, ImportStatus, SeriesImport, Situation
from warroom.situation.services import do_import_series, run_series_import
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "data" / "wuhan-seed-daily.csv"


@pytest.fixture
def wuhan(db):
    """The city of the example file (4201), nothing else: no twin, no case records."""
    from warroom.geo.services import do_import_areas

    do_import_areas(
        read_table(
            b"code,parent_code,level,name_zh,name_en\n4201,,city,\xe6\xad\xa6\xe6\xb1\x89\xe5\xb8\x82,Wuhan\n",
            filename="wuhan.csv",
        ),
        actor=SYSTEM,
    )


def test_the_example_file_gets_a_cycle_and_a_briefing_per_day(wuhan):
    job = do_import_series(read_table(EXAMPLE), actor=SYSTEM)
    assert job.days[0] == "2020-02-01" and len(job.days) == 9
    job = run_series_import(job.pk)
    assert job.status == ImportStatus.DONE and job.days_done == 9
    html = Briefing.objects.get(area__code="4201", day=dt.date(2020, 2, 3)).html
    assert "武汉市 2月3日未报送" in html  # said, never counted as 0
    assert "新增确诊：未报送" in html
    payload = Situation.objects.get(area__code="4201", day=dt.date(2020, 2, 8)).payload
    assert payload["new_confirmed"][0] == 894 and payload["new_confirmed"][1] is None
    assert payload["rt"] is None and payload["notes"]  # too few complete days: says why


def test_a_complete_series_gives_phases_rt_and_forecast(city, hq):
    job = do_import_series(
        read_table(epidemic_csv(("9901",), skip="2020-01-20"), filename="city.csv"), actor=hq
    )
    job.days = job.days[-3:]  # the last days are enough to show it
    job.save(update_fields=["days"])
    run_series_import(job.pk)
    payload = Situation.objects.get(area__code="9901", day=dt.date(2020, 3, 24)).payload
    assert [s["phase"] for s in payload["phase"]["spans"]][:4] == ["TAIL", "LOW", "MIDDLE", "HIGH"]
    assert payload["phase"]["declared"] == "CLEARED"  # 14 days without a new case
    assert payload["rt"]["dates"] and len(payload["forecast"]["median"]) == 14


def test_the_same_file_twice_queues_nothing_new(wuhan):
    first = do_import_series(read_table(EXAMPLE), actor=SYSTEM)
    run_series_import(first.pk)
    again = do_import_series(read_table(EXAMPLE), actor=SYSTEM)
    assert again.pk == first.pk and SeriesImport.objects.count() == 1
    assert run_series_import(first.pk).days_done == 9  # claimed once: not run again


def test_the_page_imports_and_queues_the_cycle_for_a_worker(city, hq, client):
    from warroom.core.jobs import work
    from warroom.core.models import Job

    client.force_login(hq)
    data = epidemic_csv(("9901",))
    response = client.post("/situation/import/", {"file": _upload("city.csv", data)})
    assert response.status_code == 302
    job = SeriesImport.objects.get()
    queued = Job.objects.get()  # on the durable queue, not in a thread of the web process
    assert (queued.name, queued.status, queued.args) == (
        "situation.series-import",
        "queued",
        {"series_import": job.pk},
    )
    status = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in status and 'hx-trigger="every 1s"' in status
    job.days = job.days[-2:]
    job.save(update_fields=["days"])
    assert work(burst=True) == 1
    status = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in status and "every 1s" not in status
    queued.refresh_from_db()
    assert (queued.status, queued.done, queued.result) == ("done", 2, {"days": 2})


def test_an_import_whose_worker_died_is_finished_by_the_next_worker(city, hq, client):
    """Defect 7: the cycle ran in a thread of the web process; a crash left it running."""
    import datetime as dt

    from django.utils import timezone

    from warroom.core.jobs import claim, work
    from warroom.core.models import Job

    client.force_login(hq)
    client.post("/situation/import/", {"file": _upload("city.csv", epidemic_csv(("9901",)))})
    job = SeriesImport.objects.get()
    job.days = job.days[-3:]
    job.save(update_fields=["days"])
    dead = claim("dead-worker")  # claimed, one day done, then the worker is killed
    SeriesImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, days_done=1)
    assert work(burst=True) == 0  # its lease still runs: nobody else takes it
    Job.objects.filter(pk=dead.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert work(burst=True) == 1
    job.refresh_from_db()
    assert (job.status, job.days_done) == (ImportStatus.DONE, 3)
    finished = Job.objects.get(pk=dead.pk)
    assert (finished.status, finished.attempts) == ("done", 2)


def test_a_refused_file_shows_its_errors(city, hq, client):
    client.force_login(hq)
    page = client.post(
        "/situation/import/",
        {"file": _upload("bad.csv", b"date,area_code,new_confirmed\nx,9901,1\n")},
    ).content.decode()
    assert "<td>2</td>" in page and not SeriesImport.objects.exists()


def test_the_cli_imports_and_writes_the_briefing(wuhan, tmp_path):
    from warroom.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["import-series", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "b.html"
    result = runner.invoke(
        app, ["brief", "--date", "2020-02-03", "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2月3日未报送" in out.read_text()
    missing = runner.invoke(app, ["brief", "--date", "2021-01-01", "--format", "pdf"])
    assert missing.exit_code == 1 and "warroom daily" in missing.output


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")
