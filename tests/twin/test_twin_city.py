"""The city the outbreak runs on: residents, vulnerable people, businesses, facilities."""

from __future__ import annotations

import datetime as dt

import numpy as np

from warroom.twin.city import build_demo_city
from warroom.twin.facilities import BED_TYPES, build_facilities, capacity_on
from warroom.twin.population import build_city_model


def _centres() -> dict[str, tuple[float, float]]:
    return {
        a.code: (a.lat or 0.0, a.lon or 0.0) for a in build_demo_city() if a.level == "district"
    }


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


def test_facilities_reach_about_300_and_130000_beds_by_25_february() -> None:
    fac = build_facilities(20200123, _centres(), extra_quarantine_beds=65879)
    assert 280 <= len(fac) <= 320
    beds = capacity_on(fac, dt.date(2020, 2, 25)).sum()
    assert 128_000 <= beds <= 132_000
    assert capacity_on(fac, dt.date(2020, 1, 1)).sum() == 0
    names = {f.name: f for f in fac}
    hs = next(f for n, f in names.items() if n.startswith("火神山"))
    assert sum(hs.beds) == 1000 and hs.opened == dt.date(2020, 2, 4) and not hs.synthetic
    jh = next(f for n, f in names.items() if n.startswith("江汉方舱"))
    assert jh.beds[BED_TYPES.index("SHELTER")] == 1564
    shelters = [f for f in fac if f.kind == "SHELTER"]
    assert len(shelters) == 16
    assert sum(f.beds[3] for f in shelters) == 13_467
    designated = [f for f in fac if f.kind == "DESIGNATED"]
    assert sum(sum(f.beds) for f in designated) == 26_911
    assert all(f.synthetic for f in fac if "synthetic" in f.name)


def test_shelter_delay_moves_the_shelter_openings() -> None:
    a = build_facilities(1, _centres())
    b = build_facilities(1, _centres(), shelter_delay_days=5)
    for x, y in zip(a, b, strict=True):
        if x.kind == "SHELTER":
            assert y.opened - x.opened == dt.timedelta(days=5)
        else:
            assert y.opened == x.opened
