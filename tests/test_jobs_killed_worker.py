"""Issue 13: kill -9 the worker mid-job; the next worker completes the job, nothing twice.

The workers are child processes (a kill is only a real test when the process holding the
transaction really dies). The job is a queued line-list import (``enqueue_import``): the
first worker is killed after writing half of the people inside the import's transaction;
its lease (1 s here) runs out; the next worker claims the job again and imports each row
exactly once. On SQLite the children share a database file of their own; on PostgreSQL
they connect to the test database, which this test leaves empty again (transactional).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.children import ROOT, child_env, last_json, run_child
from tests.conftest import resident_id

CHILD = r"""
import json, os, signal, sys
import django
django.setup()
from django.core.management import call_command
from warroom.core.context import SYSTEM
mode, path = sys.argv[1], sys.argv[2]
if mode == "enqueue-many":
    call_command("migrate", verbosity=0, interactive=False)
    from tests.conftest import SMALL_CITY_CSV
    from warroom.geo.services import do_import_areas
    from warroom.tables import read_table
    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    from warroom.cases.imports import do_import_line_list
    from warroom.core.jobs import enqueue_import
    from tests.conftest import resident_id
    for n in range(12):
        rows = [f"人{n}-{i},{resident_id(20000 + 100 * n + i)},990101001001001,contact,"
                "2020-02-10 08:00" for i in range(20)]
        data = ("name,id_number,home_code,category,reported_at\n" + "\n".join(rows)).encode()
        enqueue_import(do_import_line_list, data, f"f{n}.csv", actor=SYSTEM)
    sys.exit(0)
if mode == "enqueue":
    call_command("migrate", verbosity=0, interactive=False)
    from tests.conftest import SMALL_CITY_CSV
    from warroom.geo.services import do_import_areas
    from warroom.tables import read_table
    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    from warroom.cases.imports import do_import_line_list
    from warroom.core.jobs import enqueue_import
    with open(path, "rb") as f:
        queued = enqueue_import(do_import_line_list, f.read(), "big.csv", actor=SYSTEM)
    print(json.dumps({"job": queued.pk}))
    sys.exit(0)
if mode == "die":
    from warroom.cases import imports
    original = imports.insert_rows
    def die(model, objs, names):
        original(model, objs[: len(objs) // 2], names)
        os.kill(os.getpid(), signal.SIGKILL)
    imports.insert_rows = die
from warroom.core.jobs import work
from warroom.cases.models import Person, TransitionRecord
from warroom.core.models import ImportBatch, Job
ran = work(burst=True)
if mode == "many":
    print(json.dumps({"ran": ran}))
    sys.exit(0)
job = Job.objects.get()
print(json.dumps({
    "ran": ran,
    "status": job.status,
    "attempts": job.attempts,
    "created": (job.result or {}).get("created"),
    "people": Person.objects.count(),
    "steps": TransitionRecord.objects.count(),
    "batches": ImportBatch.objects.filter(kind="cases-line-list").count(),
}))
"""


def _child(mode: str, path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_child(CHILD, mode, str(path), env=env)


def _killed_and_finished(tmp_path: Path, env: dict[str, str]) -> None:
    rows = 2000
    lines = ["name,id_number,home_code,category,reported_at"]
    lines += [
        f"人{i},{resident_id(1000 + i)},990101001001001,suspected,2020-02-10 08:00"
        for i in range(rows)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**env, "WARROOM_JOB_LEASE_SECONDS": "1"}
    queued = _child("enqueue", path, env)
    assert queued.returncode == 0, queued.stderr

    killed = _child("die", path, env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    time.sleep(1.5)  # the dead worker's lease runs out

    finished = _child("work", path, env)
    assert finished.returncode == 0, finished.stderr
    assert last_json(finished.stdout) == {
        "ran": 1,
        "status": "done",
        "attempts": 2,
        "created": rows,
        "people": rows,
        "steps": rows,
        "batches": 1,
    }
    again = _child("work", path, env)  # nothing left to do: nothing written again
    assert last_json(again.stdout) | {"ran": 0} == last_json(finished.stdout) | {"ran": 0}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_the_job_to_the_next_worker(tmp_path):
    """On the pass's database: a file of their own on SQLite, the test database on
    PostgreSQL."""
    _killed_and_finished(tmp_path, child_env(tmp_path))


@pytest.mark.django_db(transaction=True)
def test_three_workers_at_once_run_each_job_once(tmp_path):
    """Claims are settled by the database: twelve queued imports, three worker processes
    started together; every job runs once, on one of them."""
    env = child_env(tmp_path)
    assert _child("enqueue-many", tmp_path, env).returncode == 0
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, "many", str(tmp_path)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    ran = []
    for w in workers:
        out, errors = w.communicate(timeout=300)
        assert w.returncode == 0, errors
        ran.append(last_json(out)["ran"])
    assert sum(ran) == 12
    check = r"""
import json, django
django.setup()
from warroom.cases.models import Person
from warroom.core.models import ImportBatch, Job
print(json.dumps({
    "statuses": sorted(set(Job.objects.values_list("status", "attempts"))),
    "batches": ImportBatch.objects.filter(kind="cases-line-list").count(),
    "people": Person.objects.count(),
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert last_json(done.stdout) == {"statuses": [["done", 1]], "batches": 12, "people": 240}
