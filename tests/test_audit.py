"""The audit log: every change with before and after; tampering is detected."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection

from warroom.audit.models import AuditEntry
from warroom.audit.services import verify_chain
from warroom.core.context import acting
from warroom.geo.models import Area

pytestmark = pytest.mark.django_db


def test_a_change_is_logged_with_who_before_and_after(city, officer):
    area = Area.objects.get(code="990101001001001")
    with acting(officer, source="web", ip="10.0.0.8"):
        area.population = 360
        area.save()
    entry = AuditEntry.objects.filter(object_type="geo.area", action="update").latest("seq")
    assert entry.object_id == str(area.pk)
    assert entry.actor == officer and entry.actor_name == "officer_a"
    assert (entry.source, entry.ip) == ("web", "10.0.0.8")
    assert json.loads(entry.before)["population"] == 350
    assert json.loads(entry.after)["population"] == 360
    assert entry.area_path == area.path


def test_saving_without_a_change_writes_nothing(city):
    area = Area.objects.get(code="990101")
    before = AuditEntry.objects.count()
    area.save()
    assert AuditEntry.objects.count() == before


def test_a_delete_is_logged_with_before(city, hq):
    leaf = Area.objects.get(code="990101001001002")
    with acting(hq):
        leaf.delete()
    entry = AuditEntry.objects.filter(action="delete").latest("seq")
    assert json.loads(entry.before)["code"] == "990101001001002" and entry.after == ""


def test_a_bulk_import_is_one_entry_with_count_and_hash(city):
    [entry] = AuditEntry.objects.filter(action="import")
    payload = json.loads(entry.after)
    assert payload["rows"] == 10 and len(payload["sha256"]) == 64


def test_an_intact_chain_verifies(city, hq):
    result = verify_chain()
    assert result.ok, result.problems
    assert result.checked == AuditEntry.objects.count() > 1


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_entry_edited_with_raw_sql_is_detected(city, hq):
    target = AuditEntry.objects.order_by("seq")[1]
    _raw(
        f"UPDATE {AuditEntry._meta.db_table} SET actor_name = %s WHERE id = %s",
        ["nobody", target.pk],
    )
    result = verify_chain()
    assert not result.ok
    assert result.problems == [f"entry {target.seq}: its content was altered after it was written"]


def test_an_entry_deleted_with_raw_sql_is_detected(city, hq, officer, outsider):
    assert AuditEntry.objects.count() >= 4
    target = AuditEntry.objects.order_by("seq")[1]
    _raw(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [target.pk])
    problems = verify_chain().problems
    assert any(f"entries {target.seq}..{target.seq} are missing" in p for p in problems), problems


def test_the_last_entries_deleted_are_detected_by_the_head(city, hq):
    last = AuditEntry.objects.order_by("-seq").first()
    _raw(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [last.pk])
    assert any("entries at the end were deleted" in p for p in verify_chain().problems)


def test_the_cli_fails_on_a_broken_chain(city, hq):
    from typer.testing import CliRunner

    from warroom.cli import app

    ok = CliRunner().invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    target = AuditEntry.objects.order_by("seq")[0]
    _raw(f"UPDATE {AuditEntry._meta.db_table} SET after = %s WHERE id = %s", ["{}", target.pk])
    broken = CliRunner().invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "altered" in broken.output
    call_command("check")  # the project still loads after the test's raw writes
