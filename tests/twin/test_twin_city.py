"""The city the outbreak runs on: residents, vulnerable people, businesses, facilities."""

from __future__ import annotations

import datetime as dt

import numpy as np

from warroom.twin.city import build_demo_city
from warroom.twin.facilities import (
    BED_TYPES,
    build_facilities,
    capacity_history,
    capacity_on,
    districts_of,
)
from warroom.twin.population import build_city_model


def _districts():
    return districts_of(build_demo_city())


def test_the_city_model_keeps_the_area_tree_and_its_populations() -> None:
    city = build_city_model()
    assert list(city.areas) == build_demo_city()
    p = city.patches
    assert (
        len(p)
        == 7100
        + int((city.area_level == "community").sum())
        - np.unique(p.community[city.area_level[p.area] == "compound"]).size
    )
    assert city.population == city.areas[0].population == 12_326_518
    assert (p.age.sum(axis=1) == p.population).all()
    assert (p.households <= p.population).all() and (p.households > 0).all()
    ratio = p.population.sum() / p.households.sum()
    assert 2.4 < ratio < 2.9  # 2.62 persons per household (census)
    assert (p.vulnerable <= p.population[:, None]).all()
    assert (p.vulnerable[:, 0] <= p.age[:, 3]).all()  # elderly alone are 65+
    assert city.businesses.shape == (198, 8) and city.businesses.sum() > 500_000


def test_the_city_model_is_deterministic_and_scales() -> None:
    a, b = build_city_model(5), build_city_model(5)
    assert np.array_equal(a.patches.vulnerable, b.patches.vulnerable)
    assert np.array_equal(a.businesses, b.businesses)
    assert not np.array_equal(a.patches.vulnerable, build_city_model(6).patches.vulnerable)
    small = build_city_model(scale=0.1)
    assert abs(small.population - 1_232_652) < 5_000


def test_facilities_reach_300_and_130000_beds_by_25_february() -> None:
    fac = build_facilities(_districts())
    assert len(fac) == 300
    assert capacity_on(fac, dt.date(2020, 2, 25)).sum() == 130_000
    assert capacity_on(fac, dt.date(2020, 1, 1)).sum() == 0
    names = {f.name: f for f in fac}
    hs = next(f for n, f in names.items() if n.startswith("火神山"))
    assert sum(hs.beds) == 1000 and hs.opened == dt.date(2020, 2, 4) and not hs.synthetic
    jh = next(f for n, f in names.items() if n.startswith("江汉方舱"))
    assert jh.beds[BED_TYPES.index("SHELTER")] == 1564
    shelters = [f for f in fac if f.kind == "SHELTER"]
    assert len(shelters) == 16
    assert sum(f.beds[3] for f in shelters) == 13_467
    day = dt.date(2020, 2, 29)
    designated = [f.facility_id for f in fac if f.kind == "DESIGNATED"]
    assert capacity_on(fac, day)[designated].sum() == 26_911
    assert all(f.synthetic for f in fac if "合成" in f.name)
    # the twin's facility i is the platform's facility with its code (D001, S001, ...)
    assert [f.facility_id for f in fac] == list(range(300))
    assert fac[0].code == "D001" and len({f.code for f in fac}) == 300


def test_the_capacity_history_adds_up_to_the_capacity_of_each_day() -> None:
    fac = build_facilities(_districts(), scale=0.1)
    last: dict[tuple[int, str], int] = {}
    for change in capacity_history(fac):
        if change.date <= dt.date(2020, 2, 25):
            last[(change.facility_id, change.bed_type)] = change.beds
    assert sum(last.values()) == capacity_on(fac, dt.date(2020, 2, 25)).sum()
    assert 12_900 <= sum(last.values()) <= 13_100  # every bed scaled, rounded per facility


def test_extra_quarantine_beds_add_sites_after_the_demo_facilities() -> None:
    base = build_facilities(_districts())
    more = build_facilities(_districts(), extra_quarantine_beds=12_000)
    assert [f.code for f in more[: len(base)]] == [f.code for f in base]
    extra = more[len(base) :]
    assert len(extra) == 10 and all(f.code.startswith("X") for f in extra)
    assert capacity_on(more, dt.date(2020, 3, 1)).sum() == (
        capacity_on(base, dt.date(2020, 3, 1)).sum() + 12_000
    )


def test_shelter_delay_moves_the_shelter_openings() -> None:
    a = build_facilities(_districts())
    b = build_facilities(_districts(), shelter_delay_days=5)
    for x, y in zip(a, b, strict=True):
        if x.kind == "SHELTER":
            assert y.opened - x.opened == dt.timedelta(days=5)
        else:
            assert y.opened == x.opened
