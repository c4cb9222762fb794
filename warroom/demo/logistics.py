"""The demo's supplies and medical waste, fed from the twin's records through the imports.

One call per simulated day (:func:`feed_logistics`), after the day's records are closed:

- **supplies** (the twin's ``supplies.csv``: units used per district and item). The twin
  does not model inbound supply, so the feeder does, and says so: the city warehouse
  receives each item from the five channels in turn (national allocation, other
  provinces, purchase, local production, donation), 0.8 × the day's use before 10 Feb
  2020 (the shortage of the first weeks: an assumption) and 1.3 × after; district
  warehouses are topped up to 5 days of their use from the city warehouse (more than
  the stock-out alert's 3 left after the day), and the day's use is issued from them,
  never more than they hold. The facilities' stores are kept too: each facility with
  patients needs, by the platform's norms and its bed report
  (``supplies.selectors.need_by_facility``, what its stock-out alerts read), so many units
  a day; the city receives that need too (× the same factor), the district warehouse
  holds 7 days of it more and serves its facilities first, topping a store up to 7 days
  of its need when the day's use would leave it under the alert's 3 days, and the
  facility uses the day's need from its store. (Without them every facility with
  patients had no stock of anything, and the stock-out alerts named all of them every
  day: ~1,800 a day in late March 2020 at full scale.) One movements file a day, through
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
# A district warehouse is topped up to this many days of its district's use (and
# WARD_DAYS of its facilities' need) before the day's flows: a working week's stock, so
# that more than the alert's 3 days of its issues remain after them, while its use falls
# too, when the city holds enough.
KEEP_DAYS = 5
# A facility's store that the day's use would leave under the stock-out alert's line
# (``supplies.selectors.ALERT_DAYS``, 3 days) is topped up to this many days of its need:
# a delivery every four days while the district holds enough.
WARD_DAYS = 7


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
    from warroom.beds.selectors import district_of
    from warroom.core.context import SYSTEM
    from warroom.geo.models import Area
    from warroom.supplies import selectors
    from warroom.supplies.catalogue import items_by_code
    from warroom.supplies.imports import MOVEMENT_COLUMNS, do_import_movements
    from warroom.supplies.models import Place
    from warroom.supplies.services import ensure_district_warehouses, place_for_facility

    root = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        return 0
    # The facilities' day: each one's need by the platform's norms (what its stock-out
    # alerts are read against), by district and item.
    wards: dict[tuple[str, str], list[tuple[Any, int]]] = defaultdict(list)
    for facility, per_item in selectors.need_by_facility(SYSTEM, root, day).items():
        district = district_of(facility.area.path)
        for code, by_type in per_item.items():
            wards[(district, code)].append((facility, int(sum(by_type.values()))))
    if records.size == 0 and not wards:
        return 0
    if not Place.objects.filter(code=f"WH-{root.code}").exists():
        ensure_district_warehouses(actor=actor)
    city = Place.objects.get(code=f"WH-{root.code}")
    items = items_by_code()
    use: dict[tuple[str, str], int] = defaultdict(int)
    for r in records:
        use[(str(r["district_code"]), names[int(r["item"])])] += int(r["quantity"])
    ward_need = {key: sum(n for _f, n in wards[key]) for key in wards}
    demand = {key: use.get(key, 0) + ward_need.get(key, 0) for key in {*use, *wards}}
    warehouses = {p.code: p for p in Place.objects.filter(code__in={f"WH-{d}" for d, _ in demand})}
    # Each facility's store (made on first use by the same service as its alerts').
    facilities = {f.pk: f for key in wards for f, _n in wards[key]}
    stores = {p.facility_id: p for p in Place.objects.filter(facility_id__in=list(facilities))}
    for pk in sorted(set(facilities) - set(stores)):
        stores[pk] = place_for_facility(facilities[pk])
    factor = 0.8 if day < SHORTAGE_UNTIL else 1.3
    rows: list[list[Any]] = []
    city_stock = {k: v for k, v in selectors.stock_at(city).items()}
    totals: dict[str, int] = defaultdict(int)
    for (_, code), n in demand.items():
        totals[code] += n
    for k, (code, n) in enumerate(sorted(totals.items())):
        got = math.ceil(n * factor)
        if got and code in items:
            source = SOURCES[(day.toordinal() + k) % len(SOURCES)]
            rows.append([day, "receipt", code, got, "", city.code, "", "", source, f"{stem}-in"])
            city_stock[items[code].pk] = city_stock.get(items[code].pk, 0) + got
    # The warehouses' and the facilities' stock in one read (the ledger holds nothing
    # negative, so the positive balances are the stock), not one read per place and item.
    held = selectors.stock_by_place(
        [wh.pk for wh in warehouses.values()] + [p.pk for p in stores.values()]
    )
    for district, code in sorted(demand):
        wh = warehouses.get(f"WH-{district}")
        item = items.get(code)
        if wh is None or item is None:
            continue
        have = held.get((wh.pk, item.pk), 0)
        want = KEEP_DAYS * use.get((district, code), 0) + WARD_DAYS * ward_need.get(
            (district, code), 0
        )
        top_up = min(max(0, want - have), city_stock.get(item.pk, 0))
        if top_up:
            rows.append(
                [day, "transfer", code, top_up, city.code, wh.code, "", "", "", f"{stem}-out"]
            )
            city_stock[item.pk] -= top_up
        left = have + top_up
        # The wards first: a facility's store that the day's use would leave under the
        # alert line is topped up to WARD_DAYS of its need (a delivery every few days),
        # then the day's need is used from it.
        for facility, need in sorted(wards.get((district, code), []), key=lambda w: w[0].pk):
            store = stores[facility.pk]
            stock = held.get((store.pk, item.pk), 0)
            short = stock - need < selectors.ALERT_DAYS * need
            sent = min(max(0, WARD_DAYS * need - stock), left) if short else 0
            if sent:
                rows.append(
                    [day, "transfer", code, sent, wh.code, store.code, "", "", "", f"{stem}-ward"]
                )
                left -= sent
            used = min(need, stock + sent)
            if used:
                rows.append([day, "issue", code, used, store.code, "", "", "", "", f"{stem}-use"])
        issued = min(use.get((district, code), 0), left)
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
