"""The ledger's import: movements from a file (a warehouse's or a facility's day of
receipts, transfers, issues and adjustments), all or nothing, idempotent.

Columns (headers in English or the template's Chinese):

``date 日期, kind 类型 (receipt 入库 / transfer 调拨 / issue 出库 / adjustment 盘点调整),
item 物资编码, quantity 数量, from_place 调出单位编码, to_place 调入单位编码, lot 批号,
expires_on 有效期至, source 来源 (receipts: national / province / purchase / production /
donation), reference 单据号``.

Every row is checked first (known item and places in the importer's jurisdiction, the
accounts the kind needs, a receipt's source); then, under the ledger's lock, the rows are
applied in order to the current balances and a row that would take more than a place
holds refuses the whole file (row, column, value, reason). Then the movements are written
set-based (COPY on PostgreSQL) with their chained hashes, the balances follow, and the one
import finisher records the batch.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from warroom.core.bulk import insert_columns, quiet_gc
from warroom.core.context import acting, is_system
from warroom.core.errors import Forbidden
from warroom.core.imports import finish_import, import_progress, previous_import
from warroom.core.progress import RowProgress
from warroom.supplies import ledger
from warroom.supplies.catalogue import items_by_code
from warroom.supplies.models import Balance, Lot, Movement, MovementKind, Place, Source
from warroom.supplies.services import ADJUSTMENT, SINK_USED, external_place, place_for_facility
from warroom.tables import (
    Column,
    RowError,
    Table,
    TableRejected,
    bounded,
    choice,
    count,
    date,
    parse_columns,
)

KIND = "supplies-movements"

KIND_ALIASES = {"入库": "receipt", "调拨": "transfer", "出库": "issue", "盘点调整": "adjustment"}
SOURCE_ALIASES = {
    "国家调拨": "national",
    "外省支援": "province",
    "采购": "purchase",
    "本地生产": "production",
    "捐赠": "donation",
}


def _optional_date(cell: Any) -> dt.date | None:
    return None if str(cell).strip() == "" else date(cell)


def _optional_source(cell: Any) -> str:
    return "" if str(cell).strip() == "" else choice(Source.values(), aliases=SOURCE_ALIASES)(cell)


def _cached(parse: Any) -> Any:
    """The parser with its answers remembered: a day's file repeats a few dates, kinds,
    items and places over 200,000 rows (a cell is a str or a number: hashable)."""
    return lru_cache(maxsize=65536)(parse)


MOVEMENT_COLUMNS = (
    Column("date", "日期", _cached(date)),
    Column("kind", "类型", _cached(choice(MovementKind.values(), aliases=KIND_ALIASES))),
    Column("item", "物资编码", _cached(bounded(32))),
    Column("quantity", "数量", _cached(count)),
    Column("from_place", "调出单位编码", _cached(bounded(40)), required=False),
    Column("to_place", "调入单位编码", _cached(bounded(40)), required=False),
    Column("lot", "批号", _cached(bounded(64)), required=False),
    Column("expires_on", "有效期至", _cached(_optional_date), required=False),
    Column("source", "来源", _cached(_optional_source), required=False),
    Column("reference", "单据号", bounded(100), required=False),
)


@dataclass(frozen=True)
class LedgerImportResult:
    kind: str
    rows: int
    created: int
    already_imported: bool
    sha256: str
    updated: int = 0


def _places(codes: set[str], actor: Any) -> dict[str, Place]:
    """The places the actor may move stock of, by code (a facility gets its store)."""
    from warroom.beds.models import Facility

    qs = Place.objects.filter(code__in=codes).select_related("area")
    if not is_system(actor):
        qs = Place.objects.restrict(actor, "change").filter(code__in=codes)
    found = {p.code: p for p in qs}
    missing = codes - set(found)
    if missing:
        fq = Facility.objects.filter(code__in=missing)
        if not is_system(actor):
            fq = Facility.objects.restrict(actor, "change").filter(code__in=missing)
        for facility in fq.select_related("area"):
            found[facility.code] = place_for_facility(facility)
    return found


def _account_resolver(
    items: dict[str, Any], places: dict[str, Place], outside: dict[str, Place]
) -> Any:
    """``accounts(kind, item, from_place, to_place, source)`` → ``("ok", (item id, debit
    id, credit id))``, or ``("item", [problem])`` for an unknown item (reported before the
    quantity), or ``("error", [problems])``; a problem is (column, value, reason). The
    import asks once per distinct combination: a day's file repeats a few thousand of
    them over 200,000 rows."""

    def accounts(kind: str, code: str, frm: str, to: str, source: str) -> Any:
        item = items.get(code)
        if item is None:
            return "item", [("item", code, "unknown item")]
        bad = [
            (col, value, "no such place in your jurisdiction")
            for col, value in (("from_place", frm), ("to_place", to))
            if value and value not in places
        ]
        if bad:
            return "error", bad
        if kind == "receipt":
            if not source:
                return "error", [("source", "", "a receipt needs its source")]
            if frm or not to:
                return "error", [("to_place", to, "a receipt names to_place only")]
            credit, debit = outside[f"SRC-{source}"], places[to]
        elif kind == "transfer":
            if not frm or not to or frm == to:
                return "error", [("to_place", to, "a transfer names two different places")]
            credit, debit = places[frm], places[to]
        elif kind == "issue":
            if not frm:
                return "error", [("from_place", "", "an issue names from_place")]
            credit = places[frm]
            debit = places[to] if to else outside[SINK_USED]
        else:
            if bool(frm) == bool(to):
                return "error", [("from_place", frm, "an adjustment names one place only")]
            credit = places[frm] if frm else outside[ADJUSTMENT]
            debit = places[to] if to else outside[ADJUSTMENT]
        if kind != "receipt" and source:
            return "error", [("source", source, "only receipts have a source")]
        return "ok", (item.pk, debit.pk, credit.pk)

    return accounts


def do_import_movements(table: Table, *, actor: Any) -> LedgerImportResult:
    """Import a file of movements (see the module docstring); the same file twice adds
    nothing.

    Built for 200,000-row files (docs/supplies.md, "Speed"): the file is parsed column by
    column (``tables.parse_columns``), each distinct (kind, item, places, source) is
    resolved once, and the rows travel as columns to the balances' check, the hash chain
    and one ``COPY``; only a file that is refused is walked row by row again, to name
    every row and column as before.
    """
    if not actor.can("change"):
        raise Forbidden("You may not change supplies.")
    with quiet_gc():
        rownums, cols = parse_columns(table, MOVEMENT_COLUMNS)
        progress = import_progress("supplies", len(rownums))
        with acting(actor), transaction.atomic():
            if previous_import(KIND, table.sha256, actor=actor) is not None:
                return LedgerImportResult(KIND, len(rownums), 0, True, table.sha256)
            created = _import(rownums, cols, actor, progress)
            progress.rows(len(rownums), final=True)
            finish_import(
                KIND,
                table.sha256,
                actor=actor,
                filename=table.filename,
                rows=len(rownums),
                created=created,
                updated=0,
                object_type="supplies.movement",
                message=f"{created} movements from {table.filename or 'data'}",
            )
    return LedgerImportResult(KIND, len(rownums), created, False, table.sha256)


def _import(
    rownums: list[int], cols: dict[str, list[Any]], actor: Any, progress: RowProgress
) -> int:
    items = items_by_code()
    frm_col, to_col = cols["from_place"], cols["to_place"]
    codes = (set(frm_col) | set(to_col)) - {None, ""}
    places = _places(codes, actor)
    outside = {
        code: external_place(code)
        for code in [f"SRC-{s}" for s in Source.values()] + [SINK_USED, ADJUSTMENT]
    }
    accounts = _account_resolver(items, places, outside)
    keys = list(zip(cols["kind"], cols["item"], frm_col, to_col, cols["source"], strict=True))
    memo = {k: accounts(k[0], k[1], k[2] or "", k[3] or "", k[4] or "") for k in set(keys)}
    quantities: list[int] = cols["quantity"]
    lot_codes = [c or "" for c in cols["lot"]]
    expiries: list[dt.date | None] = cols["expires_on"]
    lot_keys: dict[tuple[int, str], dt.date | None] = {}
    clean = all(v[0] == "ok" for v in memo.values()) and min(quantities, default=1) > 0
    if clean:
        resolved = [memo[k][1] for k in keys]
        item_ids, debit_ids, credit_ids = (
            (list(c) for c in zip(*resolved, strict=True)) if resolved else ([], [], [])
        )
        for item_id, lot, exp in set(zip(item_ids, lot_codes, expiries, strict=True)):
            have = lot_keys.get((item_id, lot))
            if exp is not None and have is not None and have != exp:
                clean = False  # one lot, two expiries: the row-by-row pass names the row
                break
            if have is None:
                lot_keys[(item_id, lot)] = exp
    if not clean:
        _refuse_rows(rownums, cols, memo)
        raise AssertionError("a file found unclean was refused")  # pragma: no cover
    errors: list[RowError] = []
    lots = _lots(lot_keys, errors)
    if errors:
        raise TableRejected(errors)
    lot_ids = list(map(lots.__getitem__, zip(item_ids, lot_codes, strict=True)))
    head = ledger.lock_head()
    external = {pl.pk for pl in Place.objects.filter(kind__in=ledger.EXTERNAL_KINDS)}
    names = {pl.pk: pl.name for pl in list(places.values()) + list(outside.values())}
    movements = Columns(
        rownums,
        cols["date"],
        cols["kind"],
        item_ids,
        lot_ids,
        debit_ids,
        credit_ids,
        quantities,
        [s or "" for s in cols["source"]],
        [(r or "")[:100] for r in cols["reference"]],
    )
    return _apply(movements, external, names, head, actor, progress)


def _refuse_rows(
    rownums: list[int], cols: dict[str, list[Any]], memo: dict[tuple[Any, ...], Any]
) -> None:
    """Walk the rows of a file found unclean and refuse it, naming each row and column
    (the item first, then the quantity, then the accounts; a lot given two expiries)."""
    errors: list[RowError] = []
    lot_keys: dict[tuple[int, str], dt.date | None] = {}
    for i, row in enumerate(rownums):
        akey = (
            cols["kind"][i],
            cols["item"][i],
            cols["from_place"][i],
            cols["to_place"][i],
            cols["source"][i],
        )
        found = memo[akey]
        if found[0] == "item":
            errors.append(RowError(row, *found[1][0]))
            continue
        q = cols["quantity"][i]
        if q <= 0:
            errors.append(RowError(row, "quantity", str(q), "must be more than 0"))
            continue
        if found[0] == "error":
            errors.extend(RowError(row, *e) for e in found[1])
            continue
        key = (found[1][0], cols["lot"][i] or "")
        exp = cols["expires_on"][i]
        if key in lot_keys and exp is not None and lot_keys[key] not in (None, exp):
            errors.append(RowError(row, "expires_on", str(exp), "another expiry for this lot"))
            continue
        if exp is not None or key not in lot_keys:
            lot_keys[key] = exp if exp is not None else lot_keys.get(key)
    raise TableRejected(errors)


MOVEMENT_TABLE_COLUMNS = (
    *("seq", "at", "day", "kind", "item_id", "lot_id", "debit_id", "credit_id"),
    *("quantity", "source", "reference", "actor", "hash"),
)


@dataclass(frozen=True)
class Columns:
    """The movements of a file, column by column (one list per field, in file order)."""

    rows: list[int]
    day: list[dt.date]
    kind: list[str]
    item: list[int]
    lot: list[int]
    debit: list[int]
    credit: list[int]
    quantity: list[int]
    source: list[str]
    reference: list[str]


def _lots(
    wanted: dict[tuple[int, str], dt.date | None], errors: list[RowError]
) -> dict[tuple[int, str], int]:
    items = {k[0] for k in wanted}
    have = {
        (lot.item_id, lot.code): lot
        for lot in Lot.objects.filter(item_id__in=items, code__in={k[1] for k in wanted})
    }
    new = [
        Lot(item_id=i, code=c, expires_on=e) for (i, c), e in wanted.items() if (i, c) not in have
    ]
    for (i, c), e in wanted.items():
        lot = have.get((i, c))
        if lot is not None and e is not None and lot.expires_on not in (None, e):
            errors.append(RowError(0, "expires_on", str(e), f"lot {c} expires on {lot.expires_on}"))
    if new:
        Lot.objects.bulk_create(new)
    return {
        (lot.item_id, lot.code): lot.pk
        for lot in Lot.objects.filter(item_id__in=items, code__in={k[1] for k in wanted})
    }


def _apply(
    m: Columns,
    external: set[int],
    names: dict[int, str],
    head: Any,
    actor: Any,
    progress: RowProgress,
) -> int:
    """Apply the movements to the balances in order (refusing a negative one), chain
    their hashes, write them by one ``COPY`` and recompute the balances they touched.
    The balances' pass goes by chunks of rows, each reported (``progress``)."""
    n = len(m.rows)
    credit_keys = list(zip(m.item, m.credit, m.lot, strict=True))
    debit_keys = list(zip(m.item, m.debit, m.lot, strict=True))
    touched = set(credit_keys) | set(debit_keys)
    level: dict[tuple[int, int, int], int] = dict.fromkeys(touched, 0)
    for b in Balance.objects.filter(
        place_id__in={k[1] for k in touched}, item_id__in={k[0] for k in touched}
    ).values_list("item_id", "place_id", "lot_id", "quantity"):
        if b[:3] in level:
            level[b[:3]] = b[3]
    start = dict(level)
    # The one pass that must follow the file's order: a row may not take more than its
    # place holds at that row (an outside account may go below zero: it is the source).
    step = progress.every
    for first in range(0, n, step):
        if first:
            progress.rows(first)
        last = first + step
        for c, d, q, giver in zip(
            credit_keys[first:last],
            debit_keys[first:last],
            m.quantity[first:last],
            m.credit[first:last],
            strict=True,
        ):
            after = level[c] - q
            if after < 0 and giver not in external:
                _refuse_negative(m, credit_keys, debit_keys, start, external, names)
            level[c] = after
            level[d] += q
    # The chain: each hash covers the movement's fields and the previous hash.
    seq0 = head.seq
    seqs = range(seq0 + 1, seq0 + n + 1)
    iso = {d: d.isoformat() for d in set(m.day)}
    ids = {v: str(v) for v in {*m.item, *m.lot, *m.debit, *m.credit}}
    texts = map(
        "\x1f".join,
        zip(
            map(str, seqs),
            map(iso.__getitem__, m.day),
            m.kind,
            map(ids.__getitem__, m.item),
            map(ids.__getitem__, m.lot),
            map(ids.__getitem__, m.debit),
            map(ids.__getitem__, m.credit),
            map(str, m.quantity),
            m.source,
            itertools.repeat("", n),
            itertools.repeat("", n),
            m.reference,
            strict=False,
        ),
    )
    hashes = ledger.chain(ledger.ledger_key(), head.hash, texts)
    who = str(getattr(actor, "username", "") or "system")[:150]
    insert_columns(
        Movement._meta.db_table,
        MOVEMENT_TABLE_COLUMNS,
        [
            list(seqs),
            [timezone.now()] * n,
            m.day,
            m.kind,
            m.item,
            m.lot,
            m.debit,
            m.credit,
            m.quantity,
            m.source,
            m.reference,
            [who] * n,
            hashes,
        ],
    )
    ledger.recompute_balances(after_seq=seq0)
    if hashes:
        head.seq, head.hash = seq0 + n, hashes[-1]
        head.save(update_fields=["seq", "hash"])
    return n


def _refuse_negative(
    m: Columns,
    credit_keys: list[tuple[int, int, int]],
    debit_keys: list[tuple[int, int, int]],
    start: dict[tuple[int, int, int], int],
    external: set[int],
    names: dict[int, str],
) -> None:
    """Refuse a file in which some row takes more than its place holds: walk it again,
    naming each such row (up to 50), a refused row leaving the balances as they were."""
    level = dict(start)
    errors: list[RowError] = []
    for row, c, d, q in zip(m.rows, credit_keys, debit_keys, m.quantity, strict=True):
        after = level[c] - q
        if after < 0 and c[1] not in external:
            errors.append(
                RowError(
                    row, "quantity", str(q), f"only {level[c]} left at {names.get(c[1], c[1])}"
                )
            )
            if len(errors) >= 50:
                break
            continue
        level[c] = after
        level[d] += q
    raise TableRejected(errors)


TEMPLATE_COLUMNS = MOVEMENT_COLUMNS
