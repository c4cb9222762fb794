"""In headless Chromium: the city's map (zh-Hans), a click on a district shows its streets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import browser_page
from tests.conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The pixel of a (lon, lat) on the drawn map, by ECharts' own projection.
PIXEL = """([lon, lat]) => {
  const el = document.querySelector('[data-testid=area-map]');
  const chart = window.echarts.getInstanceByDom(el);
  const [x, y] = chart.convertToPixel({geoIndex: 0}, [lon, lat]);
  const box = el.getBoundingClientRect();
  return [box.left + x, box.top + y];
}"""
SERIES = """() => window.echarts.getInstanceByDom(
  document.querySelector('[data-testid=area-map]')).getOption().series.map(
    s => [s.type, s.id, s.data.map(d => Array.isArray(d) ? d[2] : d.code)])"""


def test_the_map_draws_districts_and_a_click_drills_down_to_streets(live_server, city, hq):
    with browser_page() as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "hq")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/**")
        page.get_by_role("link", name="地图").click()
        page.wait_for_url("**/situation/map/9901/")
        page.wait_for_selector("[data-testid=area-map][data-drawn] canvas")
        assert page.get_by_test_id("map-area").inner_text() == "测试市"
        series = page.evaluate(SERIES)
        assert series[0][0] == "map" and sorted({c for c in series[0][2] if c}) == [
            "990101",
            "990102",
        ]
        assert "甲区" in page.get_by_test_id("map-table").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "map-city.png"), full_page=True)

        # Click inside District A (around its one street's point).
        x, y = page.evaluate(PIXEL, [114.31, 30.6])
        page.mouse.click(x, y)
        page.wait_for_url(re.compile(r".*/situation/map/990101/\?metric=phase.*"))
        page.wait_for_selector("[data-testid=area-map][data-drawn] canvas")
        assert page.get_by_test_id("map-area").inner_text() == "甲区"
        series = page.evaluate(SERIES)
        streets = [c for t, i, codes in series if i.startswith("areas") for c in codes]
        assert series[0][0] == "scatter" and streets == ["990101001"]  # its street
        assert "甲一街道" in page.get_by_test_id("map-table").inner_text()

        # A click on the street drills down to its communities and compounds.
        x, y = page.evaluate(PIXEL, [114.31, 30.6])
        page.mouse.click(x, y)
        page.wait_for_url(re.compile(r".*/situation/map/990101001/.*"))
        page.wait_for_selector("[data-testid=area-map][data-drawn] canvas")
        assert "甲一社区" in page.get_by_test_id("map-table").inner_text()
        compounds = [s for s in page.evaluate(SERIES) if s[1].startswith("compounds-")]
        assert sorted(n for s in compounds for n in s[2]) == ["受害小区", "甲二小区"]

        # A click on a compound opens its page.
        x, y = page.evaluate(PIXEL, [114.33, 30.6])
        page.mouse.click(x, y)
        page.wait_for_url("**/communities/areas/990101001001001/")

        # Everything the pages loaded came from the platform itself.
        own = live_server.url
        assert requests and all(u.startswith(own) or u.startswith("data:") for u in requests)
