"""Shared fixtures: a small city and the test personas.

The personas (STYLE.md habit 8): headquarters, a district officer, an officer of
another district (the outsider who must be refused), a read-only analyst, an auditor.
"""

from __future__ import annotations

import os

import pytest

from warroom.tables import read_table

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM in tests

SMALL_CITY_CSV = """code,parent_code,level,name_zh,name_en,population,lat,lon
9901,,city,测试市,Test City,1000,30.5,114.3
990101,9901,district,甲区,District A,600,30.6,114.3
990102,9901,district,乙区,District B,400,30.4,114.3
990101001,990101,street,甲一街道,A1 Street,600,30.6,114.31
990102001,990102,street,乙一街道,B1 Street,400,30.4,114.31
990101001001,990101001,community,甲一社区,A1 Community,600,30.6,114.32
990102001001,990102001,community,乙一社区,B1 Community,400,30.4,114.32
990101001001001,990101001001,compound,受害小区,Victim Compound,350,30.6,114.33
990101001001002,990101001001,compound,甲二小区,A2 Compound,250,30.6,114.34
990102001001001,990102001001,compound,乙一小区,B1 Compound,400,30.4,114.33
"""

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def city(db):
    from warroom.geo.services import do_import_areas

    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=None)
    from warroom.geo.models import Area

    return {a.code: a for a in Area.objects.all()}


def _user(username: str, role: str, area: str):
    from warroom.accounts.services import do_create_user

    return do_create_user(username, role=role, area_code=area, password=PASSWORD, actor=None)


@pytest.fixture
def hq(city):
    return _user("hq", "hq_leader", "9901")


@pytest.fixture
def officer(city):
    """A district officer of District A, the victim's district."""
    return _user("officer_a", "district_officer", "990101")


@pytest.fixture
def outsider(city):
    """A district officer of District B: must never see or change District A's data."""
    return _user("officer_b", "district_officer", "990102")


@pytest.fixture
def analyst(city):
    return _user("analyst", "analyst", "9901")


@pytest.fixture
def auditor(city):
    return _user("auditor", "auditor", "9901")


# --- communities: case facts, inspectors -------------------------------------------------


@pytest.fixture
def case_facts():
    """A case facts provider with test data: fill the dict {area id: CaseFacts}."""
    from warroom.communities.facts import register_case_facts_provider

    facts: dict = {}
    register_case_facts_provider(lambda as_of: dict(facts))
    yield facts
    register_case_facts_provider(None)


@pytest.fixture
def inspector(city):
    """A street officer of A1 Street: inspects its compounds."""
    return _user("inspector_a1", "street_officer", "990101001")


@pytest.fixture
def grid_worker(city):
    """A grid worker of the victim compound: owns its rectification tasks."""
    return _user("grid_a", "grid_worker", "990101001001001")


def pass_six_in_place(area, actor, date):
    """Record a six-in-place inspection of ``area`` with every item passed."""
    from warroom.communities.models import ChecklistKind
    from warroom.communities.services import ItemResult, active_checklist, do_record_inspection

    items = active_checklist(ChecklistKind.SIX_IN_PLACE).items.all()
    return do_record_inspection(
        area,
        kind=ChecklistKind.SIX_IN_PLACE,
        date=date,
        results={i.code: ItemResult(True) for i in items},
        actor=actor,
    )


@pytest.fixture
def english():
    """Service messages in English, so that tests can match them."""
    from django.utils import translation

    with translation.override("en"):
        yield
