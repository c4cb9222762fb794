"""Fixtures for dispatch: District A's facilities with beds today, and people waiting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.core.context import SYSTEM

VICTIM = "990101001001001"  # District A
OTHER = "990102001001001"  # District B


def make_beds(city, code: str, kind: str, area: str, beds: dict[str, int], **fields):
    from warroom.beds.services import do_create_facility, do_record_capacity_change

    f = do_create_facility(
        code=code,
        name=fields.pop("name", f"设施{code}"),
        kind=kind,
        area=city[area],
        actor=SYSTEM,
        status="open",
        **fields,
    )
    for bed_type, n in beds.items():
        do_record_capacity_change(
            f,
            bed_type=bed_type,
            kind="opening",
            delta=n,
            effective=timezone.localdate() - dt.timedelta(days=5),
            actor=SYSTEM,
        )
    return f


@pytest.fixture
def facilities(city):
    """District A: a designated hospital (ICU 2, SEVERE 2, GENERAL 2), a shelter hospital
    (10) and a quarantine site (5); District B: a shelter hospital (10)."""
    return {
        "DA1": make_beds(
            city,
            "DA1",
            "DESIGNATED",
            "990101",
            {"ICU": 2, "SEVERE": 2, "GENERAL": 2},
            name="甲区定点医院",
            lat=30.6,
            lon=114.30,
        ),
        "SA1": make_beds(
            city,
            "SA1",
            "SHELTER",
            "990101",
            {"SHELTER": 10},
            name="甲区方舱医院",
            lat=30.61,
            lon=114.33,
        ),
        "QA1": make_beds(
            city,
            "QA1",
            "QUARANTINE",
            "990101",
            {"QUARANTINE": 5},
            name="甲区隔离点",
            lat=30.6,
            lon=114.34,
        ),
        "SB1": make_beds(
            city,
            "SB1",
            "SHELTER",
            "990102",
            {"SHELTER": 10},
            name="乙区方舱医院",
            lat=30.4,
            lon=114.33,
        ),
    }


_counter = iter(range(1000, 10**6))


@pytest.fixture
def make_person(city):
    from warroom.cases import services

    def make(category: str, *, severity: str | None = None, home: str = VICTIM, at=None):
        n = next(_counter)
        person = services.do_register_person(
            name=f"病人{n}",
            home=city[home],
            actor=SYSTEM,
            id_number=resident_id(n),
            category=category,
            at=at,
        )
        if severity is not None:
            services.do_set_severity(person, severity, actor=SYSTEM)
            person.refresh_from_db()
        return person

    return make


@pytest.fixture
def dispatcher(city):
    from tests.conftest import PASSWORD
    from warroom.accounts.services import do_create_user

    return do_create_user(
        "dispatcher", role="dispatcher", area_code="9901", password=PASSWORD, actor=SYSTEM
    )
