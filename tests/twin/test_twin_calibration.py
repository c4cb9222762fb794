"""The wuhan-2020 scenario lands inside the seed account's figures.

Run at full scale (scale = 1.0: the whole 12.3 M population; ~10 s), so that the
phase thresholds (< 1000, < 100, < 10 new confirmed a day) are read on real counts.
At a smaller scale every count scales with ``scale`` and the thresholds are compared
at full scale (``new_confirmed / scale``), but the tail gets noisy below ~0.2.

Targets (seed, data README): ~900 new confirmed on 1 Feb rising to a peak near 2,000 in
the first half of February; patients stop waiting for beds around 21 Feb; 130,000 beds by
25 Feb; falling under 1000 (~19 Feb), under 100 (~6 Mar) and under 10 (~11 Mar); about
50,000 confirmed in all. The milestone helper is interim (see warroom.twin.report).
"""

from __future__ import annotations

import datetime as dt

from tests.twin.runs import cached_run

D = dt.date


def test_wuhan_2020_milestones_are_inside_the_seed_figures() -> None:
    run = cached_run("wuhan-2020", 1.0)
    m = run.milestones
    s = run.series
    feb1 = int(s.new_confirmed[s.dates.index(D(2020, 2, 1))])
    print(
        f"\nwuhan-2020 @ scale 1.0: 1 Feb {feb1:,}/day; peak {m.peak_new_confirmed:,} on "
        f"{m.peak_date}; <1000 {m.under_1000}; <100 {m.under_100}; <10 {m.under_10}; "
        f"total confirmed {m.total_confirmed:,}; deaths {m.total_deaths:,}; "
        f"beds 25 Feb {m.beds_on}; confirmed waiting until {m.last_confirmed_waiting} "
        f"(peak {m.peak_waiting_confirmed:,}); true infections {int(s.new_infections.sum()):,}"
    )
    assert 500 <= feb1 <= 1500
    assert D(2020, 2, 1) <= m.peak_date <= D(2020, 2, 16)
    assert 1500 <= m.peak_new_confirmed <= 3000
    assert m.under_1000 is not None and D(2020, 2, 14) <= m.under_1000 <= D(2020, 2, 29)
    assert m.under_100 is not None and D(2020, 2, 26) <= m.under_100 <= D(2020, 3, 14)
    assert m.under_10 is not None and D(2020, 3, 5) <= m.under_10 <= D(2020, 3, 25)
    assert 40_000 <= m.total_confirmed <= 60_000
    assert 125_000 <= m.beds_on["2020-02-25"] <= 135_000
    assert m.last_confirmed_waiting is not None
    assert D(2020, 2, 14) <= m.last_confirmed_waiting <= D(2020, 2, 26)


def test_medical_waste_rises_from_baseline_to_near_the_recorded_peak() -> None:
    s = cached_run("wuhan-2020", 1.0).series
    assert 35 <= s.waste_tonnes[0] <= 45  # ~40 t/day before the outbreak
    assert 200 <= s.waste_tonnes.max() <= 300  # recorded peak 247 t/day


def test_counts_scale_with_the_population_fraction() -> None:
    full = cached_run("wuhan-2020", 1.0).milestones
    fifth = cached_run("wuhan-2020", 0.2).milestones
    ratio = fifth.total_confirmed / full.total_confirmed
    print(f"\nscale 0.2 / scale 1.0 total confirmed: {ratio:.3f}")
    assert 0.15 <= ratio <= 0.25
    assert 0.15 <= fifth.beds_on["2020-02-25"] / full.beds_on["2020-02-25"] <= 0.25
