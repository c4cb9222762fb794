"""The audit chain is keyed and anchored outside the database (issue 14, finding 9).

Someone who holds only the database could rewrite an unkeyed chain and its head so that it
verified: delete the tail and move the head back, or edit a row and re-hash from there.
Keyed entries and the daily anchors detect both.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import pytest
from django.db import connection
from typer.testing import CliRunner

from warroom.audit import keys
from warroom.audit.anchors import do_write_anchor, latest_anchor
from warroom.audit.models import AuditEntry, AuditHead
from warroom.audit.services import legacy_entry_hash, verify_chain
from warroom.core.context import acting
from warroom.geo.models import Area

pytestmark = pytest.mark.django_db
KEY_A = "a" * 40
KEY_B = "b" * 40


@pytest.fixture
def anchors(settings):
    return settings.WARROOM_AUDIT_ANCHOR_FILE


def _changes(user, n: int) -> None:
    area = Area.objects.get(code="990101001001001")
    with acting(user):
        for _ in range(n):
            area.population += 1
            area.save()


def _set(entry_id: int, **fields: object) -> None:
    table = AuditEntry._meta.db_table
    sets = ", ".join(f"{name} = %s" for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*fields.values(), entry_id])


def _move_head(entry: AuditEntry | None) -> None:
    seq, digest = (entry.seq, entry.hash) if entry else (0, "0" * 64)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET seq = %s, hash = %s", [seq, digest])


def _rehash_unkeyed_from(seq: int, *, drop_key: bool) -> None:
    """What an attacker with the database does: re-hash every entry from ``seq`` on with
    the old unkeyed SHA-256, so links and head agree again."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    last = None
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        if drop_key:
            entry.key_id = ""
        entry.hash = legacy_entry_hash(entry)
        _set(entry.pk, prev_hash=entry.prev_hash, key_id=entry.key_id, hash=entry.hash)
        prev, last = entry.hash, entry
    _move_head(last)


def test_entries_are_sealed_with_the_current_key_and_record_its_id(city, hq):
    _changes(hq, 1)
    entry = AuditEntry.objects.latest("seq")
    assert entry.key_id == keys.keyring().current.key_id
    assert entry.hash != legacy_entry_hash(entry)  # keyed, not the plain SHA-256
    assert verify_chain().ok


def test_a_tail_deleted_and_the_head_moved_back_is_detected_by_the_anchor(city, hq, anchors):
    _changes(hq, 3)
    anchor = do_write_anchor(dt.date(2020, 2, 12))
    assert anchor.seq == AuditEntry.objects.count()
    tail = list(AuditEntry.objects.order_by("-seq")[:3])
    AuditEntry.objects.filter(pk__in=[e.pk for e in tail]).delete()
    _move_head(AuditEntry.objects.order_by("-seq").first())
    assert verify_chain().ok  # the database alone cannot tell: this is what anchors are for
    problems = verify_chain(anchors=anchors).problems
    assert problems == [
        f"the log ends at entry {anchor.seq - 3} but the anchor of 2020-02-12 (anchor line 1) "
        f"records entry {anchor.seq}: entries were deleted"
    ]


@pytest.mark.parametrize("drop_key", [False, True])
def test_an_edited_row_rehashed_the_old_way_is_detected(city, hq, anchors, drop_key):
    _changes(hq, 3)
    do_write_anchor(dt.date(2020, 2, 12))
    target = AuditEntry.objects.order_by("seq")[2]
    _set(target.pk, actor_name="nobody")
    _rehash_unkeyed_from(target.seq, drop_key=drop_key)
    problems = verify_chain().problems
    assert problems, "a re-hashed chain must not verify"
    expected = (
        f"entry {target.seq}: unkeyed after keyed entries (rewritten without the key)"
        if drop_key
        else f"entry {target.seq}: its content was altered after it was written"
    )
    assert problems[0] == expected
    assert any("the log was rewritten" in p for p in verify_chain(anchors=anchors).problems)


def test_entries_written_before_keying_verify_as_before_and_the_anchor_guards_them(
    city, hq, anchors
):
    _changes(hq, 2)
    _rehash_unkeyed_from(1, drop_key=True)  # the log as an unkeyed version left it
    assert verify_chain().ok
    do_write_anchor(dt.date(2020, 2, 12))
    _changes(hq, 1)  # keyed from now on, after the legacy entries
    assert AuditEntry.objects.latest("seq").key_id
    assert verify_chain(anchors=anchors).ok
    # A legacy stretch rewritten and re-hashed: only the anchor can tell, and does.
    _set(AuditEntry.objects.get(seq=2).pk, actor_name="nobody")
    _rehash_unkeyed_from(2, drop_key=True)
    assert any("the log was rewritten" in p for p in verify_chain(anchors=anchors).problems)


def test_a_rotated_key_seals_new_entries_and_old_keys_still_verify(city, hq, settings, tmp_path):
    settings.WARROOM_AUDIT_KEY = KEY_A
    _changes(hq, 1)
    old_id = AuditEntry.objects.latest("seq").key_id
    settings.WARROOM_AUDIT_KEY, settings.WARROOM_AUDIT_OLD_KEYS = KEY_B, [KEY_A]
    _changes(hq, 1)
    new_id = AuditEntry.objects.latest("seq").key_id
    assert new_id != old_id == keys.key_id_of(KEY_A.encode())
    assert verify_chain().ok
    settings.WARROOM_AUDIT_KEY_FILE = tmp_path / "none.key"
    settings.WARROOM_AUDIT_OLD_KEYS = []  # the old keys lost: its entries cannot be checked
    assert any(f"key {old_id}, which is not known" in p for p in verify_chain().problems)


def test_the_key_file_is_created_0600_in_development_and_rotated(settings, tmp_path):
    settings.WARROOM_AUDIT_KEY = ""
    settings.WARROOM_AUDIT_KEY_FILE = tmp_path / "audit.key"
    first = keys.keyring().current
    assert stat.S_IMODE(os.stat(tmp_path / "audit.key").st_mode) == 0o600
    second = keys.append_new_key(tmp_path / "audit.key")
    ring = keys.keyring()
    assert ring.current == second and ring.get(first.key_id) == first


def test_production_without_a_key_refuses_to_use_the_log(settings, tmp_path):
    settings.WARROOM_AUDIT_KEY = ""
    settings.WARROOM_AUDIT_KEY_FILE = tmp_path / "missing.key"
    settings.PRODUCTION = True
    with pytest.raises(keys.AuditKeyMissing):
        keys.keyring()
    assert not (tmp_path / "missing.key").exists()


def test_an_altered_anchor_line_is_detected(city, hq, anchors):
    do_write_anchor(dt.date(2020, 2, 12))
    line = json.loads(anchors.read_text())
    line["seq"] -= 1
    anchors.write_text(json.dumps(line) + "\n")
    problems = verify_chain(anchors=anchors).problems
    assert problems == [f"{anchors}, line 1: the anchor was altered (its seal is wrong)"]


def test_the_daily_cycle_anchors_the_head_and_the_briefing_prints_it(city, hq, anchors):
    from warroom.core.daily import run_daily_cycle
    from warroom.situation.models import Briefing

    day = dt.date(2020, 2, 12)
    run_daily_cycle(day, only=["audit.anchor", "situation.analytics", "situation.briefing"])
    anchor = latest_anchor(day)
    assert anchor is not None and anchor.seq > 0
    html = Briefing.objects.get(area__code="9901", day=day).html
    assert f"{anchor.seq}" in html and anchor.hash in html


def test_the_cli_verifies_against_the_anchors(city, hq, anchors):
    from warroom.cli import app

    _changes(hq, 2)
    do_write_anchor(dt.date(2020, 2, 12))
    ok = CliRunner().invoke(app, ["audit", "verify", "--anchors", str(anchors)])
    assert ok.exit_code == 0 and "1 anchors" in ok.output, ok.output
    last = AuditEntry.objects.latest("seq")
    last.delete()
    _move_head(AuditEntry.objects.latest("seq"))
    broken = CliRunner().invoke(app, ["audit", "verify", "--anchors", str(anchors)])
    assert broken.exit_code == 1 and "entries were deleted" in broken.output


def test_the_cli_rotates_the_key_file(tmp_path, monkeypatch):
    from warroom.cli import app

    monkeypatch.delenv("WARROOM_AUDIT_KEY", raising=False)
    path = tmp_path / "audit.key"
    for _ in range(2):
        result = CliRunner().invoke(app, ["audit", "rotate-key", "--file", str(path)])
        assert result.exit_code == 0, result.output
    assert len(keys.read_key_file(path)) == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
