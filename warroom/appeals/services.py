"""Every change of an appeal: file, hold/release, triage, reassign, escalate, link, answer,
call back, publish a rebuttal; the duty roster; the public form's rate limit."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

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
from warroom.core.context import SYSTEM, acting
from warroom.core.errors import Conflict, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.notify import notify, recipients
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


def _place_lineage(text: str, within: Area | None = None) -> list[Area]:
    """The resolved place's ancestors and itself, the city first, in one query: the
    deepest area whose Chinese name ``text`` contains, under ``within`` (else the city);
    ``within`` itself (or the city) when no name matches."""
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
        codes = [c for c in target.strip("/").split("/") if c]
        found = sorted(Area.objects.filter(code__in=codes), key=lambda a: len(a.path))
        if found and found[-1].path == target:
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
    appeal: Appeal, kind: Any, actor: Any, note: str = "", to_area: Area | None = None
) -> None:
    AppealEvent.objects.create(
        appeal=appeal,
        at=timezone.now(),
        kind=kind,
        actor_name=_actor_name(actor),
        note=note,
        to_area=to_area,
    )


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


def _link_earlier(appeal: Appeal) -> str:
    """Repeat caller (same phone) and duplicate (near-identical text) within the window, in
    one query: the :data:`LINK_CANDIDATES` most recent appeals of the same phone (those
    first) or open ones of the same place. Returns the original's number for a duplicate."""
    since = appeal.received_at - dt.timedelta(hours=settings.WARROOM_APPEAL_DUPLICATE_HOURS)
    scope = Q(area=appeal.area, status__in=OPEN_STATUSES)
    same_phone: Any = Value(0)
    if appeal.caller_phone:
        scope |= Q(caller_phone=appeal.caller_phone)
        same_phone = Case(When(caller_phone=appeal.caller_phone, then=1), default=0)
    rows = list(
        Appeal.objects.filter(scope, received_at__gte=since)
        .exclude(status__in=(AppealStatus.REJECTED, AppealStatus.HELD))
        .annotate(same_phone=same_phone)
        .order_by("-same_phone", "-received_at", "-pk")
        .values_list(
            "pk", "number", "text", "status", "area_id", "caller_phone", "duplicate_of_id"
        )[:LINK_CANDIDATES]
    )
    if appeal.caller_phone:
        earlier = next((r for r in rows if r[5] == appeal.caller_phone), None)
        if earlier is not None:
            appeal.repeat_of_id = earlier[6] or earlier[0]
    grams = appeals_text.bigrams(appeal.text)
    near = [r for r in rows if r[3] in OPEN_STATUSES]
    near.sort(key=lambda r: r[0])  # the oldest first: a duplicate links to the first filed
    numbers = {r[0]: r[1] for r in rows}
    for pk, _number, text, _status, _area, _phone, original in near:
        if appeals_text.similarity(grams, appeals_text.bigrams(text)) >= 0.8:
            appeal.duplicate_of_id = original or pk
            if appeal.duplicate_of_id in numbers:
                return numbers[appeal.duplicate_of_id]
            row = Appeal.objects.filter(pk=appeal.duplicate_of_id).values_list("number").first()
            return str(row[0]) if row else ""
    return ""


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
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel %(c)s.") % {"c": channel})
    text = clean_text(text, max_length=2000, what=_("Text"), required=True)
    place_text = clean_text(place_text, max_length=200, what=_("Place"))
    caller_name = clean_text(caller_name, max_length=64, what=_("Caller"))
    source_ref = clean_text(source_ref, max_length=64, what=_("Source reference"))
    # A held submission keeps what was typed (it is checked by a person, not refused).
    caller_phone = (caller_phone or "").strip()[:32] if held_reason else _phone(caller_phone)
    for value, allowed, what in (
        (category, Category.values, _("category")),
        (urgency, Urgency.values, _("urgency")),
    ):
        if value and value not in allowed:
            raise InvalidInput(_("Unknown %(what)s %(v)s.") % {"what": what, "v": value})
    if source_ref:
        known = Appeal.objects.filter(channel=channel, source_ref=source_ref).first()
        if known is not None:
            return known
    proposal = triage.propose(text)
    at = at or timezone.now()
    lineage = None
    if area is None:
        lineage = _place_lineage(place_text if not held_reason else "")
        area = lineage[-1]
    appeal = Appeal(
        channel=channel,
        source_ref=source_ref,
        caller_name=caller_name,
        caller_phone=caller_phone,
        place_text=place_text,
        area=area,
        text=text,
        terms=" ".join(appeals_text.words(text))[:2000],
        proposed_category=proposal.category,
        proposed_urgency=proposal.urgency,
        confidence=proposal.confidence,
        category=category or proposal.category,
        urgency=urgency or proposal.urgency,
        triaged=bool(category and urgency),
        received_at=at,
        held_reason=held_reason[:32],
    )
    original = ""
    if held_reason:
        appeal.status = AppealStatus.HELD
        appeal.assigned_area = area
    else:
        appeal.status = AppealStatus.ASSIGNED if appeal.triaged else AppealStatus.RECEIVED
        _route(appeal, lineage=lineage)
        original = _link_earlier(appeal)
        if appeal.duplicate_of_id is not None:
            appeal.status = AppealStatus.DUPLICATE
    with acting(actor):
        for _attempt in range(5):
            appeal.number = _number(at)
            try:
                _insert(appeal, actor, held_reason, original)
                break
            except IntegrityError:
                appeal.pk = None
                appeal._state.adding = True
                if source_ref:
                    known = Appeal.objects.filter(channel=channel, source_ref=source_ref).first()
                    if known is not None:
                        return known
        else:  # pragma: no cover - 5 collisions in 10^8 numbers a day
            raise Conflict(_("Could not number the appeal; try again."))
    return appeal


def _insert(appeal: Appeal, actor: Any, held_reason: str, original: str) -> None:
    """The intake's one transaction, in as few statements as it takes: the appeal, its
    events (one INSERT), then its audit entry — last, because the audit chain's head is
    locked from there to the commit, and every intake in every process waits on it."""
    from warroom.audit.mixins import snapshot
    from warroom.audit.services import record

    with transaction.atomic():
        Appeal.objects.bulk_create([appeal])  # the audit entry is written below, explicitly
        now, name = timezone.now(), _actor_name(actor)
        events = [
            AppealEvent(
                appeal=appeal,
                at=now,
                kind=EventKind.HELD if held_reason else EventKind.RECEIVED,
                actor_name=name,
                note=held_reason,
            )
        ]
        if appeal.duplicate_of_id is not None:
            events.append(
                AppealEvent(
                    appeal=appeal, at=now, kind=EventKind.DUPLICATE, actor_name=name, note=original
                )
            )
        AppealEvent.objects.bulk_create(events)
        after = snapshot(appeal)
        record("create", appeal, before=None, after=after)  # what AuditedModel.save writes
    appeal._audit_before = after  # type: ignore[attr-defined]


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
        _event(
            appeal,
            EventKind.TRIAGED,
            actor,
            f"{appeal.get_category_display()} / {appeal.get_urgency_display()} {note}".strip(),
            appeal.assigned_area,
        )
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
            title=_("Appeal %(n)s assigned to %(area)s") % {"n": appeal.number, "area": to.name_zh},
            body=reason,
            link=f"/appeals/{appeal.pk}/",
        )
    return appeal


def escalate_overdue(*, now: dt.datetime | None = None, actor: Any = SYSTEM) -> int:
    """Move every open appeal past its deadline one level up the area tree (idempotent at a
    given time: a new deadline is set, so it escalates again only when that passes).

    Each appeal is claimed with a conditional UPDATE on its deadline: two workers running
    at once escalate it once. The level above is notified (its users with ``appeals``)."""
    now = now or timezone.now()
    due = list(
        Appeal.objects.filter(status__in=OPEN_STATUSES, deadline__lt=now)
        .select_related("area", "assigned_area", "assigned_area__parent")
        .order_by("deadline")[:1000]
    )
    done = 0
    with acting(actor):
        for appeal in due:
            current = appeal.assigned_area
            parent = current.parent
            target = parent if parent is not None else current
            new_deadline = now + dt.timedelta(hours=deadline_hours(appeal.urgency))
            with transaction.atomic():
                claimed = Appeal.objects.filter(
                    pk=appeal.pk, deadline=appeal.deadline, status__in=OPEN_STATUSES
                ).update(
                    assigned_area=target,
                    deadline=new_deadline,
                    escalations=F("escalations") + 1,
                    escalated_at=now,
                )
                if not claimed:
                    continue
                note = _("Deadline %(d)s passed at %(from)s") % {
                    "d": timezone.localtime(appeal.deadline).strftime("%Y-%m-%d %H:%M"),
                    "from": current.name_zh,
                }
                AppealEvent.objects.create(
                    appeal=appeal,
                    at=now,
                    kind=EventKind.ESCALATED,
                    actor_name=_actor_name(actor),
                    note=note,
                    to_area=target,
                )
                from warroom.audit.services import record_event

                record_event(
                    "update",
                    object_type="appeals.appeal",
                    object_id=str(appeal.pk),
                    area_path=appeal.area.path,
                    message=f"appeal {appeal.number} escalated to {target.code}",
                )
                notify(
                    recipients(target, "appeals"),
                    kind="appeal_escalated",
                    title=_("Appeal %(n)s escalated: overdue") % {"n": appeal.number},
                    body=note,
                    link=f"/appeals/{appeal.pk}/",
                )
                done += 1
    return done


def do_answer_appeal(
    appeal: Appeal, *, reply: str, actor: Any, at: dt.datetime | None = None
) -> Appeal:
    """The reply to the citizen (shown on the public status page: no personal data);
    ``at`` for an answer recorded after the fact (never in the future)."""
    _check(actor, appeal)
    reply = clean_text(reply, max_length=2000, what=_("Reply"), required=True)
    with acting(actor), transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status not in OPEN_STATUSES:
            raise Conflict(_("Only an open appeal can be answered."))
        appeal.reply, appeal.replied_at = reply, min(at or timezone.now(), timezone.now())
        appeal.replied_by = actor if getattr(actor, "pk", None) else None
        appeal.status = AppealStatus.ANSWERED
        appeal.save(update_fields=["reply", "replied_at", "replied_by", "status"])
        _event(appeal, EventKind.ANSWERED, actor)
    return appeal


def do_record_callback(appeal: Appeal, *, satisfaction: int, note: str = "", actor: Any) -> Appeal:
    """The callback: satisfied (3–5) closes the appeal; unsatisfied (1–2) reopens it with a
    new deadline at the same responsible area."""
    _check(actor, appeal)
    try:
        score = int(satisfaction)
    except (TypeError, ValueError):
        raise InvalidInput(_("Satisfaction is a score from 1 to 5.")) from None
    if not 1 <= score <= 5:
        raise InvalidInput(_("Satisfaction is a score from 1 to 5."))
    note = clean_text(note, max_length=500, what=_("Note"))
    with acting(actor), transaction.atomic():
        appeal = _lock(appeal)
        if appeal.status != AppealStatus.ANSWERED:
            raise Conflict(_("Call back only after the appeal was answered."))
        appeal.satisfaction = score
        _event(appeal, EventKind.CALLBACK, actor, f"{score}/5 {note}".strip())
        if score >= 3:
            appeal.status, appeal.closed_at = AppealStatus.CLOSED, timezone.now()
            _event(appeal, EventKind.CLOSED, actor)
        else:
            appeal.status = AppealStatus.ASSIGNED
            appeal.reopened += 1
            appeal.deadline = timezone.now() + dt.timedelta(hours=deadline_hours(appeal.urgency))
            _event(appeal, EventKind.REOPENED, actor, note)
        appeal.save()
    return appeal


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
                reason=_("Appeal %(n)s") % {"n": appeal.number},
                actor=actor,
            )
            note = _("Registered %(name)s (%(cat)s): on the waiting list") % {
                "name": person.name,
                "cat": category,
            }
        else:
            note = _("Found %(name)s in case management") % {"name": person.name}
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
            _event(appeal, EventKind.LINKED, actor, _("Medical-care request opened"))
        elif appeal.category == Category.GROCERIES:
            order = care_services.do_place_group_order(
                compound, items=items, kind="groceries", actor=actor
            )
            appeal = _lock(appeal)
            appeal.group_order = order
            appeal.save(update_fields=["group_order"])
            _event(appeal, EventKind.LINKED, actor, _("Group order placed"))
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
            title=title or _("Complaint %(n)s") % {"n": appeal.number},
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
        _event(appeal, EventKind.LINKED, actor, _("Supervision task opened"))
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
        _event(appeal, EventKind.LINKED, actor, _("Rebuttal published: %(t)s") % {"t": title})
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
    now = now or timezone.now()
    window = int(now.timestamp() // 60)
    key = (client or "unknown")[:64]
    from django.db import connection

    table = IntakeCounter._meta.db_table
    with connection.cursor() as cursor:  # one statement, atomic on both databases
        cursor.execute(
            f'INSERT INTO {table} ("client", "window", "count") VALUES (%s, %s, 1) '  # noqa: S608
            'ON CONFLICT ("client", "window") DO UPDATE SET "count" = '
            f'{table}."count" + 1 RETURNING "count"',
            [key, window],
        )
        count = cursor.fetchone()[0]
    if count <= settings.WARROOM_APPEAL_RATE:
        return "accept"
    if count <= settings.WARROOM_APPEAL_HOLD:
        return "hold"
    return "refuse"


def prune_counters(*, now: dt.datetime | None = None) -> int:
    """Drop the rate-limit counters older than an hour (the daily step calls it)."""
    now = now or timezone.now()
    return IntakeCounter.objects.filter(window__lt=int(now.timestamp() // 60) - 60).delete()[0]
