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


def test_the_page_imports_and_shows_progress(city, hq, client, django_capture_on_commit_callbacks):
    client.force_login(hq)
    data = epidemic_csv(("9901",))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/situation/import/", {"file": _upload("city.csv", data)}, follow=False
        )
    assert response.status_code == 302 and len(callbacks) == 1  # the worker starts after commit
    job = SeriesImport.objects.get()
    status = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in status and 'hx-trigger="every 1s"' in status
    job.days = job.days[-2:]
    job.save(update_fields=["days"])
    run_series_import(job.pk)
    status = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in status and "every 1s" not in status


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
