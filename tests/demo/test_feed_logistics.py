"""The demo feeds supplies and medical waste from the twin through the imports."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.core.models import ImportBatch
from warroom.demo.feed import do_feed_twin

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city():
    from warroom.accounts.models import User
    from warroom.cli import ensure_demo_users
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    ensure_demo_users()
    return User.objects.get(username="hq")


def test_the_twin_feeds_the_ledger_and_the_waste_balance(demo_city):
    from warroom.core.context import SYSTEM
    from warroom.supplies import ledger
    from warroom.supplies.models import Balance, Movement
    from warroom.waste.models import Disposed, Generated
    from warroom.waste.services import balance_on, balance_step

    do_feed_twin(actor=demo_city, scale=0.02, days=8, cycle=False)
    assert ImportBatch.objects.filter(kind="supplies-movements").count() == 8
    assert ImportBatch.objects.filter(kind="waste-generated").count() == 8
    assert Movement.objects.filter(kind="issue").exists()
    assert Movement.objects.filter(kind="receipt", source="national").exists()
    assert not Balance.objects.filter(external=False, quantity__lt=0).exists()
    assert ledger.verify().ok
    last = dt.date(2020, 1, 8)
    assert Generated.objects.filter(day=last).exists() and Disposed.objects.exists()
    bal = balance_on(last, user=SYSTEM)
    # Before the outbreak the plants (50 t/day) keep up: the backlog is cleared to zero.
    assert bal.totals()["backlog"] == pytest.approx(0, abs=1e-3)
    assert bal.totals()["over_48h"] == 0
    assert "backlog 0.0 t" in balance_step(last)
