"""Fixtures for beds: facilities in District A (the victim's) and District B."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.core.context import SYSTEM

D0 = dt.date(2020, 2, 1)


@pytest.fixture
def make_facility(city):
    from warroom.beds.services import do_create_facility

    def make(code: str, kind: str = "SHELTER", area: str = "990101", **fields):
        return do_create_facility(
            code=code,
            name=fields.pop("name", f"设施{code}"),
            kind=kind,
            area=city[area],
            actor=SYSTEM,
            **fields,
        )

    return make


@pytest.fixture
def shelter(make_facility):
    """A shelter hospital in District A with 100 beds from 1 Feb 2020."""
    from warroom.beds.services import do_record_capacity_change

    f = make_facility("SA1", "SHELTER", name="甲区方舱医院", opened_on=D0, status="open")
    do_record_capacity_change(
        f, bed_type="SHELTER", kind="opening", delta=100, effective=D0, actor=SYSTEM
    )
    return f


@pytest.fixture
def no_waiting_provider():
    """Case management unplugged: the bed balance has no waiting people to count."""
    from warroom.beds import waiting

    saved = list(waiting._PROVIDERS)
    waiting._PROVIDERS.clear()
    yield
    waiting._PROVIDERS[:] = saved
