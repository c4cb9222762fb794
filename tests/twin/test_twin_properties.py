"""Properties that hold for any seed (hypothesis draws the seeds)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.twin import records as R
from warroom.twin.scenario import load_scenario
from warroom.twin.sim import Simulation, meets_need


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_any_seed_keeps_the_books_balanced(seed: int) -> None:
    sc = load_scenario("wuhan-2020").with_overrides(scale=0.01, days=50, seed=seed)
    sim = Simulation(sc)
    for _ in range(sc.days):
        day = sim.step()
        r = day.true_report
        assert (
            r["cum_confirmed"] == r["cum_deaths"] + r["cum_discharged"] + r["under_treatment"]
        ).all()
        assert min(int(r[f].min()) for f in R.REPORT_FIELDS) >= 0
        assert (sim.occupied >= 0).all()
        adm = day.admissions
        assert meets_need(adm["bed_type"], adm["need"]).all()
        # Nobody waits who is already in a bed that meets his need.
        waiting = day.waiting["person_id"]
        bed = sim.per["bed"][waiting]
        assert not (meets_need(bed, day.waiting["need"]) & (bed >= 0)).any()
