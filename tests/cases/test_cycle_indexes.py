"""The indexes the daily cycle's counts are planned with (migration cases 0013)."""

from __future__ import annotations

import pytest
from django.db import connection

from warroom.cases.models import IsolationRecord, Person, TestDueRecord

pytestmark = pytest.mark.django_db


def _indexes(model: type) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


def test_the_isolation_and_test_due_histories_are_indexed_by_time_alone():
    # warroom.cases.waiting._later asks each history for the people with a record after
    # a cut-off: by this index, not by a scan of the history.
    for model, name in (
        (IsolationRecord, "cases_isolation_at"),
        (TestDueRecord, "cases_testdue_at"),
    ):
        index = _indexes(model)[name]
        assert index["index"] and index["columns"] == ["at"]


def test_postgres_goes_from_a_person_to_his_home_by_a_covering_index():
    indexes = _indexes(Person)
    if connection.vendor != "postgresql":
        assert "cases_person_home" not in indexes  # SQLite: no covering indexes
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'cases_person_home'")
        (definition,) = cursor.fetchone()
    assert "(id) INCLUDE (home_id) WHERE (merged_into_id IS NULL)" in definition
