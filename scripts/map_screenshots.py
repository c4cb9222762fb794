"""Take the maps' screenshots (zh-Hans) from a running demo (docs/maps.md).

    warroom demo                      # in another terminal (or: warroom serve on a demo DB)
    python scripts/map_screenshots.py [http://127.0.0.1:8000]

Writes docs/screenshots/map-city-zh.png, map-district-zh.png and transmission-zh.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser_page  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
MAP = "[data-testid=area-map][data-drawn] canvas"


def main(url: str, user: str = "hq") -> None:
    with browser_page() as page:
        page.goto(f"{url}/accounts/login/")
        page.fill("#id_username", user)
        page.fill("#id_password", "warroom-demo")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/**")
        page.goto(f"{url}/situation/map/")
        page.wait_for_selector(MAP)
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "map-city-zh.png"), full_page=True)
        page.goto(f"{url}/situation/map/420106/?metric=certification")
        page.wait_for_selector(MAP)
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "map-district-zh.png"), full_page=True)
        page.goto(f"{url}/cases/graph/")
        page.wait_for_selector("[data-testid=clusters]")
        if page.locator("[data-testid=graph]").count():
            page.wait_for_selector("[data-testid=graph] canvas")
            page.wait_for_timeout(3000)  # the force layout settles
        page.screenshot(path=str(OUT / "transmission-zh.png"), full_page=True)


if __name__ == "__main__":
    main(*sys.argv[1:2] or ["http://127.0.0.1:8000"])
