"""Medical waste: plants and their capacity, the day's balance per source, district and
city (日产日清), the 48-hour rule, and the collection plan the demo's plants follow.

The backlog is first in, first out (``warroom.analytics.supplies.waste_backlog``): a
source's waste is collected oldest first, so what is still stored at a day's cut-off is
known by age. Waste generated two or more days before a cut-off and still stored has
been stored over 48 hours: that is an alert on the stand-up's agenda.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from warroom.analytics.supplies import waste_backlog
from warroom.core.context import SYSTEM, acting
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.scoping import in_scope
from warroom.geo.models import Area
from warroom.waste.models import Disposed, Generated, Plant, PlantCapacity, WasteDay

# How far back the balance looks for stored waste (days): older waste would long since be
# an alert; a source silent for longer is assumed cleared by then.
HORIZON_DAYS = 60


def _require(actor: Any) -> None:
    if not actor.can("change"):
        raise Forbidden(_("You may not change waste records."))


def tonnes(value: Any) -> Decimal:
    try:
        t = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Tonnes must be a number.")) from None
    if not t.is_finite() or t < 0 or t >= Decimal("100000000"):
        raise InvalidInput(_("Tonnes must be a number from 0 up."))
    return t.quantize(Decimal("0.0001"))


def do_create_plant(
    code: str,
    name: str,
    area: Area,
    *,
    actor: Any,
    capacity: Any = None,
    effective: dt.date | None = None,
    operator: str = "",
    synthetic: bool = False,
    source: str = "",
) -> Plant:
    _require(actor)
    if not in_scope(actor, area.path):
        raise NotFound(_("Area not found."))
    code = clean_text(code, what=_("Code"), max_length=32, required=True)
    with acting(actor), transaction.atomic():
        if Plant.objects.filter(code=code).exists():
            raise Conflict(_("A plant with code %(code)s exists already.") % {"code": code})
        plant = Plant.objects.create(
            code=code,
            name=clean_text(name, what=_("Name"), max_length=200) or code,
            area=area,
            operator=clean_text(operator, what=_("Operator"), max_length=200),
            synthetic=synthetic,
            source=source,
        )
        if capacity is not None:
            if effective is None:
                raise InvalidInput(_("Give the date the capacity applies from."))
            PlantCapacity.objects.create(
                plant=plant, effective=effective, tonnes_per_day=tonnes(capacity)
            )
    return plant


def do_set_plant_capacity(
    plant: Plant, capacity: Any, effective: dt.date, *, actor: Any, note: str = ""
) -> PlantCapacity:
    """A new level of the plant's capacity from ``effective`` (appended to its history)."""
    _require(actor)
    if not in_scope(actor, plant.area.path):
        raise NotFound(_("Plant not found."))
    from warroom.audit.services import record_event

    with acting(actor), transaction.atomic():
        row, _created = PlantCapacity.objects.update_or_create(
            plant=plant,
            effective=effective,
            defaults={"tonnes_per_day": tonnes(capacity), "note": note[:200]},
        )
        record_event(
            "waste.capacity",
            object_type="waste.plantcapacity",
            object_id=str(row.pk),
            area_path=plant.area.path,
            message=f"{plant.code} {row.tonnes_per_day} t/day from {effective}",
        )
    return row


def capacity_on(day: dt.date, *, user: Any = SYSTEM) -> dict[int, float]:
    """Plant id → tonnes per day on ``day`` (the latest level effective on or before it)."""
    out: dict[int, float] = {}
    rows = (
        PlantCapacity.objects.restrict(user)
        .filter(effective__lte=day)
        .order_by("plant_id", "effective")
        .values_list("plant_id", "tonnes_per_day")
    )
    for pid, t in rows:
        out[pid] = float(t)
    return out


@dataclass
class SourceBalance:
    area_id: int
    source_code: str
    generated: float = 0.0  # today
    disposed: float = 0.0  # today
    backlog: float = 0.0
    over_48h: float = 0.0
    oldest_days: int = -1


@dataclass
class Balance:
    day: dt.date
    sources: list[SourceBalance] = field(default_factory=list)
    capacity: float = 0.0
    plant_load: float = 0.0
    plants: list[dict[str, Any]] = field(default_factory=list)

    def within(self, area: Area, paths: dict[int, str]) -> Balance:
        """The balance of ``area``'s subtree cut from a wider one (the city's): what
        ``balance_on(day, area=area)`` returns, each source's figures being its own
        (``paths``: area id -> path, for every source's area)."""
        sub = Balance(self.day, [s for s in self.sources if paths[s.area_id].startswith(area.path)])
        sub.plants = [p for p in self.plants if p["plant"].area.path.startswith(area.path)]
        sub.capacity = sum(p["capacity"] for p in sub.plants)
        sub.plant_load = sum(p["load"] for p in sub.plants)
        return sub

    def source_paths(self) -> dict[int, str]:
        """Area id -> path of every source's area (one query), for :meth:`within`."""
        ids = {s.area_id for s in self.sources}
        return dict(Area.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}

    def totals(self, area_ids: set[int] | None = None) -> dict[str, float]:
        rows = [s for s in self.sources if area_ids is None or s.area_id in area_ids]
        return {
            "generated": round(sum(s.generated for s in rows), 3),
            "disposed": round(sum(s.disposed for s in rows), 3),
            "backlog": round(sum(s.backlog for s in rows), 3),
            "over_48h": round(sum(s.over_48h for s in rows), 3),
            "sources_over_48h": sum(1 for s in rows if s.over_48h > 0),
        }


def balance_on(day: dt.date, *, user: Any = SYSTEM, area: Area | None = None) -> Balance:
    """Every source's generated and disposed today, backlog and over-48-hour waste at the
    day's cut-off (first in, first out), and the plants' load against capacity."""
    start = day - dt.timedelta(days=HORIZON_DAYS - 1)
    n = HORIZON_DAYS
    gen = Generated.objects.restrict(user).filter(day__gte=start, day__lte=day)
    dis = Disposed.objects.restrict(user).filter(day__gte=start, day__lte=day)
    if area is not None:
        gen = gen.filter(area__path__under=area.path)
        dis = dis.filter(area__path__under=area.path)
    series: dict[tuple[int, str], np.ndarray] = defaultdict(lambda: np.zeros((2, n)))
    for aid, code, d, t in (
        gen.values("area_id", "source_code", "day")
        .annotate(t=Sum("tonnes"))
        .values_list("area_id", "source_code", "day", "t")
    ):
        series[(aid, code)][0, (d - start).days] += float(t)
    for aid, code, d, t in (
        dis.values("area_id", "source_code", "day")
        .annotate(t=Sum("tonnes"))
        .values_list("area_id", "source_code", "day", "t")
    ):
        series[(aid, code)][1, (d - start).days] += float(t)
    out = Balance(day)
    keys = sorted(series)
    if keys:
        g = np.stack([series[k][0] for k in keys])
        d_ = np.stack([series[k][1] for k in keys])
        d_ = np.minimum(np.cumsum(d_, axis=1), np.cumsum(g, axis=1))
        d_ = np.diff(d_, axis=1, prepend=0.0)  # a horizon cut mid-backlog stays consistent
        result = waste_backlog(g, np.clip(d_, 0.0, None))
        for r, (aid, code) in enumerate(keys):
            out.sources.append(
                SourceBalance(
                    aid,
                    code,
                    generated=float(series[(aid, code)][0, -1]),
                    disposed=float(series[(aid, code)][1, -1]),
                    backlog=float(result.backlog[r, -1]),
                    over_48h=float(result.over_48h[r, -1]),
                    oldest_days=int(result.oldest_days[r, -1]),
                )
            )
    caps = capacity_on(day, user=user)
    load = dict(
        Disposed.objects.restrict(user)
        .filter(day=day)
        .values("plant_id")
        .annotate(t=Sum("tonnes"))
        .values_list("plant_id", "t")
    )
    plants = Plant.objects.restrict(user).select_related("area").order_by("code")
    if area is not None:
        plants = plants.filter(area__path__under=area.path)
    for p in plants:
        out.plants.append(
            {"plant": p, "capacity": caps.get(p.pk, 0.0), "load": float(load.get(p.pk, 0) or 0)}
        )
    out.capacity = sum(p["capacity"] for p in out.plants)
    out.plant_load = sum(p["load"] for p in out.plants)
    return out


def balance_step(day: dt.date) -> str:
    """Store the day's balance of every district and of the city (replacing the day)."""
    root = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        return "no city"
    bal = balance_on(day)
    districts = list(Area.objects.filter(level="district"))
    under: dict[int, set[int]] = {}
    paths = dict(Area.objects.values_list("pk", "path"))
    for d in districts:
        under[d.pk] = {
            aid for aid in {s.area_id for s in bal.sources} if paths[aid].startswith(d.path)
        }
    rows = []
    for d in districts:
        t = bal.totals(under[d.pk])
        rows.append(WasteDay(day=day, area=d, **t, capacity=None, plant_load=None))
    rows.append(
        WasteDay(
            day=day, area=root, **bal.totals(), capacity=bal.capacity, plant_load=bal.plant_load
        )
    )
    with transaction.atomic():
        WasteDay.objects.filter(day=day).delete()
        WasteDay.objects.bulk_create(rows)
    t = bal.totals()
    return (
        f"generated {t['generated']:.1f} t, disposed {t['disposed']:.1f} t, "
        f"backlog {t['backlog']:.1f} t, over 48 h {t['over_48h']:.1f} t"
    )


def collection_plan(day: dt.date) -> list[dict[str, Any]]:
    """What the plants can take on ``day``: every source's stored waste (after the day's
    generation), oldest first, up to the plants' total capacity, filling plants in code
    order. Rows ``plant_code, area_code, facility_code, tonnes`` for the disposal import
    (the demo's plants report this)."""
    bal = balance_on(day)
    plants = [p for p in bal.plants if p["capacity"] > 0]
    codes = dict(Area.objects.values_list("pk", "code"))
    # Oldest first: the sources with waste over 48 h, then by age, then by size.
    queue = sorted(
        (s for s in bal.sources if s.backlog > 0),
        key=lambda s: (-s.oldest_days, -s.backlog, codes[s.area_id], s.source_code),
    )
    rows: list[dict[str, Any]] = []
    k, room = 0, plants[0]["capacity"] if plants else 0.0
    for s in queue:
        left = round(s.backlog, 4)
        while left > 0 and k < len(plants):
            take = round(min(left, room), 4)
            if take > 0:
                rows.append(
                    {
                        "plant_code": plants[k]["plant"].code,
                        "area_code": codes[s.area_id],
                        "facility_code": s.source_code,
                        "tonnes": take,
                    }
                )
            left = round(left - take, 4)
            room = round(room - take, 4)
            if room <= 0:
                k += 1
                room = plants[k]["capacity"] if k < len(plants) else 0.0
    merged: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in rows:
        merged[(r["plant_code"], r["area_code"], r["facility_code"])] += r["tonnes"]
    return [
        {"plant_code": p, "area_code": a, "facility_code": f, "tonnes": round(t, 4)}
        for (p, a, f), t in sorted(merged.items())
    ]


# The demo's plants. Real: Wuhan's one licensed medical-waste plant (武汉汉氏环保工程有限公司,
# 50 t/day before the outbreak) and the city's total capacity of 265.6 t/day reached by
# early March 2020 (data README; the seed). Synthetic: how the added capacity was split
# over plants and dates (mobile units and co-processing kilns, brought in over February).
DEMO_PLANTS: tuple[tuple[str, str, tuple[tuple[str, float], ...]], ...] = (
    ("WP01", "武汉汉氏环保工程有限公司", (("2019-12-01", 50.0),)),
    ("WP02", "移动式处置设施（示范）", (("2020-02-05", 30.0), ("2020-02-15", 60.0))),
    ("WP03", "水泥窑协同处置（示范）", (("2020-02-10", 50.0), ("2020-02-24", 80.0))),
    ("WP04", "生活垃圾焚烧厂协同处置（示范）", (("2020-02-20", 45.0), ("2020-03-01", 75.6))),
)


def do_load_demo_plants(*, actor: Any = SYSTEM) -> list[Plant]:
    """The demo city's plants and capacity history (idempotent): 50 t/day at first, 265.6
    t/day from 1 March 2020."""
    root = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise NotFound(_("No city has been loaded."))
    out = []
    with acting(actor), transaction.atomic():
        for code, name, caps in DEMO_PLANTS:
            plant = Plant.objects.filter(code=code).first()
            if plant is None:
                plant = Plant.objects.create(
                    code=code,
                    name=name,
                    area=root,
                    synthetic=code != "WP01",
                    source="data/README: 50 → 265.6 t/day" if code == "WP01" else "",
                )
            for day, t in caps:
                PlantCapacity.objects.get_or_create(
                    plant=plant,
                    effective=dt.date.fromisoformat(day),
                    defaults={"tonnes_per_day": Decimal(str(t))},
                )
            out.append(plant)
    return out
