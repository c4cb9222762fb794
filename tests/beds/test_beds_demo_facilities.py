"""The demo facilities reach Wuhan's published totals, deterministically."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.beds import selectors
from warroom.beds.imports import do_load_demo_facilities
from warroom.beds.models import Facility

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def demo(db):
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    return do_load_demo_facilities()


def _total(day: dt.date, kind: str | None = None, names: tuple[str, ...] = ()) -> int:
    qs = Facility.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    for n in names:
        qs = qs.filter(name__contains=n)
    ids = list(qs.values_list("pk", flat=True))
    return sum(selectors.capacity_on(day, facility_ids=ids).values())


def test_the_published_totals_are_reached(demo):
    assert _total(D(2020, 2, 10), names=("火神山",)) == 1000
    assert _total(D(2020, 2, 10), names=("雷神山",)) == 1600
    assert _total(D(2020, 4, 15), names=("火神山",)) == 0  # closed
    assert Facility.objects.filter(kind="SHELTER").count() == 16
    assert _total(D(2020, 2, 29), "SHELTER") == 13_467
    assert _total(D(2020, 3, 10), "SHELTER") == 0  # the last closed on 10 March
    assert _total(D(2020, 2, 29), "DESIGNATED") == 26_911
    assert _total(D(2020, 2, 12), "DESIGNATED") == 12_000
    assert _total(D(2020, 2, 17), "DESIGNATED") == 19_000
    assert _total(D(2020, 2, 29), names=("隔离治疗点",)) == 11_172
    assert _total(D(2020, 2, 25)) == 130_000
    assert Facility.objects.count() == 300
    # Shelter hospitals open as published: 7 on 12 Feb, 11 on 16 Feb, 16 by 20 Feb.
    shelters = Facility.objects.filter(kind="SHELTER")
    assert [shelters.filter(opened_on__lte=D(2020, 2, d)).count() for d in (12, 16, 20)] == [
        7,
        11,
        16,
    ]
    real = Facility.objects.get(name__startswith="江汉方舱医院")
    assert not real.synthetic and real.area.code == "420103" and real.opened_on == D(2020, 2, 5)
    assert _total(D(2020, 2, 29), names=("江汉方舱",)) == 1564
    unknown = Facility.objects.get(name__startswith="武汉客厅")
    assert "synthetic" in unknown.notes and not unknown.synthetic
    assert Facility.objects.filter(synthetic=True).count() == Facility.objects.count() - 17
    # spread over districts by population: the most populous has the most quarantine sites
    counts = {}
    for code in Facility.objects.filter(kind="QUARANTINE").values_list("area__code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    assert max(counts, key=counts.get) == "420111"  # 洪山区, the most populous district


def test_loading_again_adds_nothing(demo):
    assert not demo.already_imported
    again = do_load_demo_facilities()
    assert again.already_imported and again.created == 0
