"""The W1 peak as a database, for the dispatch benchmarks (DESIGN §5).

20,000 people waiting in 7,000 compounds (critical 600, severe 1,400, mild confirmed
3,000, suspected 3,000, febrile 4,000, contacts 8,000; waits of 0-3 days) and 130,000
free beds in 300 facilities (40 designated hospitals with ICU 2,000, SEVERE 10,000,
GENERAL 18,000; 16 shelter hospitals with 20,000; 244 quarantine sites with 80,000), at
random points of a Wuhan-sized box: the instance of ``bench_allocate.py``, written with
bulk inserts (a benchmark's fixture, not the product's way in).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

MIX = {
    ("confirmed", "critical"): 600,
    ("confirmed", "severe"): 1_400,
    ("confirmed", "mild"): 3_000,
    ("suspected", ""): 3_000,
    ("febrile", ""): 4_000,
    ("contact", ""): 8_000,
}
BEDS = {"ICU": 2_000, "SEVERE": 10_000, "GENERAL": 18_000, "SHELTER": 20_000, "QUARANTINE": 80_000}
CATEGORY = {
    "confirmed": "confirmed",
    "suspected": "suspected",
    "febrile": "febrile",
    "contact": "contact",
}


def build(
    seed: int = 20200210,
    *,
    compounds: int = 7_000,
    facilities: tuple[int, int, int] = (40, 16, 244),
    mix: dict[tuple[str, str], int] | None = None,
    beds: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Write the world; returns counts. Needs an empty, migrated database."""
    from django.db import transaction
    from django.utils import timezone

    from warroom.beds.models import BedPool, CapacityChange, Facility
    from warroom.cases.models import Person
    from warroom.geo.models import Area

    mix = mix or MIX
    beds = beds or BEDS
    rng = np.random.default_rng(seed)
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        city = Area.objects.create(
            code="4201", level="city", name_zh="基准市", path="/4201/", depth=0, lat=30.6, lon=114.3
        )
        districts = [
            Area(
                code=f"4201{i:02d}",
                parent=city,
                level="district",
                name_zh=f"区{i}",
                path=f"/4201/4201{i:02d}/",
                depth=1,
            )
            for i in range(13)
        ]
        Area.objects.bulk_create(districts)
        districts = list(Area.objects.filter(level="district").order_by("code"))
        lat = rng.uniform(30.35, 30.85, compounds)
        lon = rng.uniform(114.0, 114.6, compounds)
        homes = []
        for i in range(compounds):
            d = districts[i % len(districts)]
            code = f"{d.code}{i:07d}"
            homes.append(
                Area(
                    code=code,
                    parent=d,
                    level="compound",
                    name_zh=f"小区{i}",
                    path=f"{d.path}{code}/",
                    depth=4,
                    lat=float(lat[i]),
                    lon=float(lon[i]),
                )
            )
        Area.objects.bulk_create(homes, batch_size=2000)
        home_ids = list(Area.objects.filter(level="compound").values_list("pk", flat=True))
        n_hosp, n_shel, n_quar = facilities
        kinds = ["DESIGNATED"] * n_hosp + ["SHELTER"] * n_shel + ["QUARANTINE"] * n_quar
        f_lat = rng.uniform(30.35, 30.85, len(kinds))
        f_lon = rng.uniform(114.0, 114.6, len(kinds))
        Facility.objects.bulk_create(
            [
                Facility(
                    code=f"F{i:04d}",
                    name=f"设施{i}",
                    kind=k,
                    status="open",
                    area=districts[i % len(districts)],
                    lat=float(f_lat[i]),
                    lon=float(f_lon[i]),
                    opened_on=today - dt.timedelta(days=10),
                )
                for i, k in enumerate(kinds)
            ]
        )
        fac = list(Facility.objects.order_by("code").values_list("pk", "kind"))
        by_kind = {k: [pk for pk, kind in fac if kind == k] for k in set(kinds)}
        holders = {
            "ICU": "DESIGNATED",
            "SEVERE": "DESIGNATED",
            "GENERAL": "DESIGNATED",
            "SHELTER": "SHELTER",
            "QUARANTINE": "QUARANTINE",
        }
        changes, pools = [], []
        for bed_type, total in beds.items():
            ids = by_kind[holders[bed_type]]
            split = rng.multinomial(total, np.full(len(ids), 1 / len(ids)))
            for pk, n in zip(ids, split, strict=True):
                if n:
                    changes.append(
                        CapacityChange(
                            facility_id=pk,
                            bed_type=bed_type,
                            kind="opening",
                            delta=int(n),
                            effective=today - dt.timedelta(days=10),
                        )
                    )
                    pools.append(BedPool(facility_id=pk, bed_type=bed_type, capacity=int(n)))
        CapacityChange.objects.bulk_create(changes)
        BedPool.objects.bulk_create(pools)
        people = []
        n = 0
        for (status, severity), count in mix.items():
            for _ in range(count):
                since = now - dt.timedelta(hours=float(rng.uniform(0, 96)))
                people.append(
                    Person(
                        name=f"等床{n}",
                        home_id=home_ids[int(rng.integers(len(home_ids)))],
                        status=status,
                        category=CATEGORY[status],
                        severity=severity,
                        status_since=since,
                        category_since=since,
                        confirmed_at=since if status == "confirmed" else None,
                        created_at=since,
                    )
                )
                n += 1
        Person.objects.bulk_create(people, batch_size=5000)
    return {"people": n, "beds": sum(beds.values()), "facilities": len(kinds)}
