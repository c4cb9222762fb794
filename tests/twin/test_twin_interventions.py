"""The response's inputs change the outbreak in the expected direction."""

from __future__ import annotations

import dataclasses

from conftest import cached_run

from warroom.twin.runner import run_scenario
from warroom.twin.scenario import load_scenario


def test_lifting_the_admit_all_campaign_gives_more_cases() -> None:
    base = cached_run("wuhan-2020", 0.2)
    sc = load_scenario("wuhan-2020")
    lifted = sc.with_overrides(
        scale=0.2, admit_all=dataclasses.replace(sc.admit_all, enabled=False)
    )
    without = run_scenario(lifted)
    a, b = base.milestones.total_confirmed, without.milestones.total_confirmed
    print(f"\nadmit-all on: {a:,} confirmed; off: {b:,}")
    assert b > 1.1 * a
    assert without.series.new_infections.sum() > base.series.new_infections.sum()


def test_no_beds_gives_a_worse_epidemic() -> None:
    base = cached_run("wuhan-2020", 0.2)
    none = cached_run("wuhan-2020", 0.2, bed_scale=0.0)
    print(
        f"\nbeds: {base.milestones.total_confirmed:,} confirmed, "
        f"{base.milestones.total_deaths:,} deaths; no beds: "
        f"{none.milestones.total_confirmed:,}, {none.milestones.total_deaths:,}"
    )
    assert none.milestones.total_confirmed > 1.1 * base.milestones.total_confirmed
    assert none.milestones.total_deaths > 1.3 * base.milestones.total_deaths
    assert sum(d.admissions.size for d in none.days) == 0


def test_a_later_lockdown_gives_more_cases() -> None:
    base = cached_run("wuhan-2020", 0.2)
    sc = load_scenario("wuhan-2020")
    late = sc.with_overrides(
        scale=0.2,
        lockdown=dataclasses.replace(
            sc.lockdown, date=sc.lockdown.date + (sc.community_closure.date - sc.lockdown.date) / 2
        ),
    )
    assert run_scenario(late).milestones.total_confirmed > 1.2 * base.milestones.total_confirmed
