"""A day of mass screening through the import path, on SQLite and PostgreSQL (issue 21.4).

Wuhan's citywide campaign, May 2020: up to ~1.47 million samples a day. The twin writes one
such day for the demo city (``warroom twin mass-testing``: 1,500,000 results, ~3 positive
per 100,000); it is read within the screening limits and imported by
:func:`warroom.cases.screening.do_import_screening` as a user's file would be (every row
checked, every result kept, the positives into case management, the batch and its audit
entry). Printed per database: seconds (reading the file, importing), rows/s, and on
PostgreSQL the peer measured in the same run: ``COPY FROM`` of exactly the rows the
import wrote (``bench_cases_ingest._pg_peer``) and the ratio. Then: nothing lost (the
results kept = the file's rows, the positives = the new suspected plus the known), the
same file again answers "already imported", and the peak memory.

Target (issue 21): the day in <= 3 minutes on PostgreSQL, reading included.

    python bench/bench_mass_testing.py                     # both databases, 1.5 M rows
    python bench/bench_mass_testing.py postgres
    BENCH_SAMPLES=100000 python bench/bench_mass_testing.py sqlite   # a quick look
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, run_child, setup_django, target
from bench_cases_ingest import _pg_peer, _pg_tables, _pg_xid

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "1500000"))
DAY = dt.date(2020, 5, 20)
LIMIT_SECONDS = 180


def child(kind: str) -> None:
    setup_django()
    from warroom.cases.models import Person, ScreeningResult
    from warroom.cases.screening import LIMITS, do_import_screening
    from warroom.core.context import SYSTEM
    from warroom.core.progress import peak_rss_bytes
    from warroom.core.uploads import read_upload
    from warroom.geo.services import do_load_demo_city
    from warroom.twin.screening import write_screening_day

    do_load_demo_city()
    # BENCH_SCREENING_FILE: a day written by an earlier run (same samples), reused.
    reuse = os.environ.get("BENCH_SCREENING_FILE", "")
    path = Path(reuse) if reuse else Path(tempfile.mkdtemp()) / f"screening-{DAY}.csv"
    start = time.perf_counter()
    if reuse and path.exists():
        data = path.read_bytes()
        counts = {"samples": data.count(b"\n") - 1, "positives": data.count(b",positive\r\n")}
        del data
    else:
        counts = write_screening_day(path, day=DAY, samples=SAMPLES)
    print(
        f"[{kind}] the twin's day: {counts['samples']:,} samples, {counts['positives']} "
        f"positive, {path.stat().st_size / 2**20:,.0f} MiB, written in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    before = _pg_tables() if kind == "postgres" else {}
    since = _pg_xid() if kind == "postgres" else ""
    start = time.perf_counter()
    table = read_upload(path, kind=LIMITS)
    reading = time.perf_counter() - start
    result = do_import_screening(table, actor=SYSTEM)
    took = time.perf_counter() - start
    rows = result.rows
    line = (
        f"[{kind}] mass screening day: {rows:,} rows in {took:.1f} s (reading {reading:.1f} s, "
        f"import {took - reading:.1f} s; {rows / took:,.0f} rows/s)"
    )
    if kind == "postgres":  # the target is PostgreSQL's; SQLite's time is shown
        line += " " + target(f"[{kind}] mass screening day", took, LIMIT_SECONDS, "s")
    if kind == "postgres":
        peer, written = _pg_peer(since, before)
        line += f"; COPY of the same {written:,} rows {peer:.1f} s; ratio {took / peer:.1f}x"
    print(line, flush=True)
    kept = ScreeningResult.objects.count()
    suspected = Person.objects.filter(status="suspected").count()
    print(
        f"[{kind}] kept {kept:,} of {counts['samples']:,} results; {result.positives} "
        f"positive, {result.new_suspected} new suspected ({suspected} in case management), "
        f"{result.updated} already known",
        flush=True,
    )
    if kept != counts["samples"] or result.positives != counts["positives"]:
        print(f"[{kind}] LOST ROWS")
        sys.exit(1)
    start = time.perf_counter()
    again = do_import_screening(read_upload(path, kind=LIMITS), actor=SYSTEM)
    assert again.already_imported
    print(
        f"[{kind}] the same file again: already imported, nothing added "
        f"({time.perf_counter() - start:.1f} s, the reading); peak RSS "
        f"{peak_rss_bytes() / 2**30:.2f} GB",
        flush=True,
    )
    finish()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child(__file__, kind)
    finish()


if __name__ == "__main__":
    main()
