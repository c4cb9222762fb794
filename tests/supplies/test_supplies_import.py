"""The movements import: all or nothing, never negative, idempotent."""

from __future__ import annotations

import pytest

from warroom.core.context import SYSTEM
from warroom.core.models import ImportBatch
from warroom.supplies import ledger, selectors
from warroom.supplies.imports import do_import_movements
from warroom.supplies.models import Movement
from warroom.tables import TableRejected, read_table

pytestmark = pytest.mark.django_db
HEADER = "date,kind,item,quantity,from_place,to_place,lot,expires_on,source,reference\n"


def _table(body: str, name: str = "m.csv"):
    return read_table((HEADER + body).encode(), filename=name)


def test_a_day_of_movements_is_posted_once(warehouses, catalogue, hospital):
    body = (
        "2020-02-01,receipt,n95_mask,100,,WH-990101,L1,2021-01-01,national,A\n"
        "2020-02-01,调拨,n95_mask,60,WH-990101,DA1,L1,,,B\n"
        "2020-02-01,出库,n95_mask,50,DA1,,L1,,,C\n"
    )
    result = do_import_movements(_table(body), actor=SYSTEM)
    assert result.created == 3 and not result.already_imported
    assert selectors.balance(catalogue["n95_mask"].pk, warehouses["WH-990101"].pk) == 40
    again = do_import_movements(_table(body), actor=SYSTEM)
    assert again.already_imported and Movement.objects.count() == 3
    assert ImportBatch.objects.filter(kind="supplies-movements").count() == 1
    assert ledger.verify().ok


def test_a_row_taking_more_than_is_held_refuses_the_whole_file(warehouses, catalogue):
    body = (
        "2020-02-01,receipt,gloves_pair,10,,WH-990101,,,purchase,\n"
        "2020-02-01,issue,gloves_pair,11,WH-990101,,,,,\n"
    )
    with pytest.raises(TableRejected) as refused:
        do_import_movements(_table(body), actor=SYSTEM)
    assert refused.value.errors[0].row == 3 and "only 10 left" in refused.value.errors[0].reason
    assert not Movement.objects.exists()


def test_bad_rows_are_named(warehouses, catalogue, outsider):
    body = (
        "2020-02-01,receipt,unicorn,1,,WH-990101,,,national,\n"
        "2020-02-01,receipt,n95_mask,1,,WH-990101,,,,\n"
        "2020-02-01,transfer,n95_mask,1,WH-990101,,,,,\n"
    )
    with pytest.raises(TableRejected) as refused:
        do_import_movements(_table(body), actor=SYSTEM)
    got = [(e.row, e.column) for e in refused.value.errors]
    assert got == [(2, "item"), (3, "source"), (4, "to_place")]
    # Another district's warehouse is no place of the outsider's.
    with pytest.raises(TableRejected) as refused:
        do_import_movements(
            _table("2020-02-01,receipt,n95_mask,1,,WH-990101,,,national,\n"), actor=outsider
        )
    assert refused.value.errors[0].reason == "no such place in your jurisdiction"


def test_a_second_file_moves_the_balances_the_first_left(warehouses, catalogue, hospital):
    """Balances are recomputed set-based after each file: a place the second file takes
    from (its balance goes down) and a place it first reaches (a new row) are both right,
    on PostgreSQL too (where the upsert's proposed row is checked before the conflict)."""
    first = (
        "2020-02-01,receipt,n95_mask,100,,WH-990101,,,national,\n"
        "2020-02-01,transfer,n95_mask,60,WH-990101,DA1,,,,\n"
    )
    second = (
        "2020-02-02,issue,n95_mask,55,DA1,,,,,\n"
        "2020-02-02,transfer,n95_mask,40,WH-990101,DA1,,,,\n"
        "2020-02-02,receipt,gloves_pair,7,,WH-990101,,,donation,\n"
    )
    do_import_movements(_table(first, "1.csv"), actor=SYSTEM)
    do_import_movements(_table(second, "2.csv"), actor=SYSTEM)
    n95, gloves = catalogue["n95_mask"].pk, catalogue["gloves_pair"].pk
    assert selectors.balance(n95, warehouses["WH-990101"].pk) == 0
    assert selectors.balance(n95, hospital.supply_place.pk) == 45
    assert selectors.balance(gloves, warehouses["WH-990101"].pk) == 7
    assert ledger.verify().ok
    with pytest.raises(TableRejected) as refused:
        do_import_movements(
            _table("2020-02-03,issue,n95_mask,46,DA1,,,,,\n", "3.csv"), actor=SYSTEM
        )
    assert "only 45 left" in refused.value.errors[0].reason
