"""Ingest of the W1 peak day through the import path, on SQLite and PostgreSQL.

W1 (DESIGN §5): 2,000 confirmed (1,000 of them admitted), 4,000 suspected, 10,000 febrile
visits, 20,000 contacts (36,000 line-list rows), then 50,000 test results, the hospitals'
treatment roll of the admitted (1,000 rows) and every area's daily report (10,614 rows).
Targets (issue 21): the four together <= 60 s on each database; on PostgreSQL each
import within 3x of its peer, ``COPY`` of exactly the rows the import wrote (see
``_pg_peer``), measured in the same run; SQLite no slower than PostgreSQL (the parent
compares the two children's figures).

    python bench/bench_cases_ingest.py            # both databases
    python bench/bench_cases_ingest.py sqlite     # one
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, pid_cpu, run_child, setup_django, target

W1 = {"confirmed": 2000, "suspected": 4000, "febrile": 10000, "contact": 20000}
RESULTS = 50000
TREATED = 1000  # of the confirmed, admitted in the line list: the treatment roll's patients


def make_files(folder: Path, compounds: list[str], seed: int = 2020) -> tuple[Path, Path, int]:
    from warroom.cases.identity import make_resident_id

    rng = random.Random(seed)
    base = dt.datetime(2020, 2, 10, 0, 0)
    people: dict[str, list[str]] = {k: [] for k in W1}
    lines = [
        "name,id_number,phone,home_code,category,reported_at,severity,index_id_number,setting,"
        "status,facility"
    ]
    n = 0
    for category, count in W1.items():
        for _ in range(count):
            n += 1
            pid = make_resident_id(
                "420102", dt.date(1950, 1, 1) + dt.timedelta(days=n // 1000), n % 1000
            )
            people[category].append(pid)
            at = base + dt.timedelta(minutes=rng.randrange(0, 24 * 60))
            severity = rng.choice(["mild", "moderate", "severe"]) if category == "confirmed" else ""
            index = rng.choice(people["confirmed"]) if category == "contact" else ""
            setting = rng.choice(["household", "work", "transport"]) if index else ""
            phone = f"13{rng.randrange(10**9, 10**10 - 1)}"[:11]
            admitted = category == "confirmed" and len(people[category]) <= TREATED
            lines.append(
                f"人{n},{pid},{phone},{rng.choice(compounds)},{category},"
                f"{at:%Y-%m-%d %H:%M},{severity},{index},{setting},"
                + ("admitted,协和医院" if admitted else ",")
            )
    line_list = folder / "w1-line-list.csv"
    line_list.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Results: the febrile and suspected first, then contacts, mostly negative.
    targets = people["febrile"] + people["suspected"] + people["contact"]
    rows = ["id_number,lab,sample_code,kind,taken_at,reported_at,result"]
    for i in range(RESULTS):
        pid = targets[i % len(targets)]
        taken = base + dt.timedelta(hours=25 + rng.randrange(0, 12), minutes=i % 60)
        result = "positive" if rng.random() < 0.04 else "negative"
        reported = taken + dt.timedelta(hours=6)
        rows.append(
            f"{pid},lab{i % 20},S{i:07d},nucleic_acid,{taken:%Y-%m-%d %H:%M},"
            f"{reported:%Y-%m-%d %H:%M},{result}"
        )
    results = folder / "w1-results.csv"
    results.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return line_list, results, len(lines) - 1


def write_roll_and_reports(
    folder: Path, line_list: Path, areas: list[str]
) -> tuple[Path, Path, int, int]:
    """The hospitals' treatment roll (the admitted of the line list, the next day) and the
    districts' daily reports (every area, one day)."""
    admitted = [
        row.split(",")[1]
        for row in line_list.read_text(encoding="utf-8").splitlines()[1:]
        if row.split(",")[4] == "confirmed"
    ][:TREATED]
    roll = folder / "w1-roll.csv"
    roll.write_text(
        "id_number,date,note\n" + "".join(f"{pid},2020-02-11,查房\n" for pid in admitted),
        encoding="utf-8",
    )
    rng = random.Random(7)
    reports = folder / "w1-reports.csv"
    lines = ["area_code,date,new_confirmed,new_suspected,new_febrile,new_contacts,new_deaths"]
    lines += [
        f"{code},2020-02-11,{rng.randrange(9)},{rng.randrange(20)},{rng.randrange(50)},"
        f"{rng.randrange(90)},{rng.randrange(2)}"
        for code in areas
    ]
    reports.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return roll, reports, len(admitted), len(areas)


def _pg_written(since: str, before: dict[str, int]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """PostgreSQL: what the import's transaction (and its savepoints) wrote, table by
    table, as COPY text: every row whose version is younger than the transaction id
    ``since`` drawn just before the import; inserted (id above the table's maximum before)
    or updated."""
    from django.db import connection

    inserted: dict[str, bytes] = {}
    updated: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table, top in before.items():
            for into, cond in ((inserted, "id > %s"), (updated, "id <= %s")):
                buf = bytearray()
                query = (
                    f"COPY (SELECT * FROM {table} WHERE age(xmin) < age('{since}'::xid) "  # noqa: S608
                    f"AND {cond.replace('%s', str(top))} ORDER BY id) TO STDOUT"
                )
                with raw.copy(query) as copy:
                    for data in copy:
                        buf += data
                if buf:
                    into[table] = bytes(buf)
    return inserted, updated


def _pg_xid() -> str:
    """A transaction id drawn now: every row the next import writes is younger."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        return str(int(cursor.fetchone()[0]) % 2**32)


def _pg_tables() -> dict[str, int]:
    """Every table with an integer ``id``, and its largest id now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'id' AND data_type IN ('integer', 'bigint')"
        )
        tables = [r[0] for r in cursor.fetchall()]
        out = {}
        for t in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}")  # noqa: S608
            out[t] = cursor.fetchone()[0]
    return out


def _pg_peer(since: str, before: dict[str, int]) -> tuple[float, int]:
    """The COPY peer of one import, in seconds, and the rows it writes (:func:`pg_peer_cpu`
    without the backend's CPU)."""
    wall, _cpu, rows = pg_peer_cpu(since, before)
    return wall, rows


def pg_peer_cpu(since: str, before: dict[str, int]) -> tuple[float, float, int]:
    """The COPY peer of one import: wall seconds, CPU seconds of the peer's database
    backend, and the rows it writes.

    The rows the import's transaction wrote are read back (COPY TO), the inserted ones
    removed again (foreign-key triggers off) and the tables vacuumed; then, timed, in one
    transaction: ``COPY FROM`` of exactly those rows into the same tables (same indexes),
    the updated rows through a temporary table and one ``UPDATE ... FROM`` per table, the
    deferred foreign keys checked, commit. The database ends as the import left it.
    """
    import psycopg
    from django.db import connection

    inserted, updated = _pg_written(since, before)
    url = connection.settings_dict
    dsn = f"host={url['HOST']} port={url['PORT']} user={url['USER']} dbname={url['NAME']}"
    rows = sum(d.count(b"\n") for d in (*inserted.values(), *updated.values()))
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SET session_replication_role = replica")
            for table in inserted:
                conn.execute(f"DELETE FROM {table} WHERE id > %s", [before[table]])  # noqa: S608
            conn.execute("SET session_replication_role = DEFAULT")
        for table in inserted:
            conn.execute(f"VACUUM ANALYZE {table}")
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        cpu0, start = pid_cpu(pid), time.perf_counter()
        with conn.transaction():
            cur = conn.cursor()
            for table, data in inserted.items():
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(data)
            for table, data in updated.items():
                temp = f"_peer_{table}"
                cur.execute(f"CREATE TEMP TABLE {temp} (LIKE {table}) ON COMMIT DROP")
                with cur.copy(f"COPY {temp} FROM STDIN") as copy:
                    copy.write(data)
                cur.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s AND column_name <> 'id'",
                    [table],
                )
                cols = [r[0] for r in cur.fetchall()]
                sets = ", ".join(f'"{c}" = u."{c}"' for c in cols)
                cur.execute(f"UPDATE {table} AS t SET {sets} FROM {temp} AS u WHERE t.id = u.id")  # noqa: S608
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return time.perf_counter() - start, pid_cpu(pid) - cpu0, rows


def _backend_pid() -> int:
    """The database server process of this connection (PostgreSQL; 0 on SQLite, whose
    work is this process's own)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def child(kind: str) -> None:
    setup_django()
    import json
    import os

    from warroom.cases.imports import do_import_line_list, do_import_results, do_import_treatments
    from warroom.core.context import SYSTEM
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city
    from warroom.surveillance.services import do_import_daily_reports
    from warroom.tables import read_table

    do_load_demo_city()
    compounds = list(Area.objects.filter(level="compound").values_list("code", flat=True))
    folder = Path(tempfile.mkdtemp(prefix="warroom-w1-"))
    line_list, results, n_rows = make_files(folder, compounds)
    roll, reports, n_roll, n_reports = write_roll_and_reports(
        folder, line_list, list(Area.objects.values_list("code", flat=True))
    )
    imports = [
        ("line list", do_import_line_list, line_list, n_rows),
        ("results", do_import_results, results, RESULTS),
        ("treatment roll", do_import_treatments, roll, n_roll),
        ("daily reports", do_import_daily_reports, reports, n_reports),
    ]
    figures: dict[str, float] = {}
    total = peer_total = 0.0
    for name, importer, path, rows in imports:
        before = _pg_tables() if kind == "postgres" else {}
        since = _pg_xid() if kind == "postgres" else ""
        backend = _backend_pid()
        load = os.getloadavg()[0]
        start, cpu0, server0 = time.perf_counter(), time.process_time(), pid_cpu(backend)
        importer(read_table(path), actor=SYSTEM)
        took = time.perf_counter() - start
        own = time.process_time() - cpu0
        server = pid_cpu(backend) - server0 if backend else 0.0
        cpu = own + server
        figures[name] = took
        total += took
        line = (
            f"[{kind}] {name}: {rows:,} rows in {took:.2f} s ({rows / took:,.0f} rows/s; "
            f"CPU {cpu:.2f} s = {own:.2f} here + {server:.2f} server, load {load:.1f})"
        )
        if kind == "postgres":
            peer, peer_cpu, written = pg_peer_cpu(since, before)
            peer_total += peer
            figures[name + " peer"] = peer
            ratio = took / peer
            line += (
                f"; COPY of the same {written:,} rows {peer:.2f} s (CPU {peer_cpu:.2f} s); "
                f"ratio {ratio:.1f}x, CPU ratio {cpu / peer_cpu:.1f}x "
                + target(f"[{kind}] {name} / COPY", ratio, 3, "x")
            )
        print(line, flush=True)
    print(
        f"[{kind}] W1 peak day ingest, four imports: {total:.1f} s "
        f"{target(f'[{kind}] W1 peak day ingest', total, 60, 's')}"
        + (f"; COPY {peer_total:.1f} s; ratio {total / peer_total:.1f}x" if peer_total else "")
    )
    start = time.perf_counter()
    again = do_import_line_list(read_table(line_list), actor=SYSTEM)
    assert again.already_imported
    print(f"[{kind}] the same file again: nothing added in {time.perf_counter() - start:.2f} s")
    out = os.environ.get("BENCH_FIGURES")
    if out:
        Path(out).write_text(json.dumps(figures), encoding="utf-8")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    import json
    import os

    kinds = sys.argv[1:] or ["sqlite", "postgres"]
    got: dict[str, dict[str, float]] = {}
    for kind in kinds:
        out = Path(tempfile.mkdtemp()) / "figures.json"
        os.environ["BENCH_FIGURES"] = str(out)
        run_child(__file__, kind)
        got[kind] = json.loads(out.read_text(encoding="utf-8"))
    if len(got) == 2:
        for name in ("line list", "results", "treatment roll", "daily reports"):
            ratio = got["sqlite"][name] / got["postgres"][name]
            print(
                f"SQLite / PostgreSQL, {name}: {ratio:.2f} "
                + target(f"SQLite / PostgreSQL {name}", ratio, 1.0)
            )


if __name__ == "__main__":
    main()
    finish()
