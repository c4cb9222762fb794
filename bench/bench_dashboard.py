"""The command dashboard on a W1 peak day: server time and first paint in headless Chromium.

Targets: server time <= 300 ms (median of 15, Django's test client, headquarters' view of
the whole city); first contentful paint <= 2 s (median of 5 page loads in Debian's
Chromium, served by waitress as in production). Also the number of SQL queries.

    python bench/bench_dashboard.py            # both databases
    python bench/bench_dashboard.py sqlite     # one
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import finish, median_ms, run_child, setup_django, target
from _room_db import fill


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child(kind: str) -> None:
    setup_django()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    day, hq = fill(kind)
    client = Client()
    client.force_login(hq)
    assert client.get("/situation/").status_code == 200
    reset_queries()  # DEBUG keeps a log: start the capture from an empty one
    with CaptureQueriesContext(connection) as queries:
        client.get("/situation/")
    ms = median_ms(lambda: client.get("/situation/"))
    print(
        f"[{kind}] dashboard (city, {day}): {ms:.1f} ms median server time, "
        f"{len(queries)} queries {target(f'[{kind}] dashboard', ms, 300, 'ms')}"
    )
    district = median_ms(lambda: client.get("/situation/?area=420102"))
    print(f"[{kind}] dashboard (a district): {district:.1f} ms median server time")

    from waitress.server import create_server

    from tests.browser import browser_page
    from warroom.wsgi import application

    port = _free_port()
    server = create_server(application, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    paints = []
    with browser_page() as page:
        page.goto(f"{url}/accounts/login/")
        page.fill("#id_username", "hq")
        page.fill("#id_password", "warroom-demo")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/situation/**")
        for _ in range(5):
            page.goto(f"{url}/situation/", wait_until="load")
            fcp = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
            )
            paints.append(float(fcp))
    server.close()
    print(
        f"[{kind}] first contentful paint: {statistics.median(paints):.0f} ms median of 5 "
        f"({', '.join(f'{p:.0f}' for p in paints)}) "
        f"{target(f'[{kind}] first contentful paint', statistics.median(paints), 2000, 'ms')}"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
