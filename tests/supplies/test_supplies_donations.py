"""Donations: registration, acceptance inspection, the public page, totals in fen."""

from __future__ import annotations

import pytest

from tests.supplies.conftest import D0
from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict, InvalidInput
from warroom.supplies import selectors
from warroom.supplies.models import Donation
from warroom.supplies.services import (
    do_inspect_donation,
    do_publish_donation,
    do_register_donation,
    parse_yuan,
)

pytestmark = pytest.mark.django_db


def test_yuan_are_kept_exactly_in_fen():
    assert parse_yuan("21.95亿") == 2_195_000_000_00
    assert parse_yuan("1,000.50") == 100050
    assert parse_yuan("500万") == 5_000_000_00
    for bad in ("0", "-5", "1.005", "abc"):
        with pytest.raises(InvalidInput):
            parse_yuan(bad)


def test_the_seeds_scale_adds_up_by_donor_type(city):
    # 2.195 billion yuan from alumni and entrepreneurs (the seed), in many donations.
    for n in range(20):
        do_register_donation(
            donor=f"校友{n}",
            donor_kind="alumni" if n % 2 else "entrepreneur",
            area=city["9901"],
            form="money",
            amount="109750000.00",
            received_on=D0,
            actor=SYSTEM,
        )
    totals = selectors.donation_totals(Donation.objects.all())
    assert totals["fen"] == 2_195_000_000_00
    by = {r["kind"]: r["fen"] for r in totals["by_kind"]}
    assert by["alumni"] == by["entrepreneur"] == 1_097_500_000_00


def test_accepted_goods_enter_the_ledger_and_rejected_ones_never(warehouses, catalogue, city):
    wh = warehouses["WH-9901"]
    good = do_register_donation(
        donor="某企业",
        donor_kind="company",
        area=city["9901"],
        form="goods",
        item=catalogue["n95_mask"],
        quantity=500,
        warehouse=wh,
        actor=SYSTEM,
    )
    bad = do_register_donation(
        donor="海外华人",
        donor_kind="abroad",
        area=city["9901"],
        form="goods",
        item=catalogue["n95_mask"],
        quantity=300,
        warehouse=wh,
        actor=SYSTEM,
    )
    assert selectors.balance(catalogue["n95_mask"].pk, wh.pk) == 0  # not before inspection
    do_inspect_donation(good, accepted=True, standard_met="GB 19083-2010", actor=SYSTEM)
    with pytest.raises(InvalidInput):
        do_inspect_donation(bad, accepted=False, actor=SYSTEM)  # a rejection needs its reason
    do_inspect_donation(bad, accepted=False, reason="KN95, not GB 19083", actor=SYSTEM)
    assert selectors.balance(catalogue["n95_mask"].pk, wh.pk) == 500
    with pytest.raises(Conflict):
        do_inspect_donation(good, accepted=True, actor=SYSTEM)  # inspected once
    good.refresh_from_db()
    assert good.lot.code == f"DON-{good.pk}" and good.status == "accepted"


def test_the_public_page_shows_only_what_was_published_and_no_contact(
    client, warehouses, catalogue, city
):
    wh = warehouses["WH-9901"]
    shown = do_register_donation(
        donor="张三",
        donor_kind="alumni",
        public_name="武汉大学校友会",
        contact="13800000000",
        area=city["9901"],
        form="money",
        amount="1000000",
        actor=SYSTEM,
    )
    hidden = do_register_donation(
        donor="李四公司",
        donor_kind="company",
        area=city["9901"],
        form="goods",
        item=catalogue["goggles"],
        quantity=5,
        warehouse=wh,
        actor=SYSTEM,
    )
    with pytest.raises(Conflict):
        do_publish_donation(shown, published=True, actor=SYSTEM)  # inspect first
    do_inspect_donation(shown, accepted=True, actor=SYSTEM)
    do_publish_donation(shown, published=True, actor=SYSTEM)
    do_inspect_donation(hidden, accepted=True, actor=SYSTEM)
    page = client.get("/supplies/public/")  # no sign-in
    assert page.status_code == 200
    text = page.content.decode()
    assert "武汉大学校友会" in text and "1,000,000.00" in text
    assert "张三" not in text and "13800000000" not in text and "李四公司" not in text
