"""The map of compounds: server time and payload for the demo city's 7,100 compounds.

Targets (communities issue): server time <= 300 ms, payload <= 1 MB, for headquarters
(every compound of the city) after a recompute, on SQLite and PostgreSQL.

    python bench/bench_communities_map.py            # both databases
    python bench/bench_communities_map.py sqlite     # one
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, setup_django, target
from _communities_db import run_child_isolated


def child(kind: str) -> None:
    setup_django()
    from django.test import Client
    from django.utils import timezone

    from warroom.accounts.services import do_create_user
    from warroom.communities.facts import register_case_facts_provider
    from warroom.communities.services import do_recompute_certification
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    register_case_facts_provider(lambda as_of: {})
    do_recompute_certification(timezone.localdate(), actor=None)
    hq = do_create_user(
        "bench",
        role="hq_leader",
        area_code="4201",
        password=secrets.token_hex(16),
        actor=None,
        check_password=False,
    )
    client = Client()
    client.force_login(hq)
    response = client.get("/communities/map/")
    assert response.status_code == 200
    compounds = Area.objects.filter(level="compound").count()
    body = response.content
    assert body.count(b"]") >= compounds  # every compound is a point
    ms = median_ms(lambda: client.get("/communities/map/"), repeat=15)
    print(
        f"[{kind}] map of {compounds} compounds: {ms:.0f} ms median server time "
        f"{target(f'[{kind}] map', ms, 300, 'ms')}; payload {len(body) / 1024:.0f} KB "
        f"{target(f'[{kind}] map payload', len(body) / 1024, 1024, 'KB')}"
    )
    # The situation map of the city (districts coloured, compounds on top) and the
    # boundaries it fetches (docs/maps.md): for the record, no target set.
    for url in ("/situation/map/4201/?metric=certification", "/situation/map/4201/shapes.geojson"):
        page = client.get(url)
        assert page.status_code == 200
        ms = median_ms(lambda u=url: client.get(u), repeat=5)
        print(f"[{kind}] {url}: {ms:.0f} ms median, {len(page.content) / 1024:.0f} KB")
    # The other certification pages of headquarters, for the record (no target set).
    for url in ("/communities/", "/communities/areas/4201/", "/communities/published/"):
        assert client.get(url).status_code == 200
        print(f"[{kind}] {url}: {median_ms(lambda u=url: client.get(u), repeat=5):.0f} ms median")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child_isolated(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
