"""The import limits at the surfaces (issue 14, item 3): settings decide the bounds, an
upload over them is refused with 413 before it is read, a user runs at most N imports at
once (the database decides), and the commands print a refusal without a traceback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from typer.testing import CliRunner

from tests import hostile
from warroom.accounts.services import do_create_token
from warroom.cli import app
from warroom.core.context import SYSTEM
from warroom.core.models import ImportBatch, ImportSlot
from warroom.core.uploads import TooManyImports, import_limits, import_slot
from warroom.surveillance.models import DailyReport

pytestmark = pytest.mark.django_db

REPORT = "date,area_code,new_confirmed\n2020-02-10,990101,{n}\n"


@pytest.fixture
def bearer(officer):
    return {"HTTP_AUTHORIZATION": f"Bearer {do_create_token(officer, name='t', actor=SYSTEM)[1]}"}


def _upload(client, bearer, data: bytes, name: str = "r.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/surveillance/import", {"file": SimpleUploadedFile(name, data)}, **bearer
    )


def test_the_limits_come_from_the_settings():
    with override_settings(WARROOM_IMPORT_MAX_BYTES=1234, WARROOM_IMPORT_MAX_ROWS=7):
        limits = import_limits()
    assert (limits.max_bytes, limits.max_rows) == (1234, 7)


def test_an_upload_over_the_byte_limit_answers_413_and_writes_nothing(client, bearer):
    big = REPORT.format(n=1) + "2020-02-11,990101,2\n" * 200
    with override_settings(WARROOM_IMPORT_MAX_BYTES=1000):
        response = _upload(client, bearer, big.encode())
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "too_large"
    assert not DailyReport.objects.exists()
    assert not ImportBatch.objects.filter(kind="surveillance-daily").exists()


def test_an_upload_over_the_row_limit_answers_413(client, bearer):
    rows = "".join(f"2020-02-{d:02d},990101,{d}\n" for d in range(1, 12))
    with override_settings(WARROOM_IMPORT_MAX_ROWS=10):
        response = _upload(client, bearer, ("date,area_code,new_confirmed\n" + rows).encode())
    assert response.status_code == 413 and "rows" in response.json()["errors"][0]["reason"]
    assert not DailyReport.objects.exists()


def test_an_xlsx_bomb_through_the_api_answers_413(client, bearer):
    response = _upload(client, bearer, hostile.xlsx_bomb(24), name="bomb.xlsx")
    assert response.status_code == 413


def test_a_user_holding_every_import_slot_is_refused_with_429_until_one_is_free(
    client, bearer, officer
):
    with override_settings(WARROOM_IMPORT_PER_USER=2), import_slot(officer), import_slot(officer):
        assert ImportSlot.objects.filter(user=officer).count() == 2
        response = _upload(client, bearer, REPORT.format(n=3).encode())
        assert response.status_code == 429 and response.json()["code"] == "too_many_imports"
        assert not DailyReport.objects.exists()
    assert not ImportSlot.objects.exists()
    assert _upload(client, bearer, REPORT.format(n=3).encode()).status_code == 200
    assert not ImportSlot.objects.exists(), "the slot is given back after the import"


def test_another_users_imports_do_not_take_my_slots(hq, officer):
    with (
        override_settings(WARROOM_IMPORT_PER_USER=1),
        import_slot(hq),
        import_slot(officer),
        pytest.raises(TooManyImports),
        import_slot(officer),
    ):
        pass


def test_a_slot_left_by_a_killed_worker_is_taken_back_after_its_time(officer):
    long_ago = timezone.now() - dt.timedelta(hours=2)
    ImportSlot.objects.create(user=officer, slot=0, started_at=long_ago)
    with (
        override_settings(WARROOM_IMPORT_PER_USER=1, WARROOM_IMPORT_SLOT_SECONDS=900),
        import_slot(officer),
    ):
        assert ImportSlot.objects.get(user=officer).started_at > long_ago


@pytest.mark.parametrize(
    ("command", "data", "name"),
    [
        (["areas", "import"], hostile.xlsx_bomb(24), "bomb.xlsx"),
        (["areas", "import"], hostile.xlsx_with_sheet('<row r="1"><c r="A1"'), "bad.xlsx"),
        (["surveillance", "import"], b"date,area_code\n2020-02-01," + b"x" * 200_000, "w.csv"),
        (["surveillance", "import"], b"date,area_code,new_confirmed\n0001-01-01,1,1\n", "y.csv"),
        (["cases", "import"], b"name,home_code\n\x00,1\n", "n.csv"),
    ],
    ids=["bomb", "bad-xml", "wide-cell", "year-1", "nul"],
)
def test_the_commands_refuse_a_hostile_file_without_a_traceback(
    tmp_path, city, command, data, name
):
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(app, [*command, str(path)])
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
