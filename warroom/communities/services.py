"""Every change in communities: closure, inspections, certification, reopening."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.audit.services import record_batch, record_event
from warroom.communities import certification as cert
from warroom.communities.facts import compound_case_facts
from warroom.communities.models import (
    Certification,
    CertificationEvent,
    CertificationStatus,
    Checklist,
    ChecklistItem,
    ChecklistKind,
    Closure,
    ClosureStatus,
    Decision,
    EntryExitRecord,
    EntryPoint,
    GatePass,
    Inspection,
    InspectionResult,
    Purpose,
    ReopeningApplication,
)
from warroom.core import bulk
from warroom.core.context import acting
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.permits import register_permit
from warroom.core.scoping import in_scope
from warroom.core.today import today as platform_today
from warroom.geo.models import LEVEL_ORDER, Area, Level
from warroom.tasks.models import Status as TaskStatus
from warroom.tasks.models import Task
from warroom.tasks.services import do_create_task, owner_problem

INSPECTOR_LEVELS = {Level.CITY, Level.DISTRICT, Level.STREET}
DEFAULT_DEADLINE_DAYS = 3  # a rectification's deadline when the inspector gives none


def _check_change(actor: Any, area: Area, capability: str = "change") -> None:
    if actor is None or not actor.can("view") or not in_scope(actor, area.path):
        raise NotFound("area not found")
    if not actor.can(capability):
        raise Forbidden(_("You may not do this."))


def check_change(actor: Any, area: Area, capability: str = "change") -> str | None:
    """Why ``actor`` may not change ``area`` ("not_found" for another district), or None:
    the rule of :func:`_check_change`, for imports that report it row by row."""
    try:
        _check_change(actor, area, capability)
    except NotFound:
        return "not_found"
    except Forbidden as exc:
        return exc.message
    return None


# --- closure --------------------------------------------------------------------------


def current_closure(area: Area) -> ClosureStatus | None:
    return ClosureStatus.objects.filter(area=area).order_by("-since", "-pk").first()


def do_set_closure(area: Area, status: str, *, note: str = "", actor: Any) -> ClosureStatus:
    """Record a compound's new closure status; the history is kept, never overwritten."""
    _check_change(actor, area)
    if status not in Closure.values:
        raise InvalidInput(_("Unknown closure status %(s)s.") % {"s": status})
    if area.level != Level.COMPOUND:
        raise InvalidInput(_("Closure is recorded for compounds."))
    with acting(actor), transaction.atomic():
        row = ClosureStatus(area=area, status=status, note=note, set_by=actor)
        row.save()
    return row


def do_add_entry_point(
    area: Area, *, name: str, duty_staff: str = "", duty_phone: str = "", actor: Any
) -> EntryPoint:
    _check_change(actor, area)
    if area.level != Level.COMPOUND:
        raise InvalidInput(_("Entry points belong to compounds."))
    name = clean_text(name, max_length=100, what=_("Name"), required=True)
    duty_staff = clean_text(duty_staff, max_length=200, what=_("Duty staff"))
    duty_phone = clean_text(duty_phone, max_length=32, what=_("Phone"))
    with acting(actor), transaction.atomic():
        point = EntryPoint(area=area, name=name, duty_staff=duty_staff, duty_phone=duty_phone)
        point.save()
    return point


PASS_DAYS = 14  # a pass's default validity: the quarantine period of the closure order


def do_issue_pass(
    area: Area,
    *,
    household: str,
    holder: str,
    purpose: str = "supply",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    actor: Any,
) -> GatePass:
    """Issue a household's gate pass (出入证); its number is printed on it."""
    import secrets

    from warroom.core.today import today

    _check_change(actor, area)
    if area.level != Level.COMPOUND:
        raise InvalidInput(_("Passes are issued by compounds."))
    if purpose not in Purpose.values:
        raise InvalidInput(_("Unknown purpose %(p)s.") % {"p": purpose})
    start = valid_from or today()
    end = valid_until or start + dt.timedelta(days=PASS_DAYS - 1)
    if end < start:
        raise InvalidInput(_("A pass cannot end before it starts."))
    with acting(actor), transaction.atomic():
        gate_pass = GatePass(
            area=area,
            number=f"{area.code[-6:]}-{secrets.token_hex(3).upper()}",
            household=clean_text(household, max_length=100, what=_("Household"), required=True),
            holder=clean_text(holder, max_length=64, what=_("Holder"), required=True),
            purpose=purpose,
            valid_from=start,
            valid_until=end,
            issued_by=actor if getattr(actor, "pk", None) else None,
        )
        gate_pass.save()
    return gate_pass


def do_revoke_pass(gate_pass: GatePass, *, actor: Any) -> GatePass:
    _check_change(actor, gate_pass.area)
    with acting(actor), transaction.atomic():
        gate_pass.revoked_at = timezone.now()
        gate_pass.save()
    return gate_pass


def check_pass(point: EntryPoint, number: str, at: dt.datetime) -> tuple[GatePass | None, str]:
    """The pass shown at ``point`` at ``at``: the pass and the result of the check."""
    number = number.strip().upper()
    if not number:
        return None, ""
    found = GatePass.objects.filter(number=number).first()
    if found is None:
        return None, "unknown"
    if found.area_id != point.area_id:
        return found, "elsewhere"
    if found.revoked_at is not None and found.revoked_at <= at:
        return found, "revoked"
    if not found.valid_from <= timezone.localdate(at) <= found.valid_until:
        return found, "expired"
    return found, "valid"


def do_record_passage(
    point: EntryPoint,
    *,
    direction: str,
    purpose: str,
    person: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    pass_number: str = "",
    actor: Any,
) -> EntryExitRecord:
    _check_change(actor, point.area)
    if direction not in ("in", "out"):
        raise InvalidInput(_("The direction is in or out."))
    if purpose not in Purpose.values:
        raise InvalidInput(_("Unknown purpose %(p)s.") % {"p": purpose})
    person = clean_text(person, max_length=100, what=_("Person"))
    note = clean_text(note, max_length=200, what=_("Note"))
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidInput(_("A passage cannot be recorded in the future."))
    gate_pass, checked = check_pass(
        point, clean_text(pass_number, max_length=32, what=_("Pass number")), at
    )
    with acting(actor), transaction.atomic():
        rec = EntryExitRecord(
            entry_point=point,
            direction=direction,
            purpose=purpose,
            person=person,
            note=note,
            at=at,
            gate_pass=gate_pass if checked != "elsewhere" else None,
            pass_check=checked,
            recorded_by=actor,
        )
        rec.save()
    return rec


# --- inspections ----------------------------------------------------------------------


def checklist_in_use(kind: str) -> Checklist | None:
    """The active checklist of ``kind`` (its latest version), or ``None``."""
    return Checklist.objects.filter(kind=kind, active=True).order_by("-version").first()


def active_checklist(kind: str) -> Checklist:
    checklist = checklist_in_use(kind)
    if checklist is None:
        raise InvalidInput(_("No checklist of this kind is in use."))
    return checklist


def do_publish_checklist(
    kind: str, items: Sequence[tuple[str, str, str, str]], *, actor: Any
) -> Checklist:
    """Publish a new version of a checklist; earlier inspections keep their version."""
    if not actor.can("manage_areas"):
        raise Forbidden(_("Only headquarters publishes checklists."))
    if kind not in ChecklistKind.values:
        raise InvalidInput(_("Unknown checklist kind %(k)s.") % {"k": kind})
    items = [
        (
            clean_text(code, max_length=32, what=_("Code"), required=True),
            clean_text(category, max_length=32, what=_("Category"), required=True),
            clean_text(text_zh, max_length=300, what=_("Chinese text"), required=True),
            clean_text(text_en, max_length=300, what=_("English text")),
        )
        for code, category, text_zh, text_en in items
    ]
    codes = [c for c, *_rest in items]
    if not items or len(set(codes)) != len(codes):
        raise InvalidInput(_("A checklist needs items with unique, non-empty codes."))
    with acting(actor), transaction.atomic():
        last = Checklist.objects.filter(kind=kind).order_by("-version").first()
        for old in Checklist.objects.filter(kind=kind, active=True):
            old.active = False
            old.save(update_fields=["active"])
        checklist = Checklist(kind=kind, version=(last.version + 1) if last else 1)
        checklist.save()
        for order, (code, category, text_zh, text_en) in enumerate(items):
            ChecklistItem(
                checklist=checklist,
                code=code,
                category=category,
                text_zh=text_zh,
                text_en=text_en,
                order=order,
            ).save()
    return checklist


@dataclass(frozen=True)
class ItemResult:
    passed: bool
    note: str = ""


# --- the rules of an inspection, shared by the form, the API and the import ------------


@dataclass(frozen=True)
class InspectionProblem:
    """One rule of an inspection broken: the input it concerns and why (translated).

    ``field`` is one of ``area``, ``kind``, ``date``, ``results``, ``owner``, ``deadline``;
    ``missing`` marks an area that is unknown or outside the actor's jurisdiction, which
    is answered as "not found" (never a hint that it exists).
    """

    field: str
    message: str
    details: dict[str, Any] | None = None
    missing: bool = False


def check_inspector(actor: Any) -> None:
    """Refuse an actor who may not inspect at all (the whole request, or the whole file)."""
    if actor is None or not actor.can("inspect"):
        raise Forbidden(_("You may not inspect: inspections are done by inspectors."))
    if actor.area.level not in INSPECTOR_LEVELS:
        raise Forbidden(_("Inspections are done by street, district or headquarters inspectors."))


register_permit("inspect", check_inspector)


def area_problem(actor: Any, area: Area | None, *, has_children: bool) -> InspectionProblem | None:
    """The inspected area must exist in the actor's jurisdiction and be a compound (a leaf)."""
    if area is None or actor is None or not actor.can("view") or not in_scope(actor, area.path):
        return InspectionProblem("area", _("Area not found."), missing=True)
    if area.level != Level.COMPOUND and has_children:
        return InspectionProblem("area", _("Only compounds are inspected."))
    return None


def inspection_problems(
    *,
    kind: str,
    date: dt.date,
    items: Sequence[ChecklistItem] | None,
    results: Mapping[str, ItemResult],
    owner: Any,
    deadline: dt.date | None,
    area: Area | None,
    today: dt.date,
) -> list[InspectionProblem]:
    """Every rule an inspection of ``area`` (already checked by :func:`area_problem`) breaks.

    ``items`` are the items of the active checklist of ``kind`` (``None``: no checklist of
    the kind is in use); ``results`` answers them by code; ``owner`` (a user or ``None``)
    takes the rectification of the failed items by ``deadline``. ``area`` is ``None`` when
    it was refused already: the owner's reach is then not judged.
    """
    problems: list[InspectionProblem] = []
    if date > today:
        problems.append(
            InspectionProblem(
                "date", _("The inspection date %(d)s is in the future.") % {"d": date.isoformat()}
            )
        )
    if kind not in ChecklistKind.values:
        problems.append(InspectionProblem("kind", _("Unknown checklist kind %(k)s.") % {"k": kind}))
        return problems
    if items is None:
        problems.append(InspectionProblem("kind", _("No checklist of this kind is in use.")))
        return problems
    expected = {i.code for i in items}
    missing = [i.code for i in items if i.code not in results]
    unknown = sorted(set(results) - expected)
    if missing:
        parts = [_("items missing: %(codes)s") % {"codes": ", ".join(missing)}]
        if unknown:
            parts.append(_("unknown items: %(codes)s") % {"codes": ", ".join(unknown)})
        message = _("Every item of the checklist must be answered (%(parts)s).") % {
            "parts": "; ".join(parts)
        }
    elif unknown:
        message = _("Unknown items of the checklist: %(codes)s.") % {"codes": ", ".join(unknown)}
    if missing or unknown:
        details = {"missing": missing, "unknown": unknown}
        problems.append(InspectionProblem("results", message, details=details))
        return problems
    if any(not results[i.code].passed for i in items):
        if owner is None:
            problems.append(
                InspectionProblem("owner", _("A failed item needs an owner for its rectification."))
            )
        elif area is not None:
            why = owner_problem(owner, area)
            if why is not None:
                problems.append(InspectionProblem("owner", why))
    if deadline is not None and deadline < date:
        problems.append(
            InspectionProblem("deadline", _("The rectification deadline is before the inspection."))
        )
    return problems


def open_rectification(
    result: InspectionResult,
    item: ChecklistItem,
    *,
    area: Area,
    date: dt.date,
    owner: Any,
    deadline: dt.date,
    actor: Any,
) -> Task:
    """The rectification task of one failed item (the form, the API and the import)."""
    return do_create_task(
        title=(_("Rectify: %(item)s") % {"item": item.text_zh})[:200],
        description=_("Failed at the inspection of %(area)s on %(date)s. %(note)s")
        % {"area": area.name_zh, "date": date.isoformat(), "note": result.note},
        area=area,
        owner=owner,
        deadline=deadline,
        source_kind="inspection",
        source=result,
        actor=actor,
    )


def do_record_inspection(
    area: Area,
    *,
    kind: str,
    date: dt.date,
    results: Mapping[str, ItemResult],
    owner: Any = None,
    deadline: dt.date | None = None,
    note: str = "",
    actor: Any,
) -> Inspection:
    """Record an inspection of a compound; every failed item opens a rectification task.

    Refused with a clear error: another jurisdiction's area (404), an inspector below the
    street level, an area that is not a compound, a date in the future, an item of the
    checklist missing or unknown, a failed item without an owner for its rectification,
    a deadline before the inspection. The rules are those of :func:`area_problem` and
    :func:`inspection_problems`, which the bulk import applies row by row. The deadline
    defaults to three days from today.
    """
    problem = area_problem(actor, area, has_children=area.children.exists())
    if problem is not None and problem.missing:
        raise NotFound("area not found")
    check_inspector(actor)
    if problem is not None:
        raise InvalidInput(problem.message)
    today = platform_today()
    checklist = None
    items: list[ChecklistItem] | None = None
    if kind in ChecklistKind.values:
        checklist = checklist_in_use(kind)
        items = list(checklist.items.order_by("order")) if checklist is not None else None
    problems = inspection_problems(
        kind=kind,
        date=date,
        items=items,
        results=results,
        owner=owner,
        deadline=deadline,
        area=area,
        today=today,
    )
    if problems:
        raise InvalidInput(problems[0].message, details=problems[0].details)
    assert checklist is not None and items is not None  # no problem: a checklist is in use
    deadline = deadline or (today + dt.timedelta(days=DEFAULT_DEADLINE_DAYS))
    with acting(actor), transaction.atomic():
        inspection = Inspection(
            area=area,
            checklist=checklist,
            kind=kind,
            date=date,
            inspector=actor,
            inspector_level=actor.area.level,
            passed=all(results[i.code].passed for i in items),
            note=note,
        )
        inspection.save()
        for item in items:
            result = InspectionResult(
                inspection=inspection,
                item=item,
                passed=results[item.code].passed,
                note=results[item.code].note[:300],
            )
            result.save()
            if not result.passed:
                open_rectification(
                    result,
                    item,
                    area=area,
                    date=date,
                    owner=owner,
                    deadline=deadline,
                    actor=actor,
                )
    return inspection


def inspection_states(as_of: dt.date) -> dict[int, int]:
    """Each inspected area's six-in-place state on ``as_of`` (its latest inspection)."""
    latest: dict[int, tuple[int, bool]] = {}
    rows = (
        Inspection.objects.filter(kind=ChecklistKind.SIX_IN_PLACE, date__lte=as_of)
        .order_by("area_id", "date", "pk")
        .values_list("area_id", "pk", "passed")
    )
    for area_id, pk, passed in rows:
        latest[area_id] = (pk, passed)
    failed_inspections = [pk for pk, passed in latest.values() if not passed]
    pending: set[int] = set()
    if failed_inspections:
        results = dict(
            InspectionResult.objects.filter(
                inspection_id__in=failed_inspections, passed=False
            ).values_list("pk", "inspection_id")
        )
        resolved: dict[int, bool] = {}
        ct = ContentType.objects.get_for_model(InspectionResult)
        for source_id, status in Task.objects.filter(
            source_type=ct, source_id__in=list(results)
        ).values_list("source_id", "status"):
            ok = status == TaskStatus.VERIFIED
            resolved[source_id] = resolved.get(source_id, True) and ok
        pending = {insp for res, insp in results.items() if not resolved.get(res, False)}
    return {
        area_id: cert.INSPECTION_PENDING if pk in pending else cert.INSPECTION_PASSED
        for area_id, (pk, _passed) in latest.items()
    }


# --- certification --------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    date: dt.date
    areas: int
    certified: int
    by_level: dict[str, tuple[int, int]]  # level -> (certified, total)
    known: bool


def do_recompute_certification(as_of: dt.date, *, actor: Any) -> RecomputeResult:
    """Recompute every area's epidemic-free status for ``as_of``; idempotent.

    Loads the area tree, the case facts (from the registered provider) and the latest
    six-in-place inspections, rolls them up (:func:`certification.roll_up`), and stores
    one row per area for the day (replacing that day's rows), with the reasons of every
    unit not certified and a log event for every unit that gained or lost its status.
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
        CertificationStatus.objects.filter(date=as_of).delete()
        _insert_statuses(as_of, now, rows)
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


def _insert_statuses(day: dt.date, now: dt.datetime, rows: list[tuple[Any, ...]]) -> None:
    """One status row per area (10,600 for the demo city, every day of the daily cycle).

    The JSON of the per-level counts repeats across areas (every compound of a closed
    district has the same), so each distinct text is built once.
    """
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
            for pk, level, status, reasons, since, total, good, counts in rows
        ],
    )


def _insert_events(day: dt.date, now: dt.datetime, events: list[tuple[Any, ...]]) -> None:
    bulk.insert_tuples(
        CertificationEvent,
        ("area", "kind", "reason", "date", "at"),
        [(pk, kind, reason, day, now) for pk, kind, reason in events],
    )


def do_decertify_on_new_case(
    area: Area, when: dt.datetime | dt.date, reason: str, *, actor: Any
) -> list[CertificationStatus]:
    """A new confirmed case: decertify its unit and every ancestor at once, with the reason.

    Called by the cases app when a case is confirmed. Changes the statuses of the case's
    day (and of any later day already computed); writes one log event per unit and one
    audit entry. Returns the rows of the case's day, the unit first, the city last.
    """
    day = when if not isinstance(when, dt.datetime) else timezone.localdate(when)
    reason = (reason or "").strip() or _("new confirmed case")
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
                reasons["new_case"] = reason
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
                    area_id=a.pk, date=day, at=now, kind="decertified", reason=reason
                )
                for a in chain
            ]
        )
        record_event(
            "decertify",
            object_type="communities.certificationstatus",
            object_id=str(area.pk),
            area_path=area.path,
            message=f"{area.code} and {len(chain) - 1} ancestors decertified on {day}: {reason}",
        )
    on_day = {r.area_id: r for r in [*to_update, *to_create] if r.date == day}
    return [on_day[a.pk] for a in chain]


# --- reopening ------------------------------------------------------------------------


def latest_status(area: Area, on: dt.date | None = None) -> CertificationStatus | None:
    qs = CertificationStatus.objects.filter(area=area)
    if on is not None:
        qs = qs.filter(date__lte=on)
    return qs.order_by("-date").first()


def reopening_checks(area: Area, on: dt.date | None = None) -> dict[str, Any]:
    """The conditions of reopening, each with its figure, and whether all hold."""
    from warroom.services.selectors import care_backlog_counts

    on = on or platform_today()
    status = latest_status(area, on)
    days = status.days_certified(on) if status is not None else 0
    min_days = settings.WARROOM_REOPEN_MIN_DAYS
    pending = Task.objects.filter(area__path__under=area.path, source_kind="inspection").pending()
    open_tasks = pending.count()
    overdue_tasks = pending.overdue().count()
    care = care_backlog_counts(area)
    checks = {
        "certified": bool(status and status.status == Certification.CERTIFIED),
        "days_certified": days,
        "min_days": min_days,
        "open_rectifications": open_tasks,
        "overdue_rectifications": overdue_tasks,
        "without_caretaker": care["without_caretaker"],
        "not_visited": care["not_visited"],
    }
    checks["ok"] = (
        checks["certified"]
        and days >= min_days
        and open_tasks == 0
        and care["without_caretaker"] == 0
        and care["not_visited"] == 0
    )
    return checks


def describe_failed_checks(checks: dict[str, Any]) -> list[str]:
    out = []
    if not checks["certified"]:
        out.append(_("the unit is not certified epidemic-free"))
    elif checks["days_certified"] < checks["min_days"]:
        out.append(
            _("certified for %(n)s days, %(min)s needed")
            % {"n": checks["days_certified"], "min": checks["min_days"]}
        )
    if checks["overdue_rectifications"]:
        out.append(_("%(n)s overdue rectification tasks") % {"n": checks["overdue_rectifications"]})
    if checks["open_rectifications"]:
        out.append(
            _("%(n)s rectification tasks not verified") % {"n": checks["open_rectifications"]}
        )
    if checks["without_caretaker"]:
        out.append(
            _("%(n)s vulnerable residents without a caretaker") % {"n": checks["without_caretaker"]}
        )
    if checks["not_visited"]:
        out.append(
            _("%(n)s vulnerable residents not visited recently") % {"n": checks["not_visited"]}
        )
    return out


def do_apply_reopening(area: Area, *, note: str = "", actor: Any) -> ReopeningApplication:
    """A certified unit applies to reopen; refused while a condition does not hold."""
    _check_change(actor, area)
    if area.parent_id is None:
        raise InvalidInput(_("The city has no level above to approve its reopening."))
    checks = reopening_checks(area)
    if not checks["ok"]:
        raise Conflict(
            _("The unit cannot apply for reopening: %(why)s.")
            % {"why": "; ".join(describe_failed_checks(checks))},
            details=checks,
        )
    if ReopeningApplication.objects.filter(area=area, status=Decision.PENDING).exists():
        raise Conflict(_("An application of this unit is already pending."))
    with acting(actor), transaction.atomic():
        app = ReopeningApplication(area=area, applied_by=actor, note=note, checks=checks)
        app.save()
    return app


def do_decide_reopening(
    application: ReopeningApplication, *, approve: bool, note: str = "", actor: Any
) -> ReopeningApplication:
    """The level above (an ancestor's user with ``change``) approves or rejects.

    Approval checks the conditions again and opens the closure of every compound of the
    unit (one audit entry for the batch).
    """
    area = application.area
    _check_change(actor, area)
    if actor.area_path == area.path:
        raise Forbidden(_("The level above decides on a unit's reopening, not the unit itself."))
    if application.status != Decision.PENDING:
        raise Conflict(_("This application has been decided already."))
    checks = reopening_checks(area)
    if approve and not checks["ok"]:
        raise Conflict(
            _("The conditions no longer hold: %(why)s.")
            % {"why": "; ".join(describe_failed_checks(checks))},
            details=checks,
        )
    with acting(actor), transaction.atomic():
        application.status = Decision.APPROVED if approve else Decision.REJECTED
        application.decided_by = actor
        application.decided_at = timezone.now()
        application.decision_note = note
        application.checks = checks
        application.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "checks"]
        )
        if approve:
            compounds = list(
                Area.objects.filter(path__under=area.path, level=Level.COMPOUND).values_list(
                    "pk", flat=True
                )
            )
            ClosureStatus.objects.bulk_create(
                [
                    ClosureStatus(
                        area_id=pk,
                        status=Closure.OPEN,
                        note=_("Reopened"),
                        set_by=actor,
                    )
                    for pk in compounds
                ]
            )
            record_batch(
                object_type="communities.closurestatus",
                rows=len(compounds),
                sha256=hashlib.sha256(f"reopen:{application.pk}".encode()).hexdigest(),
                area_path=area.path,
                action="reopen",
                message=f"{area.code} reopened: {len(compounds)} compounds open",
            )
    return application
