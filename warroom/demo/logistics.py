"""The demo's supplies and medical waste, fed from the twin's records through the imports.

One call per simulated day (:func:`feed_logistics`), after the day's records are closed:

- **supplies** (the twin's ``supplies.csv``: units used per district and item). The twin
  does not model inbound supply, so the feeder does, and says so: the city warehouse
  receives each item from the five channels in turn (national allocation, other
  provinces, purchase, local production, donation), 0.8 × the day's use before 10 Feb
  2020 (the shortage of the first weeks: an assumption) and 1.3 × after; district
  warehouses are topped up to 3 days of their use from the city warehouse, and the day's
  use is issued from them, never more than they hold. One movements file a day, through
  ``do_import_movements`` (the ledger refuses anything negative).
- **waste** (the twin's ``waste.csv``: tonnes per district and per facility). The
  generation file goes through ``do_import_generated``; the plants then report what they
  collected, oldest waste first up to their capacity (``waste.services.collection_plan``),
  through ``do_import_disposed``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import defaultdict
from typing import Any

import numpy as np

from warroom.exports import csv_writer  # user text as text (OWASP CSV injection)
from warroom.tables import read_table

SOURCES = ("national", "province", "purchase", "production", "donation")
SHORTAGE_UNTIL = dt.date(2020, 2, 10)  # assumption: inbound below use until then
KEEP_DAYS = 3


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def feed_logistics(rec: Any, *, actor: Any, stem: str, facility_codes: list[str]) -> dict[str, int]:
    """Import the day's supplies and waste of the twin's ``rec`` (see the module doc)."""
    from warroom.twin import records as R

    day = rec.date
    if isinstance(day, np.datetime64):
        day = day.astype("M8[D]").astype(dt.date)
    if _fed_already(stem):
        # The day's files depend on the stock and the storage they found; fed again (a
        # resumed or repeated feed), they would differ: a day fed once is not fed again.
        return {"supplies": 0, "waste": 0}
    return {
        "supplies": _supplies(rec.supplies, day, R.SUPPLY_NAMES, actor=actor, stem=stem),
        "waste": _waste(rec.waste, day, facility_codes, actor=actor, stem=stem),
    }


def _fed_already(stem: str) -> bool:
    from warroom.core.models import ImportBatch

    return ImportBatch.objects.filter(
        kind__in=("supplies-movements", "waste-generated"), filename__startswith=f"{stem}-"
    ).exists()


def _supplies(
    records: np.ndarray, day: dt.date, names: tuple[str, ...], *, actor: Any, stem: str
) -> int:
    from warroom.geo.models import Area
    from warroom.supplies import selectors
    from warroom.supplies.catalogue import items_by_code
    from warroom.supplies.imports import MOVEMENT_COLUMNS, do_import_movements
    from warroom.supplies.models import Place
    from warroom.supplies.services import ensure_district_warehouses

    if records.size == 0:
        return 0
    root = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        return 0
    if not Place.objects.filter(code=f"WH-{root.code}").exists():
        ensure_district_warehouses(actor=actor)
    city = Place.objects.get(code=f"WH-{root.code}")
    items = items_by_code()
    use: dict[tuple[str, str], int] = defaultdict(int)
    for r in records:
        use[(str(r["district_code"]), names[int(r["item"])])] += int(r["quantity"])
    warehouses = {p.code: p for p in Place.objects.filter(code__in={f"WH-{d}" for d, _ in use})}
    factor = 0.8 if day < SHORTAGE_UNTIL else 1.3
    rows: list[list[Any]] = []
    city_stock = {k: v for k, v in selectors.stock_at(city).items()}
    totals: dict[str, int] = defaultdict(int)
    for (_, code), n in use.items():
        totals[code] += n
    for k, (code, n) in enumerate(sorted(totals.items())):
        got = math.ceil(n * factor)
        if got and code in items:
            source = SOURCES[(day.toordinal() + k) % len(SOURCES)]
            rows.append([day, "receipt", code, got, "", city.code, "", "", source, f"{stem}-in"])
            city_stock[items[code].pk] = city_stock.get(items[code].pk, 0) + got
    # The district warehouses' stock in one read (the ledger holds nothing negative, so the
    # positive balances are the stock), not one read per district and item.
    held = selectors.stock_by_place([wh.pk for wh in warehouses.values()])
    for (district, code), n in sorted(use.items()):
        wh = warehouses.get(f"WH-{district}")
        item = items.get(code)
        if wh is None or item is None:
            continue
        have = held.get((wh.pk, item.pk), 0)
        top_up = min(max(0, KEEP_DAYS * n - have), city_stock.get(item.pk, 0))
        if top_up:
            rows.append(
                [day, "transfer", code, top_up, city.code, wh.code, "", "", "", f"{stem}-out"]
            )
            city_stock[item.pk] -= top_up
        issued = min(n, have + top_up)
        if issued:
            rows.append([day, "issue", code, issued, wh.code, "", "", "", "", f"{stem}-use"])
    if not rows:
        return 0
    header = [c.name for c in MOVEMENT_COLUMNS]
    table = read_table(_csv(header, rows), filename=f"{stem}-supplies.csv")
    return do_import_movements(table, actor=actor).created


def _waste(records: np.ndarray, day: dt.date, codes_of: list[str], *, actor: Any, stem: str) -> int:
    from warroom.beds.models import Facility
    from warroom.geo.models import Area
    from warroom.waste.imports import (
        DISPOSED_COLUMNS,
        GENERATED_COLUMNS,
        do_import_disposed,
        do_import_generated,
    )
    from warroom.waste.models import Plant
    from warroom.waste.services import collection_plan, do_load_demo_plants

    if records.size == 0:
        return 0
    if not Plant.objects.exists():
        do_load_demo_plants(actor=actor)
    districts = dict(Area.objects.filter(level="district").values_list("code", "path"))
    paths = dict(Facility.objects.values_list("code", "area__path"))
    gen: dict[tuple[str, str], float] = defaultdict(float)
    for r in records:
        district = str(r["district_code"])
        if district not in districts:
            continue
        fid = int(r["facility_id"])
        code = codes_of[fid] if 0 <= fid < len(codes_of) else ""
        if code and not paths.get(code, "").startswith(districts[district]):
            code = ""  # not a platform facility of this district: the district's waste
        gen[(district, code)] += float(r["tonnes"])
    rows = [[day, d, c, "infectious", round(t, 4)] for (d, c), t in sorted(gen.items()) if t > 0]
    if not rows:
        return 0
    header = [c.name for c in GENERATED_COLUMNS]
    do_import_generated(read_table(_csv(header, rows), filename=f"{stem}-waste.csv"), actor=actor)
    plan = collection_plan(day)
    if plan:
        header = [c.name for c in DISPOSED_COLUMNS]
        body = [
            [day, p["plant_code"], p["area_code"], p["facility_code"], p["tonnes"]] for p in plan
        ]
        do_import_disposed(
            read_table(_csv(header, body), filename=f"{stem}-disposed.csv"), actor=actor
        )
    return len(rows)
