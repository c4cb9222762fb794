"""A day of mass screening: every result kept, positives into case management, all or
nothing, idempotent, scoped. Small files here; the 1.5 M-row day is bench/bench_mass_testing.py."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.utils import timezone
from typer.testing import CliRunner

from tests.conftest import resident_id
from warroom.accounts.services import do_create_token
from warroom.audit.models import AuditEntry
from warroom.cases import screening
from warroom.cases.imports import do_import_line_list
from warroom.cases.models import Person, Sample, ScreeningResult
from warroom.cases.screening import do_import_screening, latest_for
from warroom.cases.states import Status
from warroom.core.context import SYSTEM
from warroom.core.jobs import enqueue_import, work
from warroom.core.models import ImportBatch, Job
from warroom.core.uploads import import_limits, read_upload
from warroom.tables import LimitExceeded, TableRejected, read_table
from warroom.twin.city import AreaSpec
from warroom.twin.screening import write_screening_day

pytestmark = pytest.mark.django_db

A1, A2, B1 = "990101001001001", "990101001001002", "990102001001001"
HEADER = "证件号码,姓名,联系电话,住址小区编码,检测机构,样本编号,采样时间,报告时间,检测结果"


def at(hours_ago: float) -> str:
    return (timezone.localtime() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


def day_file(n: int = 300, positives: dict[int, str] | None = None, extra: list[str] = ()) -> bytes:
    """``n`` results of district A (people 1000..), negative unless in ``positives``."""
    positives = positives or {}
    rows = [HEADER]
    for k in range(n):
        result = positives.get(k, "阴性")
        rows.append(
            f"{resident_id(1000 + k)},居民{k},1380000{k:04d},{A1 if k % 2 else A2},"
            f"武汉核酸检测实验室{k % 3},S{k:06d},{at(30 - k / 100)},{at(10)},{result}"
        )
    return ("\n".join([*rows, *extra]) + "\n").encode()


def load(data: bytes, actor, name: str = "day.csv"):
    return do_import_screening(read_upload(data, filename=name, kind="screening"), actor=actor)


def test_a_day_is_kept_whole_and_only_positives_enter_case_management(city, officer):
    # A contact already in case management, and a person screened twice that day.
    contact_line = (
        f"姓名,证件号码,住址小区编码,类别,报告时间\n密接者,{resident_id(1005)},{A1},密接,{at(60)}\n"
    ).encode()
    do_import_line_list(read_table(contact_line, filename="ll.csv"), actor=officer)
    twice = f"{resident_id(1001)},居民1,13800000001,{A1},实验室X,AGAIN,{at(2)},{at(1)},阴性"
    res = load(day_file(300, {3: "阳性", 5: "positive", 7: "阳性"}, [twice]), officer)

    assert (res.rows, res.created, res.positives, res.new_suspected, res.updated) == (
        301,
        301,
        3,
        2,
        1,
    )
    assert ScreeningResult.objects.count() == 301
    new = Person.objects.get(id_number=resident_id(1003))
    assert (new.name, new.status, new.phone) == ("居民3", Status.SUSPECTED, "13800000003")
    assert Person.objects.get(id_number=resident_id(1007)).status == Status.SUSPECTED
    # The contact's positive is his lab result: a sample, and the rules confirm him.
    contact = Person.objects.get(id_number=resident_id(1005))
    assert contact.status == Status.CONFIRMED
    assert Sample.objects.get(person=contact).result == "positive"
    # The negatives stay out of case management.
    assert not Person.objects.filter(id_number=resident_id(1002)).exists()
    # Each person's latest result: one probe by ID number.
    latest = latest_for(officer, "resident", resident_id(1001))
    assert latest is not None and latest.code == "AGAIN"
    assert latest_for(officer, "resident", resident_id(1000)).code == "S000000"
    # One batch and one audit entry for the file, plus the positives' own (derived keys).
    assert set(
        ImportBatch.objects.filter(kind__startswith="cases-").values_list("kind", flat=True)
    ) == {
        "cases-line-list",
        "cases-screening",
        "cases-results",
    }
    entry = AuditEntry.objects.get(object_type="cases.screeningresult")
    assert entry.action == "import" and json.loads(entry.after)["rows"] == 301


def test_the_same_day_twice_adds_nothing(city, officer):
    data = day_file(120, {4: "阳性"})
    load(data, officer)
    counts = (ScreeningResult.objects.count(), Person.objects.count(), ImportBatch.objects.count())
    assert counts[:2] == (120, 1)
    again = load(data, officer, name="again.csv")
    assert again.already_imported and again.created == 0
    assert counts == (
        ScreeningResult.objects.count(),
        Person.objects.count(),
        ImportBatch.objects.count(),
    )


def test_bad_rows_refuse_the_file_naming_row_column_and_reason(city, officer):
    good = resident_id(1001)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    extra = [
        f"{bad_check},甲,,{A1},实验室,X1,{at(5)},{at(4)},阴性",  # row 52
        f"{resident_id(2001)},乙,,nowhere,实验室,X2,{at(5)},{at(4)},阴性",  # 53
        f"{resident_id(2002)},丙,,{B1},实验室,X3,{at(5)},{at(4)},阴性",  # 54: district B
        f"{resident_id(2003)},丁,,{A1},实验室,X4,{at(4)},{at(5)},阴性",  # 55: before taken
        f"{resident_id(2004)},戊,,{A1},武汉核酸检测实验室1,S000001,{at(5)},{at(4)},阴性",  # 56
        f"{resident_id(2005)},己,,{A1},实验室,X6,{at(5)},{at(4)},不明",  # 57
        f"{resident_id(2006)},庚,,{A1},实验室,X7,{at(5)},,阴性",  # 58
    ]
    with pytest.raises(TableRejected) as refused:
        load(day_file(50, {1: "阳性"}, extra), officer)
    found = {(e.row, e.column) for e in refused.value.errors}
    assert found == {
        (52, "id_number"),
        (53, "home_code"),
        (54, "home_code"),
        (55, "reported_at"),
        (56, "sample_code"),
        (57, "result"),
        (58, "reported_at"),
    }
    reasons = {e.row: e.reason for e in refused.value.errors}
    assert "check digit" in reasons[52] and "outside your area" in reasons[54]
    assert "twice" in reasons[56]
    assert not ScreeningResult.objects.exists() and not Person.objects.exists()
    assert not ImportBatch.objects.filter(kind__startswith="cases-").exists()


def test_a_positive_refused_by_case_management_names_the_screening_row(city, officer, hq):
    # Registered in district B; district A's screening finds him positive in A.
    elsewhere = (
        f"姓名,证件号码,住址小区编码,类别,报告时间\n乙区人,{resident_id(1006)},{B1},密接,{at(60)}\n"
    ).encode()
    do_import_line_list(read_table(elsewhere, filename="ll.csv"), actor=hq)
    with pytest.raises(TableRejected) as refused:
        load(day_file(20, {6: "阳性"}), officer)
    [error] = refused.value.errors
    assert (error.row, error.column) == (8, "id_number") and "case management" in error.reason
    assert "no such person in your area" in error.reason
    assert not ScreeningResult.objects.exists()


def test_screening_files_have_limits_of_their_own(city, officer, settings):
    settings.WARROOM_IMPORT_MAX_ROWS = 10
    assert import_limits().max_rows == 10
    assert import_limits("screening").max_rows == settings.WARROOM_IMPORT_SCREENING_MAX_ROWS
    data = day_file(30)
    with pytest.raises(LimitExceeded):
        read_upload(data, filename="day.csv")
    assert load(data, officer).rows == 30
    settings.WARROOM_IMPORT_SCREENING_MAX_ROWS = 20
    with pytest.raises(LimitExceeded):
        read_upload(data, filename="day.csv", kind="screening")


def test_progress_is_logged_per_n_rows_with_rates(city, officer, monkeypatch, capsys):
    monkeypatch.setattr(screening, "PROGRESS_EVERY", 100)
    load(day_file(250), officer)
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("[screening]")]
    assert lines[0].startswith("[screening] 100/250 rows") and "rows/s" in lines[0]
    assert lines[-1].startswith("[screening] 250/250 rows")


def test_a_large_file_runs_on_the_job_queue(city, officer):
    job = enqueue_import(
        do_import_screening, day_file(40, {2: "阳性"}), "day.csv", actor=officer, limits="screening"
    )
    assert work(burst=True) == 1
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.DONE, job.error
    assert job.result["rows"] == 40 and job.result["new_suspected"] == 1
    assert ScreeningResult.objects.count() == 40


def test_another_district_sees_nothing_of_it(city, officer, outsider, client):
    load(day_file(30, {3: "阳性"}), officer)
    person = Person.objects.get(id_number=resident_id(1003))
    assert latest_for(outsider, "resident", resident_id(1003)) is None
    client.force_login(officer)
    page = client.get(f"/cases/people/{person.pk}/").content.decode()
    assert "S000003" in page
    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    api = client.get(
        f"/api/cases/people/{person.pk}/screening", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 200 and api.json()["code"] == "S000003"
    client.force_login(outsider)
    assert client.get(f"/cases/people/{person.pk}/").status_code == 404
    _, token = do_create_token(outsider, name="t", actor=SYSTEM)
    api = client.get(
        f"/api/cases/people/{person.pk}/screening", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 404
    # District B's own import of district A's file is refused row by row.
    with pytest.raises(TableRejected) as refused:
        load(day_file(30, {3: "阳性"}), outsider)
    assert {e.column for e in refused.value.errors} == {"home_code"}


def test_the_import_page_and_api_take_screening_files(city, officer, client):
    client.force_login(officer)
    data = day_file(25)
    upload = io.BytesIO(data)
    upload.name = "day.csv"
    page = client.post("/cases/import/", {"kind": "screening", "file": upload})
    assert page.status_code == 302
    assert ScreeningResult.objects.count() == 25
    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    again = io.BytesIO(data)
    again.name = "day.csv"
    api = client.post(
        "/api/cases/import/screening", {"file": again}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 200 and api.json()["already_imported"] is True


def test_the_cli_imports_a_day_the_twin_made(city, tmp_path):
    homes = [
        AreaSpec(a.code, None, a.level, a.kind, a.name_zh, a.name_en, 100, None, None, True)
        for a in city.values()
        if a.level == "compound"
    ]
    out = tmp_path / "day.csv"
    day = timezone.localdate() - dt.timedelta(days=2)
    counts = write_screening_day(
        out, day=day, samples=200, positive_rate=0.02, areas=homes, region="420102"
    )
    result = CliRunner().invoke(app_cli(), ["cases", "import-screening", str(out)])
    assert result.exit_code == 0, result.output
    assert ScreeningResult.objects.count() == 200
    assert Person.objects.filter(status=Status.SUSPECTED).count() == counts["positives"] > 0
    again = CliRunner().invoke(app_cli(), ["cases", "import", str(out), "--kind", "screening"])
    assert again.exit_code == 0 and "already imported" in again.output
    assert connection.vendor in ("sqlite", "postgresql")


def app_cli():
    from warroom.cli import app

    return app
