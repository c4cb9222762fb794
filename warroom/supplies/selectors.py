"""Reads of supplies, with permission: stock, need, days of stock, donations, panels."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Q, Sum

from warroom.analytics.supplies import NORMS_PER_BED_DAY, days_of_stock
from warroom.core.context import SYSTEM
from warroom.core.scoping import load_for
from warroom.geo.models import Area
from warroom.supplies.models import (
    AllocationPlan,
    Balance,
    CareMeasure,
    Donation,
    DonationForm,
    DonationStatus,
    DonorKind,
    LedgerCheck,
    MedicalTeam,
    Movement,
    Place,
    PlaceKind,
    StockAlert,
)

# A place with fewer days of stock than this for an item is on the stand-up's agenda.
ALERT_DAYS = 3.0
ALERTS_READ = 200  # an area's stock-out alerts counted on its panel (:func:`alerts`)
ALERTS_SHOWN = 20  # ... and listed
ALERT_ORDER = ("days_left", "place__code", "pk")  # the fewest days left first; total


def places(user: Any, action: str = "view") -> Any:
    return Place.objects.restrict(user, action).exclude(
        kind__in=(PlaceKind.SOURCE, PlaceKind.SINK, PlaceKind.ADJUSTMENT)
    )


_BALANCE_SQL = (
    "SELECT COALESCE(SUM(quantity), 0) FROM supplies_balance WHERE item_id = %s AND place_id = %s"
)


def balance(item_id: int, place_id: int) -> int:
    """The stock of one item at one place (every lot), from the maintained balance rows:
    one range of the unique index (item, place, lot), one plain statement (no queryset to
    build: this read is made per item and place by pages, the API and the allocation)."""
    with connection.cursor() as cursor:
        cursor.execute(_BALANCE_SQL, [item_id, place_id])
        return int(cursor.fetchone()[0])


def stock_at(place: Place) -> dict[int, int]:
    """Item id → units at ``place`` (every lot)."""
    rows = (
        Balance.objects.filter(place=place, quantity__gt=0)
        .values("item_id")
        .annotate(n=Sum("quantity"))
    )
    return {r["item_id"]: int(r["n"]) for r in rows}


def stock_by_place(place_ids: list[int]) -> dict[tuple[int, int], int]:
    rows = (
        Balance.objects.filter(place_id__in=place_ids, quantity__gt=0)
        .values("place_id", "item_id")
        .annotate(n=Sum("quantity"))
    )
    return {(r["place_id"], r["item_id"]): int(r["n"]) for r in rows}


def stock_table(user: Any, area: Area) -> list[dict[str, Any]]:
    """Units per place and item under ``area``, with the lots' nearest expiry."""
    rows = (
        Balance.objects.restrict(user)
        .filter(place__area__path__under=area.path, external=False, quantity__gt=0)
        .values(
            "place__code", "place__name", "place__kind", "item__code", "item__name", "item__unit"
        )
        .annotate(n=Sum("quantity"))
        .order_by("place__code", "item__code")
    )
    return list(rows[:2000])


def need_by_facility(user: Any, area: Area, day: dt.date) -> dict[Any, dict[str, dict[str, int]]]:
    """Facility → item code → bed type → units needed for one day: occupied beds (the
    beds app's latest report, within a week) × the consumption norms."""
    from warroom.beds.selectors import census_on, visible_facilities

    facilities = {
        f.pk: f
        for f in visible_facilities(user).filter(area__path__under=area.path).select_related("area")
    }
    out: dict[Any, dict[str, dict[str, int]]] = {}
    for (fid, bed_type), census in census_on(day, user=user, facility_ids=list(facilities)).items():
        occupied = census.occupied
        if not occupied or fid not in facilities:
            continue
        per = out.setdefault(facilities[fid], {})
        for item, norms in NORMS_PER_BED_DAY.items():
            units = int(np.ceil(occupied * norms.get(bed_type, 0.0)))
            if units:
                per.setdefault(item, {})[bed_type] = units
    return out


def days_left(user: Any, area: Area, day: dt.date) -> list[dict[str, Any]]:
    """Per facility and item: stock, need per day and days of stock left (fewest first)."""
    from warroom.supplies.catalogue import items_by_code

    need = need_by_facility(user, area, day)
    items = items_by_code()
    fac_places = {p.facility_id: p for p in Place.objects.filter(facility__in=[f.pk for f in need])}
    held = stock_by_place([p.pk for p in fac_places.values()])
    rows = []
    for facility, per_item in need.items():
        place = fac_places.get(facility.pk)
        for code, by_type in per_item.items():
            item = items.get(code)
            if item is None:
                continue
            per_day = float(sum(by_type.values()))
            stock = held.get((place.pk, item.pk), 0) if place else 0
            rows.append(
                {
                    "facility": facility,
                    "place": place,
                    "item": item,
                    "stock": stock,
                    "per_day": per_day,
                }
            )
    _with_days_left(rows)
    rows.sort(key=lambda r: (r["days_left"], r["facility"].code, r["item"].code))
    return rows


def _with_days_left(rows: list[dict[str, Any]]) -> None:
    """Each row's ``days_left`` (:func:`days_of_stock`), in one call for all the rows (one
    per row took 0.1 s at the whole city's 1,600 facility items)."""
    left = days_of_stock(
        np.array([r["stock"] for r in rows], dtype=float),
        np.array([r["per_day"] for r in rows], dtype=float),
    ).tolist()
    for r, days in zip(rows, left, strict=True):
        r["days_left"] = float(days)


def warehouse_days_left(day: dt.date) -> list[dict[str, Any]]:
    """Per warehouse and item: stock against the average of the last 7 days' issues."""
    from warroom.supplies.models import Item

    since = day - dt.timedelta(days=6)
    used = {
        (r["credit_id"], r["item_id"]): r["n"] / 7.0
        for r in Movement.objects.filter(
            kind="issue", day__gte=since, day__lte=day, credit__kind=PlaceKind.WAREHOUSE
        )
        .values("credit_id", "item_id")
        .annotate(n=Sum("quantity"))
    }
    if not used:
        return []
    held = stock_by_place(list({k[0] for k in used}))
    places_ = Place.objects.in_bulk(list({k[0] for k in used}))
    items = Item.objects.in_bulk(list({k[1] for k in used}))
    rows = []
    for (pid, iid), per_day in used.items():
        stock = held.get((pid, iid), 0)
        rows.append(
            {
                "facility": None,
                "place": places_[pid],
                "item": items[iid],
                "stock": stock,
                "per_day": per_day,
            }
        )
    _with_days_left(rows)
    return rows


def alerts(user: Any, area: Area, day: dt.date) -> list[StockAlert]:
    return list(
        StockAlert.objects.restrict(user)
        .filter(day=day, place__area__path__under=area.path)
        .select_related("place", "item")
        .order_by(*ALERT_ORDER)[:ALERTS_READ]
    )


def donations(user: Any) -> Any:
    return Donation.objects.restrict(user).select_related("item", "warehouse", "lot")


def donation_totals(qs: Any) -> dict[str, Any]:
    """Money (fen) and goods donations by donor type, and the overall totals."""
    return _donation_totals({r["donor_kind"]: r for r in _donation_sums(qs.values("donor_kind"))})


def _donation_sums(qs: Any) -> Any:
    """The sums of :func:`donation_totals` over ``qs`` grouped by its ``values()``."""
    return qs.exclude(status=DonationStatus.REJECTED).annotate(
        fen=Sum("amount_fen", filter=Q(form=DonationForm.MONEY)),
        goods=Count("pk", filter=Q(form=DonationForm.GOODS)),
        n=Count("pk"),
    )


def _donation_totals(rows: dict[str, Any]) -> dict[str, Any]:
    by_kind = [
        {
            "kind": k,
            "label": label,
            "fen": int((rows.get(k) or {}).get("fen") or 0),
            "goods": int((rows.get(k) or {}).get("goods") or 0),
            "count": int((rows.get(k) or {}).get("n") or 0),
        }
        for k, label in DonorKind.choices()
    ]
    return {
        "by_kind": by_kind,
        "fen": sum(r["fen"] for r in by_kind),
        "count": sum(r["count"] for r in by_kind),
    }


def destinations(donation_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Where each donation's goods went: units of its lot that reached each facility (and
    what was used from the warehouse), from the ledger."""
    lots = dict(
        Donation.objects.filter(pk__in=donation_ids, lot__isnull=False).values_list("lot_id", "pk")
    )
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not lots:
        return out
    rows = (
        Movement.objects.filter(lot_id__in=list(lots), debit__kind=PlaceKind.FACILITY)
        .values("lot_id", "debit__name")
        .annotate(n=Sum("quantity"))
        .order_by("lot_id", "debit__name")
    )
    for r in rows:
        out[lots[r["lot_id"]]].append({"place": r["debit__name"], "quantity": int(r["n"])})
    return out


def public_donations() -> dict[str, Any]:
    """The public transparency page: published donations only (inspected; the donor's
    agreed name; never a contact), their totals and where the goods went."""
    qs = Donation.objects.filter(published=True).exclude(status=DonationStatus.RECEIVED)
    listed = list(qs.select_related("item").order_by("-received_on", "-pk")[:500])
    return {
        "donations": listed,
        "totals": donation_totals(qs),
        "went": destinations([d.pk for d in listed]),
    }


def plans(user: Any) -> Any:
    return AllocationPlan.objects.restrict(user).select_related("warehouse")


def teams(user: Any) -> Any:
    return MedicalTeam.objects.restrict(user).select_related("hospital")


def care(user: Any) -> Any:
    return CareMeasure.objects.restrict(user).select_related("team")


def team_counts(user: Any, area: Area, day: dt.date) -> dict[str, int]:
    return team_counts_of(user, [area], day)[area.pk]


TEAM_SUMS = ("teams", "members", "doctors", "nurses")


def team_counts_of(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, int]]:
    """:func:`team_counts` of several areas: the teams on site under them summed by area
    in one statement, each area's the sum of the rows under it."""
    from warroom.geo.subtrees import Subtrees, under_any

    subtrees = Subtrees(areas)
    out = {a.pk: dict.fromkeys(TEAM_SUMS, 0) for a in areas}
    for row in (
        teams(user)
        .filter(under_any("area__path", areas), arrived_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .order_by()
        .values("area__path")
        .annotate(
            teams=Count("pk"), members=Sum("size"), doctors=Sum("doctors"), nurses=Sum("nurses")
        )
    ):
        for pk in subtrees.of(row["area__path"]):
            for k in TEAM_SUMS:
                out[pk][k] += int(row[k] or 0)
    return out


def last_check() -> LedgerCheck | None:
    return LedgerCheck.objects.order_by("-at", "-pk").first()


def panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The dashboard's and briefing's supplies panel (JSON-ready): stock-out alerts, aid
    teams, donations, the ledger's last check."""
    return panels(user, [area], day)[area.pk]


def panels(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`panel` of several areas: each table read once for all of them (the rows
    under them, grouped by area) and cut per area, as :func:`alerts`, :func:`team_counts`
    and :func:`donation_totals` count them."""
    from warroom.geo.subtrees import Subtrees, under_any

    subtrees = Subtrees(areas)
    alert_rows = (
        StockAlert.objects.restrict(user)
        .filter(under_any("place__area__path", areas), day=day)
        .order_by(*ALERT_ORDER)
        .values_list(
            "place__area__path", "place__name", "item__name", "stock", "per_day", "days_left"
        )
    )
    found = subtrees.split(alert_rows, lambda r: r[0])
    check = last_check()
    team_sums = team_counts_of(user, areas, day)
    by_kind: dict[int, dict[str, dict[str, Any]]] = {a.pk: {} for a in areas}
    for row in _donation_sums(
        donations(user).filter(under_any("area__path", areas)).values("area__path", "donor_kind")
    ).order_by():
        for pk in subtrees.of(row["area__path"]):
            mine = by_kind[pk].setdefault(row["donor_kind"], {"fen": None, "goods": 0, "n": 0})
            if row["fen"] is not None:
                mine["fen"] = (mine["fen"] or 0) + row["fen"]
            mine["goods"] += row["goods"]
            mine["n"] += row["n"]
    gifts = {pk: _donation_totals(rows) for pk, rows in by_kind.items()}
    out: dict[int, dict[str, Any]] = {}
    for a in areas:
        listed = found[a.pk][:ALERTS_READ]
        out[a.pk] = {
            "alerts": [
                {
                    "kind": "stock_out",
                    "place": place,
                    "item": item,
                    "stock": stock,
                    "per_day": round(per_day, 1),
                    "days_left": round(days_left, 1),
                }
                for _path, place, item, stock, per_day, days_left in listed[:ALERTS_SHOWN]
            ],
            "alert_count": len(listed),
            "teams": team_sums[a.pk],
            "donations_fen": gifts[a.pk]["fen"],
            "donations": gifts[a.pk]["count"],
            "ledger_ok": None if check is None else check.ok,
        }
    return out


def system_panel(area: Area, day: dt.date) -> dict[str, Any]:
    return panel(SYSTEM, area, day)


# --- scoped lookups (the API's object parameters; views use the same door) ------------------


def get_place(user: Any, code: Any, action: str = "view") -> Place:
    """One of the city's places (a warehouse or a facility's store) by code, or NotFound:
    another district's place answers like a missing one; outside accounts are not places."""
    key = code.strip() if isinstance(code, str) else code
    return load_for(user, action, places(user, action).select_related("area"), key, field="code")


def get_donation(user: Any, donation_id: Any, action: str = "view") -> Donation:
    qs = Donation.objects.select_related("item", "warehouse", "lot", "area")
    return load_for(user, action, qs, donation_id, what="donation")


def get_plan(user: Any, plan_id: Any, action: str = "view") -> AllocationPlan:
    qs = AllocationPlan.objects.select_related("warehouse", "area")
    return load_for(user, action, qs, plan_id, what="allocation")
