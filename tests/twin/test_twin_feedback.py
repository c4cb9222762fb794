"""The platform's allocations feed back into the twin (open_day → place → close_day)."""

from __future__ import annotations

import numpy as np
import pytest

from warroom.twin import records as R
from warroom.twin.scenario import load_scenario
from warroom.twin.sim import ACCEPT, NoPlacementPolicy, Simulation


def _sim(**kw: object) -> Simulation:
    sc = load_scenario("wuhan-2020").with_overrides(scale=0.02, days=60)
    return Simulation(sc, **kw)  # type: ignore[arg-type]


def _advance_to_waiting(sim: Simulation) -> np.ndarray:
    while True:
        waiting = sim.open_day()
        if waiting.size and sim.free_beds().sum():
            return waiting
        sim.close_day()


def test_a_caller_places_waiting_people_and_they_are_admitted() -> None:
    sim = _sim(policy=NoPlacementPolicy())
    waiting = _advance_to_waiting(sim)
    person = int(waiting["person_id"][0])
    need = int(waiting["need"][0])
    free = sim.free_beds()
    ok = [f for f in range(free.shape[0]) if any(free[f, b] for b in (need,))]
    sim.place(np.array([person]), np.array([ok[0]]))
    day = sim.close_day()
    assert day.admissions["person_id"].tolist() == [person]
    assert person not in day.waiting["person_id"].tolist()


def test_place_refuses_people_not_waiting_and_full_facilities() -> None:
    sim = _sim(policy=NoPlacementPolicy())
    waiting = _advance_to_waiting(sim)
    with pytest.raises(ValueError, match="not on the waiting list"):
        sim.place(np.array([10**9]), np.array([0]))
    full = int(np.flatnonzero(sim.free_beds().sum(axis=1) == 0)[0])
    with pytest.raises(ValueError, match="no free bed"):
        sim.place(waiting["person_id"][:1], np.array([full]))


def test_without_placements_the_waiting_list_only_grows_in_waiting_days() -> None:
    sim = _sim(policy=NoPlacementPolicy())
    days = [sim.step() for _ in range(45)]
    assert sum(d.admissions.size for d in days) == 0
    last = days[-1].waiting
    assert last.size > 0 and last["wait_days"].max() >= 5
    assert set(np.unique(last["category"])) <= {R.CONFIRMED, R.SUSPECTED, R.CONTACT}


def test_place_takes_the_platforms_bed_type_and_never_one_below_need() -> None:
    sim = _sim(policy=NoPlacementPolicy())
    waiting = _advance_to_waiting(sim)
    person, need = int(waiting["person_id"][0]), int(waiting["need"][0])
    free = sim.free_beds()
    below = [b for b in range(5) if b not in ACCEPT[need]]
    with pytest.raises(ValueError, match="needs one of bed types"):
        sim.place(np.array([person]), np.array([0]), np.array([below[0]]))
    # the last bed type he may take that is free somewhere (not the twin's first choice)
    above = [b for b in ACCEPT[need] if free[:, b].any()][-1]
    where = [f for f in range(free.shape[0]) if free[f, above] > 0]
    sim.place(np.array([person]), np.array([where[0]]), np.array([above]))
    day = sim.close_day()
    assert day.admissions["bed_type"].tolist() == [above]
