"""The bed pools taken and freed many at once (one statement a block) give what the
one-pool statements gave: never above capacity, never below zero, each pool its own."""

from __future__ import annotations

import pytest
from django.db import transaction

from warroom.beds.models import BedPool
from warroom.dispatch._base import _free, _free_many, _lock_pools, _take, _take_many

pytestmark = pytest.mark.django_db


def _occupied() -> dict[tuple[int, str], int]:
    return {(p.facility_id, p.bed_type): p.occupied for p in BedPool.objects.all()}


def _set(occupied: dict[tuple[int, str], int]) -> None:
    for (facility_id, bed_type), n in occupied.items():
        BedPool.objects.filter(facility_id=facility_id, bed_type=bed_type).update(occupied=n)


def _one_by_one_take(asked):
    with transaction.atomic():
        pools = _lock_pools(set(asked))
        return {k: _take(pools[k], n) if k in pools else 0 for k, n in asked.items()}


def _many_take(asked):
    with transaction.atomic():
        return _take_many(asked, _lock_pools(set(asked)))


@pytest.mark.parametrize("start", [0, 1, 2])
def test_taking_many_pools_at_once_takes_what_one_by_one_took(facilities, start):
    from warroom.beds.services import ensure_pools
    from warroom.core.today import today

    ensure_pools(today())
    keys = sorted(_occupied())
    assert len(keys) >= 4
    _set({k: start for k in keys})
    before = _occupied()
    asked = {k: 1 + i % 4 for i, k in enumerate(keys)}
    asked[(-1, "ICU")] = 3  # no such pool: takes nothing
    want = _one_by_one_take(asked)
    after_one = _occupied()
    _set(before)
    got = _many_take(asked)
    assert got == want
    assert _occupied() == after_one
    assert any(n for n in got.values()) and any(
        n < asked[k] for k, n in got.items() if k[0] != -1
    )  # some taken whole, some cut at the capacity


def test_freeing_many_pools_at_once_frees_what_one_by_one_freed(facilities):
    from warroom.beds.services import ensure_pools
    from warroom.core.today import today

    ensure_pools(today())
    keys = sorted(_occupied())
    _set({k: i % 3 for i, k in enumerate(keys)})
    before = _occupied()
    counts = {k: 1 + i % 2 for i, k in enumerate(keys)}  # some more than occupied: kept
    with transaction.atomic():
        for (facility_id, bed_type), n in sorted(counts.items()):
            _free(facility_id, bed_type, n)
    want = _occupied()
    _set(before)
    with transaction.atomic():
        _free_many(counts)
    assert _occupied() == want
    assert want != before and any(want[k] == before[k] for k in keys)
