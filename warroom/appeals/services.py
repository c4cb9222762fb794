"""Every change of an appeal: file, hold/release, triage, reassign, escalate, link, answer,
call back, publish a rebuttal; the duty roster; the public form's rate limit."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warroom.analytics import appeals_text
from warroom.appeals import triage
from warroom.appeals.models import (
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealStatus,
    Category,
    Channel,
    DutyShift,
    EventKind,
    IntakeCounter,
    Rebuttal,
    Urgency,
)
from warroom.core import bulk, words
from warroom.core.context import SYSTEM, acting
from warroom.core.errors import Conflict, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.notify import notify, notify_each, recipients, recipients_by_area
from warroom.core.permits import require_in_area
from warroom.core.scoping import in_scope
from warroom.geo.models import DEPTH, Area, Level

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

# The level that answers each category (the unit there): beds are the district's dispatch,
# supplies the community's services, rumours the city's publicity office.
RESPONSIBLE_LEVEL: dict[Any, Any] = {
    Category.ADMISSION: Level.DISTRICT,
    Category.MEDICINE: Level.COMMUNITY,
    Category.GROCERIES: Level.COMMUNITY,
    Category.TRANSPORT: Level.STREET,
    Category.COMPLAINT: Level.STREET,
    Category.RUMOUR: Level.CITY,
    Category.DATA_ERROR: Level.DISTRICT,
    Category.PSYCHOLOGICAL: Level.DISTRICT,
    Category.AFTERMATH: Level.STREET,
    Category.OTHER: Level.COMMUNITY,
}


def deadline_hours(urgency: str) -> int:
    hours: dict[Any, int] = {
        Urgency.IMMEDIATE: settings.WARROOM_APPEAL_HOURS_IMMEDIATE,
        Urgency.URGENT: settings.WARROOM_APPEAL_HOURS_URGENT,
        Urgency.NORMAL: settings.WARROOM_APPEAL_HOURS_NORMAL,
        Urgency.ROUTINE: settings.WARROOM_APPEAL_HOURS_ROUTINE,
    }
    return hours.get(urgency, settings.WARROOM_APPEAL_HOURS_NORMAL)


def responsible_area(place: Area, category: str, lineage: Sequence[Area] | None = None) -> Area:
    """The ancestor of ``place`` at the category's level (``place`` if it is above it).
    ``lineage``: the place's ancestors and itself when already loaded (no query then)."""
    level = RESPONSIBLE_LEVEL.get(category, Level.COMMUNITY)
    if DEPTH[str(place.level)] <= DEPTH[str(level)]:
        return place
    code = {a.level: a for a in (lineage or _lineage(place))}.get(level)
    return code or place


def _lineage(area: Area) -> list[Area]:
    codes = [*area.ancestor_codes(), area.code]
    return list(Area.objects.filter(code__in=codes))


def _phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE.match(value):
        raise InvalidInput(_("%(p)s is not a valid phone number.") % {"p": value})
    return value


def _root() -> Area:
    return _place_lineage("")[-1]


_NAMES: dict[str, Any] = {"at": 0.0, "names": [], "root": None}
NAMES_TTL = 300.0  # seconds a process keeps the area names (new areas are rare)


def _area_names() -> tuple[list[tuple[str, str]], str | None]:
    """(Chinese name, path) of every area, deepest first, and the city's path: cached per
    process for :data:`NAMES_TTL` seconds."""
    if time.monotonic() - _NAMES["at"] > NAMES_TTL or not _NAMES["names"]:
        rows = Area.objects.order_by("-depth", "code").values_list(
            "name_zh", "path", "parent_id", "pk"
        )
        roots = sorted((pk, path) for _name, path, parent, pk in rows if parent is None)
        _NAMES["names"] = [(name, path) for name, path, _parent, _pk in rows if len(name) >= 2]
        _NAMES["root"] = roots[0][1] if roots else None
        _NAMES["at"] = time.monotonic()
    return _NAMES["names"], _NAMES["root"]


def _place_lineage(
    text: str, within: Area | None = None, memo: dict[str, list[Area]] | None = None
) -> list[Area]:
    """The resolved place's ancestors and itself, the city first, in one query: the
    deepest area whose Chinese name ``text`` contains, under ``within`` (else the city);
    ``within`` itself (or the city) when no name matches. ``memo`` (a batch's): the
    lineages already read, by the place's path (a batch reads each place once)."""
    text = (text or "").strip()
    for _attempt in range(2):
        names, root = _area_names()
        base = within.path if within is not None else root
        if base is None:
            raise InvalidInput(_("The area tree is empty: load the city first."))
        target = next(
            (
                path
                for name, path in names
                if name in text and path.startswith(base) and path != base
            ),
            base,
        )
        if memo is not None and target in memo:
            return memo[target]
        codes = [c for c in target.strip("/").split("/") if c]
        found = sorted(Area.objects.filter(code__in=codes), key=lambda a: len(a.path))
        if found and found[-1].path == target:
            if memo is not None:
                memo[target] = found
            return found
        _NAMES["at"] = 0.0  # the tree changed under the cache: reload it once
    raise InvalidInput(_("The area tree is empty: load the city first."))


def resolve_place(text: str, within: Area | None = None) -> Area:
    """The deepest area whose Chinese name ``text`` contains, under ``within`` (else the
    city); ``within`` itself (or the city) when no name matches."""
    if within is not None and not (text or "").strip():
        return within
    return _place_lineage(text, within)[-1]


def _actor_name(actor: Any) -> str:
    if actor is SYSTEM or actor is None:
        return "system"
    return str(actor.get_username())


def _event(
    appeal: Appeal,
    kind: Any,
    actor: Any,
    note: words.Worded | str = "",
    to_area: Area | None = None,
) -> None:
    AppealEvent.objects.create(
        appeal=appeal,
        at=timezone.now(),
        kind=kind,
        actor_name=_actor_name(actor),
        note=words.stored_text(note),
        note_words=words.words_of(note),
        to_area=to_area,
    )


def _triage_note(appeal: Appeal, note: str) -> words.Worded:
    """A triage's event note: the category and urgency (labels) and the person's note."""
    labels = {
        "category": words.label(Category(appeal.category).label),
        "urgency": words.label(Urgency(appeal.urgency).label),
    }
    if note:
        return words.say(gettext_noop("%(category)s / %(urgency)s %(note)s"), note=note, **labels)
    return words.say(gettext_noop("%(category)s / %(urgency)s"), **labels)


# The notes of the links an appeal's handler makes (stored as words: warroom.core.words).
LINKED_CARE = gettext_noop("Medical-care request opened")
LINKED_ORDER = gettext_noop("Group order placed")
LINKED_TASK = gettext_noop("Supervision task opened")
LINKED_REBUTTAL = gettext_noop("Rebuttal published: %(t)s")


def _number(at: dt.datetime) -> str:
    """A number a citizen reads out on the phone: the day and 8 random digits."""
    local = timezone.localtime(at)
    return f"{local:%y%m%d}{secrets.randbelow(10**8):08d}"


def _route(
    appeal: Appeal, *, from_at: dt.datetime | None = None, lineage: Sequence[Area] | None = None
) -> None:
    appeal.assigned_area = responsible_area(appeal.area, appeal.category, lineage)
    appeal.unit = appeal.category  # the unit that answers it: Appeal.unit_label
    start = from_at or appeal.received_at
    appeal.deadline = start + dt.timedelta(hours=deadline_hours(appeal.urgency))


LINK_CANDIDATES = 200  # the most recent appeals a new one is compared with
_IN_BATCH = 2**62  # keys of a batch's own appeals before they have a pk (after every pk)


@dataclass(frozen=True)
class AppealIn:
    """One appeal to take in (what :func:`do_file_appeal` is given)."""

    channel: Any
    text: str
    place_text: str = ""
    area: Area | None = None
    caller_name: str = ""
    caller_phone: str = ""
    category: str = ""
    urgency: str = ""
    source_ref: str = ""
    held_reason: str = ""
    at: dt.datetime | None = None


@dataclass
class _Candidate:
    """An earlier appeal a new one may link to (a stored one, or one of the same batch)."""

    key: int  # its pk, or _IN_BATCH + its index in the batch
    text: str
    status: str
    area_id: int | None
    caller_phone: str
    received_at: dt.datetime
    original: int | None  # what it duplicates (a key too)
    number: str = ""


def _clean(item: AppealIn) -> AppealIn:
    """The intake's checks of one appeal (a clear error, never a 500)."""
    if item.channel not in Channel.values:
        raise InvalidInput(_("Unknown channel %(c)s.") % {"c": item.channel})
    text = clean_text(item.text, max_length=2000, what=_("Text"), required=True)
    place_text = clean_text(item.place_text, max_length=200, what=_("Place"))
    caller_name = clean_text(item.caller_name, max_length=64, what=_("Caller"))
    source_ref = clean_text(item.source_ref, max_length=64, what=_("Source reference"))
    # A held submission keeps what was typed (it is checked by a person, not refused).
    held = item.held_reason
    caller_phone = (item.caller_phone or "").strip()[:32] if held else _phone(item.caller_phone)
    for value, allowed, what in (
        (item.category, Category.values, _("category")),
        (item.urgency, Urgency.values, _("urgency")),
    ):
        if value and value not in allowed:
            raise InvalidInput(_("Unknown %(what)s %(v)s.") % {"what": what, "v": value})
    return dataclasses.replace(
        item,
        text=text,
        place_text=place_text,
        caller_name=caller_name,
        caller_phone=caller_phone,
        source_ref=source_ref,
    )


def _known(items: Sequence[AppealIn]) -> dict[tuple[str, str], Appeal]:
    """The appeals already stored under the items' (channel, source_ref), in one query."""
    refs: dict[str, set[str]] = {}
    for item in items:
        if item.source_ref:
            refs.setdefault(str(item.channel), set()).add(item.source_ref)
    if not refs:
        return {}
    scope = Q()
    for channel, values in refs.items():
        scope |= Q(channel=channel, source_ref__in=sorted(values))
    return {(str(a.channel), a.source_ref): a for a in Appeal.objects.filter(scope)}


def _candidates(appeals: Sequence[Appeal]) -> list[_Candidate]:
    """The stored appeals the new ones may link to, in one query: within the duplicate
    window, of the same phone or open at the same place (held and rejected ones aside).
    For one appeal the database keeps the :data:`LINK_CANDIDATES` its rule looks at."""
    hours = dt.timedelta(hours=settings.WARROOM_APPEAL_DUPLICATE_HOURS)
    since = min(a.received_at for a in appeals) - hours
    scope_areas = {a.area_id for a in appeals}
    scope = Q(area_id__in=scope_areas, status__in=OPEN_STATUSES)
    phones = {a.caller_phone for a in appeals if a.caller_phone}
    if phones:
        scope |= Q(caller_phone__in=phones)
    rows = Appeal.objects.filter(scope, received_at__gte=since).exclude(
        status__in=(AppealStatus.REJECTED, AppealStatus.HELD)
    )
    if len(appeals) > 1:
        # Each appeal's 200 lie among its place's 200 latest open ones and its phone's 200
        # latest: the union of those, not the whole window, in one statement ranking the
        # window's rows per place and per phone (a sub-select per place and per phone was
        # hundreds a day: compiling them cost more than reading them).
        base = Appeal.objects.filter(received_at__gte=since).exclude(
            status__in=(AppealStatus.REJECTED, AppealStatus.HELD)
        )
        sides = [("area_id", base.filter(area_id__in=scope_areas, status__in=OPEN_STATUSES))]
        if phones:
            sides.append(("caller_phone", base.filter(caller_phone__in=phones)))
        bounded = Q()
        for column, side in sides:
            ranked = side.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F(column),
                    order_by=(F("received_at").desc(), F("pk").desc()),
                )
            ).filter(rank__lte=LINK_CANDIDATES)
            bounded |= Q(pk__in=ranked.values("pk"))
        rows = Appeal.objects.filter(bounded)
    else:
        one = appeals[0]
        same_phone: Any = Value(0)
        if one.caller_phone:
            same_phone = Case(When(caller_phone=one.caller_phone, then=1), default=0)
        rows = rows.annotate(same_phone=same_phone).order_by("-same_phone", "-received_at", "-pk")[
            :LINK_CANDIDATES
        ]
    fields = ("pk", "text", "status", "area_id", "caller_phone", "received_at", "duplicate_of_id")
    return [
        _Candidate(pk, text, status, area, phone or "", at, original, number)
        for pk, text, status, area, phone, at, original, number in rows.values_list(
            *fields, "number"
        )
    ]


class _Pool:
    """The candidates, found by place (the open ones) and by phone (a batch compares each
    appeal with those of its place and phone only)."""

    def __init__(self, candidates: Sequence[_Candidate]) -> None:
        self.numbers: dict[int, str] = {}
        self.by_area: dict[int | None, list[_Candidate]] = {}
        self.by_phone: dict[str, list[_Candidate]] = {}
        for c in candidates:
            self.add(c)

    def add(self, c: _Candidate) -> None:
        self.numbers[c.key] = c.number
        if c.status in OPEN_STATUSES:
            self.by_area.setdefault(c.area_id, []).append(c)
        if c.caller_phone:
            self.by_phone.setdefault(c.caller_phone, []).append(c)


@functools.lru_cache(maxsize=4096)
def _bigrams(text: str) -> frozenset[str]:
    """A text's bigrams, kept per process for the latest texts: every intake compares the
    new appeal with up to :data:`LINK_CANDIDATES` recent ones, mostly the same ones."""
    return frozenset(appeals_text.bigrams(text))


def _link(appeal: Appeal, pool: _Pool) -> None:
    """The rule of repeat callers and duplicates: among the :data:`LINK_CANDIDATES` most
    recent appeals of the window (the same phone first, then open ones of the same place),
    the latest of the same phone is the one it repeats; the first filed open one with
    near-identical text (bigram similarity ≥ 0.8) is what it duplicates (the original of
    that one if it is a duplicate itself). Sets the links (as keys, see _Candidate)."""
    since = appeal.received_at - dt.timedelta(hours=settings.WARROOM_APPEAL_DUPLICATE_HOURS)
    phone = appeal.caller_phone
    found = {c.key: c for c in pool.by_area.get(appeal.area_id, ())}
    if phone:
        found.update((c.key, c) for c in pool.by_phone.get(phone, ()))
    rows = [c for c in found.values() if c.received_at >= since]
    rows.sort(key=lambda c: (bool(phone) and c.caller_phone == phone, c.received_at, c.key))
    rows = rows[::-1][:LINK_CANDIDATES]
    if phone:
        earlier = next((c for c in rows if c.caller_phone == phone), None)
        if earlier is not None:
            appeal.repeat_of_id = earlier.original or earlier.key
    near = sorted((c for c in rows if c.status in OPEN_STATUSES), key=lambda c: c.key)
    for c in near:  # the oldest first: a duplicate links to the first filed
        if _near_identical(appeal.text, c.text):
            appeal.duplicate_of_id = c.original or c.key
            return


@functools.lru_cache(maxsize=65536)
def _near_identical(mine: str, theirs: str) -> bool:
    """Bigram similarity ≥ 0.8, kept per process by the pair of texts: a flood of one
    message (a rumour forwarded, a compound's shared complaint) compares the same pairs
    again and again."""
    a, b = _bigrams(mine), _bigrams(theirs)
    # Jaccard ≤ min(|a|, |b|) / max(|a|, |b|): sizes apart by more than 0.8 never match.
    if 5 * min(len(a), len(b)) < 4 * max(len(a), len(b)):
        return False
    return appeals_text.similarity(a, b) >= 0.8


def do_file_appeal(
    *,
    channel: Any,
    text: str,
    actor: Any,
    place_text: str = "",
    area: Area | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    category: str = "",
    urgency: str = "",
    source_ref: str = "",
    held_reason: str = "",
    at: dt.datetime | None = None,
) -> Appeal:
    """Take an appeal in: number, the classifier's proposal, routing and deadline, links.

    ``area`` is the place when known (the operator resolved it; else it is resolved from
    ``place_text`` under the city). ``category``/``urgency`` given by a person (the
    operator) count as triage; otherwise the proposal routes it until a person confirms.
    ``held_reason`` (spam signs, a flooded address): stored, numbered, not routed — a
    person releases or rejects it, so no appeal is lost to a filter. A machine source's
    ``source_ref`` is unique per channel: sending it again returns the first appeal.
    """
    item = AppealIn(
        channel=channel,
        text=text,
        place_text=place_text,
        area=area,
        caller_name=caller_name,
        caller_phone=caller_phone,
        category=category,
        urgency=urgency,
        source_ref=source_ref,
        held_reason=held_reason,
        at=at,
    )
    return do_file_appeals([item], actor=actor)[0]


def do_file_appeals(items: Sequence[AppealIn], *, actor: Any) -> list[Appeal]:
    """Take a batch of appeals in (a machine source's day): the rules of
    :func:`do_file_appeal`, one by one in the batch's order (an appeal links to an earlier
    one of the same batch as to a stored one), written in one transaction with bulk
    INSERTs and one audit entry (the batch's count, numbers and the SHA-256 of the rows;
    a batch of one is audited as the one appeal it is). All or nothing: a bad item is an
    error naming its row. Returns the appeals in the items' order (a known ``source_ref``
    gives the stored appeal)."""
    cleaned = []
    for row, item in enumerate(items, start=1):
        try:
            cleaned.append(_clean(item))
        except InvalidInput as exc:
            if len(items) == 1:
                raise
            raise InvalidInput(
                _("Appeal %(row)d: %(reason)s") % {"row": row, "reason": exc.message}
            ) from None
    proposals = [triage.propose(item.text) for item in cleaned]
    return _file_retrying(cleaned, proposals, actor)


def _file_retrying(
    items: Sequence[AppealIn], proposals: Sequence[triage.Proposal], actor: Any
) -> list[Appeal]:
    for _attempt in range(5):
        try:
            return _file_batch(items, proposals, actor)
        except IntegrityError:
            continue  # a number drawn twice, or a source_ref filed meanwhile: again
    raise Conflict(_("Could not number the appeal; try again."))  # pragma: no cover


def _file_batch(
    items: Sequence[AppealIn], proposals: Sequence[triage.Proposal], actor: Any
) -> list[Appeal]:
    known = _known(items)
    out: list[Appeal | None] = [None] * len(items)
    new: list[Appeal] = []
    lineages: list[Sequence[Area] | None] = []
    given: dict[tuple[str, str], Appeal] = {}
    places: dict[str, list[Area]] = {}
    for i, (item, proposal) in enumerate(zip(items, proposals, strict=True)):
        ref = (str(item.channel), item.source_ref)
        if item.source_ref and ref in known:
            out[i] = known[ref]
            continue
        if item.source_ref and ref in given:  # sent twice in the batch: one appeal
            out[i] = given[ref]
            continue
        area, lineage = item.area, None
        if area is None:
            lineage = _place_lineage(item.place_text if not item.held_reason else "", memo=places)
            area = lineage[-1]
        at = item.at or timezone.now()
        appeal = Appeal(
            channel=item.channel,
            source_ref=item.source_ref,
            caller_name=item.caller_name,
            caller_phone=item.caller_phone,
            place_text=item.place_text,
            area=area,
            text=item.text,
            terms=" ".join(appeals_text.words(item.text))[:2000],
            proposed_category=proposal.category,
            proposed_urgency=proposal.urgency,
            confidence=proposal.confidence,
            category=item.category or proposal.category,
            urgency=item.urgency or proposal.urgency,
            triaged=bool(item.category and item.urgency),
            received_at=at,
            held_reason=item.held_reason[:32],
        )
        appeal.number = _number(at)
        out[i] = appeal
        new.append(appeal)
        lineages.append(lineage)
        if item.source_ref:
            given[ref] = appeal
    if not new:
        return [a for a in out if a is not None]
    _route_batch(new, lineages)
    _link_batch(new)
    with acting(actor), transaction.atomic():
        _insert(new, actor)
    return [a for a in out if a is not None]


def _route_batch(new: Sequence[Appeal], lineages: Sequence[Sequence[Area] | None]) -> None:
    """Route the batch's appeals (held ones wait for a person), the places' lines read in
    one query when a place is below its category's level."""
    need: set[str] = set()
    for appeal, lineage in zip(new, lineages, strict=True):
        level = RESPONSIBLE_LEVEL.get(appeal.category, Level.COMMUNITY)
        if lineage is None and DEPTH[str(appeal.area.level)] > DEPTH[str(level)]:
            need.update(appeal.area.ancestor_codes())
    above = {a.code: a for a in Area.objects.filter(code__in=need)} if need else {}
    for appeal, lineage in zip(new, lineages, strict=True):
        if appeal.held_reason:
            appeal.status, appeal.assigned_area = AppealStatus.HELD, appeal.area
            continue
        appeal.status = AppealStatus.ASSIGNED if appeal.triaged else AppealStatus.RECEIVED
        if lineage is None:
            codes = appeal.area.ancestor_codes()
            lineage = [*(above[c] for c in codes if c in above), appeal.area]
        _route(appeal, lineage=lineage)


def _link_batch(new: Sequence[Appeal]) -> None:
    """Link each routed appeal to the earlier ones (stored, or earlier in the batch)."""
    routed = [a for a in new if not a.held_reason]
    if not routed:
        return
    pool = _Pool(_candidates(routed))
    numbers = pool.numbers
    for i, appeal in enumerate(routed):
        _link(appeal, pool)
        key = appeal.duplicate_of_id
        if key is not None:
            appeal.status = AppealStatus.DUPLICATE
            number = routed[key - _IN_BATCH].number if key >= _IN_BATCH else numbers.get(key)
            # the original's number, for the DUPLICATE event's note
            appeal._original_number = number or _number_of(key)  # type: ignore[attr-defined]
        pool.add(
            _Candidate(
                _IN_BATCH + i,
                appeal.text,
                str(appeal.status),
                appeal.area_id,
                appeal.caller_phone,
                appeal.received_at,
                appeal.duplicate_of_id,
            )
        )
    # Keys of the batch's own appeals become pks after the INSERT (see _insert).
    for i, appeal in enumerate(routed):
        appeal._batch_key = _IN_BATCH + i  # type: ignore[attr-defined]


def _insert(new: Sequence[Appeal], actor: Any) -> None:
    """The intake's one transaction, in as few statements as it takes: the appeals (one
    INSERT), the links to earlier appeals of the same batch (one UPDATE, only then), their
    events (one INSERT), then the audit entry — last, because the audit chain's head is
    locked from there to the commit, and every intake in every process waits on it."""
    from warroom.audit.mixins import snapshot
    from warroom.audit.services import canonical, record, record_batch

    for appeal in new:
        appeal.pk = None
        appeal._state.adding = True
    Appeal.objects.bulk_create(new, batch_size=500)  # the audit entry is written below
    pks = {getattr(a, "_batch_key", None): a.pk for a in new}
    later: list[Appeal] = []
    for appeal in new:
        changed = False
        for attr in ("duplicate_of_id", "repeat_of_id"):
            value = getattr(appeal, attr)
            if value is not None and value >= _IN_BATCH:
                setattr(appeal, attr, pks[value])
                changed = True
        if changed:
            later.append(appeal)
    if later:
        Appeal.objects.bulk_update(later, ["duplicate_of", "repeat_of"], batch_size=500)
    now, name = timezone.now(), _actor_name(actor)
    events = []
    for appeal in new:
        held = appeal.held_reason
        kind = EventKind.HELD if held else EventKind.RECEIVED
        events.append(AppealEvent(appeal=appeal, at=now, kind=kind, actor_name=name, note=held))
        if appeal.duplicate_of_id is not None:
            number = getattr(appeal, "_original_number", "")
            events.append(
                AppealEvent(
                    appeal=appeal, at=now, kind=EventKind.DUPLICATE, actor_name=name, note=number
                )
            )
    AppealEvent.objects.bulk_create(events, batch_size=1000)
    after = [snapshot(a) for a in new]
    if len(new) == 1:
        record("create", new[0], before=None, after=after[0])  # what AuditedModel.save writes
    else:
        digest = hashlib.sha256(canonical(after).encode("utf-8")).hexdigest()
        record_batch(
            object_type="appeals.appeal",
            rows=len(new),
            sha256=digest,
            area_path=_common_path(new),
            action="create",
            message=f"{len(new)} appeals filed",
            details={"numbers": [a.number for a in new], "pks": [a.pk for a in new]},
        )
    for appeal, snap in zip(new, after, strict=True):
        appeal._audit_before = snap  # type: ignore[attr-defined]


def _number_of(pk: int) -> str:
    row = Appeal.objects.filter(pk=pk).values_list("number").first()
    return str(row[0]) if row else ""


def _check(actor: Any, appeal: Appeal) -> None:
    require_in_area(
        actor,
        appeal.area,
        "appeals",
        missing="appeal not found",
        refusal=_("You may not handle appeals."),
    )


def _lock(appeal: Appeal) -> Appeal:
    return Appeal.objects.select_for_update().select_related("area").get(pk=appeal.pk)


def do_release_appeal(appeal: Appeal, *, actor: Any) -> Appeal:
    """A held appeal is genuine: route it like any other, its deadline from now."""
    _check(actor, appeal)
    with acting(actor), transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status != AppealStatus.HELD:
            raise Conflict(_("Only a held appeal can be released."))
        if appeal.place_text and appeal.area.parent_id is None:
            appeal.area = resolve_place(appeal.place_text)
        appeal.status = AppealStatus.RECEIVED
        _route(appeal, from_at=timezone.now())
        appeal.save()
        _event(appeal, EventKind.RELEASED, actor)
    return appeal


def do_reject_appeal(appeal: Appeal, *, reason: str, actor: Any) -> Appeal:
    """A held appeal is spam: rejected, kept (numbered, with the reason) for the record."""
    _check(actor, appeal)
    reason = clean_text(reason, max_length=500, what=_("Reason"), required=True)
    with acting(actor), transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status != AppealStatus.HELD:
            raise Conflict(_("Only a held appeal can be rejected as spam."))
        appeal.status = AppealStatus.REJECTED
        appeal.closed_at = timezone.now()
        appeal.save(update_fields=["status", "closed_at"])
        _event(appeal, EventKind.REJECTED, actor, reason)
    return appeal


def do_triage_appeal(
    appeal: Appeal,
    *,
    category: str,
    urgency: str,
    area: Area | None = None,
    note: str = "",
    actor: Any,
) -> Appeal:
    """A person confirms (or corrects) category, urgency and place: routed again, the
    deadline counted from the appeal's reception."""
    _check(actor, appeal)
    if category not in Category.values:
        raise InvalidInput(_("Unknown category %(v)s.") % {"v": category})
    if urgency not in Urgency.values:
        raise InvalidInput(_("Unknown urgency %(v)s.") % {"v": urgency})
    if area is not None and not in_scope(actor, area.path):
        raise NotFound("area not found")
    with acting(actor), transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status not in OPEN_STATUSES:
            raise Conflict(_("Only an open appeal can be triaged."))
        appeal.category, appeal.urgency, appeal.triaged = category, urgency, True
        if area is not None:
            appeal.area = area
        appeal.status = AppealStatus.ASSIGNED
        _route(appeal)
        appeal.escalations = 0
        appeal.save()
        _event(appeal, EventKind.TRIAGED, actor, _triage_note(appeal, note), appeal.assigned_area)
    return appeal


def do_reassign_appeal(appeal: Appeal, *, to: Area, reason: str, actor: Any) -> Appeal:
    """Give the appeal to another area (on the place's line: itself or an ancestor, or a
    descendant of the place), with the reason; the deadline does not move."""
    _check(actor, appeal)
    reason = clean_text(reason, max_length=500, what=_("Reason"), required=True)
    # Up the place's line anyone handling it may pass it; down only within one's own area.
    if not appeal.area.path.startswith(to.path) and not in_scope(actor, to.path):
        raise NotFound("area not found")
    with acting(actor), transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status not in OPEN_STATUSES:
            raise Conflict(_("Only an open appeal can be reassigned."))
        if not (appeal.area.path.startswith(to.path) or to.path.startswith(appeal.area.path)):
            raise InvalidInput(_("Reassign along the place's line: the place, above or below it."))
        if to.path.startswith(appeal.area.path):
            appeal.area = to
        appeal.assigned_area = to
        appeal.save(update_fields=["assigned_area", "area"])
        _event(appeal, EventKind.REASSIGNED, actor, reason, to)
        notify(
            recipients(to, "appeals"),
            kind="appeal_assigned",
            title=words.say(
                gettext_noop("Appeal %(n)s assigned to %(area)s"),
                n=appeal.number,
                area=words.area_name(to),
            ),
            body=reason,
            link=f"/appeals/{appeal.pk}/",
        )
    return appeal


_AREA_FIELDS = ("code", "name_zh", "name_en", "path", "parent")
_ESCALATION_FIELDS = (
    "number",
    "urgency",
    "deadline",
    "escalations",
    "escalated_at",
    "area__path",
    "assigned_area",
    *(f"assigned_area__{f}" for f in _AREA_FIELDS),
    *(f"assigned_area__parent__{f}" for f in _AREA_FIELDS),
)


def escalate_overdue(*, now: dt.datetime | None = None, actor: Any = SYSTEM) -> int:
    """Move every open appeal past its deadline one level up the area tree (idempotent at a
    given time: a new deadline is set, so it escalates again only when that passes).

    The due appeals (at most 1000 a call) are claimed in one transaction: locked, the rows
    another worker holds skipped (it escalates them), so two workers running at once
    escalate each once; written in one UPDATE, their events in one INSERT, one audit entry.
    The level above is notified (its users with ``appeals``; one notification an appeal,
    all in one INSERT)."""
    from warroom.audit.services import canonical, record_batch, record_event

    now = now or timezone.now()
    with acting(actor), transaction.atomic():
        due = list(
            Appeal.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status__in=OPEN_STATUSES, deadline__lt=now)
            .select_related("area", "assigned_area", "assigned_area__parent")
            # Only what the escalation reads and writes: a partial load is not snapshotted
            # for the audit on loading (a full one costs as much as the escalation).
            .only(*_ESCALATION_FIELDS)
            .order_by("deadline", "pk")[:1000]
        )
        if not due:
            return 0
        name, events, notes = _actor_name(actor), [], []
        for appeal in due:
            current = appeal.assigned_area
            target = current.parent if current.parent is not None else current
            note = words.say(
                gettext_noop("Deadline %(d)s passed at %(from)s"),
                d=timezone.localtime(appeal.deadline).strftime("%Y-%m-%d %H:%M"),
                **{"from": words.area_name(current)},
            )
            appeal.assigned_area = target
            appeal.deadline = now + dt.timedelta(hours=deadline_hours(appeal.urgency))
            appeal.escalations += 1
            appeal.escalated_at = now
            notes.append(note)
            events.append(
                AppealEvent(
                    appeal=appeal,
                    at=now,
                    kind=EventKind.ESCALATED,
                    actor_name=name,
                    note=words.stored_text(note),
                    note_words=words.words_of(note),
                    to_area=target,
                )
            )
        fields = ["assigned_area", "deadline", "escalations", "escalated_at"]
        # One executemany (SQLite) or COPY + UPDATE FROM (PostgreSQL): Django's
        # bulk_update builds a CASE WHEN per row and field (1 s of CPU for 300 appeals).
        bulk.update_rows(Appeal, due, fields)
        AppealEvent.objects.bulk_create(events, batch_size=1000)
        moves = [f"appeal {a.number} escalated to {a.assigned_area.code}" for a in due]
        if len(due) == 1:
            record_event(
                "update",
                object_type="appeals.appeal",
                object_id=str(due[0].pk),
                area_path=due[0].area.path,
                message=moves[0],
            )
        else:
            record_batch(
                object_type="appeals.appeal",
                rows=len(due),
                sha256=hashlib.sha256(canonical(moves).encode("utf-8")).hexdigest(),
                area_path=_common_path(due),
                action="update",
                message=f"{len(due)} appeals escalated",
                details={"moves": moves},
            )
        # the recipients of every area escalated to, read at once
        users = recipients_by_area(
            {a.assigned_area.pk: a.assigned_area for a in due}.values(), "appeals"
        )
        notify_each(
            (
                users[appeal.assigned_area.pk],
                "appeal_escalated",
                words.say(gettext_noop("Appeal %(n)s escalated: overdue"), n=appeal.number),
                note,
                f"/appeals/{appeal.pk}/",
            )
            for appeal, note in zip(due, notes, strict=True)
        )
    return len(due)


def _common_path(appeals: Sequence[Appeal]) -> str:
    """The deepest area path above every appeal's place (the audit entry's area: the
    auditors of that subtree see it)."""
    parts = [a.area.path.strip("/").split("/") for a in appeals]
    common: list[str] = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) > 1:
            break
        common.append(codes[0])
    return f"/{'/'.join(common)}/" if common else ""


def do_answer_appeal(
    appeal: Appeal, *, reply: str, actor: Any, at: dt.datetime | None = None
) -> Appeal:
    """The reply to the citizen (shown on the public status page: no personal data);
    ``at`` for an answer recorded after the fact (never in the future)."""
    return do_answer_appeals([(appeal, reply, at)], actor=actor)[0]


def do_answer_appeals(
    answers: Sequence[tuple[Appeal, str, dt.datetime | None]], *, actor: Any
) -> list[Appeal]:
    """Answer several appeals (``(appeal, reply, at)``) with the rules of
    :func:`do_answer_appeal`, in one transaction: the rows locked in one query, written in
    one UPDATE, their events in one INSERT, one audit entry. All or nothing."""
    cleaned = []
    for appeal, reply, at in answers:
        _check(actor, appeal)
        cleaned.append(
            (appeal.pk, clean_text(reply, max_length=2000, what=_("Reply"), required=True), at)
        )
    with acting(actor), transaction.atomic():
        locked = _lock_many([pk for pk, _reply, _at in cleaned])
        now = timezone.now()
        done, before = [], []
        for pk, reply, at in cleaned:
            appeal = locked[pk]
            if appeal.status not in OPEN_STATUSES:
                raise Conflict(_("Only an open appeal can be answered."))
            before.append(_snapshot(appeal))
            appeal.reply, appeal.replied_at = reply, min(at or now, now)
            appeal.replied_by = actor if getattr(actor, "pk", None) else None
            appeal.status = AppealStatus.ANSWERED
            done.append(appeal)
        fields = ["reply", "replied_at", "replied_by", "status"]
        _write(done, fields, before, [(a, EventKind.ANSWERED, "") for a in done], actor, "answered")
    return done


def do_record_callback(appeal: Appeal, *, satisfaction: int, note: str = "", actor: Any) -> Appeal:
    """The callback: satisfied (3–5) closes the appeal; unsatisfied (1–2) reopens it with a
    new deadline at the same responsible area."""
    return do_record_callbacks([(appeal, satisfaction, note)], actor=actor)[0]


def do_record_callbacks(
    callbacks: Sequence[tuple[Appeal, Any, str]], *, actor: Any
) -> list[Appeal]:
    """Record several callbacks (``(appeal, satisfaction, note)``) with the rules of
    :func:`do_record_callback`, in one transaction (one lock query, one UPDATE, one INSERT
    of events, one audit entry). All or nothing."""
    cleaned = []
    for appeal, satisfaction, note in callbacks:
        _check(actor, appeal)
        try:
            score = int(satisfaction)
        except (TypeError, ValueError):
            raise InvalidInput(_("Satisfaction is a score from 1 to 5.")) from None
        if not 1 <= score <= 5:
            raise InvalidInput(_("Satisfaction is a score from 1 to 5."))
        cleaned.append((appeal.pk, score, clean_text(note, max_length=500, what=_("Note"))))
    with acting(actor), transaction.atomic():
        locked = _lock_many([pk for pk, _score, _note in cleaned])
        now = timezone.now()
        done, before, events = [], [], []
        for pk, score, note in cleaned:
            appeal = locked[pk]
            if appeal.status != AppealStatus.ANSWERED:
                raise Conflict(_("Call back only after the appeal was answered."))
            before.append(_snapshot(appeal))
            appeal.satisfaction = score
            events.append((appeal, EventKind.CALLBACK, f"{score}/5 {note}".strip()))
            if score >= 3:
                appeal.status, appeal.closed_at = AppealStatus.CLOSED, now
                events.append((appeal, EventKind.CLOSED, ""))
            else:
                appeal.status = AppealStatus.ASSIGNED
                appeal.reopened += 1
                appeal.deadline = now + dt.timedelta(hours=deadline_hours(appeal.urgency))
                events.append((appeal, EventKind.REOPENED, note))
            done.append(appeal)
        fields = ["satisfaction", "status", "closed_at", "reopened", "deadline"]
        _write(done, fields, before, events, actor, "called back")
    return done


def _lock_many(pks: Sequence[int]) -> dict[int, Appeal]:
    """The appeals locked for a change, in one query (in pk order: no deadlock between two
    batches), each with its area (one more query); a missing one is not found.

    Built from plain rows (:func:`warroom.core.bulk.loaded`), not ``from_db``: the batch
    services snapshot what they change themselves, and an audited model's ``from_db``
    would take one more snapshot per appeal and per area (most of a day's queue work)."""
    wanted = set(pks)
    with bulk.among(wanted, integer=True) as keys:
        rows = bulk.loaded(Appeal.objects.select_for_update().filter(pk__in=keys).order_by("pk"))
    _cache_areas(rows)
    found = {a.pk: a for a in rows}
    if len(found) != len(wanted):
        raise NotFound("appeal not found")
    return found


def _cache_areas(appeals: Sequence[Appeal]) -> None:
    """Each appeal's area read (one query, plain rows) and cached on it, as
    ``select_related("area")`` would leave it."""
    with bulk.among({a.area_id for a in appeals}, integer=True) as keys:
        areas = {a.pk: a for a in bulk.loaded(Area.objects.filter(pk__in=keys))}
    for appeal in appeals:
        appeal._state.fields_cache["area"] = areas[appeal.area_id]


def _snapshot(appeal: Appeal) -> dict[str, Any]:
    from warroom.audit.mixins import snapshot

    return snapshot(appeal)


_EVENT_FIELDS = ("appeal", "at", "kind", "actor_name", "note", "note_words", "to_area")


def _write(
    appeals: Sequence[Appeal],
    fields: Sequence[str],
    before: Sequence[dict[str, Any]],
    events: Sequence[tuple[Appeal, Any, words.Worded | str]],
    actor: Any,
    what: str,
) -> None:
    """A change of several appeals in as few statements as it takes: one UPDATE, one INSERT
    of their events, one audit entry (a single appeal's is what ``AuditedModel.save``
    writes: its before and after)."""
    from warroom.audit.services import canonical, record, record_batch

    bulk.update_rows(Appeal, appeals, fields)  # not bulk_update: its CASE per row is slow
    now, name = timezone.now(), _actor_name(actor)
    # plain tuples: a day's queue is thousands of events (a model instance each cost more
    # than their INSERT)
    bulk.insert_tuples(
        AppealEvent,
        _EVENT_FIELDS,
        [
            (
                a.pk,
                now,
                str(k),
                name,
                words.stored_text(n),
                bulk.json_text(words.words_of(n)),
                None,
            )
            for a, k, n in events
        ],
    )
    after = [_snapshot(a) for a in appeals]
    if len(appeals) == 1:
        if before[0] != after[0]:
            record("update", appeals[0], before=before[0], after=after[0])
    elif appeals:
        changes = [{"before": b, "after": a} for b, a in zip(before, after, strict=True)]
        record_batch(
            object_type="appeals.appeal",
            rows=len(appeals),
            sha256=hashlib.sha256(canonical(changes).encode("utf-8")).hexdigest(),
            area_path=_common_path(appeals),
            action="update",
            message=f"{len(appeals)} appeals {what}",
            details={"numbers": [a.number for a in appeals], "pks": [a.pk for a in appeals]},
        )
    for appeal, snap in zip(appeals, after, strict=True):
        appeal._audit_before = snap  # type: ignore[attr-defined]


# --- links into the platform -------------------------------------------------------------


def _compound_of(appeal: Appeal) -> Area:
    if appeal.area.level != Level.COMPOUND and appeal.area.children.exists():
        raise InvalidInput(_("Resolve the place to the compound first (triage)."))
    return appeal.area


def do_link_admission(
    appeal: Appeal,
    *,
    name: str,
    id_number: str = "",
    category: str = "febrile",
    actor: Any,
) -> Appeal:
    """An admission request: find the person (ID number, else name and phone in the
    compound) or register him in ``category``, which puts him on the waiting list that
    dispatch places from (case management's own services)."""
    from warroom.cases.models import Person
    from warroom.cases.services import do_register_person, duplicate_of

    _check(actor, appeal)
    if appeal.category != Category.ADMISSION:
        raise InvalidInput(_("Only an admission request registers a patient."))
    compound = _compound_of(appeal)
    name = clean_text(name, max_length=64, what=_("Name"), required=True)
    with acting(actor), transaction.atomic():
        person = duplicate_of("resident_id", id_number.strip()) if id_number.strip() else None
        if person is None and appeal.caller_phone:
            person = Person.objects.filter(
                home=compound, name=name, phone=appeal.caller_phone
            ).first()
        if person is None:
            person = do_register_person(
                name=name,
                home=compound,
                id_number=id_number.strip(),
                phone=appeal.caller_phone,
                category=category,
                reason=words.say(gettext_noop("Appeal %(n)s"), n=appeal.number),
                actor=actor,
            )
            note = words.say(
                gettext_noop("Registered %(name)s (%(cat)s): on the waiting list"),
                name=person.name,
                cat=category,
            )
        else:
            note = words.say(gettext_noop("Found %(name)s in case management"), name=person.name)
        appeal = _lock(appeal)
        appeal.person = person
        appeal.save(update_fields=["person"])
        _event(appeal, EventKind.LINKED, actor, note)
    return appeal


def do_link_services(
    appeal: Appeal,
    *,
    items: Sequence[tuple[str, Any, str, Any]] = (),
    care: str = "chronic_medicine",
    actor: Any,
) -> Appeal:
    """A medicine request becomes a medical-care request of the compound; a grocery request
    a group order of the items named (services' own services)."""
    from warroom.services import services as care_services

    _check(actor, appeal)
    compound = _compound_of(appeal)
    with acting(actor), transaction.atomic():
        if appeal.category == Category.MEDICINE:
            req = care_services.do_request_medical_care(
                compound,
                person=appeal.caller_name or _("Caller of appeal %(n)s") % {"n": appeal.number},
                kind=care,
                phone=appeal.caller_phone,
                note=appeal.text[:500],
                actor=actor,
            )
            appeal = _lock(appeal)
            appeal.medical_request = req
            appeal.save(update_fields=["medical_request"])
            _event(appeal, EventKind.LINKED, actor, words.say(LINKED_CARE))
        elif appeal.category == Category.GROCERIES:
            order = care_services.do_place_group_order(
                compound, items=items, kind="groceries", actor=actor
            )
            appeal = _lock(appeal)
            appeal.group_order = order
            appeal.save(update_fields=["group_order"])
            _event(appeal, EventKind.LINKED, actor, words.say(LINKED_ORDER))
        else:
            raise InvalidInput(_("Only a medicine or grocery request becomes a services request."))
    return appeal


def do_open_task(
    appeal: Appeal, *, owner: Any, title: str = "", days: int = 3, actor: Any
) -> Appeal:
    """A complaint opens a supervision task (tasks' own service) for ``owner``."""
    from warroom.tasks.services import do_create_task

    _check(actor, appeal)
    if appeal.category != Category.COMPLAINT:
        raise InvalidInput(_("Only a complaint opens a supervision task."))
    with acting(actor), transaction.atomic():
        task = do_create_task(
            title=title or words.say(gettext_noop("Complaint %(n)s"), n=appeal.number),
            area=appeal.assigned_area,
            owner=owner,
            deadline=timezone.now() + dt.timedelta(days=max(1, min(int(days), 30))),
            source_kind="appeal",
            description=appeal.text,
            source=appeal,
            actor=actor,
        )
        appeal = _lock(appeal)
        appeal.task = task
        appeal.save(update_fields=["task"])
        _event(appeal, EventKind.LINKED, actor, words.say(LINKED_TASK))
    return appeal


def do_publish_rebuttal(appeal: Appeal, *, title: str, body: str, actor: Any) -> Rebuttal:
    """A rumour report's answer: a rebuttal published on the public page; the appeal (and
    its duplicates) answered with it."""
    _check(actor, appeal)
    if appeal.category != Category.RUMOUR:
        raise InvalidInput(_("Only a rumour report leads to a rebuttal."))
    title = clean_text(title, max_length=200, what=_("Title"), required=True)
    body = clean_text(body, max_length=5000, what=_("Rebuttal"), required=True)
    with acting(actor), transaction.atomic():
        rebuttal = Rebuttal(
            area=appeal.assigned_area,
            title=title,
            body=body,
            published_by=actor if getattr(actor, "pk", None) else None,
        )
        rebuttal.save()
        appeal = _lock(appeal)
        appeal.rebuttal = rebuttal
        appeal.save(update_fields=["rebuttal"])
        _event(appeal, EventKind.LINKED, actor, words.say(LINKED_REBUTTAL, t=title))
        if appeal.status in OPEN_STATUSES:
            do_answer_appeal(
                appeal, reply=_("Rebuttal published: %(t)s") % {"t": title}, actor=actor
            )
    return rebuttal


# --- duty roster ----------------------------------------------------------------------------


def do_add_shift(
    area: Area,
    *,
    user: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    desk: str = "",
    actor: Any,
) -> DutyShift:
    require_in_area(actor, area, "appeals", refusal=_("You may not handle appeals."))
    if user is None or not in_scope(user, area.path):
        raise InvalidInput(_("The user on duty must cover the area."))
    if ends_at <= starts_at:
        raise InvalidInput(_("A shift ends after it starts."))
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise InvalidInput(_("A shift lasts at most 24 hours."))
    desk = clean_text(desk, max_length=64, what=_("Desk"))
    with acting(actor), transaction.atomic():
        shift = DutyShift(area=area, user=user, starts_at=starts_at, ends_at=ends_at, desk=desk)
        shift.save()
    return shift


# --- the public form's rate limit ---------------------------------------------------------


def admit_public(client: str, *, now: dt.datetime | None = None) -> str:
    """Count a public submission of ``client`` (its address) in the current minute:
    "accept" up to the rate, "hold" (stored for review, never lost) up to the hold ceiling,
    "refuse" above it (a flood: 429). One conditional UPDATE (or INSERT) in the database,
    so every server process shares the count."""
    return _admit([client], now=now)[0]


def _admit(clients: Sequence[str], *, now: dt.datetime | None = None) -> list[str]:
    """:func:`admit_public` for several submissions at once (a group's), in one statement:
    each distinct address counted by its number of submissions; the k-th of an address
    gets the verdict it would have had alone (the count before the group + k)."""
    now = now or timezone.now()
    window = int(now.timestamp() // 60)
    keys = [(client or "unknown")[:64] for client in clients]
    sent: dict[str, int] = {}
    for key in keys:
        sent[key] = sent.get(key, 0) + 1
    from django.db import connection

    table = IntakeCounter._meta.db_table
    rows = ", ".join(["(%s, %s, %s)"] * len(sent))
    params: list[Any] = []
    for key in sorted(sent):  # the rows locked in one order by every process
        params += [key, window, sent[key]]
    with connection.cursor() as cursor:  # one statement, atomic on both databases
        cursor.execute(
            f'INSERT INTO {table} ("client", "window", "count") VALUES {rows} '  # noqa: S608
            'ON CONFLICT ("client", "window") DO UPDATE SET "count" = '
            f'{table}."count" + excluded."count" RETURNING "client", "count"',
            params,
        )
        total = {key: count for key, count in cursor.fetchall()}
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        count = total[key] - sent[key] + seen[key]
        if count <= settings.WARROOM_APPEAL_RATE:
            out.append("accept")
        elif count <= settings.WARROOM_APPEAL_HOLD:
            out.append("hold")
        else:
            out.append("refuse")
    return out


# --- the public intake: group commit --------------------------------------------------------

GROUP_LIMIT = 64  # the most public appeals one transaction writes


@dataclass(eq=False)
class _Waiting:
    """One public submission in a server process's queue, and what became of it."""

    client: str
    raw: AppealIn  # as sent, with the spam signs' reason (held_reason) if any
    item: AppealIn | None  # cleaned (None: invalid, see error)
    error: InvalidInput | None
    proposal: triage.Proposal | None
    wake: threading.Event = dataclasses.field(default_factory=threading.Event)
    lead: bool = False  # woken to write the next group, not with its result
    verdict: str = ""
    appeal: Appeal | None = None
    failure: BaseException | None = None


@dataclass(frozen=True)
class PublicIntake:
    """What became of a public submission: ``verdict`` of the rate limit ("accept",
    "hold" — stored, held for review — or "refuse": not stored, 429) and the stored
    appeal (None when refused)."""

    verdict: str
    appeal: Appeal | None


class _Group:
    """The server process's queue of public submissions. No thread of its own: the first
    submission to find no writer leads — it takes up to :data:`GROUP_LIMIT` queued ones
    (itself first), writes them in one transaction, hands each its result, and passes the
    lead to the next queued submission, if any. A lone submission is a group of one,
    written at once in its own thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue: collections.deque[_Waiting] = collections.deque()
        self.busy = False

    def join(self, waiting: _Waiting) -> None:
        with self.lock:
            self.queue.append(waiting)
            leads = not self.busy
            self.busy = True
        if not leads:
            waiting.wake.wait()
            if not waiting.lead:
                return  # written by the group it was taken in
        with self.lock:  # the queue's head is this submission (it leads)
            group = [self.queue.popleft() for _ in range(min(len(self.queue), GROUP_LIMIT))]
        try:
            _write_public(group)
        except BaseException as exc:
            for one in group:
                if one.appeal is None and one.failure is None and one.verdict != "refuse":
                    one.failure = exc
        finally:
            with self.lock:
                if self.queue:
                    following = self.queue[0]
                    following.lead = True
                    following.wake.set()
                else:
                    self.busy = False
            for one in group:
                if one is not waiting:
                    one.wake.set()


_GROUP = _Group()


def file_public(
    *,
    client: str,
    text: str,
    place_text: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    held_reason: str = "",
) -> PublicIntake:
    """A citizen's appeal from the public form: the rate limit (:func:`admit_public`'s
    rule, counted in the database), then :func:`do_file_appeal`'s rules, as the system.

    Written by **group commit**: the submissions that arrive while one group is being
    written wait and are written together by the next (one transaction: one counter
    statement, one INSERT of the appeals, one of their events, one audit entry —
    :func:`do_file_appeals`' batch path). It returns only after the group has committed,
    so an accepted appeal is a stored one. A group that fails is written again one by
    one, so one bad submission never fails the others. Inside a caller's transaction
    (a test) the submission is written alone, at once. Raises ``InvalidInput`` for a bad
    submission unless refused; ``held_reason``: the spam signs seen by the caller."""
    from django.db import connection

    raw = AppealIn(
        channel=Channel.WEB,
        text=text,
        place_text=place_text,
        caller_name=caller_name,
        caller_phone=caller_phone,
        held_reason=held_reason,
    )
    waiting = _waiting(client, raw)
    if connection.in_atomic_block:
        _write_public([waiting])
    else:
        _GROUP.join(waiting)
    return _outcome(waiting)


def _waiting(client: str, raw: AppealIn) -> _Waiting:
    """A submission checked and classified in its sender's thread, ready to queue."""
    try:
        item = _clean(raw)
    except InvalidInput as exc:
        return _Waiting(client, raw, None, exc, None)
    return _Waiting(client, raw, item, None, triage.propose(item.text))


def _outcome(waiting: _Waiting) -> PublicIntake:
    """What its sender is answered, once its group was written."""
    if waiting.failure is not None:
        raise waiting.failure
    if waiting.verdict != "refuse" and waiting.appeal is None:
        raise waiting.error or Conflict(_("Could not number the appeal; try again."))
    return PublicIntake(waiting.verdict, waiting.appeal)


def _write_public(group: Sequence[_Waiting]) -> None:
    """Count, then write, a group of public submissions (see :func:`file_public`)."""
    for one, verdict in zip(group, _admit([one.client for one in group]), strict=True):
        one.verdict = verdict
    todo: list[tuple[_Waiting, AppealIn, triage.Proposal]] = []
    for one in group:
        if one.verdict == "refuse":
            continue
        item, proposal = one.item, one.proposal
        if one.verdict == "hold" and not one.raw.held_reason:
            # A flooding address: held; what was typed kept (no phone check), as for spam.
            try:
                item = _clean(dataclasses.replace(one.raw, held_reason="rate_limit"))
            except InvalidInput as exc:
                one.error = exc
                continue
            proposal = proposal or triage.propose(item.text)
        if item is None or proposal is None:
            continue  # invalid: its error goes back to its sender
        todo.append((one, item, proposal))
    if not todo:
        return
    try:
        appeals = _file_retrying([t[1] for t in todo], [t[2] for t in todo], SYSTEM)
    except Exception:
        if len(todo) == 1:
            raise
        for one, item, proposal in todo:  # one by one: a bad one fails alone
            try:
                one.appeal = _file_retrying([item], [proposal], SYSTEM)[0]
            except Exception as exc:
                one.failure = exc
        return
    for (one, _item, _proposal), appeal in zip(todo, appeals, strict=True):
        one.appeal = appeal


def prune_counters(*, now: dt.datetime | None = None) -> int:
    """Drop the rate-limit counters older than an hour (the daily step calls it)."""
    now = now or timezone.now()
    return IntakeCounter.objects.filter(window__lt=int(now.timestamp() // 60) - 60).delete()[0]
