"""A process killed (SIGKILL) in the middle of an import leaves nothing; the re-run completes.

Runs in child processes on a file database of their own, because a kill is only a real
test when the process holding the transaction really dies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import resident_id

ROOT = Path(__file__).resolve().parents[2]
CHILD = r"""
import json, os, signal, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from warroom.core.context import SYSTEM
from warroom.tables import read_table
mode, path = sys.argv[1], sys.argv[2]
if mode == "kill":
    from tests.conftest import SMALL_CITY_CSV
    from warroom.geo.services import do_import_areas
    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    from warroom.cases import imports
    original = imports.insert_rows
    def die(model, objs, names):
        original(model, objs[: len(objs) // 2], names)
        os.kill(os.getpid(), signal.SIGKILL)
    imports.insert_rows = die
from warroom.cases.imports import do_import_line_list
from warroom.cases.models import Person, TransitionRecord
from warroom.core.models import ImportBatch
result = do_import_line_list(read_table(path), actor=SYSTEM)
print(json.dumps({
    "created": result.created,
    "already": result.already_imported,
    "people": Person.objects.count(),
    "steps": TransitionRecord.objects.count(),
    "batches": ImportBatch.objects.filter(kind="cases-line-list").count(),
}))
"""


def _run(mode: str, path: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        WARROOM_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="warroom.settings",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_killed_import_leaves_nothing_and_the_rerun_adds_each_row_once(tmp_path):
    rows = 3000
    lines = ["name,id_number,home_code,category,reported_at"]
    lines += [
        f"人{i},{resident_id(1000 + i)},990101001001001,suspected,2020-02-10 08:00"
        for i in range(rows)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    killed = _run("kill", path, tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    rerun = _run("rerun", path, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout.strip().splitlines()[-1]) == {
        "created": rows,
        "already": False,
        "people": rows,
        "steps": rows,
        "batches": 1,
    }
    again = _run("rerun", path, tmp_path)
    assert json.loads(again.stdout.strip().splitlines()[-1])["already"] is True
    assert json.loads(again.stdout.strip().splitlines()[-1])["people"] == rows
