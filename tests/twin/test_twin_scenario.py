"""Scenario files: parsing, schedules, validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from warroom.twin.scenario import Schedule, builtin_scenarios, load_scenario, parse_scenario


def test_builtin_scenarios_load() -> None:
    assert {"wuhan-2020", "wuhan-2020-faults"} <= set(builtin_scenarios())
    sc = load_scenario("wuhan-2020")
    assert sc.lockdown.date == dt.date(2020, 1, 23)
    assert sc.community_closure.date == dt.date(2020, 2, 11)
    assert sc.admit_all.date == dt.date(2020, 2, 9)
    assert sc.sweep_start == dt.date(2020, 2, 17) and sc.sweep_end == dt.date(2020, 2, 19)
    faults = load_scenario("wuhan-2020-faults")
    assert faults.r0 == sc.r0 and len(faults.faults) == 2 and not sc.faults
    assert sc.inspection_start == dt.date(2020, 3, 1) and sc.inspection_fail_share == 0


def test_the_shipped_what_ifs_change_one_thing() -> None:
    sc = load_scenario("wuhan-2020")
    no_beds = load_scenario("wuhan-2020-no-beds")
    assert no_beds.bed_scale == 0 and sc.bed_scale == 1
    assert no_beds.with_overrides(name=sc.name, description="", bed_scale=1.0) == (
        sc.with_overrides(description="")
    )
    no_campaign = load_scenario("wuhan-2020-no-admit-all")
    assert not no_campaign.admit_all.enabled and sc.admit_all.enabled
    assert no_campaign.with_overrides(
        name=sc.name, description="", admit_all=sc.admit_all
    ) == sc.with_overrides(description="")


def test_a_schedule_steps_on_its_dates() -> None:
    s = Schedule.parse([["2020-02-01", 5], ["2020-01-01", 1]], "k")
    assert s.value(dt.date(2019, 12, 1)) == 1
    assert s.value(dt.date(2020, 1, 31)) == 1
    assert s.value(dt.date(2020, 2, 1)) == 5
    assert Schedule.parse(3, "k").value(dt.date(2020, 1, 1)) == 3


def test_bad_scenarios_are_refused_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no scenario"):
        load_scenario("atlantis-2020")
    with pytest.raises(ValueError, match="r0"):
        parse_scenario({"scenario": {"start": "2020-01-01"}, "transmission": {}})
    raw = {
        "scenario": {"start": "2020-01-01"},
        "transmission": {"r0": 2, "mixing": {"compound": 0.5, "city": 0.2}},
    }
    with pytest.raises(ValueError, match="mixing"):
        parse_scenario(raw)
    with pytest.raises(ValueError, match="date"):
        parse_scenario({"scenario": {"start": "soon"}, "transmission": {"r0": 2}})
    path = tmp_path / "x.toml"
    path.write_text('base = "wuhan-2020"\n[scenario]\nscale = 2.0\n', encoding="utf-8")
    with pytest.raises(ValueError, match="scale"):
        load_scenario(path)
