"""Invariants of the records a run emits."""

from __future__ import annotations

import numpy as np
from conftest import cached_run

from warroom.twin import records as R
from warroom.twin.runner import RunResult
from warroom.twin.sim import BED_RANK


def test_every_area_day_satisfies_the_stock_identity(small_run: RunResult) -> None:
    for day in small_run.days:
        r = day.true_report
        assert (
            r["cum_confirmed"] == r["cum_deaths"] + r["cum_discharged"] + r["under_treatment"]
        ).all()
        assert (r["severe"] + r["critical"] <= r["under_treatment"]).all()
        assert min(r[f].min() for f in R.REPORT_FIELDS) >= 0


def test_children_sum_to_their_parents(small_run: RunResult) -> None:
    sim = small_run.simulation
    parent = sim.city.area_parent
    day = small_run.days[45].true_report
    for f in ("new_confirmed", "cum_confirmed", "under_treatment", "new_contacts"):
        sums = np.zeros(parent.size, dtype=np.int64)
        np.add.at(sums, parent[1:], day[f][1:])
        has_children = np.bincount(parent[1:], minlength=parent.size) > 0
        assert (sums[has_children] == day[f][has_children]).all(), f


def test_line_lists_agree_with_the_report(small_run: RunResult) -> None:
    for day in small_run.days:
        city = day.true_report[0]
        assert city["new_confirmed"] == (day.events["event"] == R.EV_CONFIRMED).sum()
        assert city["new_contacts"] == day.contacts.size
        assert city["new_deaths"] == (day.outcomes["outcome"] == R.DIED).sum()


def test_contacts_link_to_confirmed_index_cases(small_run: RunResult) -> None:
    confirmed: set[int] = set()
    for day in small_run.days:
        assert set(day.contacts["index_person_id"].tolist()) <= confirmed
        confirmed |= set(day.events["person_id"][day.events["event"] == R.EV_CONFIRMED].tolist())
    linked = np.concatenate([d.contacts for d in small_run.days])
    assert linked["true_infected_by_index"].any()


def test_admissions_never_place_below_the_need_nor_over_capacity(small_run: RunResult) -> None:
    adm = np.concatenate([d.admissions for d in small_run.days])
    assert adm.size > 100
    assert (BED_RANK[adm["bed_type"]] >= BED_RANK[adm["need"]]).all()
    assert (adm["wait_days"] >= 0).all()
    sim = small_run.simulation
    assert (sim.occupied >= 0).all()


def test_tests_have_results_after_the_lab_delay(small_run: RunResult) -> None:
    samples = np.concatenate([d.samples for d in small_run.days])
    results = np.concatenate([d.results for d in small_run.days])
    due = dict(zip(samples["test_id"].tolist(), samples["result_due"], strict=True))
    for t, d in zip(results["test_id"].tolist(), results["date"], strict=True):
        assert d == due[t]


def test_planted_faults_show_in_the_reported_series_only() -> None:
    run = cached_run("wuhan-2020-faults", 0.05, days=60)
    sim = run.simulation
    district = int(np.flatnonzero(sim.area_codes == "420115")[0])
    street = int(np.flatnonzero(sim.area_codes == "420106002")[0])
    idx = [d.date.isoformat() for d in run.days]
    under = run.days[idx.index("2020-02-20")]
    assert under.report["cum_confirmed"][district] < under.true_report["cum_confirmed"][district]
    stale = [run.days[idx.index(f"2020-02-{d:02d}")].report[street] for d in (9, 12, 15)]
    assert stale[0] == stale[1] == stale[2]
    clean = cached_run("wuhan-2020", 0.05, days=60)
    assert np.array_equal(run.days[-1].true_report, clean.days[-1].true_report)
