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
