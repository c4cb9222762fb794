"""The double-entry ledger: posting movements and verifying the books.

Every posting runs in the caller's transaction and first locks the chain's head row
(:class:`LedgerHead`, ``SELECT ... FOR UPDATE``), so movements get a gap-free ``seq`` and
each ``hash`` covers the previous one. The giving side is taken by a conditional UPDATE
(``quantity >= n``, unless the account is outside the city's stock); the CHECK on
:class:`Balance` refuses any path that forgets the condition. Nothing here decides in
Python what the database can decide.

:func:`verify` recomputes the chain (HMAC-SHA256 under a key derived from the audit key,
which is kept outside the database) and every balance from the movements, and compares:
a movement edited, deleted, inserted or re-hashed behind the application's back, or a
balance row changed, is reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.core.errors import Conflict
from warroom.supplies.models import (
    EXTERNAL_KINDS,
    Balance,
    Item,
    LedgerCheck,
    LedgerHead,
    Lot,
    Movement,
    Place,
)


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Posting:
    """One movement to post: ``quantity`` of ``item_id``/``lot_id`` from ``credit`` to
    ``debit`` (places)."""

    day: dt.date
    kind: str
    item_id: int
    lot_id: int
    debit: Place
    credit: Place
    quantity: int
    source: str = ""
    donation_id: int | None = None
    plan_id: int | None = None
    reference: str = ""


@lru_cache(maxsize=4)
def _ledger_key(secret: bytes) -> bytes:
    return hmac.new(secret, b"warroom-supplies-ledger", hashlib.sha256).digest()


def ledger_key() -> bytes:
    from warroom.audit.keys import keyring

    return _ledger_key(keyring().current.secret)


def movement_text(
    seq: int,
    day: dt.date | str,
    kind: str,
    item_id: int,
    lot_id: int,
    debit_id: int,
    credit_id: int,
    quantity: int,
    source: str,
    donation_id: int | None,
    plan_id: int | None,
    reference: str,
) -> str:
    """The fields a movement's hash covers, joined by US (``None`` as empty): one
    formatting per movement, a million times in an import and in :func:`verify`."""
    return (
        f"{seq}\x1f{day if isinstance(day, str) else day.isoformat()}\x1f{kind!s}"
        f"\x1f{item_id}\x1f{lot_id}\x1f{debit_id}\x1f{credit_id}\x1f{quantity}"
        f"\x1f{source!s}\x1f{'' if donation_id is None else donation_id}"
        f"\x1f{'' if plan_id is None else plan_id}\x1f{reference!s}"
    )


def chain_hash(key: bytes, previous: str, text: str) -> str:
    """HMAC-SHA256 of the previous hash and ``text`` (OpenSSL's one-shot HMAC: the same
    digest as ``hmac.new(...).hexdigest()``, without building an object per movement)."""
    return hmac.digest(key, (previous + "\x1e" + text).encode("utf-8"), "sha256").hex()


try:  # OpenSSL's one-shot HMAC without the hmac module's Python wrapper (a million calls)
    from _hashlib import hmac_digest as _hmac_digest
except ImportError:  # pragma: no cover - a Python built without OpenSSL
    _hmac_digest = hmac.digest  # type: ignore[assignment]


def chain(key: bytes, previous: str, texts: Iterable[str]) -> list[str]:
    """The hashes of consecutive movements whose texts (:func:`movement_text`) are
    ``texts``, after the hash ``previous``: :func:`chain_hash` in a tight loop (one
    OpenSSL call per movement, nothing else built), for a million-row import."""
    out: list[str] = []
    append = out.append
    digest = _hmac_digest
    for text in texts:
        previous = digest(key, f"{previous}\x1e{text}".encode(), "sha256").hex()
        append(previous)
    return out


def recompute_balances(*, after_seq: int) -> None:
    """Add the movements numbered above ``after_seq`` to the balances, set-based: one
    ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` (PostgreSQL and SQLite
    alike): each (item, place, lot) they touch gets its balance plus the sum of its debits
    less its credits, a new row where there was none. The row proposed holds the new
    balance itself, not the change (PostgreSQL checks the CHECK on the proposed row before
    it finds the conflict). Call it under the ledger's lock (no other posting moves a
    balance meanwhile), after checking the rows in order: this writes the sums, and the
    CHECK on :class:`Balance` still refuses a negative stock."""
    quote = connection.ops.quote_name
    balance, movement = quote(Balance._meta.db_table), quote(Movement._meta.db_table)
    place = quote(Place._meta.db_table)
    kinds = ", ".join(["%s"] * len(EXTERNAL_KINDS))
    sql = (
        f"INSERT INTO {balance} (item_id, place_id, lot_id, quantity, external) "  # noqa: S608
        "SELECT d.item_id, d.place_id, d.lot_id, COALESCE(b.quantity, 0) + d.q, d.ext "
        "FROM (SELECT m.item_id, m.place_id, m.lot_id, SUM(m.q) AS q, "
        f"(p.kind IN ({kinds})) AS ext "
        "FROM ("
        f"SELECT item_id, debit_id AS place_id, lot_id, quantity AS q FROM {movement} "
        "WHERE seq > %s "
        f"UNION ALL SELECT item_id, credit_id, lot_id, -quantity FROM {movement} "
        "WHERE seq > %s"
        f") m JOIN {place} p ON p.id = m.place_id "
        "GROUP BY m.item_id, m.place_id, m.lot_id, p.kind) d "
        f"LEFT JOIN {balance} b ON b.item_id = d.item_id AND b.place_id = d.place_id "
        "AND b.lot_id = d.lot_id WHERE 1 = 1 "
        "ON CONFLICT (item_id, place_id, lot_id) DO UPDATE SET quantity = excluded.quantity"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*map(str, EXTERNAL_KINDS), after_seq, after_seq])


def lock_head() -> LedgerHead:
    """The chain's head, locked until the transaction ends (created on first use)."""
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                LedgerHead.objects.create(pk=1, seq=0, hash="")
        except IntegrityError:
            pass
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


def _take(p: Posting) -> None:
    """Credit the giving account: a conditional UPDATE, or the refusal."""
    external = p.credit.kind in EXTERNAL_KINDS
    taken = (
        Balance.objects.filter(item_id=p.item_id, place=p.credit, lot_id=p.lot_id)
        .filter(Q(quantity__gte=p.quantity) | Q(external=True))
        .update(quantity=F("quantity") - p.quantity)
    )
    if taken:
        return
    if external:
        Balance.objects.create(
            item_id=p.item_id, place=p.credit, lot_id=p.lot_id, quantity=-p.quantity, external=True
        )
        return
    have = (
        Balance.objects.filter(item_id=p.item_id, place=p.credit, lot_id=p.lot_id)
        .values_list("quantity", flat=True)
        .first()
    ) or 0
    raise InsufficientStock(
        _("Only %(have)s left at %(place)s: %(asked)s cannot be issued.")
        % {"have": have, "place": p.credit.name, "asked": p.quantity},
        details={"have": have, "asked": p.quantity, "place": p.credit.code},
    )


def _give(p: Posting) -> None:
    added = Balance.objects.filter(item_id=p.item_id, place=p.debit, lot_id=p.lot_id).update(
        quantity=F("quantity") + p.quantity
    )
    if not added:
        Balance.objects.create(
            item_id=p.item_id,
            place=p.debit,
            lot_id=p.lot_id,
            quantity=p.quantity,
            external=p.debit.kind in EXTERNAL_KINDS,
        )


def post(postings: Sequence[Posting], *, actor: Any) -> list[Movement]:
    """Post ``postings`` in order, all or nothing (call inside a transaction)."""
    if not postings:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside the caller's transaction")
    key = ledger_key()
    head = lock_head()
    seq, prev = head.seq, head.hash
    who = str(getattr(actor, "username", "") or getattr(actor, "name", "") or "system")[:150]
    now = timezone.now()
    out: list[Movement] = []
    for p in postings:
        if p.quantity <= 0:
            raise ValueError("a movement moves a positive quantity")
        if p.debit.pk == p.credit.pk:
            raise ValueError("a movement needs two different accounts")
        _take(p)
        _give(p)
        seq += 1
        text = movement_text(
            seq,
            p.day,
            p.kind,
            p.item_id,
            p.lot_id,
            p.debit.pk,
            p.credit.pk,
            p.quantity,
            p.source,
            p.donation_id,
            p.plan_id,
            p.reference,
        )
        prev = chain_hash(key, prev, text)
        out.append(
            Movement(
                seq=seq,
                at=now,
                day=p.day,
                kind=p.kind,
                item_id=p.item_id,
                lot_id=p.lot_id,
                debit=p.debit,
                credit=p.credit,
                quantity=p.quantity,
                source=p.source,
                donation_id=p.donation_id,
                plan_id=p.plan_id,
                reference=p.reference,
                actor=who,
                hash=prev,
            )
        )
    Movement.objects.bulk_create(out)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return out


def default_lot(item_id: int) -> Lot:
    lot, _created = Lot.objects.get_or_create(item_id=item_id, code="")
    return lot


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerReport:
    ok: bool
    movements: int
    problems: list[str]


def _iter_movements(batch: int = 50_000) -> Iterable[tuple[int, str, str]]:
    """Every movement's ``seq``, its hashed text (:func:`movement_text`, formatted by the
    database: no Python formatting per movement) and its hash, in ``seq`` order, in
    batches by key range (memory bounded by the batch)."""
    quote = connection.ops.quote_name
    q = {c: quote(c) for c in ("seq", "day", "kind", "source", "reference", "hash")}
    day = (
        f"to_char({q['day']}, 'YYYY-MM-DD')"
        if connection.vendor == "postgresql"
        else f"CAST({q['day']} AS TEXT)"
    )
    parts = [
        f"CAST({q['seq']} AS TEXT)",
        day,
        q["kind"],
        *(f"CAST({quote(c)} AS TEXT)" for c in ("item_id", "lot_id", "debit_id", "credit_id")),
        f"CAST({quote('quantity')} AS TEXT)",
        q["source"],
        *(f"COALESCE(CAST({quote(c)} AS TEXT), '')" for c in ("donation_id", "plan_id")),
        q["reference"],
    ]
    text = " || %s || ".join(parts)
    sql = (
        f"SELECT {q['seq']}, {text}, {q['hash']} "  # noqa: S608
        f"FROM {quote(Movement._meta.db_table)} "
        f"WHERE {q['seq']} > %s ORDER BY {q['seq']} LIMIT %s"
    )
    seps = [_US] * (len(parts) - 1)
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [*seps, last, batch])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]


_US = "\x1f"


def recomputed_balances() -> dict[tuple[int, int, int], int]:
    """Every balance as the movements say it is: one GROUP BY per side."""
    out: dict[tuple[int, int, int], int] = {}
    for row in Movement.objects.values("item_id", "debit_id", "lot_id").annotate(n=Sum("quantity")):
        k = (row["item_id"], row["debit_id"], row["lot_id"])
        out[k] = out.get(k, 0) + int(row["n"])
    for row in Movement.objects.values("item_id", "credit_id", "lot_id").annotate(
        n=Sum("quantity")
    ):
        k = (row["item_id"], row["credit_id"], row["lot_id"])
        out[k] = out.get(k, 0) - int(row["n"])
    return out


def verify(*, limit: int = 20) -> LedgerReport:
    """Recompute the chain and the balances and compare them with what is stored."""
    problems: list[str] = []
    key = ledger_key()
    prev = ""
    expected = 0
    count = 0
    digest = _hmac_digest
    for row in _iter_movements():
        count += 1
        expected += 1
        seq = row[0]
        if seq != expected:
            problems.append(
                _("Movement %(seq)s: expected number %(expected)s (a movement is missing).")
                % {"seq": seq, "expected": expected}
            )
            expected = seq
        if digest(key, f"{prev}\x1e{row[1]}".encode(), "sha256").hex() != row[2]:
            problems.append(_("Movement %(seq)s was changed after it was posted.") % {"seq": seq})
        prev = row[2]
        if len(problems) >= limit:
            break
    head = LedgerHead.objects.filter(pk=1).first()
    if len(problems) < limit:
        head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
        if head_seq != expected or head_hash != prev:
            problems.append(
                _("The ledger's head says %(n)s movements; %(m)s are stored.")
                % {"n": head_seq, "m": expected}
            )
    if len(problems) < limit:
        books = recomputed_balances()
        # The movements' references are not database foreign keys (models.Movement): each
        # (item, place, lot) they name must exist. Checked on the grouped keys: no scan.
        items = set(Item.objects.values_list("pk", flat=True))
        places = set(Place.objects.values_list("pk", flat=True))
        lots = set(Lot.objects.values_list("pk", flat=True))
        for k in sorted(books):
            if k[0] not in items or k[1] not in places or k[2] not in lots:
                problems.append(
                    _("Movements name item %(item)s, place %(place)s, lot %(lot)s: one is missing.")
                    % {"item": k[0], "place": k[1], "lot": k[2]}
                )
                if len(problems) >= limit:
                    break
        stored = {
            (b[0], b[1], b[2]): b[3]
            for b in Balance.objects.values_list("item_id", "place_id", "lot_id", "quantity")
        }
        for k in sorted(set(books) | set(stored)):
            if books.get(k, 0) != stored.get(k, 0):
                problems.append(
                    _(
                        "Balance of item %(item)s at place %(place)s (lot %(lot)s) is %(stored)s; "
                        "the movements give %(books)s."
                    )
                    % {
                        "item": k[0],
                        "place": k[1],
                        "lot": k[2],
                        "stored": stored.get(k, 0),
                        "books": books.get(k, 0),
                    }
                )
                if len(problems) >= limit:
                    break
    return LedgerReport(ok=not problems, movements=count, problems=problems)


def do_verify_ledger(*, actor: Any) -> LedgerReport:
    """Verify and remember the result (the dashboard shows the last check)."""
    from warroom.audit.services import record_event
    from warroom.core.context import acting

    report = verify()
    with acting(actor), transaction.atomic():
        LedgerCheck.objects.create(
            ok=report.ok, movements=report.movements, problems=report.problems
        )
        if not report.ok:
            record_event(
                "supplies.ledger_tampered",
                object_type="supplies.movement",
                message="; ".join(report.problems)[:1000],
            )
    return report


def vendor() -> str:
    return connection.vendor
