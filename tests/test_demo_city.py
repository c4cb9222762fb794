"""The demo city: Wuhan's real units and populations, a synthetic layer that adds up."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from warroom.geo.models import Area
from warroom.geo.services import do_load_demo_city
from warroom.twin.city import build_demo_city

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def specs():
    return build_demo_city()


def test_the_generator_is_deterministic_for_a_seed(specs):
    assert build_demo_city() == specs
    assert build_demo_city(seed=1) != specs


def test_the_demo_city_has_wuhans_units_and_counts():
    do_load_demo_city()
    city = Area.objects.get(level="city")
    assert city.population == 12_326_518
    districts = Area.objects.filter(level="district")
    assert districts.count() == 15
    assert districts.aggregate(s=Sum("population"))["s"] == 12_326_518
    assert Area.objects.get(code="420102").population == 965_260  # 江岸区, census 2020
    assert Area.objects.filter(level="street").count() == 198
    assert (
        Area.objects.filter(level="street", synthetic=False).count() == 0
    )  # their populations are synthetic
    assert Area.objects.filter(level="community", kind="community").count() == 1_400
    assert Area.objects.filter(level="community", kind="village").count() == 1_900
    assert Area.objects.filter(level="compound").count() == 7_100
    # A zone-administered street sits under its zone (see warroom.twin.city.ADMINISTERED_BY).
    assert Area.objects.get(code="420111080").parent.code == "420190"


def test_populations_add_up_at_every_level():
    do_load_demo_city()
    sums = {
        row["parent"]: row["s"]
        for row in Area.objects.exclude(parent=None).values("parent").annotate(s=Sum("population"))
    }
    parents = Area.objects.filter(pk__in=sums.keys()).values_list("pk", "code", "population")
    wrong = [(code, pop, sums[pk]) for pk, code, pop in parents if sums[pk] != pop]
    assert wrong == []


def test_loading_twice_adds_nothing():
    first = do_load_demo_city()
    second = do_load_demo_city()
    assert first.created == 10_614 and second.already_imported
    assert Area.objects.count() == 10_614
