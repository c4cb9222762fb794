"""Child processes for the tests that kill one (SIGKILL is only a real test when the
process holding the transaction really dies): their environment and their answer.

The children use the pass's database: on SQLite a file of their own (in ``data_dir``),
on PostgreSQL the test database (the calling test is ``transaction=True``, which leaves
it empty again).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process on the pass's database."""
    from django.db import connection

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env |= {
        "WARROOM_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "warroom.settings",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    return env


def run_child(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (a Python script) with ``args`` in a child process; wait for it."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def last_json(out: str) -> Any:
    """The child's answer: the JSON on its last line of output."""
    return json.loads(out.strip().splitlines()[-1])


def import_snapshot() -> dict[str, Any]:
    """What a day's imports wrote, compared whole: the people (their states digested),
    the histories' and tables' counts, the batches and the audit entries. Read by the
    killed-import test and by ``bench/bench_import_killed.py`` (the full-scale day)."""
    import hashlib

    from warroom.audit.models import AuditEntry
    from warroom.cases.models import (
        ContactLink,
        Person,
        Sample,
        SeverityRecord,
        TransitionRecord,
        TreatmentRecord,
    )
    from warroom.core.models import ImportBatch
    from warroom.surveillance.models import DailyReport

    people = sorted(
        Person.objects.values_list("id_number", "status", "severity", "version", "next_test_due")
    )
    return {
        "people": len(people),
        "people_digest": hashlib.sha256(repr(people).encode()).hexdigest(),
        "steps": TransitionRecord.objects.count(),
        "severities": SeverityRecord.objects.count(),
        "links": ContactLink.objects.count(),
        "samples": Sample.objects.count(),
        "results": Sample.objects.exclude(result="").count(),
        "treatments": TreatmentRecord.objects.count(),
        "reports": DailyReport.objects.count(),
        "batches": sorted(ImportBatch.objects.values_list("kind", flat=True)),
        "audit": AuditEntry.objects.count(),
    }
