"""Epidemic-free certification (无疫情, DESIGN §3.6): the daily recompute and the
decertification a new case causes at once.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.audit.services import record_batch, record_event
from warroom.communities import certification as cert
from warroom.communities.facts import compound_case_facts
from warroom.communities.inspecting import inspection_states
from warroom.communities.models import (
    Certification,
    CertificationEvent,
    CertificationStatus,
)
from warroom.core import bulk, words
from warroom.core.context import acting
from warroom.geo.models import LEVEL_ORDER, Area

# --- certification --------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    date: dt.date
    areas: int
    certified: int
    by_level: dict[str, tuple[int, int]]  # level -> (certified, total)
    known: bool


@bulk.without_gc  # 10,600 rows of lists and dicts: the collector's full walks cost 0.3 s
def do_recompute_certification(as_of: dt.date, *, actor: Any) -> RecomputeResult:
    """Recompute every area's epidemic-free status for ``as_of``; idempotent.

    Loads the area tree, the case facts (from the registered provider) and the latest
    six-in-place inspections, rolls them up (:func:`certification.roll_up`), and stores
    one row per area for the day, with the reasons of every unit not certified and a log
    event for every unit that gained or lost its status. Only the rows that differ from the
    day's stored ones are written (:func:`_write_statuses`).
    """
    min_days = settings.WARROOM_CERTIFY_DAYS
    areas = list(Area.objects.order_by("path").values_list("pk", "parent_id", "level"))
    n = len(areas)
    index = {pk: i for i, (pk, _p, _l) in enumerate(areas)}
    parent = np.fromiter(
        (index.get(p, -1) if p is not None else -1 for _pk, p, _l in areas), np.int64, n
    )
    facts = compound_case_facts(as_of)
    known = facts is not None
    last_confirmed: dict[int, dt.date] = {}
    figures_unreleased = np.zeros(n, dtype=np.int64)
    figures_backlog = np.zeros(n, dtype=np.int64)
    days = np.full(n, cert.NO_CASE, dtype=np.int64)
    inspection = np.zeros(n, dtype=np.int8)
    if known:
        for area_id, f in facts.items():  # type: ignore[union-attr]
            i = index.get(area_id)
            if i is None:
                continue
            if f.last_confirmed is not None:
                last_confirmed[i] = f.last_confirmed
                days[i] = (as_of - f.last_confirmed).days
            figures_unreleased[i] = f.unreleased
            figures_backlog[i] = f.open_backlog
        for area_id, state in inspection_states(as_of).items():
            i = index.get(area_id)
            if i is not None:
                inspection[i] = state
        result = cert.roll_up(
            parent, days, figures_unreleased, figures_backlog, inspection, min_days=min_days
        )
        certified, bits = result.certified, result.reasons
        total, good = result.children_total, result.children_certified
    else:
        certified = np.zeros(n, dtype=bool)
        bits = np.zeros(n, dtype=np.int64)
        total = np.bincount(parent[parent >= 0], minlength=n)
        good = np.zeros(n, dtype=np.int64)

    level_names = [str(lv) for lv in LEVEL_ORDER]
    level_index = {name: k for k, name in enumerate(level_names)}
    sub_good, sub_total = cert.subtree_counts(
        parent,
        np.fromiter((level_index[lv] for _pk, _p, lv in areas), np.int64, n),
        certified,
        len(level_names),
    )

    previous_day = (
        CertificationStatus.objects.filter(date__lt=as_of)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    previous: dict[int, tuple[str, dt.date | None]] = {}
    if previous_day is not None:
        # Only the certified units of the day before matter (since when; who lost it): at
        # the peak almost none, not the 10,600 rows of the whole tree.
        previous = {
            area_id: (str(Certification.CERTIFIED), since)
            for area_id, since in CertificationStatus.objects.filter(
                date=previous_day, status=Certification.CERTIFIED
            ).values_list("area_id", "certified_since")
        }
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []  # (area id, kind, reason)
    by_level: dict[str, list[int]] = {}
    # Plain Python values once (numpy scalars one by one cost more than the loop), and the
    # reasons and per-level counts, which repeat across thousands of compounds, built once
    # per distinct value.
    certified_ = certified.tolist()
    bits_ = bits.tolist()
    unreleased_, backlog_ = figures_unreleased.tolist(), figures_backlog.tolist()
    total_, good_ = np.asarray(total).tolist(), np.asarray(good).tolist()
    sub_good_, sub_total_ = sub_good.tolist(), sub_total.tolist()
    reasons_memo: dict[tuple[Any, ...], dict[str, Any]] = {}
    counts_memo: dict[tuple[Any, ...], dict[str, list[int]]] = {}
    for i, (pk, _p, level) in enumerate(areas):
        counts = by_level.setdefault(level, [0, 0])
        counts[1] += 1
        prev_status, prev_since = previous.get(pk, ("", None))
        if not known:
            status, reasons, since = Certification.UNKNOWN, {"no_case_data": True}, None
        elif certified_[i]:
            counts[0] += 1
            status, reasons = Certification.CERTIFIED, {}
            since = prev_since if prev_status == Certification.CERTIFIED and prev_since else as_of
            if prev_status != Certification.CERTIFIED:
                events.append((pk, "certified", ""))
        else:
            status = Certification.NOT_CERTIFIED
            lc = last_confirmed.get(i)
            key = (bits_[i], lc, unreleased_[i], backlog_[i], good_[i], total_[i])
            reasons = reasons_memo.get(key)  # type: ignore[assignment]
            if reasons is None:
                reasons = reasons_memo[key] = cert.reasons_of(
                    bits_[i],
                    last_confirmed=lc.isoformat() if lc else None,
                    unreleased=unreleased_[i],
                    open_backlog=backlog_[i],
                    children=[total_[i] - good_[i], total_[i]],
                )
            since = None
            if prev_status == Certification.CERTIFIED:
                events.append((pk, "lost", "; ".join(sorted(reasons))))
        ckey = (*sub_good_[i], *sub_total_[i])
        counts_here = counts_memo.get(ckey)
        if counts_here is None:
            counts_here = counts_memo[ckey] = {
                name: [sub_good_[i][k], sub_total_[i][k]]
                for k, name in enumerate(level_names)
                if sub_total_[i][k]
            }
        rows.append((pk, level, str(status), reasons, since, total_[i], good_[i], counts_here))
    digest = hashlib.sha256(
        json.dumps([as_of.isoformat(), min_days, known, certified.tolist(), bits.tolist()]).encode()
    ).hexdigest()
    with acting(actor), transaction.atomic():
        _lock_day(as_of)
        _write_statuses(as_of, now, rows)
        CertificationEvent.objects.filter(date=as_of, kind__in=["certified", "lost"]).delete()
        _insert_events(as_of, now, events)
        record_batch(
            object_type="communities.certificationstatus",
            rows=n,
            sha256=digest,
            action="recompute",
            message=f"certification recomputed for {as_of}: "
            f"{int(certified.sum())} of {n} areas certified",
            details={"date": as_of.isoformat(), "known": known, "min_days": min_days},
        )
    return RecomputeResult(
        as_of,
        n,
        int(certified.sum()),
        {lv: (c[0], c[1]) for lv, c in by_level.items()},
        known,
    )


def _lock_day(day: dt.date) -> None:
    """Serialise two recomputes of the same day (two workers, or a retry).

    SQLite transactions here are IMMEDIATE, so writers already queue; on PostgreSQL a
    transaction-scoped advisory lock keeps the second from inserting over the first.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x6365, day.toordinal()])


_STATUS_COLUMNS = (
    "area",
    "level",
    "status",
    "reasons",
    "certified_since",
    "children_total",
    "children_certified",
    "subtree_counts",
    "date",
    "computed_at",
)


def _write_statuses(day: dt.date, now: dt.datetime, rows: list[tuple[Any, ...]]) -> None:
    """The day's status rows, one per area (10,600 for the demo city), written where they
    differ from the stored ones: a re-run of the day that finds the same statuses writes no
    row (it had deleted and re-inserted them all); a changed row is updated with its time;
    the rows of areas gone are deleted. A new day's rows are inserted as before.
    """
    stored = list(
        CertificationStatus.objects.filter(date=day)
        .order_by()
        .annotate(
            reasons_text=Cast("reasons", TextField()),
            counts_text=Cast("subtree_counts", TextField()),
        )
        .values_list(
            "pk",
            "area_id",
            "level",
            "status",
            "reasons_text",
            "certified_since",
            "children_total",
            "children_certified",
            "counts_text",
        )
    )
    if not stored:
        _insert_statuses(day, now, rows)
        return
    # The JSON compared as values (PostgreSQL's jsonb keeps its own key order and spacing),
    # each distinct text decoded once and each distinct computed dict normalised once.
    decoded: dict[str | None, Any] = {}

    def stored_json(text: str | None) -> Any:
        if text not in decoded:
            decoded[text] = None if text is None else json.loads(text)
        return decoded[text]

    normal: dict[int, Any] = {}

    def computed_json(value: Any) -> Any:
        done = normal.get(id(value))
        if done is None:
            done = normal[id(value)] = json.loads(json.dumps(value))
        return done

    old = {
        area_id: (pk, (level, status, stored_json(r), since, total, good, stored_json(c)))
        for pk, area_id, level, status, r, since, total, good, c in stored
    }
    fresh: list[tuple[Any, ...]] = []
    changed: list[CertificationStatus] = []
    for row in rows:
        pk, level, status, reasons, since, total, good, counts = row
        was = old.pop(pk, None)
        if was is None:
            fresh.append(row)
            continue
        values = (level, status, computed_json(reasons), since, total, good, computed_json(counts))
        if values != was[1]:
            changed.append(
                CertificationStatus(
                    pk=was[0],
                    level=level,
                    status=status,
                    reasons=reasons,
                    certified_since=since,
                    children_total=total,
                    children_certified=good,
                    subtree_counts=counts,
                    computed_at=now,
                )
            )
    if old:
        with bulk.among([pk for pk, _v in old.values()], integer=True) as gone:
            CertificationStatus.objects.filter(pk__in=gone).delete()
    bulk.update_rows(
        CertificationStatus,
        changed,
        [c for c in _STATUS_COLUMNS if c not in ("area", "date")],  # a row's key stays
    )
    _insert_statuses(day, now, fresh)


def _insert_statuses(day: dt.date, now: dt.datetime, rows: list[tuple[Any, ...]]) -> None:
    """One status row per area (10,600 for the demo city, every new day of the cycle).

    The JSON of the per-level counts repeats across areas (every compound of a closed
    district has the same), so each distinct text is built once.
    """
    if not rows:
        return
    texts: dict[int, str] = {}  # by id(): the rows share the memoised dicts

    def counts_json(counts: dict[str, list[int]]) -> str:
        text = texts.get(id(counts))
        if text is None:
            text = texts[id(counts)] = json.dumps(counts)
        return text

    reason_texts: dict[int, str] = {}

    def reasons_json(reasons: dict[str, Any]) -> str:
        if not reasons:
            return "{}"
        text = reason_texts.get(id(reasons))
        if text is None:
            text = reason_texts[id(reasons)] = json.dumps(reasons, ensure_ascii=False)
        return text

    bulk.insert_tuples(
        CertificationStatus,
        _STATUS_COLUMNS,
        [
            (
                pk,
                level,
                status,
                reasons_json(reasons),
                since,
                total,
                good,
                counts_json(counts),
                day,
                now,
            )
            # by area: the unique (area, date) index then takes the day's rows in its order
            for pk, level, status, reasons, since, total, good, counts in sorted(rows)
        ],
    )


def _insert_events(day: dt.date, now: dt.datetime, events: list[tuple[Any, ...]]) -> None:
    bulk.insert_tuples(
        CertificationEvent,
        ("area", "kind", "reason", "date", "at"),
        [(pk, kind, reason, day, now) for pk, kind, reason in events],
    )


def do_decertify_on_new_case(
    area: Area, when: dt.datetime | dt.date, reason: words.Worded | str, *, actor: Any
) -> list[CertificationStatus]:
    """A new confirmed case: decertify its unit and every ancestor at once, with the reason.

    Called by the cases app when a case is confirmed. Changes the statuses of the case's
    day (and of any later day already computed); writes one log event per unit and one
    audit entry. Returns the rows of the case's day, the unit first, the city last.
    """
    day = when if not isinstance(when, dt.datetime) else timezone.localdate(when)
    if not isinstance(reason, words.Worded):
        reason = reason.strip() or words.say(gettext_noop("new confirmed case"))
    text, reason_words = words.stored_text(reason), words.words_of(reason)
    codes = [*area.ancestor_codes(), area.code]
    chain = list(Area.objects.filter(code__in=codes).only("pk", "level", "path", "parent_id"))
    chain.sort(key=lambda a: -len(a.path))  # the unit first, the city last
    ids = [a.pk for a in chain]
    now = timezone.now()
    with acting(actor), transaction.atomic():
        rows = list(
            CertificationStatus.objects.select_for_update().filter(area_id__in=ids, date__gte=day)
        )
        by_key = {(r.area_id, r.date): r for r in rows}
        to_update: list[CertificationStatus] = []
        to_create: list[CertificationStatus] = []
        dates = sorted({r.date for r in rows} | {day})
        for d in dates:
            child_was_certified = False
            flipped: list[str] = []  # levels of the units on the chain that lose their status
            for a in chain:  # bottom-up, so each unit knows whether its child on the chain was
                row = by_key.get((a.pk, d))
                if row is None:
                    if d != day:
                        child_was_certified = False
                        continue
                    row = CertificationStatus(area_id=a.pk, date=d, level=a.level, reasons={})
                    to_create.append(row)
                    was_certified = False
                else:
                    was_certified = row.status == Certification.CERTIFIED
                    to_update.append(row)
                if child_was_certified and row.children_certified:
                    row.children_certified -= 1
                if was_certified:
                    flipped.append(a.level)
                counts = {k: list(v) for k, v in (row.subtree_counts or {}).items()}
                for lv in flipped:
                    if lv in counts and counts[lv][0] > 0:
                        counts[lv][0] -= 1
                row.subtree_counts = counts
                reasons = {k: v for k, v in (row.reasons or {}).items() if k != "no_case_data"}
                reasons["new_case"] = text if reason_words is None else reason_words
                if row.children_total:
                    reasons["children"] = [
                        row.children_total - row.children_certified,
                        row.children_total,
                    ]
                row.reasons = reasons
                row.status = Certification.NOT_CERTIFIED
                row.certified_since = None
                row.computed_at = now
                child_was_certified = was_certified
        if to_update:
            CertificationStatus.objects.bulk_update(
                to_update,
                [
                    "status",
                    "reasons",
                    "certified_since",
                    "children_certified",
                    "subtree_counts",
                    "computed_at",
                ],
            )
        if to_create:
            CertificationStatus.objects.bulk_create(to_create)
        CertificationEvent.objects.bulk_create(
            [
                CertificationEvent(
                    area_id=a.pk,
                    date=day,
                    at=now,
                    kind="decertified",
                    reason=text,
                    reason_words=reason_words,
                )
                for a in chain
            ]
        )
        record_event(
            "decertify",
            object_type="communities.certificationstatus",
            object_id=str(area.pk),
            area_path=area.path,
            message=f"{area.code} and {len(chain) - 1} ancestors decertified on {day}: {text}",
        )
    on_day = {r.area_id: r for r in [*to_update, *to_create] if r.date == day}
    return [on_day[a.pk] for a in chain]
