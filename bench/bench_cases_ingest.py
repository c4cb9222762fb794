"""Ingest of the W1 peak day through the import path, on SQLite and PostgreSQL.

W1 (DESIGN §5): 2,000 confirmed, 4,000 suspected, 10,000 febrile visits, 20,000 contacts
(36,000 line-list rows), then 50,000 test results. Target: <= 60 s on each database.
Peer: a naive row-by-row import through the single-person services (the way a form
does it), measured on a 1,000-row sample of the same file and extrapolated.

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
from _common import finish, run_child, setup_django, target

W1 = {"confirmed": 2000, "suspected": 4000, "febrile": 10000, "contact": 20000}
RESULTS = 50000


def make_files(folder: Path, compounds: list[str], seed: int = 2020) -> tuple[Path, Path, int]:
    from warroom.cases.identity import make_resident_id

    rng = random.Random(seed)
    base = dt.datetime(2020, 2, 10, 0, 0)
    people: dict[str, list[str]] = {k: [] for k in W1}
    lines = ["name,id_number,phone,home_code,category,reported_at,severity,index_id_number,setting"]
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
            lines.append(
                f"人{n},{pid},{phone},{rng.choice(compounds)},{category},"
                f"{at:%Y-%m-%d %H:%M},{severity},{index},{setting}"
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


def child(kind: str) -> None:
    setup_django()
    from warroom.cases.imports import do_import_line_list, do_import_results
    from warroom.cases.models import Person, Sample, TransitionRecord
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city
    from warroom.tables import read_table

    do_load_demo_city()
    compounds = list(Area.objects.filter(level="compound").values_list("code", flat=True))
    folder = Path(tempfile.mkdtemp(prefix="warroom-w1-"))
    line_list, results, n_rows = make_files(folder, compounds)

    start = time.perf_counter()
    a = do_import_line_list(read_table(line_list), actor=None)
    line_s = time.perf_counter() - start
    start = time.perf_counter()
    b = do_import_results(read_table(results), actor=None)
    result_s = time.perf_counter() - start
    total = line_s + result_s
    print(
        f"[{kind}] line list: {n_rows} rows in {line_s:.1f} s ({n_rows / line_s:,.0f} rows/s), "
        f"{a.transitions} status changes"
    )
    print(
        f"[{kind}] results: {RESULTS} rows in {result_s:.1f} s ({RESULTS / result_s:,.0f} rows/s), "
        f"{b.transitions} status changes"
    )
    print(
        f"[{kind}] W1 peak day ingest: {total:.1f} s "
        f"{target(f'[{kind}] W1 peak day ingest', total, 60, 's')}; "
        f"{(n_rows + RESULTS) / total:,.0f} rows/s; people {Person.objects.count()}, "
        f"samples {Sample.objects.count()}, transitions {TransitionRecord.objects.count()}"
    )
    start = time.perf_counter()
    again = do_import_line_list(read_table(line_list), actor=None)
    assert again.already_imported
    print(f"[{kind}] the same file again: nothing added in {time.perf_counter() - start:.2f} s")
    # Peer: the single-person services, one transaction per row, on 1,000 fresh rows.
    from warroom.cases.services import do_register_person

    homes = {a.code: a for a in Area.objects.filter(code__in=compounds[:50])}
    codes = list(homes)
    start = time.perf_counter()
    for i in range(1000):
        do_register_person(
            name=f"peer{i}", home=homes[codes[i % len(codes)]], actor=None, category="febrile"
        )
    peer_s = (time.perf_counter() - start) * (n_rows / 1000)
    print(
        f"[{kind}] peer (row-by-row services), extrapolated to the line list: {peer_s:.1f} s; "
        f"ratio {peer_s / line_s:.1f}x"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
