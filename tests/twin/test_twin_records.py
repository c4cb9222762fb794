"""Invariants of the records a run emits."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tests.twin.runs import cached_run
from warroom.analytics.allocate import ALLOWED_BEDS, Need
from warroom.twin import records as R
from warroom.twin.runner import RunResult


def platform_allows(bed_type: np.ndarray, need: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Whether the platform's rule (DESIGN §3.3, warroom.analytics.allocate) allows each
    admission: the need class from who the person is, the beds from the allocation."""
    cls = np.where(
        np.isin(category, (R.SUSPECTED, R.CONTACT, R.FEBRILE)),
        int(Need.SUSPECTED),
        np.select(
            [need == R.NEED_NAMES.index("ICU"), need == R.NEED_NAMES.index("SEVERE")],
            [int(Need.CRITICAL), int(Need.SEVERE)],
            int(Need.CONFIRMED),
        ),
    )
    allowed = {n: {R.NEED_NAMES.index(b.name) for b in beds} for n, beds in ALLOWED_BEDS.items()}
    return np.array(
        [b in allowed[Need(c)] for b, c in zip(bed_type.tolist(), cls.tolist(), strict=True)]
    )


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
    # Who the person was when admitted, from the events (not the twin's need): confirmed
    # if his confirmation came on or before the day, else suspected, febrile or contact.
    events = np.concatenate([d.events for d in small_run.days])
    confirmed = events[events["event"] == R.EV_CONFIRMED]
    on = dict(zip(confirmed["person_id"].tolist(), confirmed["date"].tolist(), strict=True))
    never = dt.date.max
    admitted = zip(adm["person_id"].tolist(), adm["date"].tolist(), strict=True)
    was_confirmed = np.array([on.get(p, never) <= d for p, d in admitted])
    assert was_confirmed.any() and (~was_confirmed).any()
    category = np.where(was_confirmed, R.CONFIRMED, R.SUSPECTED)
    assert platform_allows(adm["bed_type"], adm["need"], category).all()
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


def test_inspections_visit_every_compound_once_and_failures_again() -> None:
    start = dt.date(2020, 1, 5)
    run = cached_run(
        "wuhan-2020",
        0.02,
        days=25,
        inspection_start=start,
        inspection_days=10,
        inspection_fail_share=0.2,
        reinspect_days=3,
    )
    n = run.simulation.n_patch
    rows = np.concatenate([d.inspections for d in run.days])
    first: dict[int, tuple[dt.date, int]] = {}
    again: dict[int, dt.date] = {}
    for row in rows:
        patch, day = int(row["patch"]), row["date"].astype(dt.date)
        if patch in first:
            assert patch not in again, "a compound inspected three times"
            again[patch] = day
            assert row["failed_item"] == -1, "the re-inspection passes"
        else:
            first[patch] = (day, int(row["failed_item"]))
    assert len(first) == n  # every compound and village
    assert all(start <= d < start + dt.timedelta(days=10) for d, _ in first.values())
    failed = {p for p, (_, item) in first.items() if item >= 0}
    assert set(again) == failed
    assert all(again[p] == first[p][0] + dt.timedelta(days=3) for p in failed)
    assert 0.15 < len(failed) / n < 0.25
    assert {item for _, item in first.values()} <= set(range(-1, len(R.SIX_IN_PLACE_NAMES)))


def test_inspections_leave_the_epidemic_as_it_was() -> None:
    plain = cached_run("wuhan-2020", 0.02, days=25, inspection_start=None)
    inspected = cached_run(
        "wuhan-2020", 0.02, days=25, inspection_start=dt.date(2020, 1, 5), inspection_fail_share=0.3
    )
    assert sum(d.inspections.size for d in plain.days) == 0
    assert sum(d.inspections.size for d in inspected.days) > 0
    for a, b in zip(plain.days, inspected.days, strict=True):
        assert np.array_equal(a.true_report, b.true_report)
        assert np.array_equal(a.appeals, b.appeals)
