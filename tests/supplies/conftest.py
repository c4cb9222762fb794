"""Fixtures for supplies and waste: the catalogue, warehouses and a facility in District A."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.core.context import SYSTEM

D0 = dt.date(2020, 2, 1)


@pytest.fixture
def catalogue(db):
    from warroom.supplies.catalogue import ensure_catalogue, items_by_code

    ensure_catalogue()
    return items_by_code()


@pytest.fixture
def warehouses(city, catalogue):
    from warroom.supplies.services import ensure_district_warehouses

    return {p.code: p for p in ensure_district_warehouses(actor=SYSTEM)}


@pytest.fixture
def hospital(city):
    """A designated hospital in District A: 10 ICU and 40 SEVERE beds, 8 and 30 occupied."""
    from warroom.beds.services import (
        do_create_facility,
        do_record_capacity_change,
        do_report_occupancy,
    )

    f = do_create_facility(
        code="DA1",
        name="甲区定点医院",
        kind="DESIGNATED",
        area=city["990101"],
        actor=SYSTEM,
        opened_on=D0,
        status="open",
    )
    for bed_type, n, occ in (("ICU", 10, 8), ("SEVERE", 40, 30)):
        do_record_capacity_change(
            f, bed_type=bed_type, kind="opening", delta=n, effective=D0, actor=SYSTEM
        )
        do_report_occupancy(f, day=D0, bed_type=bed_type, occupied=occ, actor=SYSTEM)
    return f


@pytest.fixture
def shelter_b(city):
    """A shelter hospital in District B with 100 beds, 60 occupied."""
    from warroom.beds.services import (
        do_create_facility,
        do_record_capacity_change,
        do_report_occupancy,
    )

    f = do_create_facility(
        code="SB1",
        name="乙区方舱医院",
        kind="SHELTER",
        area=city["990102"],
        actor=SYSTEM,
        opened_on=D0,
        status="open",
    )
    do_record_capacity_change(
        f, bed_type="SHELTER", kind="opening", delta=100, effective=D0, actor=SYSTEM
    )
    do_report_occupancy(f, day=D0, bed_type="SHELTER", occupied=60, actor=SYSTEM)
    return f
