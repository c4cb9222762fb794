"""The supplies ledger at scale: 1,000,000 movements imported, balances recomputed.

Figures (PostgreSQL by default; pass ``sqlite`` for the embedded database too):

- import 1,000,000 movements (receipts into the city warehouse, transfers to 300
  facility stores, issues from them; 12 items) as five files of 200,000 rows (the
  import's row limit per file), through ``do_import_movements`` (all checks, the chain,
  COPY), then ``ledger.verify()`` (the whole hash chain and every balance recomputed from
  the movements and compared): target <= 30 s in all;
- the balance of one item at one place (``selectors.balance``): target <= 5 ms (median).

Peers, measured in the same run:

- PostgreSQL: ``COPY`` of exactly the rows each import wrote (the movements, the balances
  inserted or updated, lots, the ledger's head, the batch and its audit entry), read back,
  removed and written again by ``COPY FROM`` into the same tables (same indexes), timed,
  in one transaction (``bench_cases_ingest``'s method); the ratio import / COPY is printed
  per file and for the five, in wall seconds and in CPU seconds (this process + its
  database backend, against the peer's backend: the machine is shared, so the wall clock
  follows the load; the CPU does not).
- posting movements one at a time through the service (``do_issue``: one transaction,
  the ledger lock, the conditional UPDATE each), on 300 movements; the ratio of
  throughputs is printed.

    python bench/bench_supplies_ledger.py [sqlite] [postgres]
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, pid_cpu, run_child, setup_django, target
from bench_cases_ingest import _pg_tables, _pg_xid, pg_peer_cpu

# BENCH_LEDGER_N: fewer movements for a profile (the target is for 1,000,000).
N = int(os.environ.get("BENCH_LEDGER_N", "1000000"))
FILES = 5
PLACES = 300


def _world() -> tuple[object, list[str], list[str]]:
    from tests.conftest import SMALL_CITY_CSV
    from warroom.core.context import SYSTEM
    from warroom.geo.models import Area
    from warroom.geo.services import do_import_areas
    from warroom.supplies.catalogue import ensure_catalogue, items_by_code
    from warroom.supplies.models import Place, PlaceKind
    from warroom.supplies.services import ensure_district_warehouses
    from warroom.tables import read_table

    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    ensure_catalogue()
    ensure_district_warehouses(actor=SYSTEM)
    district = Area.objects.get(code="990101")
    Place.objects.bulk_create(
        [
            Place(
                code=f"F{i:03d}", name=f"bench store {i}", kind=PlaceKind.WAREHOUSE, area=district
            )
            for i in range(PLACES)
        ]
    )
    return SYSTEM, sorted(items_by_code()), [f"F{i:03d}" for i in range(PLACES)]


def _files(items: list[str], places: list[str]) -> list[bytes]:
    """N feasible movements: the generator keeps its own books so nothing goes negative."""
    rng = random.Random(7)
    city: dict[str, int] = {i: 0 for i in items}
    held: dict[tuple[str, str], int] = {}
    header = "date,kind,item,quantity,from_place,to_place,lot,expires_on,source,reference\n"
    per = N // FILES
    out = []
    sources = ("national", "province", "purchase", "production", "donation")
    for f in range(FILES):
        buf = io.StringIO()
        buf.write(header)
        for k in range(per):
            item = items[k % len(items)]
            r = rng.random()
            day = f"2020-02-{1 + (f * per + k) * 28 // N:02d}"
            if r < 0.2 or city[item] < 50:
                q = rng.randint(100, 1000)
                city[item] += q
                buf.write(f"{day},receipt,{item},{q},,WH-9901,,,{sources[k % 5]},\n")
                continue
            place = places[rng.randrange(len(places))]
            have = held.get((place, item), 0)
            if r < 0.6 or have == 0:
                q = rng.randint(1, min(50, city[item]))
                city[item] -= q
                held[(place, item)] = have + q
                buf.write(f"{day},transfer,{item},{q},WH-9901,{place},,,,\n")
            else:
                q = rng.randint(1, have)
                held[(place, item)] = have - q
                buf.write(f"{day},issue,{item},{q},{place},,,,,\n")
        out.append(buf.getvalue().encode())
    return out


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (Linux /proc, when
    the server runs on this machine; NaN otherwise or on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return float("nan")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid_cpu(pid)


def child(kind: str) -> None:
    setup_django()
    from warroom.supplies import ledger, selectors
    from warroom.supplies.imports import do_import_movements
    from warroom.supplies.models import Item, Movement, Place
    from warroom.supplies.services import do_issue, do_receive
    from warroom.tables import read_table

    actor, items, places = _world()
    files = _files(items, places)
    load0 = os.getloadavg()[0]
    pg = kind == "postgres"
    imported = cpu_import = server_import = 0.0
    peer_wall = peer_cpu = 0.0
    peer_rows = 0
    walls = []
    for n, data in enumerate(files):
        before = _pg_tables() if pg else {}
        since = _pg_xid() if pg else ""
        server0, cpu0, start = backend_cpu(), time.process_time(), time.perf_counter()
        do_import_movements(read_table(data, filename=f"bench-{n}.csv"), actor=actor)
        wall = time.perf_counter() - start
        cpu, server = time.process_time() - cpu0, backend_cpu() - server0
        imported, cpu_import, server_import = (
            imported + wall,
            cpu_import + cpu,
            server_import + server,
        )
        walls.append(wall)
        line = f"[{kind}] file {n + 1}: {N // FILES:,} movements in {wall:.1f} s, CPU {cpu:.1f}"
        if pg:
            p_wall, p_cpu, rows = pg_peer_cpu(since, before)
            peer_wall, peer_cpu, peer_rows = peer_wall + p_wall, peer_cpu + p_cpu, peer_rows + rows
            line += (
                f" + backend {server:.1f} s; COPY of the same {rows:,} rows {p_wall:.1f} s "
                f"(backend CPU {p_cpu:.1f} s); ratio wall {wall / p_wall:.1f}x, "
                f"CPU {(cpu + server) / p_cpu:.1f}x"
            )
        print(line + f"; load {os.getloadavg()[0]:.1f}", flush=True)
    cpu1, server1 = time.process_time(), backend_cpu()
    start = time.perf_counter()
    report = ledger.verify()
    verified = time.perf_counter() - start
    total = imported + verified
    cpu_verify, server_verify = time.process_time() - cpu1, backend_cpu() - server1
    # On the shared machine the load stretches the wall clock many times over; the CPU
    # seconds of this process and of its database backend (not the server's background
    # writers) are what the work costs, whatever the load.
    print(
        f"[{kind}] CPU seconds, this process + its database backend: import "
        f"{cpu_import:.1f} + {server_import:.1f}, verify {cpu_verify:.1f} + "
        f"{server_verify:.1f}; load average {load0:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores); file walls median "
        f"{statistics.median(walls):.1f} s"
    )
    if pg:
        print(
            f"[{kind}] peer: COPY of exactly the {peer_rows:,} rows the five imports wrote: "
            f"{peer_wall:.1f} s wall, {peer_cpu:.1f} s backend CPU; ratio import / COPY: "
            f"wall {imported / peer_wall:.1f}x, CPU {(cpu_import + server_import) / peer_cpu:.1f}x"
        )
    assert report.ok and report.movements == N == Movement.objects.count(), report.problems[:3]
    print(
        f"[{kind}] {N:,} movements imported (balances recomputed) in {imported:.1f} s and the "
        f"ledger verified (chain + every balance recomputed) in {verified:.1f} s: {total:.1f} s "
        + target(f"{kind} 1M movements imported and recomputed", total, 30, "s")
    )
    item = Item.objects.get(code=items[0])
    place = Place.objects.get(code=places[0])
    ms = median_ms(lambda: selectors.balance(item.pk, place.pk), repeat=50)
    print(
        f"[{kind}] balance of one item at one place: {ms:.2f} ms "
        + target(f"{kind} balance", ms, 5, "ms")
    )
    # Peer: one movement per service call.
    wh = Place.objects.get(code="WH-990101")
    peer_item = Item.objects.get(code=items[1])
    do_receive(wh, peer_item, 10_000, source="national", actor=actor)
    count = 300
    t0 = time.perf_counter()
    for _ in range(count):
        do_issue(wh, peer_item, 1, actor=actor)
    peer = time.perf_counter() - t0
    ours_rate, peer_rate = N / imported, count / peer
    print(
        f"[{kind}] peer (one movement per service call): {peer_rate:,.0f}/s; the import: "
        f"{ours_rate:,.0f}/s; ratio ours/peer {ours_rate / peer_rate:.1f}"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["postgres"]:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
