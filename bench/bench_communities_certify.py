"""Certification: recompute the demo city, and a new case decertifying its ancestors.

Targets (communities issue): recompute for the demo city (10,600 areas) with the case
facts loaded from the database <= 2 s; a new case decertifying its compound and every
ancestor <= 50 ms end to end. Peer for the roll-up: the same rule written as a plain
Python recursion over the tree (the obvious way), timed in the same run.

    python bench/bench_communities_certify.py            # both databases
    python bench/bench_communities_certify.py sqlite     # one
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, setup_django, target
from _communities_db import run_child_isolated

FACTS_TABLE = """
CREATE TABLE bench_case_facts (
  area_id bigint PRIMARY KEY, last_confirmed date, unreleased integer, open_backlog integer
)
"""


def seed(day: dt.date) -> None:
    """Six-in-place inspections for every leaf, and case facts for a tenth of the compounds."""
    from django.db import connection
    from django.utils import timezone

    from warroom.accounts.services import do_create_user
    from warroom.communities.models import ChecklistKind, Inspection
    from warroom.communities.services import active_checklist
    from warroom.geo.models import Area

    hq = do_create_user(
        "bench",
        role="hq_leader",
        area_code="4201",
        password=secrets.token_hex(16),
        actor=None,
        check_password=False,
    )
    checklist = active_checklist(ChecklistKind.SIX_IN_PLACE)
    leaves = list(Area.objects.filter(children__isnull=True).values_list("pk", flat=True))
    now = timezone.now()
    Inspection.objects.bulk_create(
        [
            Inspection(
                area_id=pk,
                checklist=checklist,
                kind=ChecklistKind.SIX_IN_PLACE,
                date=day - dt.timedelta(days=2),
                inspector=hq,
                inspector_level="city",
                passed=True,
                created_at=now,
            )
            for pk in leaves
        ],
        batch_size=2000,
    )
    rng = random.Random(20200301)
    compounds = list(Area.objects.filter(level="compound").values_list("pk", flat=True))
    rows = [
        (
            pk,
            day - dt.timedelta(days=rng.randint(3, 40)),
            rng.choice([0, 0, 0, 1, 2]),
            rng.choice([0, 0, 0, 0, 1]),
        )
        for pk in rng.sample(compounds, len(compounds) // 10)
    ]
    with connection.cursor() as cursor:
        cursor.execute(FACTS_TABLE)
        cursor.executemany("INSERT INTO bench_case_facts VALUES (%s, %s, %s, %s)", rows)


def facts_from_database(as_of: dt.date) -> dict:
    from django.db import connection

    from warroom.communities.facts import CaseFacts

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT area_id, last_confirmed, unreleased, open_backlog FROM bench_case_facts"
        )
        out = {}
        for area_id, last, unreleased, backlog in cursor.fetchall():
            if isinstance(last, str):
                last = dt.date.fromisoformat(last)
            out[area_id] = CaseFacts(last, unreleased, backlog)
        return out


def naive_roll_up(parent, days, unreleased, backlog, inspection, min_days):
    children: dict[int, list[int]] = {}
    for i, p in enumerate(parent):
        if p >= 0:
            children.setdefault(int(p), []).append(i)
    certified = [False] * len(parent)
    sys.setrecursionlimit(10_000)

    def visit(i: int) -> bool:
        kids = children.get(i, [])
        ok_kids = all([visit(k) for k in kids])
        own = days[i] >= min_days and unreleased[i] == 0 and backlog[i] == 0
        if not kids:
            own = own and inspection[i] == 1
        certified[i] = own and ok_kids
        return certified[i]

    for root in [i for i, p in enumerate(parent) if p < 0]:
        visit(root)
    return certified


def child(kind: str) -> None:
    setup_django()
    import numpy as np
    from django.utils import timezone

    from warroom.communities import certification as cert
    from warroom.communities.facts import register_case_facts_provider
    from warroom.communities.models import Certification, CertificationStatus
    from warroom.communities.services import do_decertify_on_new_case, do_recompute_certification
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    day = timezone.localdate()
    seed(day)
    register_case_facts_provider(facts_from_database)
    n = Area.objects.count()

    start = time.perf_counter()
    do_recompute_certification(day - dt.timedelta(days=1), actor=None)
    first = (time.perf_counter() - start) * 1000  # the first day: every unit's event logged
    result = do_recompute_certification(day, actor=None)
    ms = median_ms(lambda: do_recompute_certification(day, actor=None), repeat=5, warmup=0)
    share = {lv: f"{c}/{t}" for lv, (c, t) in result.by_level.items()}
    print(
        f"[{kind}] recompute certification ({n} areas, facts from the database): "
        f"{ms:.0f} ms median {target(f'[{kind}] recompute certification', ms, 2000, 'ms')}, "
        f"first day ever {first:.0f} ms; "
        f"certified {share}"
    )

    # The roll-up alone, against the plain recursion.
    areas = list(Area.objects.order_by("path").values_list("pk", "parent_id"))
    index = {pk: i for i, (pk, _p) in enumerate(areas)}
    parent = np.array([index.get(p, -1) if p else -1 for _pk, p in areas], dtype=np.int64)
    rng = np.random.default_rng(1)
    days = rng.integers(0, 60, n).astype(np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    insp = np.ones(n, dtype=np.int8)
    ours = cert.roll_up(parent, days, zeros, zeros, insp, min_days=14)
    assert ours.certified.tolist() == naive_roll_up(parent, days, zeros, zeros, insp, 14)
    fast = median_ms(lambda: cert.roll_up(parent, days, zeros, zeros, insp, min_days=14))
    slow = median_ms(lambda: naive_roll_up(parent, days, zeros, zeros, insp, 14), repeat=5)
    print(
        f"[{kind}] roll-up alone: {fast:.2f} ms; plain Python recursion {slow:.1f} ms; "
        f"ratio {slow / fast:.0f}x"
    )

    compounds = list(Area.objects.filter(level="compound").order_by("?")[:40])
    it = iter(compounds)
    now = timezone.now()
    ms = median_ms(
        lambda: do_decertify_on_new_case(next(it), now, "bench case", actor=None),
        repeat=30,
        warmup=5,
    )
    city = CertificationStatus.objects.get(area__parent__isnull=True, date=day)
    assert city.status == Certification.NOT_CERTIFIED
    print(
        f"[{kind}] new case decertifying compound → city: {ms:.1f} ms median "
        + target(f"[{kind}] decertify on a new case", ms, 50, "ms")
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child_isolated(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
