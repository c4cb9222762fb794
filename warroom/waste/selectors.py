"""Reads of medical waste with permission: the day's balance and its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from warroom.geo.models import Area
from warroom.waste.models import WasteDay
from warroom.waste.services import Balance, balance_on


def balance(user: Any, area: Area, day: dt.date) -> Balance:
    return balance_on(day, user=user, area=area)


def balances(user: Any, areas: list[Area], day: dt.date) -> dict[int, Balance]:
    """Each area's :func:`balance` of ``day`` (area id -> balance), the whole city's read
    once and cut per area (:meth:`Balance.within`): the briefing of 16 areas in 7
    statements instead of 6 an area."""
    if not areas:
        return {}
    whole = balance_on(day, user=user)
    paths = whole.source_paths()
    return {a.pk: whole.within(a, paths) for a in areas}


def history(user: Any, area: Area, *, days: int = 60) -> list[WasteDay]:
    return list(WasteDay.objects.restrict(user).filter(area=area).order_by("-day")[:days])[::-1]


def panel(
    user: Any, area: Area, day: dt.date, *, balance_: Balance | None = None
) -> dict[str, Any]:
    """The dashboard's and briefing's waste panel (JSON-ready); ``balance_``: the area's
    balance of ``day`` when the caller has it (the briefing cuts every area's from the
    city's, :meth:`Balance.within`)."""
    bal = balance_ if balance_ is not None else balance(user, area, day)
    t = bal.totals()
    return {
        **t,
        "capacity": round(bal.capacity, 1),
        "plant_load": round(bal.plant_load, 1),
        "cleared": t["backlog"] == 0,
    }
