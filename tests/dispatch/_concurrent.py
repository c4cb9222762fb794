"""Worker processes for the concurrent confirmation test and bench (``spawn``: each one a
fresh interpreter with its own database connection, as two dispatchers' servers are).

Each function sets Django up against ``db_url`` first, so the same code drives a
PostgreSQL test database and an SQLite file.
"""

from __future__ import annotations

import os
from typing import Any

from warroom.core.context import SYSTEM


def setup(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warroom.settings")
    import django

    django.setup()


def build(
    db_url: str, *, migrate: bool, beds: dict[str, int], people: dict[str, int], proposals: int
) -> list[int]:
    """A city with one facility per bed type (few beds left) and more people waiting
    than beds; ``proposals`` proposals made one after another over the same people and
    beds (so they overlap entirely). Returns the proposal ids."""
    setup(db_url)
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from tests.conftest import SMALL_CITY_CSV, resident_id
    from warroom.beds.services import (
        do_create_facility,
        do_record_capacity_change,
        do_reserve_beds,
    )
    from warroom.cases.services import do_register_person
    from warroom.dispatch.services import do_propose
    from warroom.geo.models import Area
    from warroom.geo.services import do_import_areas
    from warroom.tables import read_table

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    areas = {a.code: a for a in Area.objects.all()}
    kinds = {"SHELTER": "SHELTER", "QUARANTINE": "QUARANTINE", "SEVERE": "DESIGNATED"}
    for i, (bed_type, free) in enumerate(beds.items()):
        f = do_create_facility(
            code=f"MP{i}",
            name=f"并发{i}",
            kind=kinds[bed_type],
            area=areas["990101"],
            actor=SYSTEM,
            status="open",
        )
        do_record_capacity_change(
            f,
            bed_type=bed_type,
            kind="opening",
            delta=free + 10,
            effective=timezone.localdate() - dt.timedelta(days=1),
            actor=SYSTEM,
        )
        do_reserve_beds(f, bed_type, 10, actor=SYSTEM, reference="already full but for the last")
    homes = [areas["990101001001001"], areas["990101001001002"], areas["990102001001001"]]
    n = 0
    for category, count in people.items():
        for _ in range(count):
            n += 1
            do_register_person(
                name=f"等床{n}",
                home=homes[n % len(homes)],
                actor=SYSTEM,
                id_number=resident_id(50_000 + n),
                category=category,
            )
    return [do_propose(actor=SYSTEM).pk for _ in range(proposals)]


def confirm(db_url: str, proposal_id: int, barrier: Any) -> dict[str, Any]:
    """Wait for the others, then confirm the whole proposal. Returns what happened."""
    setup(db_url)
    import time

    from warroom.dispatch.models import Proposal
    from warroom.dispatch.services import do_confirm_proposal

    proposal = Proposal.objects.get(pk=proposal_id)
    barrier.wait()
    started = time.perf_counter()
    try:
        done = do_confirm_proposal(proposal, actor=SYSTEM)
    except Exception as exc:  # reported to the test, which fails on it
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "confirmed": done.confirmed,
        "refused": [(r.refusal, r.message) for r in done.refused],
        "seconds": time.perf_counter() - started,
    }


def verify(db_url: str) -> dict[str, Any]:
    """What the database holds after the race: pools, placements, undecided lines."""
    setup(db_url)
    from django.db.models import Count

    from warroom.beds.models import BedPool
    from warroom.dispatch.models import Placement, ProposalLine

    pools = list(BedPool.objects.values_list("facility_id", "bed_type", "capacity", "occupied"))
    open_by_pool = dict(
        ((r["facility_id"], r["bed_type"]), r["n"])
        for r in Placement.objects.filter(ended_at__isnull=True)
        .values("facility_id", "bed_type")
        .annotate(n=Count("pk"))
    )
    twice = (
        Placement.objects.filter(ended_at__isnull=True)
        .values("person_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "pools": pools,
        "open_by_pool": open_by_pool,
        "placed_twice": twice,
        "undecided": ProposalLine.objects.filter(state="proposed").count(),
        "refused_without_reason": ProposalLine.objects.filter(state="refused", refusal="").count(),
    }
