"""Progress of the imports (issue 21): every chunk of rows is reported to the listener (the
job page, the command's bar) and, off a terminal, logged with its rate; the last report is
the file's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from tests.conftest import resident_id
from warroom.cases.imports import do_import_line_list, do_import_results, do_import_treatments
from warroom.core.context import SYSTEM, reporting
from warroom.core.jobs import enqueue_import, work
from warroom.core.models import Job
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db

HOME = "990101001001001"
PEOPLE = 7


def _when(hours_ago: float) -> str:
    return (timezone.localtime() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


def _line_list() -> bytes:
    """Seven confirmed people, the first four admitted."""
    rows = [
        f"人{n},{resident_id(n)},{HOME},confirmed,{_when(30 - n)},"
        + ("admitted,协和医院" if n < 4 else ",")
        for n in range(PEOPLE)
    ]
    header = "name,id_number,home_code,category,reported_at,status,facility"
    return ("\n".join([header, *rows]) + "\n").encode()


def _results() -> bytes:
    rows = [
        f"{resident_id(n % PEOPLE)},lab,S{n},nucleic_acid,{_when(20)},{_when(19)},negative"
        for n in range(9)
    ]
    header = "id_number,lab,sample_code,kind,taken_at,reported_at,result"
    return ("\n".join([header, *rows]) + "\n").encode()


def _roll() -> bytes:
    today = timezone.localdate()
    rows = [f"{resident_id(n)},{today - dt.timedelta(days=d)}," for n in range(4) for d in (0, 1)]
    return ("\n".join(["id_number,date,note", *rows]) + "\n").encode()


def _reports(days: int) -> bytes:
    today = timezone.localdate()
    rows = [f"{today - dt.timedelta(days=d)},990101,{d}" for d in range(days)]
    return ("\n".join(["date,area_code,new_confirmed", *rows]) + "\n").encode()


def test_each_import_reports_its_rows_by_chunks_ending_at_the_total(city, settings, capsys):
    settings.WARROOM_PROGRESS_ROWS = 2
    imports = [
        ("line list", do_import_line_list, _line_list(), PEOPLE),
        ("results", do_import_results, _results(), 9),
        ("treatment roll", do_import_treatments, _roll(), 8),
        ("daily reports", do_import_daily_reports, _reports(5), 5),
    ]
    for label, importer, data, rows in imports:
        heard: list[tuple[int, int | None]] = []
        with reporting(lambda done, total, _message, heard=heard: heard.append((done, total))):
            result = importer(read_table(data, filename="f.csv"), actor=SYSTEM)
        assert result.rows == rows and not result.already_imported
        done = [d for d, _ in heard]
        # One report per chunk of 2 rows, in order, the last one the file's rows.
        assert done == [*range(2, rows, 2), rows], label
        assert {t for _, t in heard} == {rows}, label
        log = [x for x in capsys.readouterr().err.splitlines() if x.startswith(f"[{label}]")]
        assert log[0].startswith(f"[{label}] 2/{rows} rows · ") and "rows/s" in log[0], label
        assert log[-1].startswith(f"[{label}] {rows}/{rows} rows"), label


def test_the_command_off_a_terminal_logs_the_rows_with_their_rate(city, settings, tmp_path):
    settings.WARROOM_PROGRESS_ROWS = 3
    from warroom.cli import app

    path = tmp_path / "cases.csv"
    path.write_bytes(_line_list())
    result = CliRunner().invoke(app, ["cases", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"[line list] 3/{PEOPLE} rows · " in result.output
    assert f"[line list] {PEOPLE}/{PEOPLE} rows · " in result.output
    assert "rows/s" in result.output


def test_an_import_job_ends_showing_its_rows_done_of_total(officer, settings, client):
    settings.WARROOM_PROGRESS_ROWS = 2
    queued = enqueue_import(do_import_daily_reports, _reports(5), "d.csv", actor=officer)
    assert work(burst=True) == 1
    job = Job.objects.get(pk=queued.pk)
    assert (job.status, job.done, job.total) == ("done", 5, 5), job.error
    client.force_login(officer)
    page = client.get(f"/jobs/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert '<progress max="5" value="5">' in page
