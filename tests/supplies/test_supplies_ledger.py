"""The ledger: balanced movements, never negative, counts booked, tampering detected."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tests.supplies.conftest import D0
from warroom.core.context import SYSTEM
from warroom.supplies import ledger, selectors
from warroom.supplies.models import Balance, Movement, Place
from warroom.supplies.services import (
    do_issue,
    do_receive,
    do_record_count,
    do_transfer,
    place_for_facility,
)

pytestmark = pytest.mark.django_db


def _sum_of_every_balance(item) -> int:
    return sum(Balance.objects.filter(item=item).values_list("quantity", flat=True))


def test_a_receipt_debits_the_warehouse_and_credits_its_source(warehouses, catalogue):
    wh = warehouses["WH-990101"]
    n95 = catalogue["n95_mask"]
    do_receive(wh, n95, 1000, source="national", day=D0, actor=SYSTEM)
    assert selectors.balance(n95.pk, wh.pk) == 1000
    source = Place.objects.get(code="SRC-national")
    assert selectors.balance(n95.pk, source.pk) == -1000
    assert _sum_of_every_balance(n95) == 0  # double entry: nothing from nowhere


def test_issue_and_transfer_move_stock_and_refuse_more_than_is_held(
    warehouses, catalogue, hospital
):
    wh = warehouses["WH-990101"]
    suit = catalogue["protective_suit"]
    do_receive(wh, suit, 50, source="donation", day=D0, actor=SYSTEM)
    store = place_for_facility(hospital)
    do_transfer(wh, store, suit, 30, day=D0, actor=SYSTEM)
    do_issue(store, suit, 25, day=D0, actor=SYSTEM)
    assert selectors.balance(suit.pk, wh.pk) == 20
    assert selectors.balance(suit.pk, store.pk) == 5
    with pytest.raises(ledger.InsufficientStock) as refused:
        do_issue(store, suit, 6, day=D0, actor=SYSTEM)
    assert "5" in refused.value.message
    assert selectors.balance(suit.pk, store.pk) == 5
    assert _sum_of_every_balance(suit) == 0


def test_the_database_refuses_a_negative_balance_whatever_the_code(warehouses, catalogue):
    wh = warehouses["WH-990101"]
    do_receive(wh, catalogue["goggles"], 3, source="purchase", day=D0, actor=SYSTEM)
    row = Balance.objects.get(place=wh)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(pk=row.pk).update(quantity=-1)


def test_first_expiring_lot_goes_first(warehouses, catalogue, hospital):
    import datetime as dt

    wh = warehouses["WH-990101"]
    kit = catalogue["test_kit"]
    do_receive(
        wh,
        kit,
        10,
        source="purchase",
        lot="LATE",
        expires_on=dt.date(2021, 1, 1),
        day=D0,
        actor=SYSTEM,
    )
    do_receive(
        wh,
        kit,
        10,
        source="purchase",
        lot="SOON",
        expires_on=dt.date(2020, 6, 1),
        day=D0,
        actor=SYSTEM,
    )
    moved = do_transfer(wh, place_for_facility(hospital), kit, 12, day=D0, actor=SYSTEM).movements
    assert [(m.lot.code, m.quantity) for m in moved] == [("SOON", 10), ("LATE", 2)]


def test_a_count_books_the_difference_as_an_adjustment(warehouses, catalogue):
    wh = warehouses["WH-990101"]
    mask = catalogue["surgical_mask"]
    do_receive(wh, mask, 100, source="production", day=D0, actor=SYSTEM)
    count = do_record_count(wh, {("surgical_mask", ""): 97}, day=D0, actor=SYSTEM)
    assert count.counted == [{"item": "surgical_mask", "lot": "", "book": 100, "counted": 97}]
    assert selectors.balance(mask.pk, wh.pk) == 97
    adj = Movement.objects.get(kind="adjustment")
    assert (adj.credit_id, adj.quantity, adj.debit.code) == (wh.pk, 3, "ADJ-count")
    assert ledger.verify().ok


def test_an_officer_cannot_move_another_districts_stock(warehouses, catalogue, outsider):
    from warroom.core.errors import NotFound

    wh = warehouses["WH-990101"]
    do_receive(wh, catalogue["gloves_pair"], 10, source="national", day=D0, actor=SYSTEM)
    with pytest.raises(NotFound):
        do_issue(wh, catalogue["gloves_pair"], 1, day=D0, actor=outsider)


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_clean_ledger_verifies(warehouses, catalogue):
    wh = warehouses["WH-990101"]
    for n in range(3):
        do_receive(wh, catalogue["n95_mask"], 10 + n, source="national", day=D0, actor=SYSTEM)
    report = ledger.verify()
    assert report.ok and report.movements == 3


@pytest.mark.parametrize("how", ["quantity", "delete", "balance", "rehash"])
def test_a_ledger_edited_behind_the_applications_back_is_detected(warehouses, catalogue, how):
    wh = warehouses["WH-990101"]
    n95 = catalogue["n95_mask"]
    for n in range(3):
        do_receive(wh, n95, 10 + n, source="national", day=D0, actor=SYSTEM)
    table = Movement._meta.db_table
    second = Movement.objects.get(seq=2)
    if how == "quantity":  # the movement changed, its balance "fixed" to match
        _tamper(f"UPDATE {table} SET quantity = 1000 WHERE id = %s", [second.pk])
        _tamper(
            f"UPDATE {Balance._meta.db_table} SET quantity = quantity + 989 WHERE place_id = %s",
            [wh.pk],
        )
    elif how == "delete":
        _tamper(f"DELETE FROM {table} WHERE id = %s", [second.pk])
    elif how == "balance":
        _tamper(
            f"UPDATE {Balance._meta.db_table} SET quantity = quantity + 5 WHERE place_id = %s",
            [wh.pk],
        )
    else:  # re-hashed with a plain SHA-256: without the key the chain cannot be rebuilt
        import hashlib

        _tamper(
            f"UPDATE {table} SET quantity = 7, hash = %s WHERE id = %s",
            [hashlib.sha256(b"forged").hexdigest(), second.pk],
        )
    report = ledger.verify()
    assert not report.ok
    assert report.problems


def test_the_daily_cycle_reports_tampering(warehouses, catalogue):
    from warroom.supplies.ledger import do_verify_ledger
    from warroom.supplies.models import LedgerCheck

    wh = warehouses["WH-990101"]
    do_receive(wh, catalogue["n95_mask"], 10, source="national", day=D0, actor=SYSTEM)
    _tamper(f"UPDATE {Movement._meta.db_table} SET quantity = 11", [])
    assert not do_verify_ledger(actor=SYSTEM).ok
    assert LedgerCheck.objects.get().ok is False
