"""The daily cycle's results do not depend on the order of its steps (warroom.core.daily).

On PostgreSQL the steps run two at a time, so any step free to go may run before or
beside any other: a step reading another's results without naming it (``after``,
``after_if_present``, ``last``) would read them before or after they are written, by the
luck of the threads. Over a fed demo (the roles' 36 days at a small scale: backlogs,
waiting people, tasks, signals), the last day's cycle is forced twice: once as the
platform runs it (two workers on PostgreSQL; one by one, each step as early as it can
go, on SQLite), once one by one with each step as late as it can go. Every row of the
database but the bookkeeping must be the same.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models

from tests.roles.conftest import feed_demo
from warroom.core import daily

# Bookkeeping: when and how long things ran, the audit chain's own order, the jobs, the
# log of the supplies ledger's checks (a row per check made).
NOT_RESULTS = {
    "supplies.ledgercheck",
    "audit.auditentry",
    "audit.audithead",
    "core.dailysteprun",
    "core.job",
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
}
NOT_COMPARED = (models.AutoField, models.BigAutoField, models.DateTimeField)


def _results() -> dict[str, Counter[str]]:
    """Every row of every table but the bookkeeping, without ids or moments, as text."""
    found: dict[str, Counter[str]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_RESULTS or model._meta.proxy:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not isinstance(f, NOT_COMPARED) and f.attname != "seconds"
        ]
        rows = model._default_manager.values_list(*fields)
        found[label] = Counter(json.dumps(list(r), default=str, sort_keys=True) for r in rows)
    return found


def _differences(a: dict[str, Counter[str]], b: dict[str, Counter[str]]) -> list[str]:
    out = []
    for label in sorted(a):
        if a[label] != b[label]:
            only_a = list((a[label] - b[label]).elements())[:3]
            only_b = list((b[label] - a[label]).elements())[:3]
            out.append(f"{label}: {only_a} <> {only_b}")
    return out


@pytest.mark.django_db(transaction=True)
def test_the_days_results_do_not_depend_on_the_order_of_its_steps():
    fed: dict[str, Any] = feed_demo()
    day: dt.date = fed["last_day"]
    seen: list[str] = []
    report = daily.run_daily_cycle(day, force=True, on_step=lambda s, state: seen.append(state))
    assert report.ran and not report.skipped
    assert seen.count("done") == len(report.ran) == len(daily.ordered_steps())
    as_run = _results()
    if connection.vendor == "postgresql":  # the two steps at a time did overlap
        assert _overlapped(day) > 0
    late = daily.run_daily_cycle(day, force=True, late=True)
    assert [n for n, _, _ in late.ran] == [s.name for s in daily.ordered_steps(late=True)]
    assert _differences(as_run, _results()) == []


def _overlapped(day: dt.date) -> int:
    """How many pairs of the day's last runs overlapped in time."""
    from warroom.core.models import DailyStepRun

    runs = [
        (r.started_at.timestamp(), r.started_at.timestamp() + r.seconds)
        for r in DailyStepRun.objects.filter(day=day, status="done")
    ]
    return sum(1 for i, a in enumerate(runs) for b in runs[i + 1 :] if a[0] < b[1] and b[0] < a[1])
