"""Medical waste: same-day disposal, the FIFO backlog, the 48-hour alert, plant capacity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from warroom.core.context import SYSTEM
from warroom.tables import TableRejected, read_table
from warroom.waste.imports import do_import_disposed, do_import_generated
from warroom.waste.models import WasteDay
from warroom.waste.services import balance_on, balance_step, collection_plan, do_create_plant

pytestmark = pytest.mark.django_db
D = dt.date(2020, 2, 10)
GEN = "date,area_code,facility_code,kind,tonnes\n"
DIS = "date,plant_code,area_code,facility_code,tonnes\n"


@pytest.fixture
def plant(city):
    return do_create_plant("P1", "焚烧厂", city["9901"], capacity=10, effective=D, actor=SYSTEM)


def _gen(rows: str, name: str) -> None:
    do_import_generated(read_table((GEN + rows).encode(), filename=name), actor=SYSTEM)


def _dis(rows: str, name: str) -> None:
    do_import_disposed(read_table((DIS + rows).encode(), filename=name), actor=SYSTEM)


def test_waste_disposed_the_same_day_leaves_no_backlog(plant):
    _gen(f"{D},990101,,infectious,6\n{D},990102,,感染性,3\n", "g.csv")
    _dis(f"{D},P1,990101,,6\n{D},P1,990102,,3\n", "d.csv")
    t = balance_on(D).totals()
    assert (t["generated"], t["disposed"], t["backlog"], t["over_48h"]) == (9, 9, 0, 0)
    assert "backlog 0.0 t" in balance_step(D)
    assert WasteDay.objects.get(day=D, area__code="9901").plant_load == 9


def test_waste_stored_over_48_hours_is_an_alert(plant):
    day0, day1, day2 = D, D + dt.timedelta(days=1), D + dt.timedelta(days=2)
    _gen(f"{day0},990101,,,8\n{day1},990101,,,4\n{day2},990101,,,4\n", "g.csv")
    _dis(f"{day0},P1,990101,,5\n", "d0.csv")  # 3 t of day 0 stay
    _dis(f"{day1},P1,990101,,3\n", "d1.csv")  # day 0 cleared; day 1's 4 t stay
    t1 = balance_on(day1).totals()
    assert (t1["backlog"], t1["over_48h"]) == (4, 0)
    t2 = balance_on(day2).totals()  # day 1's 4 t are not yet 48 h old at day 2's cut-off
    assert (t2["backlog"], t2["over_48h"]) == (8, 0)
    day3 = D + dt.timedelta(days=3)
    t3 = balance_on(day3).totals()  # day 1's waste has been stored two full days
    assert t3["over_48h"] == 4 and t3["sources_over_48h"] == 1
    balance_step(day3)
    assert WasteDay.objects.get(day=day3, area__code="990101").over_48h == 4


def test_the_collection_plan_takes_the_oldest_first_up_to_capacity(plant, city):
    _gen(f"{D},990101,,,8\n{D},990102,,,7\n", "g.csv")
    plan = collection_plan(D)
    assert sum(p["tonnes"] for p in plan) == 10  # the plant's capacity
    _dis(
        "".join(
            f"{D},{p['plant_code']},{p['area_code']},{p['facility_code']},{p['tonnes']}\n"
            for p in plan
        ),
        "d.csv",
    )
    assert balance_on(D).totals()["backlog"] == 5
    nxt = D + dt.timedelta(days=1)
    plan = collection_plan(nxt)
    _dis(
        "".join(
            f"{nxt},{p['plant_code']},{p['area_code']},{p['facility_code']},{p['tonnes']}\n"
            for p in plan
        ),
        "d2.csv",
    )
    assert balance_on(nxt).totals()["backlog"] == 0  # cleared to zero


def test_a_plant_cannot_burn_more_than_its_capacity_or_than_was_stored(plant):
    _gen(f"{D},990101,,,20\n", "g.csv")
    with pytest.raises(TableRejected) as refused:
        _dis(f"{D},P1,990101,,11\n", "d.csv")
    assert "capacity" in refused.value.errors[0].reason
    _gen(f"{D},990102,,,1\n", "g2.csv")
    with pytest.raises(TableRejected) as refused:
        _dis(f"{D},P1,990102,,2\n", "d2.csv")
    assert "stored" in refused.value.errors[0].reason


def test_a_corrected_report_replaces_the_days_figure(plant):
    _gen(f"{D},990101,,,5\n", "g.csv")
    _gen(f"{D},990101,,,6.5\n", "g-fix.csv")
    assert balance_on(D).totals()["generated"] == 6.5
    from warroom.waste.models import Generated

    assert Generated.objects.get().tonnes == Decimal("6.5000")


def test_the_wuhan_capacity_history(city):
    from warroom.waste.services import capacity_on, do_load_demo_plants

    do_load_demo_plants()
    do_load_demo_plants()  # idempotent
    assert sum(capacity_on(dt.date(2020, 1, 20)).values()) == 50
    assert sum(capacity_on(dt.date(2020, 3, 2)).values()) == pytest.approx(265.6)


def test_every_areas_balance_cut_from_the_citys_is_its_own(plant, city):
    """The briefing reads the city's balance once and cuts each area's from it: the same
    figures, sources and plants as reading the area's own."""
    from warroom.waste.selectors import balances

    P2 = do_create_plant("P2", "乙区焚烧厂", city["990102"], capacity=5, effective=D, actor=SYSTEM)
    day1 = D + dt.timedelta(days=1)
    _gen(f"{D},990101,,,8\n{D},990102,,,3\n{day1},990101001,,,2\n", "g.csv")
    _dis(f"{D},P1,990101,,5\n{D},{P2.code},990102,,1\n", "d.csv")
    areas = [city[c] for c in ("9901", "990101", "990102", "990101001", "990102001001001")]
    for day in (D, day1):
        cut = balances(SYSTEM, areas, day)
        for area in areas:
            own = balance_on(day, area=area)
            assert cut[area.pk].sources == own.sources
            assert [(p["plant"].pk, p["capacity"], p["load"]) for p in cut[area.pk].plants] == [
                (p["plant"].pk, p["capacity"], p["load"]) for p in own.plants
            ]
            assert (cut[area.pk].capacity, cut[area.pk].plant_load) == (
                own.capacity,
                own.plant_load,
            )
    assert cut[city["990102"].pk].capacity == 5 and cut[city["9901"].pk].capacity == 15
