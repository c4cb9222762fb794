"""The import finisher (``warroom.core.imports``): one batch record, one key, scoped.

Issue 14 item 10: the de-duplication key was global, so another district uploading the
exact bytes a district had imported was told "already imported" (and so learnt what that
district had imported). The key is now remembered with the importer's jurisdiction.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from warroom.audit.models import AuditEntry
from warroom.core.models import ImportBatch
from warroom.surveillance.models import DailyReport
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import TableRejected, read_table

pytestmark = pytest.mark.django_db


def _report(code: str) -> bytes:
    day = timezone.localdate().isoformat()
    return f"date,area_code,new_confirmed\n{day},{code},3\n".encode()


def test_another_districts_exact_file_is_checked_not_answered_already_imported(
    city, officer, outsider
):
    data = _report("990101")
    first = do_import_daily_reports(read_table(data, filename="a.csv"), actor=officer)
    assert not first.already_imported
    with pytest.raises(TableRejected) as caught:
        do_import_daily_reports(read_table(data, filename="a.csv"), actor=outsider)
    assert [(e.row, e.column, e.reason) for e in caught.value.errors] == [
        (2, "area_code", "outside your area")
    ]
    assert DailyReport.objects.count() == 1
    assert ImportBatch.objects.filter(kind="surveillance-daily").count() == 1


def test_the_same_file_is_already_imported_along_one_line_of_jurisdiction(
    city, officer, outsider, hq
):
    from warroom.core.imports import previous_import

    data = _report("990101")
    do_import_daily_reports(read_table(data, filename="a.csv"), actor=officer)
    again = do_import_daily_reports(read_table(data, filename="a.csv"), actor=officer)
    assert again.already_imported
    assert do_import_daily_reports(read_table(data, filename="a.csv"), actor=hq).already_imported
    batch = ImportBatch.objects.get(kind="surveillance-daily")
    assert (batch.scope, batch.actor) == (officer.area_path, officer)
    assert previous_import("surveillance-daily", batch.sha256, actor=outsider) is None


def test_a_city_batch_is_seen_by_its_districts_and_siblings_are_independent(
    city, officer, outsider, hq
):
    from warroom.core.imports import finish_import, previous_import

    with_key = dict(filename="f.csv", rows=1, created=1, updated=0, object_type="x.y")
    finish_import("kind", "k1", actor=hq, message="city", **with_key)
    assert previous_import("kind", "k1", actor=officer) is not None
    finish_import("kind", "k2", actor=officer, message="district A", **with_key)
    assert previous_import("kind", "k2", actor=outsider) is None
    finish_import("kind", "k2", actor=outsider, message="district B", **with_key)
    assert ImportBatch.objects.filter(sha256="k2").count() == 2
    assert previous_import("kind", "k2", actor=hq) is not None
    entries = AuditEntry.objects.filter(action="import", object_type="x.y")
    assert entries.count() == 3


def test_the_same_key_twice_in_one_scope_is_a_conflict_and_writes_nothing(city, officer):
    from django.db import transaction

    from warroom.core.errors import Conflict
    from warroom.core.imports import finish_import

    args = dict(filename="f", rows=1, created=1, updated=0, object_type="x.y", message="m")
    finish_import("kind", "k", actor=officer, **args)
    with pytest.raises(Conflict), transaction.atomic():
        finish_import("kind", "k", actor=officer, **args)
    assert ImportBatch.objects.filter(kind="kind").count() == 1


def test_an_api_batch_key_is_per_user_and_kind_or_the_bodys_hash(officer, outsider):
    from warroom.core.imports import batch_key

    assert batch_key(officer, "daily", "abc", []) != batch_key(outsider, "daily", "abc", [])
    assert batch_key(officer, "daily", "abc", []) != batch_key(officer, "results", "abc", [])
    assert batch_key(officer, "daily", None, [{"a": 1}]) == batch_key(
        outsider, "daily", None, [{"a": 1}]
    )
