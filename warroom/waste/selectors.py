"""Reads of medical waste with permission: the day's balance and its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from warroom.geo.models import Area
from warroom.waste.models import WasteDay
from warroom.waste.services import Balance, balance_on


def balance(user: Any, area: Area, day: dt.date) -> Balance:
    return balance_on(day, user=user, area=area)


def history(user: Any, area: Area, *, days: int = 60) -> list[WasteDay]:
    return list(WasteDay.objects.restrict(user).filter(area=area).order_by("-day")[:days])[::-1]


def panel(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The dashboard's and briefing's waste panel (JSON-ready)."""
    bal = balance(user, area, day)
    t = bal.totals()
    return {
        **t,
        "capacity": round(bal.capacity, 1),
        "plant_load": round(bal.plant_load, 1),
        "cleared": t["backlog"] == 0,
    }
