"""Area tree: loading the demo city and subtree queries, on SQLite and PostgreSQL.

Targets (foundation issue): a subtree query <= 20 ms; loading the demo city <= 10 s.
Peer: the same subtree read with a recursive CTE over parent links (the usual way
without a materialised path), in the same run on the same database.

    python bench/bench_areas.py            # both databases
    python bench/bench_areas.py sqlite     # one
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, run_child, setup_django, target

RECURSIVE = """
WITH RECURSIVE sub(id) AS (
  SELECT id FROM geo_area WHERE code = %s
  UNION ALL
  SELECT a.id FROM geo_area a JOIN sub ON a.parent_id = sub.id
)
SELECT a.code, a.population FROM geo_area a JOIN sub ON a.id = sub.id
"""


def child(kind: str) -> None:
    setup_django()
    from django.db import connection

    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city

    start = time.perf_counter()
    result = do_load_demo_city()
    load_s = time.perf_counter() - start
    print(
        f"[{kind}] load demo city ({result.created} areas): {load_s:.2f} s  "
        + target(f"[{kind}] load demo city", load_s, 10, "s")
    )

    for label, code in (("whole city", "4201"), ("one district (江岸区)", "420102")):
        path = Area.objects.get(code=code).path

        def ours(path: str = path) -> int:
            return len(
                list(Area.objects.filter(path__under=path).values_list("code", "population"))
            )

        def peer(code: str = code) -> int:
            with connection.cursor() as cursor:
                cursor.execute(RECURSIVE, [code])
                return len(cursor.fetchall())

        assert ours() == peer()
        ms, peer_ms = median_ms(ours), median_ms(peer)
        print(
            f"[{kind}] subtree of {label} ({ours()} areas): {ms:.2f} ms median "
            f"{target(f'[{kind}] subtree of {label}', ms, 20, 'ms')}; "
            f"recursive CTE {peer_ms:.2f} ms; ratio {peer_ms / ms:.1f}x"
        )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    kinds = sys.argv[1:] or ["sqlite", "postgres"]
    for kind in kinds:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
