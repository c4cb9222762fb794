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
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from warroom.core.bulk import insert_values
from warroom.core.context import acting, is_system
from warroom.core.errors import Forbidden
from warroom.core.imports import finish_import, previous_import
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
    parse_rows,
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
    nothing."""
    if not actor.can("change"):
        raise Forbidden("You may not change supplies.")
    parsed = parse_rows(table, MOVEMENT_COLUMNS)
    with acting(actor), transaction.atomic():
        if previous_import(KIND, table.sha256, actor=actor) is not None:
            return LedgerImportResult(KIND, len(parsed), 0, True, table.sha256)
        items = items_by_code()
        codes = {p[k] for p in parsed for k in ("from_place", "to_place") if p.get(k)}
        places = _places(codes, actor)
        errors: list[RowError] = []
        outside = {
            code: external_place(code)
            for code in [f"SRC-{s}" for s in Source.values()] + [SINK_USED, ADJUSTMENT]
        }
        resolved: list[tuple[int, int, int, int, int, str, str, dt.date, str, str]] = []
        lot_keys: dict[tuple[int, str], dt.date | None] = {}
        accounts = _account_resolver(items, places, outside)
        memo: dict[tuple[str, str, str, str, str], Any] = {}
        for p in parsed:
            row = p["_row"]
            frm, to = p.get("from_place") or "", p.get("to_place") or ""
            kind, source = p["kind"], p.get("source") or ""
            akey = (kind, p["item"], frm, to, source)
            found = memo.get(akey)
            if found is None:
                found = memo[akey] = accounts(*akey)
            if found[0] == "item":
                errors.append(RowError(row, *found[1][0]))
                continue
            if p["quantity"] <= 0:
                errors.append(RowError(row, "quantity", str(p["quantity"]), "must be more than 0"))
                continue
            if found[0] == "error":
                errors.extend(RowError(row, *e) for e in found[1])
                continue
            item_pk, debit_pk, credit_pk = found[1]
            lot = p.get("lot") or ""
            exp = p.get("expires_on")
            key = (item_pk, lot)
            if key in lot_keys and exp is not None and lot_keys[key] not in (None, exp):
                errors.append(RowError(row, "expires_on", str(exp), "another expiry for this lot"))
                continue
            if exp is not None or key not in lot_keys:
                lot_keys[key] = exp if exp is not None else lot_keys.get(key)
            resolved.append(
                (
                    row,
                    item_pk,
                    debit_pk,
                    credit_pk,
                    p["quantity"],
                    kind,
                    lot,
                    p["date"],
                    source,
                    (p.get("reference") or "")[:100],
                )
            )
        if errors:
            raise TableRejected(errors)
        lots = _lots(lot_keys, errors)
        if errors:
            raise TableRejected(errors)
        head = ledger.lock_head()
        external = {pl.pk for pl in Place.objects.filter(kind__in=ledger.EXTERNAL_KINDS)}
        names = {pl.pk: pl.name for pl in list(places.values()) + list(outside.values())}
        created = _apply(resolved, lots, external, names, head, actor)
        finish_import(
            KIND,
            table.sha256,
            actor=actor,
            filename=table.filename,
            rows=len(parsed),
            created=created,
            updated=0,
            object_type="supplies.movement",
            message=f"{created} movements from {table.filename or 'data'}",
        )
    return LedgerImportResult(KIND, len(parsed), created, False, table.sha256)


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
    resolved: list[Any],
    lots: dict[tuple[int, str], int],
    external: set[int],
    names: dict[int, str],
    head: Any,
    actor: Any,
) -> int:
    """Apply the rows to the balances in order (refusing a negative one), then write."""
    place_ids = {r[2] for r in resolved} | {r[3] for r in resolved}
    item_ids = {r[1] for r in resolved}
    stored: dict[tuple[int, int, int], tuple[int, int]] = {
        (b.item_id, b.place_id, b.lot_id): (b.pk, b.quantity)
        for b in Balance.objects.filter(place_id__in=place_ids, item_id__in=item_ids).only(
            "pk", "item_id", "place_id", "lot_id", "quantity"
        )
    }
    level: dict[tuple[int, int, int], int] = defaultdict(int)
    for k, (_pk, q) in stored.items():
        level[k] = q
    errors: list[RowError] = []
    key = ledger.ledger_key()
    prev, seq = head.hash, head.seq
    now = timezone.now()
    at = Movement._meta.get_field("at").get_db_prep_save(now, connection)
    who = str(getattr(actor, "username", "") or "system")[:150]
    days: dict[dt.date, Any] = {}
    day_field = Movement._meta.get_field("day")
    out: list[tuple[Any, ...]] = []
    hmac_text = ledger.movement_text
    chain = ledger.chain_hash
    for row, item_id, debit, credit, q, kind, lot_code, day, source, ref in resolved:
        lot_id = lots[(item_id, lot_code)]
        ck = (item_id, credit, lot_id)
        after = level[ck] - q
        if after < 0 and credit not in external:
            errors.append(
                RowError(
                    row,
                    "quantity",
                    str(q),
                    f"only {level[ck]} left at {names.get(credit, credit)}",
                )
            )
            if len(errors) >= 50:
                break
            continue
        level[ck] = after
        level[(item_id, debit, lot_id)] += q
        seq += 1
        prev = chain(
            key,
            prev,
            hmac_text(seq, day, kind, item_id, lot_id, debit, credit, q, source, None, None, ref),
        )
        if day not in days:
            days[day] = day_field.get_db_prep_save(day, connection)
        out.append(
            (seq, at, days[day], kind, item_id, lot_id, debit, credit, q, source, ref, who, prev)
        )
    if errors:
        raise TableRejected(errors)
    columns = [
        "seq",
        "at",
        "day",
        "kind",
        "item_id",
        "lot_id",
        "debit_id",
        "credit_id",
        "quantity",
        "source",
        "reference",
        "actor",
        "hash",
    ]
    for start in range(0, len(out), 100_000):
        insert_values(Movement._meta.db_table, columns, out[start : start + 100_000])
    new_rows = []
    changed = []
    for k, q in level.items():
        if k in stored:
            if stored[k][1] != q:
                changed.append(Balance(pk=stored[k][0], quantity=q))
        else:
            new_rows.append((k[0], k[1], k[2], q, k[1] in external))
    insert_values(
        Balance._meta.db_table, ["item_id", "place_id", "lot_id", "quantity", "external"], new_rows
    )
    if changed:
        from warroom.core.bulk import update_rows

        update_rows(Balance, changed, ["quantity"])
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return len(out)


TEMPLATE_COLUMNS = MOVEMENT_COLUMNS
