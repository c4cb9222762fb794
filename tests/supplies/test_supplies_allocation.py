"""Need from occupancy, allocation by priority (ICU first), confirmation by the officer."""

from __future__ import annotations

import pytest

from tests.supplies.conftest import D0
from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict
from warroom.supplies import selectors
from warroom.supplies.models import AllocationPlan
from warroom.supplies.services import (
    do_confirm_allocation,
    do_issue,
    do_propose_allocation,
    do_receive,
    place_for_facility,
)

pytestmark = pytest.mark.django_db


def test_need_is_occupied_beds_times_the_norms(hospital):
    need = selectors.need_by_facility(SYSTEM, hospital.area, D0)
    # 8 ICU beds × 2.4 suits, 30 SEVERE beds × 1.8 suits (planning norms)
    assert need[hospital]["protective_suit"] == {"ICU": 20, "SEVERE": 54}


def test_icu_first_then_confirmed_into_the_ledger(warehouses, catalogue, hospital):
    wh = warehouses["WH-990101"]
    do_receive(wh, catalogue["protective_suit"], 30, source="national", day=D0, actor=SYSTEM)
    plan = do_propose_allocation(wh, day=D0, actor=SYSTEM)
    lines = {
        (line.tier, line.item.code): (line.need, line.proposed)
        for line in plan.lines.select_related("item")
    }
    assert lines[(0, "protective_suit")] == (20, 20)  # ICU in full
    assert lines[(1, "protective_suit")] == (54, 10)  # severe gets what is left
    assert selectors.balance(catalogue["protective_suit"].pk, wh.pk) == 30  # nothing moved yet
    do_confirm_allocation(plan, actor=SYSTEM)
    store = place_for_facility(hospital)
    assert selectors.balance(catalogue["protective_suit"].pk, store.pk) == 30
    assert AllocationPlan.objects.get(pk=plan.pk).status == "confirmed"
    with pytest.raises(Conflict):
        do_confirm_allocation(plan, actor=SYSTEM)


def test_a_confirmation_after_the_stock_moved_is_refused_whole(warehouses, catalogue, hospital):
    wh = warehouses["WH-990101"]
    do_receive(wh, catalogue["protective_suit"], 30, source="national", day=D0, actor=SYSTEM)
    plan = do_propose_allocation(wh, day=D0, actor=SYSTEM)
    do_issue(wh, catalogue["protective_suit"], 5, day=D0, actor=SYSTEM)
    with pytest.raises(Conflict):
        do_confirm_allocation(plan, actor=SYSTEM)
    assert AllocationPlan.objects.get(pk=plan.pk).status == "proposed"
    assert selectors.balance(catalogue["protective_suit"].pk, wh.pk) == 25


def test_stock_out_alerts_reach_the_standup_agenda(warehouses, catalogue, hospital, hq):
    from warroom.situation import briefing
    from warroom.supplies.steps import alerts_step

    store = place_for_facility(hospital)
    do_receive(store, catalogue["n95_mask"], 100, source="national", day=D0, actor=SYSTEM)
    assert "stock-out alerts" in alerts_step(D0)
    panel = selectors.panel(hq, hospital.area.parent, D0)
    n95 = [a for a in panel["alerts"] if a["item"] == catalogue["n95_mask"].name]
    assert n95 and n95[0]["stock"] == 100  # 8×6 + 30×4.5 = 183 a day: under a day
    data = {
        "day": D0.isoformat(),
        "reporting": {"missing": []},
        "clearance": {"duties": {}},
        "overloaded": [],
        "tasks": {"items": []},
        "quality": {"top": []},
        "logistics": {"supplies": panel, "waste": {"over_48h": 2.5, "sources_over_48h": 1}},
    }
    kinds = [i["kind"] for i in briefing.decisions_needed(data)]
    assert "stock_outs" in kinds and "waste_over_48h" in kinds
    texts = [briefing.item_text(i) for i in briefing.decisions_needed(data)]
    assert any("48" in t for t in texts)


def test_the_stored_alerts_are_the_rows_under_the_threshold(warehouses, catalogue, hospital):
    """The day's alerts are written as value tuples: the facilities' and warehouses' rows
    under ``ALERT_DAYS``, each facility's store created if it had none, the same rows again
    on a re-run (the day replaced)."""
    from warroom.supplies.models import Place, StockAlert
    from warroom.supplies.services import city_root
    from warroom.supplies.steps import alerts_step

    assert not Place.objects.filter(facility=hospital).exists()
    alerts_step(D0)  # the hospital's store is created on its first alert
    store = Place.objects.get(facility=hospital)
    do_receive(store, catalogue["n95_mask"], 100, source="national", day=D0, actor=SYSTEM)
    rows = selectors.days_left(SYSTEM, city_root(), D0) + selectors.warehouse_days_left(D0)
    expected = sorted(
        (
            (r["place"] or store).pk,
            r["item"].pk,
            int(r["stock"]),
            float(r["per_day"]),
            float(r["days_left"]),
        )
        for r in rows
        if r["days_left"] < selectors.ALERT_DAYS
    )
    assert expected and any(stock == 100 for _p, _i, stock, _u, _d in expected)
    for _run in range(2):
        alerts_step(D0)
        stored = sorted(
            StockAlert.objects.filter(day=D0).values_list(
                "place_id", "item_id", "stock", "per_day", "days_left"
            )
        )
        assert stored == expected
