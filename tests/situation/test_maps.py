"""The situation maps: the shipped boundaries, the shapes and the choropleth, scoped."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from warroom.geo import shapes

DISTRICTS_CSV = Path(shapes.__file__).resolve().parent / "data" / "wuhan_districts.csv"
DAY = dt.date(2020, 3, 20)


def _wuhan() -> list[tuple[str, str]]:
    with DISTRICTS_CSV.open(encoding="utf-8") as f:
        return [(r["code"], r["name_zh"]) for r in csv.DictReader(f)]


def test_the_shipped_geojson_has_thirteen_districts_matched_to_area_codes():
    data = shapes.boundaries()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 13
    matched = shapes.match_features(_wuhan())
    assert sorted(matched) == [
        "420102", "420103", "420104", "420105", "420106", "420107", "420111",
        "420112", "420113", "420114", "420115", "420116", "420117",
    ]  # fmt: skip
    assert matched["420113"]["properties"]["name"] == "汉南区"  # 武汉经开区(汉南区)
    # The two functional zones have no boundary in the file: drawn from their streets.
    assert "420190" not in matched and "420191" not in matched
    licence = shapes.BOUNDARIES.with_name("wuhan-districts.geojson.LICENSE").read_text()
    assert "MIT License" in licence


def test_an_ambiguous_or_unknown_name_matches_nothing():
    feats = [{"properties": {"name": "甲区"}, "geometry": {}}]
    assert shapes.match_features([("1", "乙区")], feats) == {}
    assert shapes.match_features([("1", "甲区"), ("2", "甲区")], feats) == {}
    assert list(shapes.match_features([("1", "新区(甲区)")], feats)) == ["1"]


def _inside(ring: list[list[float]], x: float, y: float) -> bool:
    """Inside or on the boundary of a convex counter-clockwise ring."""
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) < -1e-9:
            return False
    return True


@given(
    st.lists(
        st.tuples(st.floats(113.5, 115.0, allow_nan=False), st.floats(29.9, 31.4, allow_nan=False)),
        min_size=1,
        max_size=40,
    )
)
def test_an_approximate_polygon_is_closed_convex_and_holds_every_point(points):
    ring = shapes.approximate_polygon(points)
    assert ring[0] == ring[-1] and len(ring) >= 4
    for x, y in points:
        assert _inside(ring, round(x, 5), round(y, 5))


@pytest.fixture
def mapped(city, hq, officer, outsider, situation_world):
    return city


def _login(client, username: str) -> None:
    assert client.login(username=username, password=PASSWORD)


def test_the_city_map_draws_each_district_and_links_its_map(client, mapped):
    _login(client, "hq")
    page = client.get("/situation/map/9901/?metric=phase&day=2020-03-20")
    assert page.status_code == 200
    html = page.content.decode()
    option = json.loads(re.search(r"data-series='([^']*)'", html).group(1).replace("&quot;", '"'))
    regions = option["series"][0]
    assert regions["type"] == "map" and regions["geoIndex"] == 0
    by_code = {d["code"]: d for d in regions["data"]}
    assert set(by_code) == {"990101", "990102"}
    # District A's phase is the one its situation declared (the dashboard's figure).
    from warroom.situation.charts import phase_label
    from warroom.situation.models import Situation

    declared = Situation.objects.get(area__code="990101", day=DAY).payload["phase"]["declared"]
    assert phase_label(declared) in by_code["990101"]["tooltip"]["formatter"]
    assert by_code["990102"]["value"] == "-"  # no report, no situation: no data
    assert by_code["990101"]["url"].startswith("/situation/map/990101/?metric=phase")
    shapes_json = client.get("/situation/map/9901/shapes.geojson").json()
    assert sorted(f["properties"]["name"] for f in shapes_json["features"]) == [
        "990101",
        "990102",
    ]
    assert all(f["properties"]["approximate"] for f in shapes_json["features"])
    assert not re.search(r"(src|href)=\"https?://", html)


def test_a_district_map_draws_its_streets_and_compounds_as_points(client, mapped):
    _login(client, "officer_a")
    page = client.get("/situation/map/990101/?metric=certification")
    assert page.status_code == 200
    option = json.loads(
        re.search(r"data-series='([^']*)'", page.content.decode()).group(1).replace("&quot;", '"')
    )
    streets = option["series"][0]
    assert streets["type"] == "scatter" and streets["coordinateSystem"] == "geo"
    codes = [d["code"] for s in option["series"] if s["id"].startswith("areas") for d in s["data"]]
    assert codes == ["990101001"]
    assert option["visualMap"]["dimension"] == 2
    shapes_json = client.get("/situation/map/990101/shapes.geojson").json()
    assert [f["properties"]["name"] for f in shapes_json["features"]] == ["990101"]


def test_an_officer_of_another_district_gets_no_map_of_it(client, mapped):
    _login(client, "officer_b")
    assert client.get("/situation/map/990101/").status_code == 404
    assert client.get("/situation/map/990101/shapes.geojson").status_code == 404
    assert client.get("/situation/map/990101001/").status_code == 404
    own = client.get("/situation/map/990102/shapes.geojson").json()
    assert [f["properties"]["name"] for f in own["features"]] == ["990102"]
    assert client.get("/situation/map/").url.endswith("/situation/map/990102/")


def test_an_unknown_metric_is_not_found(client, mapped):
    _login(client, "hq")
    assert client.get("/situation/map/9901/?metric=nope").status_code == 404


@pytest.mark.django_db
def test_the_demo_city_draws_its_districts_exactly_and_its_zones_approximately():
    from warroom.core.context import SYSTEM
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    city = Area.objects.get(depth=0)
    features = {f["properties"]["name"]: f for f in shapes.shapes_for(SYSTEM, city)["features"]}
    assert len(features) == 15  # 13 districts of the file + 2 functional zones
    approximate = sorted(c for c, f in features.items() if f["properties"]["approximate"])
    # The zones from their units' points; 经开区 (汉南区's boundary) plus its 蔡甸-coded streets.
    assert approximate == ["420113", "420190", "420191"]
    assert features["420113"]["geometry"]["type"] == "MultiPolygon"
    # The page's option reads the same index without the geometry.
    assert shapes.shape_index(SYSTEM, city) == {
        c: f["properties"]["approximate"] for c, f in features.items()
    }
    assert (
        features["420102"]["geometry"]
        == shapes.match_features([("420102", "江岸区")])["420102"]["geometry"]
    )


def test_a_street_or_grid_worker_is_drawn_his_own_unit_not_the_district(
    client, city, inspector, grid_worker
):
    for user in (inspector, grid_worker):
        client.force_login(user)
        own = user.area.code
        found = client.get(f"/situation/map/{own}/shapes.geojson").json()
        assert [f["properties"] for f in found["features"]] == [{"name": own, "approximate": True}]
        assert client.get("/situation/map/990101/shapes.geojson").status_code == 404
        assert client.get(f"/situation/map/{own}/?metric=certification").status_code == 200


def test_the_risk_level_and_closure_maps_read_the_zones_pages_numbers(client, mapped, officer):
    """Issue 20: the levels and the closure coverage on the map, by the same selectors."""
    from warroom.accounts.models import User
    from warroom.communities.services import do_set_closure
    from warroom.core.context import SYSTEM
    from warroom.core.today import today
    from warroom.economy.services import do_compute_risk_levels, do_override_level

    day = today()
    do_compute_risk_levels(day, actor=SYSTEM)  # no case anywhere: every area low
    hq = User.objects.get(username="hq")
    do_override_level(mapped["990101"], day, level="high", reason="聚集", actor=hq)
    do_set_closure(mapped["990101001001001"], "closed", actor=officer)
    _login(client, "hq")

    def regions(metric: str) -> dict:
        page = client.get(f"/situation/map/9901/?metric={metric}&day={day.isoformat()}")
        assert page.status_code == 200
        found = re.search(r"data-series='([^']*)'", page.content.decode()).group(1)
        option = json.loads(found.replace("&quot;", '"'))
        return {d["code"]: d for d in option["series"][0]["data"]}

    risk = regions("risk")
    assert (risk["990101"]["value"], risk["990102"]["value"]) == (2, 0)  # high, low
    closure = regions("closure")
    assert closure["990101"]["value"] == 50.0  # one of District A's two compounds
    assert closure["990102"]["value"] == 0.0
