"""Take the README's screenshots of the situation room (zh-Hans) from a running demo.

    warroom demo                      # in another terminal (or: warroom serve on a demo DB)
    python scripts/room_screenshots.py [http://127.0.0.1:8000]

Writes docs/screenshots/dashboard-full-city-zh.png (the first screen),
docs/screenshots/dashboard-zh.png (the whole page) and docs/screenshots/briefing-zh.png.
The README's are taken on the whole-city demo (`warroom demo`, scale 1) on a February day.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser_page  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main(url: str) -> None:
    with browser_page() as page:
        page.goto(f"{url}/accounts/login/")
        page.fill("#id_username", "hq")
        page.fill("#id_password", "warroom-demo")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/**")
        page.wait_for_selector(".chart canvas")
        page.wait_for_timeout(1500)  # ECharts' entry animation
        page.screenshot(path=str(OUT / "dashboard-full-city-zh.png"))
        page.screenshot(path=str(OUT / "dashboard-zh.png"), full_page=True)
        page.click("[data-testid=briefing-link]")
        page.wait_for_selector("[data-testid=briefing]")
        page.screenshot(path=str(OUT / "briefing-zh.png"), full_page=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
