"""Issue 21: a full import killed (SIGKILL) at random points leaves nothing half written,
and the re-run completes with no duplicate, on SQLite and on PostgreSQL.

"A full import" is a day's four files through the import services, one after the other:
the line list (new people, severities, contact links, admissions), the labs' results,
the hospitals' treatment roll and the districts' daily reports. A child process runs
them and kills itself with SIGKILL at the k-th database operation (a statement, or a row
or a block of a ``COPY`` stream on PostgreSQL), k drawn at random (seeded) over the whole run:
between statements, inside a ``COPY``, in the finisher. After each kill, the database
holds exactly what a whole number of imports wrote (the snapshot after 0, 1, 2, 3 or 4
of the files, never something in between); the re-run of the four files then ends in
exactly the state of an uninterrupted run.
"""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest

from tests.children import child_env, last_json, run_child

CHILD = r"""
import json, os, signal, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from warroom.core.context import SYSTEM
from warroom.tables import read_table

mode, folder = sys.argv[1], sys.argv[2]
kill_at = int(sys.argv[3]) if len(sys.argv) > 3 else 0
if connection.vendor == "sqlite":
    call_command("migrate", verbosity=0, interactive=False)


from tests.children import import_snapshot as snapshot


if mode in ("reference", "kill"):
    call_command("flush", verbosity=0, interactive=False)
    from tests.conftest import SMALL_CITY_CSV
    from warroom.geo.services import do_import_areas
    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    if mode == "reference":
        print(json.dumps(snapshot()))
        sys.exit(0)

ticks = 0


def tick():
    global ticks
    ticks += 1
    if ticks == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


def counting(execute, sql, params, many, context):
    tick()
    return execute(sql, params, many, context)


from warroom.core import bulk
original_copy = bulk._copy


def copy_counting(table, columns, rows):
    def ticking():
        for row in rows:
            tick()
            yield row
    original_copy(table, columns, ticking())


bulk._copy = copy_counting
original_blocks = bulk._copy_blocks


def blocks_counting(table, columns, blocks):
    def ticking():
        for block in blocks:
            tick()
            yield block
    original_blocks(table, columns, ticking())


bulk._copy_blocks = blocks_counting

from warroom.cases.imports import do_import_line_list, do_import_results, do_import_treatments
from warroom.surveillance.services import do_import_daily_reports
importers = [
    (do_import_line_list, "line-list.csv"),
    (do_import_results, "results.csv"),
    (do_import_treatments, "treatments.csv"),
    (do_import_daily_reports, "reports.csv"),
]
snapshots, already, before = [], [], snapshot()
with connection.execute_wrapper(counting):
    for importer, name in importers:
        result = importer(read_table(os.path.join(folder, name)), actor=SYSTEM)
        already.append(result.already_imported)
        snapshots.append(snapshot())
print(json.dumps(
    {"before": before, "snapshots": snapshots, "ticks": ticks, "already": already}))
"""

KILLS = 4  # random kill points per database


def _write_files(folder: Path) -> None:
    """A small day: 120 people (confirmed with severity and admitted, suspected,
    contacts of the confirmed), 160 lab results, the admitted's treatment roll, 3 reports."""
    from tests.conftest import resident_id

    rng = random.Random(21)
    line = [
        "name,id_number,home_code,category,reported_at,severity,status,facility,index_id_number"
    ]
    confirmed, others = [], []
    homes = ["990101001001001", "990101001001002", "990102001001001"]
    for i in range(120):
        pid = resident_id(5000 + i)
        at = f"2020-02-10 {8 + i % 10:02d}:{i % 60:02d}"
        if i < 30:
            confirmed.append(pid)
            line.append(f"人{i},{pid},{homes[i % 3]},confirmed,{at},severe,admitted,协和医院,")
        elif i < 70:
            others.append(pid)
            line.append(f"人{i},{pid},{homes[i % 3]},suspected,{at},,,,")
        else:
            others.append(pid)
            index = rng.choice(confirmed)
            line.append(f"人{i},{pid},{homes[i % 3]},contact,{at},,,,{index}")
    (folder / "line-list.csv").write_text("\n".join(line) + "\n", encoding="utf-8")
    results = ["id_number,lab,sample_code,kind,taken_at,reported_at,result"]
    for i in range(160):
        pid = others[i % len(others)]
        verdict = "positive" if rng.random() < 0.05 else "negative"
        results.append(
            f"{pid},lab{i % 3},K{i:05d},nucleic_acid,2020-02-11 {8 + i % 8:02d}:00,"
            f"2020-02-11 {16 + i % 4:02d}:00,{verdict}"
        )
    (folder / "results.csv").write_text("\n".join(results) + "\n", encoding="utf-8")
    roll = ["id_number,date,note"] + [f"{pid},2020-02-11,查房" for pid in confirmed]
    (folder / "treatments.csv").write_text("\n".join(roll) + "\n", encoding="utf-8")
    reports = ["area_code,date,new_confirmed,new_suspected"] + [
        f"{code},2020-02-11,{n},{2 * n}" for n, code in enumerate(["9901", "990101", "990102"])
    ]
    (folder / "reports.csv").write_text("\n".join(reports) + "\n", encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_a_day_of_imports_killed_anywhere_leaves_whole_files_and_reruns_once(tmp_path):
    _write_files(tmp_path)
    env = child_env(tmp_path)
    empty = run_child(CHILD, "reference", str(tmp_path), env=env)
    assert empty.returncode == 0, empty.stderr
    whole = run_child(CHILD, "run", str(tmp_path), env=env)
    assert whole.returncode == 0, whole.stderr
    reference = last_json(whole.stdout)
    assert reference["already"] == [False] * 4
    states = [last_json(empty.stdout), *reference["snapshots"]]
    assert states[-1]["steps"] > 120 and states[-1]["links"] == 50  # the day did happen
    assert states[-1]["treatments"] == 30 and states[-1]["reports"] == 3
    rng = random.Random(2020)
    kills: list[int] = []
    for kill_at in sorted(rng.sample(range(1, reference["ticks"]), KILLS)):
        killed = run_child(CHILD, "kill", str(tmp_path), str(kill_at), env=env)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        rerun = run_child(CHILD, "run", str(tmp_path), env=env)
        assert rerun.returncode == 0, (kill_at, rerun.stderr)
        after = last_json(rerun.stdout)
        # What the kill left is whole files: exactly the state after the first ``done``
        # imports, and the re-run finds exactly those imported already ...
        done = after["already"].count(True)
        assert after["already"] == [True] * done + [False] * (4 - done), kill_at
        assert after["before"] == states[done], kill_at
        # ... and it ends where an uninterrupted run ends: nothing twice, nothing lost.
        expected = [states[done]] * done + reference["snapshots"][done:]
        assert after["snapshots"] == expected, kill_at
        kills.append(done)
    # The kills fell inside different imports, not all before the first or after the last.
    assert len(set(kills)) > 1, kills
