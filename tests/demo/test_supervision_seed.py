"""The demo seeds special places and the phase plans of the seed (on the small city)."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.demo.supervision import PHASE_CAMPAIGNS, seed_phase_plan, seed_special_places

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_special_places_and_each_declared_phases_plan(city, hq, officer, outsider):
    from warroom.situation.models import Situation
    from warroom.supervision.models import SpecialPlace
    from warroom.supervision.selectors import plan_panel

    added = seed_special_places(actor=hq)
    places = list(SpecialPlace.objects.select_related("area__parent").order_by("code"))
    assert added == len(places) > 0
    assert all(p.area.level == "street" for p in places)
    kinds = {(p.area.parent.code, p.kind) for p in places}
    for district in ("990101", "990102"):
        assert {(district, "care_home"), (district, "welfare_home")} <= kinds
    assert seed_special_places(actor=hq) == 0  # idempotent

    day = dt.date(2020, 2, 14)
    assert seed_phase_plan(day, actor=hq) is None  # no phase declared yet
    phase = {"declared": "HIGH", "start": "2020-02-08"}
    Situation.objects.create(area=city["9901"], day=day, inputs_hash="x", payload={"phase": phase})
    plan = seed_phase_plan(day, actor=hq)
    assert (plan.phase, plan.phase_start) == ("HIGH", dt.date(2020, 2, 8))
    items = list(plan.items.select_related("task__owner"))
    assert len(items) == len(PHASE_CAMPAIGNS["HIGH"][1])
    owners = {i.task.owner.username for i in items}
    assert owners == {"hq", "officer_a", "officer_b"}  # the city's and districts' officers
    assert all(i.task.source_kind == "phase_plan" for i in items)
    assert seed_phase_plan(day + dt.timedelta(days=1), actor=hq) is None  # one per phase
    panel = plan_panel(hq, city["9901"], phase)
    assert panel["id"] == plan.pk and panel["total"] == len(items)
