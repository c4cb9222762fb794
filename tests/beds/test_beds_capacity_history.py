"""Capacity on any day is derived from a history that is never overwritten."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.beds import selectors
from warroom.beds.models import CapacityChange
from warroom.beds.services import (
    do_convert_beds,
    do_plan_opening,
    do_realise_opening,
    do_record_capacity_change,
)
from warroom.core.context import SYSTEM
from warroom.core.errors import InvalidInput

pytestmark = pytest.mark.django_db
D0 = dt.date(2020, 2, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def test_openings_conversions_and_closures_give_the_capacity_of_each_day(make_facility):
    h = make_facility("H1", "DESIGNATED", opened_on=D0)
    do_record_capacity_change(
        h, bed_type="GENERAL", kind="opening", delta=300, effective=D0, actor=SYSTEM
    )
    do_record_capacity_change(
        h, bed_type="ICU", kind="opening", delta=20, effective=day(2), actor=SYSTEM
    )
    do_convert_beds(
        h, from_type="GENERAL", to_type="SEVERE", beds=120, effective=day(5), actor=SYSTEM
    )
    do_record_capacity_change(
        h, bed_type="GENERAL", kind="closure", level=0, effective=day(9), actor=SYSTEM
    )

    def on(n: int) -> dict[str, int]:
        return {t: c for (_, t), c in selectors.capacity_on(day(n)).items()}

    assert on(-1) == {}
    assert on(0) == {"GENERAL": 300}
    assert on(2) == {"GENERAL": 300, "ICU": 20}
    assert on(5) == {"GENERAL": 180, "ICU": 20, "SEVERE": 120}
    assert on(9) == {"ICU": 20, "SEVERE": 120}
    # Nothing was overwritten: five rows, each as entered, the closure by level recorded.
    rows = list(
        CapacityChange.objects.order_by("pk").values_list("bed_type", "kind", "delta", "level")
    )
    assert rows == [
        ("GENERAL", "opening", 300, None),
        ("ICU", "opening", 20, None),
        ("GENERAL", "conversion", -120, None),
        ("SEVERE", "conversion", 120, None),
        ("GENERAL", "closure", -180, 0),
    ]


def test_capacity_of_many_facilities_is_one_query(make_facility, django_assert_num_queries):
    for i in range(5):
        f = make_facility(f"S{i}")
        do_record_capacity_change(
            f, bed_type="SHELTER", kind="opening", delta=10 * (i + 1), effective=D0, actor=SYSTEM
        )
    with django_assert_num_queries(1):
        levels = selectors.capacity_on(day(1))
    assert sorted(levels.values()) == [10, 20, 30, 40, 50]


def test_a_back_dated_change_is_added_not_merged(shelter):
    do_record_capacity_change(
        shelter, bed_type="SHELTER", kind="opening", delta=50, effective=day(10), actor=SYSTEM
    )
    do_record_capacity_change(
        shelter, bed_type="SHELTER", kind="closure", delta=-30, effective=day(4), actor=SYSTEM
    )
    series = selectors.capacity_series(D0, 12)
    assert [s["SHELTER"] for s in series] == [100] * 4 + [70] * 6 + [120] * 2


def test_planned_openings_count_in_the_schedule_until_realised(shelter):
    planned = do_plan_opening(shelter, bed_type="SHELTER", beds=200, effective=day(6), actor=SYSTEM)
    assert selectors.capacity_on(day(7))[(shelter.pk, "SHELTER")] == 100
    assert selectors.capacity_on(day(7), schedule=True)[(shelter.pk, "SHELTER")] == 300
    do_realise_opening(planned, effective=day(8), actor=SYSTEM, beds=150)
    assert selectors.capacity_on(day(7), schedule=True)[(shelter.pk, "SHELTER")] == 100
    assert selectors.capacity_on(day(8), schedule=True)[(shelter.pk, "SHELTER")] == 250
    assert selectors.capacity_on(day(8))[(shelter.pk, "SHELTER")] == 250


def test_impossible_changes_are_refused_with_a_reason(shelter):
    with pytest.raises(InvalidInput, match="would have -20 SHELTER beds"):
        do_record_capacity_change(
            shelter, bed_type="SHELTER", kind="closure", delta=-120, effective=day(3), actor=SYSTEM
        )
    with pytest.raises(InvalidInput, match="has no ICU beds"):
        do_record_capacity_change(
            shelter, bed_type="ICU", kind="opening", delta=5, effective=D0, actor=SYSTEM
        )
    with pytest.raises(InvalidInput, match="an opening adds beds"):
        do_record_capacity_change(
            shelter, bed_type="SHELTER", kind="opening", delta=-5, effective=D0, actor=SYSTEM
        )
    with pytest.raises(InvalidInput, match="already has 100"):
        do_record_capacity_change(
            shelter, bed_type="SHELTER", kind="opening", level=100, effective=day(1), actor=SYSTEM
        )
    assert CapacityChange.objects.count() == 1


def test_a_recorded_change_cannot_be_edited_or_deleted(shelter):
    change = CapacityChange.objects.get()
    change.delta = 500
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    with pytest.raises(ValueError, match="append-only"):
        change.delete()
    assert CapacityChange.objects.get().delta == 100
