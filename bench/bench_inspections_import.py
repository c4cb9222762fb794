"""The inspection import: one day's six-in-place sheets for every compound of the demo city.

The digital twin's demo feeds about 7,100 inspections (one per compound, all passing)
through :func:`warroom.communities.imports.do_import_inspections`. Target: <= 3 s on
SQLite, file reading included. Each timed run imports the file in a transaction that is
rolled back, so every run starts from the same database (the median of the runs is
printed). Peer: the same inspections recorded one by one through
``do_record_inspection`` (what the form and the API do), on a sample of 300 compounds,
scaled up to the whole file, in the same run.

    python bench/bench_inspections_import.py            # both databases
    python bench/bench_inspections_import.py sqlite     # one
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, setup_django, target
from _communities_db import run_child_isolated

DAY = dt.date(2020, 3, 10)
PEER_SAMPLE = 300


def sheet(codes: list[str], day: dt.date) -> bytes:
    """The file the streets send: every compound inspected on ``day``, every item passed."""
    lines = ["区域编码,检查日期,检查类型,未通过项,整改责任人,整改期限,备注"]
    lines += [f"{code},{day.isoformat()},六个到位,,,," for code in codes]
    return ("\n".join(lines) + "\n").encode("utf-8")


def child(kind: str) -> None:
    setup_django()
    from django.db import transaction

    from warroom.accounts.services import do_create_user
    from warroom.communities.imports import do_import_inspections
    from warroom.communities.models import ChecklistKind, Inspection
    from warroom.communities.services import ItemResult, active_checklist, do_record_inspection
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city
    from warroom.tables import read_table

    do_load_demo_city()
    inspector = do_create_user(
        "bench_inspector",
        role="hq_leader",
        area_code="4201",
        password=secrets.token_hex(16),
        actor=None,
        check_password=False,
    )
    codes = list(
        Area.objects.filter(level="compound", children__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    data = sheet(codes, DAY)
    n = len(codes)

    class Rollback(Exception):
        pass

    counts: list[int] = []

    def run() -> None:
        try:
            with transaction.atomic():
                result = do_import_inspections(
                    read_table(data, filename="sheet.csv"), actor=inspector
                )
                counts.append(result.inspections)
                raise Rollback
        except Rollback:
            pass

    ms = median_ms(run, repeat=5, warmup=1)
    assert set(counts) == {n} and not Inspection.objects.exists()
    print(
        f"[{kind}] inspection import: {n} inspections ({n * 6} item results) in "
        f"{ms / 1000:.2f} s median of 5 ({n / (ms / 1000):,.0f} rows/s) "
        + (target(f"[{kind}] inspection import", ms / 1000, 3, "s") if kind == "sqlite" else "")
    )

    # The same file kept, then again: the second is recognised and adds nothing.
    do_import_inspections(read_table(data, filename="sheet.csv"), actor=inspector)
    start = time.perf_counter()
    again = do_import_inspections(read_table(data, filename="sheet.csv"), actor=inspector)
    assert again.duplicate and Inspection.objects.count() == n
    print(f"[{kind}] the same file again: nothing added in {time.perf_counter() - start:.2f} s")

    # Peer: one inspection at a time through the service (another day, 300 compounds).
    items = active_checklist(ChecklistKind.SIX_IN_PLACE).items.all()
    answers = {i.code: ItemResult(True) for i in items}
    sample = list(Area.objects.filter(code__in=codes[:PEER_SAMPLE]))
    start = time.perf_counter()
    for area in sample:
        do_record_inspection(
            area,
            kind=str(ChecklistKind.SIX_IN_PLACE),
            date=DAY + dt.timedelta(days=1),
            results=answers,
            actor=inspector,
        )
    peer_s = (time.perf_counter() - start) * n / len(sample)
    print(
        f"[{kind}] peer (do_record_inspection one by one), {len(sample)} scaled to {n}: "
        f"{peer_s:.1f} s; ratio {peer_s / (ms / 1000):.1f}x"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child_isolated(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
