"""The daily cycle's supplies steps: check the ledger; store the day's stock-out alerts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from warroom.core.context import SYSTEM


def verify_step(day: dt.date) -> str:
    from warroom.supplies.ledger import do_verify_ledger

    report = do_verify_ledger(actor=SYSTEM)
    if report.ok:
        return f"ledger ok: {report.movements} movements"
    return f"LEDGER TAMPERED: {len(report.problems)} problem(s): {report.problems[0]}"


def alerts_step(day: dt.date) -> str:
    """Replace the day's alerts: every facility and item with fewer than ALERT_DAYS days
    of stock at its current occupancy (idempotent)."""
    from warroom.core import bulk
    from warroom.core.errors import NotFound
    from warroom.supplies import selectors
    from warroom.supplies.models import StockAlert
    from warroom.supplies.services import city_root, place_for_facility

    try:
        root = city_root()
    except NotFound:  # no city loaded: nothing to check
        return "no city"
    rows = [
        r
        for r in selectors.days_left(SYSTEM, root, day) + selectors.warehouse_days_left(day)
        if r["days_left"] < selectors.ALERT_DAYS
    ]
    with transaction.atomic():
        StockAlert.objects.filter(day=day).delete()
        # Plain value tuples, not 1,500 model instances a peak day.
        bulk.insert_tuples(
            StockAlert,
            ["day", "place", "item", "stock", "per_day", "days_left"],
            [
                (
                    day,
                    (r["place"] or place_for_facility(r["facility"])).pk,
                    r["item"].pk,
                    int(r["stock"]),
                    float(r["per_day"]),
                    float(r["days_left"]),
                )
                for r in rows
            ],
        )
    return f"{len(rows)} stock-out alerts"
