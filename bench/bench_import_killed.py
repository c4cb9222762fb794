"""The W1 peak day's imports killed with SIGKILL at random moments, at full scale.

Issue 21: "a killed full-scale import (kill -9 at random points, several times) leaves
nothing half written and a re-run completes with no duplicate, on both databases".
``tests/test_import_killed_anywhere.py`` proves the mechanism on a small day at every kind
of point (a statement, a row of a ``COPY`` stream); this runs it at the real size: the
whole demo city (10,614 areas) and its facilities, the W1 peak day's four files of
``bench_cases_ingest.py`` (36,000 line-list rows, 50,000 results, the treatment roll,
10,614 daily reports), imported by a child process through the import services, and killed
from outside (``kill -9``) at a moment drawn at random over an uninterrupted run's time.

After each kill: the database holds exactly the state after a whole number of files (the
snapshot after 0-4 of them: people and their states digested, every history's count,
batches, audit entries); the re-run answers "already imported" for exactly those and ends
in exactly the uninterrupted run's state. Any difference is a miss (exit 1).

Each kill starts again from the same database (a copy of the SQLite file; a PostgreSQL
database made from a template).

    python bench/bench_import_killed.py                  # both databases, 4 kills each
    python bench/bench_import_killed.py sqlite --kills 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PG_ADMIN_URL, ROOT, database_env, finish, setup_django, target

CHILD_IMPORTS = ["line-list.csv", "results.csv", "roll.csv", "reports.csv"]


def prepare(folder: Path) -> None:
    """The base database (city, facilities) and the day's four files in ``folder``."""
    setup_django()
    from bench_cases_ingest import make_files, write_roll_and_reports

    from warroom.beds.imports import do_load_demo_facilities
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    do_load_demo_facilities(scale=1.0)
    compounds = list(Area.objects.filter(level="compound").values_list("code", flat=True))
    line_list, results, _ = make_files(folder, compounds)
    roll, reports, _, _ = write_roll_and_reports(
        folder, line_list, list(Area.objects.values_list("code", flat=True))
    )
    for path, name in zip((line_list, results, roll, reports), CHILD_IMPORTS, strict=True):
        path.rename(folder / name)


def run(folder: Path) -> None:
    """Import the four files (each already imported one answers so); print the snapshot
    before, after each file, and which were already imported."""
    setup_django()
    from tests.children import import_snapshot
    from warroom.cases.imports import do_import_line_list, do_import_results, do_import_treatments
    from warroom.core.context import SYSTEM
    from warroom.surveillance.services import do_import_daily_reports
    from warroom.tables import read_table

    importers: list[Callable[..., Any]] = [
        do_import_line_list,
        do_import_results,
        do_import_treatments,
        do_import_daily_reports,
    ]
    before, snapshots, already = import_snapshot(), [], []
    print("started", flush=True)
    for importer, name in zip(importers, CHILD_IMPORTS, strict=True):
        result = importer(read_table(folder / name), actor=SYSTEM)
        already.append(result.already_imported)
        snapshots.append(import_snapshot())
    print(json.dumps({"before": before, "snapshots": snapshots, "already": already}))


class Database:
    """The base database and a fresh copy of it for each run."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.env = database_env(kind)
        self.env["DJANGO_SETTINGS_MODULE"] = "warroom.settings"
        self.env["PYTHONPATH"] = str(ROOT)
        if kind == "sqlite":
            self.base = Path(self.env["WARROOM_DATA_DIR"])
            self.work = Path(tempfile.mkdtemp(prefix="warroom-killed-"))
        else:
            self.base_name = self.env["DATABASE_URL"].rsplit("/", 1)[1]
            self.work_name = self.base_name + "_killed"

    def restore(self) -> dict[str, str]:
        """A fresh copy of the base; the environment that points at it."""
        env = dict(self.env)
        if self.kind == "sqlite":
            shutil.rmtree(self.work, ignore_errors=True)
            shutil.copytree(self.base, self.work)
            env["WARROOM_DATA_DIR"] = str(self.work)
            return env
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.work_name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.work_name} TEMPLATE {self.base_name}")
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.work_name
        return env


def child(mode: str, folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", mode, str(folder)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(proc: subprocess.Popen[str]) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{err[-4000:]}")
    return json.loads(out.strip().splitlines()[-1])


def check(kind: str, kills: int, seed: int) -> None:
    db = Database(kind)
    folder = Path(tempfile.mkdtemp(prefix="warroom-killed-files-"))
    start = time.perf_counter()
    prep = child("prepare", folder, db.env)
    _, err = prep.communicate()
    if prep.returncode != 0:
        raise SystemExit(f"[{kind}] prepare failed:\n{err[-4000:]}")
    took = time.perf_counter() - start
    print(f"[{kind}] the city, its facilities and the W1 day's files: {took:.0f} s")
    start = time.perf_counter()
    reference = answer(child("run", folder, db.restore()))
    took = time.perf_counter() - start
    states = [reference["before"], *reference["snapshots"]]
    assert reference["already"] == [False] * 4, reference["already"]
    print(
        f"[{kind}] uninterrupted: {took:.1f} s, {states[-1]['people']:,} people, "
        f"{states[-1]['steps']:,} transitions, {states[-1]['samples']:,} samples"
    )
    rng = random.Random(seed)
    wrong, whole = 0, []
    for k in range(kills):
        env = db.restore()
        proc = child("run", folder, env)
        assert proc.stdout is not None
        proc.stdout.readline()  # "started": set up and connected; the imports begin
        at = rng.uniform(0.02, 0.98) * took
        time.sleep(at)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = proc.returncode == -signal.SIGKILL
        start = time.perf_counter()
        after = answer(child("run", folder, env))
        rerun = time.perf_counter() - start
        done = after["already"].count(True)
        ok = (
            after["already"] == [True] * done + [False] * (4 - done)
            and after["before"] == states[done]
            and after["snapshots"] == [states[done]] * done + reference["snapshots"][done:]
        )
        wrong += not ok
        whole.append(done)
        print(
            f"[{kind}] kill {k + 1}: SIGKILL at {at:.1f} s"
            + ("" if killed else " (the run had ended)")
            + f"; left: {done} whole file(s), nothing else; re-run {rerun:.1f} s, "
            + ("same end state as uninterrupted" if ok else "DIFFERENT from uninterrupted")
        )
    print(
        f"[{kind}] kills leaving a half-written or duplicated state: {wrong} of {kills} "
        + target(f"[{kind}] killed imports not whole", wrong, 0)
        + f"; files whole at the kills: {whole}"
    )
    if kind == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db.work_name} WITH (FORCE)")


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        folder = Path(sys.argv[3])
        prepare(folder) if sys.argv[2] == "prepare" else run(folder)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbs", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_SEED", "21")))
    args = parser.parse_args()
    os.environ.setdefault("BENCH_PG_DB", "warroom_bench_killed")  # not another bench's
    for kind in args.dbs:
        check(kind, args.kills, args.seed)


if __name__ == "__main__":
    main()
    finish()
