"""Daily clearance for the demo city with 300,000 people in the four categories.

Targets: the recompute (``do_compute_clearance``) <= 5 s; the clearance page of the whole
city <= 300 ms server time. Peer: the same backlog counted person by person in Python
(the loop the set-based computation replaces), in the same run on the same database.

    python bench/bench_cases_clearance.py            # both databases
    python bench/bench_cases_clearance.py sqlite     # one
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, run_child, setup_django, target

PEOPLE = 300_000
MIX = [  # (status, share)
    ("confirmed", 0.03),
    ("admitted", 0.12),
    ("suspected", 0.08),
    ("febrile", 0.07),
    ("febrile_tested", 0.05),
    ("contact", 0.15),
    ("quarantined", 0.50),
]


def populate(seed: int = 7) -> None:
    from django.db import transaction
    from django.utils import timezone

    from warroom.cases.imports import PERSON_FIELDS
    from warroom.cases.models import Person, Sample, TransitionRecord, TreatmentRecord
    from warroom.cases.states import category_of
    from warroom.core.bulk import insert_rows, insert_rows_returning_ids
    from warroom.geo.models import Area

    rng = random.Random(seed)
    compounds = list(Area.objects.filter(level="compound").values_list("pk", flat=True))
    now = timezone.now()
    statuses = [s for s, _ in MIX]
    weights = [w for _, w in MIX]
    people, treated = [], []
    for i in range(PEOPLE):
        status = rng.choices(statuses, weights)[0]
        since = now - dt.timedelta(hours=rng.uniform(0, 96))
        p = Person(
            name=f"人{i}",
            home_id=rng.choice(compounds),
            status=status,
            category=category_of(status) or "",
            status_since=since,
            category_since=since,
            created_at=since,
        )
        if status in ("confirmed", "admitted"):
            p.confirmed_at = since
            p.severity = rng.choice(["mild", "moderate", "severe", "critical"])
        if status == "admitted":
            p.admitted_at, p.isolation, p.facility = since, "hospital", "H"
            if rng.random() < 0.6:  # his last treatment record: today, or 1 or 2 days ago
                treated.append((p, timezone.localdate() - dt.timedelta(days=rng.randint(0, 2))))
        isolated = status == "quarantined" or (status != "contact" and rng.random() < 0.5)
        if isolated and status not in ("confirmed", "admitted"):
            p.isolation, p.isolated_at = "quarantine", since
        if status in ("suspected", "febrile", "quarantined") and rng.random() < 0.5:
            p.next_test_due = since + dt.timedelta(hours=rng.uniform(0, 48))
        people.append(p)
    with transaction.atomic():
        insert_rows_returning_ids(Person, people, PERSON_FIELDS)
        samples = [
            Sample(
                person_id=p.pk,
                kind="nucleic_acid",
                lab="L",
                code="",
                taken_at=p.status_since,
                result="",
            )
            for p in people
            if p.status == "febrile_tested"
        ]
        insert_rows(Sample, samples, ["person", "kind", "lab", "code", "taken_at", "result"])
        steps = [
            TransitionRecord(person_id=p.pk, source="", target=p.status, at=p.status_since)
            for p in people
        ]
        insert_rows(
            TransitionRecord, steps, ["person", "source", "target", "at", "actor_name", "reason"]
        )
        insert_rows(
            TreatmentRecord,
            [TreatmentRecord(person_id=p.pk, date=d, at=now) for p, d in treated],
            ["person", "date", "at"],
        )


def peer(cutoff: dt.datetime) -> dict[str, int]:
    """Person by person: what a naive implementation would do."""
    from warroom.cases.models import Person, TreatmentRecord

    totals = {"admit": 0, "isolate": 0, "test": 0, "treat": 0}
    day = cutoff.date()
    last_treated: dict[int, dt.date] = {}
    for pk, d in TreatmentRecord.objects.values_list("person_id", "date").iterator():
        last_treated[pk] = max(d, last_treated.get(pk, d))
    for p in Person.objects.exclude(status="").iterator(chunk_size=5000):
        if p.status == "confirmed":
            totals["admit"] += 1
        if p.status in ("febrile", "febrile_tested", "suspected", "contact") and (
            p.isolation == "none"
        ):
            totals["isolate"] += 1
        if p.next_test_due is not None and p.next_test_due <= cutoff:
            totals["test"] += 1
        if p.status == "admitted" and last_treated.get(p.pk, dt.date.min) < day:
            totals["treat"] += 1
    return totals


def child(kind: str) -> None:
    setup_django()
    from django.test import Client
    from django.utils import timezone

    from warroom.accounts.services import do_create_user
    from warroom.cases.clearance import cutoff_for, do_compute_clearance
    from warroom.cases.selectors import compound_case_facts
    from warroom.core.context import SYSTEM
    from warroom.geo.models import Area
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    start = time.perf_counter()
    populate()
    print(
        f"[{kind}] {PEOPLE:,} people in {Area.objects.count():,} areas "
        f"(populated in {time.perf_counter() - start:.1f} s)"
    )
    today = timezone.localdate()
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        result = do_compute_clearance(today, actor=SYSTEM)
        seconds.append(time.perf_counter() - start)
    best = min(seconds)
    print(
        f"[{kind}] clearance recompute: {best:.2f} s best of 3 "
        f"({', '.join(f'{s:.2f}' for s in seconds)}) "
        f"{target(f'[{kind}] clearance recompute', best, 5, 's')}; "
        f"{result.rows:,} area rows; city {result.city_totals}"
    )
    start = time.perf_counter()
    peer(cutoff_for(today))
    peer_s = time.perf_counter() - start
    print(
        f"[{kind}] peer (person by person, totals only): {peer_s:.2f} s; ratio {peer_s / best:.1f}x"
    )
    start = time.perf_counter()
    facts = compound_case_facts(today)
    print(
        f"[{kind}] compound_case_facts for {len(facts):,} compounds: "
        f"{time.perf_counter() - start:.2f} s"
    )
    hq = do_create_user(
        "bench-hq",
        role="hq_leader",
        area_code="4201",
        password="x",  # noqa: S106 (a bench's throwaway user)
        actor=None,
        check_password=False,
    )
    client = Client()
    client.force_login(hq)
    url = "/cases/clearance/4201/"
    assert client.get(url).status_code == 200
    ms = median_ms(lambda: client.get(url))
    print(
        f"[{kind}] clearance page for the city: {ms:.1f} ms median "
        + target(f"[{kind}] clearance page", ms, 300, "ms")
    )
    district = Area.objects.get(code="420102")
    ms = median_ms(lambda: client.get(f"/cases/clearance/{district.code}/"))
    print(f"[{kind}] clearance page for a district: {ms:.1f} ms median")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite", "postgres"]:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
