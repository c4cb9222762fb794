"""Every change of supervision: visits and findings, places, accountability, targets,
the rates' daily inputs, phase plans, death registrations, risk owners, notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warroom.core.context import acting
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.scoping import in_scope
from warroom.core.today import today
from warroom.core.words import Names, Worded, say, stored_text, words_of
from warroom.geo.models import Area
from warroom.supervision.models import (
    AREA_KINDS,
    FACILITY_KINDS,
    SPECIAL_KINDS,
    AccountabilityRecord,
    DeathRegistration,
    Decision,
    Finding,
    PhasePlan,
    PlanItem,
    PlanItemKind,
    RateDay,
    RateTarget,
    RiskKind,
    RiskOwner,
    Signal,
    SignalStatus,
    SpecialPlace,
    SupervisionChecklist,
    SupervisionItem,
    UnitKind,
    Visit,
    VisitResult,
)
from warroom.tasks.services import do_create_task, owner_problem

FINDING_SOURCE = "supervision"
PLAN_SOURCE = "phase_plan"


def _area_in_scope(actor: Any, area: Area) -> None:
    if not in_scope(actor, area.path):
        raise NotFound("area not found")


# --- checklists ---------------------------------------------------------------------------


def checklist_in_use(kind: str) -> SupervisionChecklist:
    found = SupervisionChecklist.objects.filter(kind=kind, active=True).order_by("-version").first()
    if found is None:
        raise InvalidInput(_("No checklist of this kind is in use."))
    return found


def do_publish_checklist(
    kind: str, items: Sequence[tuple[str, str, str]], *, actor: Any
) -> SupervisionChecklist:
    """Publish a new version of a unit kind's checklist; earlier visits keep theirs."""
    if not actor.can("manage_areas"):
        raise Forbidden(_("Only headquarters publishes checklists."))
    if kind not in UnitKind.values:
        raise InvalidInput(_("Unknown unit kind %(k)s.") % {"k": kind})
    cleaned = [
        (
            clean_text(code, max_length=32, what=_("Code"), required=True),
            clean_text(zh, max_length=300, what=_("Chinese text"), required=True),
            clean_text(en, max_length=300, what=_("English text")),
        )
        for code, zh, en in items
    ]
    codes = [c for c, _zh, _en in cleaned]
    if not cleaned or len(set(codes)) != len(codes):
        raise InvalidInput(_("A checklist needs items with unique, non-empty codes."))
    with acting(actor), transaction.atomic():
        last = (
            SupervisionChecklist.objects.select_for_update()
            .filter(kind=kind)
            .order_by("-version")
            .first()
        )
        for old in SupervisionChecklist.objects.filter(kind=kind, active=True):
            old.active = False
            old.save(update_fields=["active"])
        checklist = SupervisionChecklist.objects.create(
            kind=kind, version=(last.version + 1) if last else 1
        )
        for order, (code, zh, en) in enumerate(cleaned):
            SupervisionItem.objects.create(
                checklist=checklist, code=code, text_zh=zh, text_en=en, order=order
            )
    return checklist


# --- special places -----------------------------------------------------------------------


def do_register_place(
    *,
    code: str,
    name: str,
    kind: str,
    area: Area,
    residents: int | None = None,
    staff: int | None = None,
    contact: str = "",
    actor: Any,
) -> SpecialPlace:
    """Add a special place to the registry (prison, care home, welfare home, psychiatric)."""
    _area_in_scope(actor, area)
    if not actor.can("change"):
        raise Forbidden(_("You may not change records."))
    if kind not in SPECIAL_KINDS:
        raise InvalidInput(_("Unknown kind of special place %(k)s.") % {"k": kind})
    place = SpecialPlace(
        code=clean_text(code, max_length=32, what=_("Code"), required=True),
        name=clean_text(name, max_length=200, what=_("Name"), required=True),
        kind=kind,
        area=area,
        residents=residents,
        staff=staff,
        contact=clean_text(contact, max_length=100, what=_("Contact")),
    )
    try:
        with acting(actor), transaction.atomic():
            place.save()
    except IntegrityError:
        raise Conflict(_("A special place with this code exists already.")) from None
    return place


# --- visits -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    passed: bool
    note: str = ""


def unit_of(kind: str, *, area: Area | None, facility: Any = None, place: Any = None) -> Area:
    """The area a visit's unit lies in, checking that the unit fits its kind."""
    if kind in AREA_KINDS:
        if area is None or area.level != kind:
            raise InvalidInput(_("Choose an area of the level %(k)s.") % {"k": kind})
        return area
    if kind in FACILITY_KINDS:
        if facility is None or facility.kind != FACILITY_KINDS[kind]:
            raise InvalidInput(_("Choose a facility of this kind."))
        return facility.area  # type: ignore[no-any-return]
    if kind in SPECIAL_KINDS:
        if place is None or place.kind != kind:
            raise InvalidInput(_("Choose a special place of this kind."))
        return place.area  # type: ignore[no-any-return]
    raise InvalidInput(_("Unknown unit kind %(k)s.") % {"k": kind})


# A finding's problem: the failed item (its text in each language), with the inspector's
# note as typed (stored as words: warroom.core.words).
PROBLEM = gettext_noop("%(item)s")
PROBLEM_NOTED = gettext_noop("%(item)s: %(note)s")


def finding_problem(item: Any, note: str) -> Worded:
    """The problem a failed item makes."""
    names = Names(item.text_zh, item.text_en)
    return say(PROBLEM_NOTED, item=names, note=note) if note else say(PROBLEM, item=names)


def do_record_visit(
    *,
    kind: str,
    date: dt.date,
    results: Mapping[str, ItemResult],
    announced: bool,
    area: Area | None = None,
    facility: Any = None,
    place: Any = None,
    owner: Any = None,
    deadline: dt.date | None = None,
    note: str = "",
    actor: Any,
) -> Visit:
    """Record a supervision visit; every failed item is a finding with a rectification task.

    Any level that may inspect (``inspect``) visits any unit in its jurisdiction. The
    checklist is the active version for the unit's kind; every item must be answered. A
    failed item needs the rectification's owner (who may take a task in the unit's
    area); the deadline defaults to three days from today.
    """
    unit_area = unit_of(kind, area=area, facility=facility, place=place)
    _area_in_scope(actor, unit_area)
    if not actor.can("inspect"):
        raise Forbidden(_("You may not record supervision visits."))
    if date > today():
        raise InvalidInput(_("The visit's date is in the future."))
    checklist = checklist_in_use(kind)
    items = list(checklist.items.all())
    codes = {i.code for i in items}
    unknown = sorted(set(results) - codes)
    missing = sorted(codes - set(results))
    if unknown:
        raise InvalidInput(_("Unknown checklist items: %(c)s.") % {"c": ", ".join(unknown)})
    if missing:
        raise InvalidInput(_("Answer every item: %(c)s.") % {"c": ", ".join(missing)})
    failed = [i for i in items if not results[i.code].passed]
    if failed:
        why = owner_problem(owner, unit_area)
        if why is not None:
            raise InvalidInput(why)
    due = deadline or today() + dt.timedelta(days=3)
    if due < date:
        raise InvalidInput(_("The deadline is before the visit."))
    level = getattr(getattr(actor, "area", None), "level", "") or ""
    with acting(actor), transaction.atomic():
        visit = Visit.objects.create(
            area=unit_area,
            unit_kind=kind,
            facility=facility if kind in FACILITY_KINDS else None,
            place=place if kind in SPECIAL_KINDS else None,
            checklist=checklist,
            date=date,
            announced=announced,
            inspector=actor,
            inspector_level=level,
            passed=not failed,
            note=clean_text(note, max_length=2000, what=_("Note")),
        )
        for item in items:
            r = results[item.code]
            VisitResult.objects.create(
                visit=visit, item=item, passed=r.passed, note=(r.note or "")[:300]
            )
        for item in failed:
            problem = finding_problem(item, results[item.code].note)
            task = do_create_task(
                title=say(
                    gettext_noop("Rectify: %(unit)s — %(item)s"),
                    unit=visit.unit_name,
                    item=Names(item.text_zh, item.text_en),
                ),
                description=problem,
                area=unit_area,
                owner=owner,
                deadline=due,
                source_kind=FINDING_SOURCE,
                actor=actor,
            )
            finding = Finding.objects.create(
                visit=visit,
                item=item,
                area=unit_area,
                problem=stored_text(problem),
                problem_words=words_of(problem),
                task=task,
            )
            task.source = finding
            task.save(update_fields=["source_type", "source_id"])
    return visit


# --- accountability -----------------------------------------------------------------------


def check_accountability(actor: Any, area: Area) -> None:
    """Who may see or record accountability: ``accountability`` and the area (else 404)."""
    if not actor.can("accountability") or not in_scope(actor, area.path):
        raise NotFound("record not found")


def do_record_accountability(
    *,
    area: Area,
    subject: str,
    decision: str,
    grounds: str,
    authority: str,
    decided_on: dt.date,
    position: str = "",
    findings: Sequence[Finding] = (),
    flags: Sequence[Any] = (),
    references: str = "",
    actor: Any,
) -> AccountabilityRecord:
    """Record a decision of accountability or commendation with its grounds and links."""
    check_accountability(actor, area)
    if decision not in Decision.values:
        raise InvalidInput(_("Unknown decision %(d)s.") % {"d": decision})
    if decided_on > today():
        raise InvalidInput(_("The decision's date is in the future."))
    for linked in [*findings, *flags]:
        if not in_scope(actor, linked.area.path):
            raise NotFound("finding not found")
    record = AccountabilityRecord(
        area=area,
        subject=clean_text(subject, max_length=100, what=_("Person"), required=True),
        position=clean_text(position, max_length=200, what=_("Position")),
        decision=decision,
        grounds=clean_text(grounds, max_length=5000, what=_("Grounds"), required=True),
        authority=clean_text(authority, max_length=200, what=_("Decided by"), required=True),
        decided_on=decided_on,
        references=clean_text(references, max_length=300, what=_("References")),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    with acting(actor), transaction.atomic():
        record.save()
        record.findings.set(findings)
        record.flags.set(flags)
    return record


# --- rates and targets --------------------------------------------------------------------


def do_compute_rates(day: dt.date, *, actor: Any) -> int:
    """Store ``day``'s rate inputs of the city and each district (idempotent)."""
    from warroom.supervision.selectors import rate_counts_by_area

    areas = list(Area.objects.filter(depth__lte=1).order_by("path"))
    counts = rate_counts_by_area(areas, day)
    now = timezone.now()
    with acting(actor), transaction.atomic():
        # The day's rows replaced in two statements (was: a SELECT and an UPDATE an area);
        # nothing refers to a RateDay row.
        RateDay.objects.filter(day=day, area__in=areas).delete()
        RateDay.objects.bulk_create(
            [RateDay(area=a, day=day, counts=counts[a.pk], computed_at=now) for a in areas]
        )
    return len(areas)


def do_set_target(area: Area, metric: str, value: float, *, actor: Any) -> RateTarget:
    """Headquarters sets the target of one rate (a share between 0 and 1)."""
    from warroom.analytics.rates import METRICS

    _area_in_scope(actor, area)
    if not actor.can("manage_areas"):
        raise Forbidden(_("Only headquarters sets targets."))
    if metric not in METRICS:
        raise InvalidInput(_("Unknown rate %(m)s.") % {"m": metric})
    if not 0 <= value <= 1:
        raise InvalidInput(_("A target is a share between 0 and 1 (e.g. 0.95)."))
    with acting(actor), transaction.atomic():
        return RateTarget.objects.create(area=area, metric=metric, value=value, set_by=actor)


# --- phase plans --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    kind: str
    title: str
    owner: Any
    deadline: dt.date
    target: str = ""


def _line_area(owner: Any, area: Area) -> Area:
    """Where a plan line's task sits: the owner's own area when it lies in the plan's (a
    district answers for its part of a city-wide campaign), else the plan's area."""
    own = getattr(owner, "area", None)
    if own is not None and own.path.startswith(area.path):
        return own  # type: ignore[no-any-return]
    return area


def do_record_phase_plan(
    area: Area,
    *,
    phase: str,
    phase_start: dt.date,
    summary: str,
    lines: Sequence[PlanLine],
    actor: Any,
) -> PhasePlan:
    """Headquarters records the campaign of a declared phase; each line is a task."""
    from warroom.analytics.phases import Phase

    _area_in_scope(actor, area)
    if not actor.can("manage_areas"):
        raise Forbidden(_("Only headquarters records phase plans."))
    if phase not in Phase.__members__:
        raise InvalidInput(_("Unknown phase %(p)s.") % {"p": phase})
    if not lines:
        raise InvalidInput(_("A plan needs at least one key task, difficulty or practical matter."))
    for line in lines:
        if line.kind not in PlanItemKind.values:
            raise InvalidInput(_("Unknown kind of plan line %(k)s.") % {"k": line.kind})
        why = owner_problem(line.owner, _line_area(line.owner, area))
        if why is not None:
            raise InvalidInput(why)
    try:
        with acting(actor), transaction.atomic():
            plan = PhasePlan.objects.create(
                area=area,
                phase=phase,
                phase_start=phase_start,
                summary=clean_text(summary, max_length=5000, what=_("Summary")),
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
            for line in lines:
                task = do_create_task(
                    title=clean_text(line.title, max_length=200, what=_("Title"), required=True),
                    description=line.target,
                    area=_line_area(line.owner, area),
                    owner=line.owner,
                    deadline=line.deadline,
                    source_kind=PLAN_SOURCE,
                    source=plan,
                    actor=actor,
                )
                PlanItem.objects.create(
                    plan=plan,
                    kind=line.kind,
                    title=task.title,
                    target=clean_text(line.target, max_length=200, what=_("Target")),
                    task=task,
                )
    except IntegrityError:
        raise Conflict(_("This phase has a plan already.")) from None
    return plan


# --- death registrations ------------------------------------------------------------------


def do_register_death(
    *,
    area: Area,
    name: str,
    id_number: str,
    died_on: dt.date,
    place: str = "",
    registered_by: str = "",
    actor: Any,
) -> DeathRegistration:
    _area_in_scope(actor, area)
    if not actor.can("change"):
        raise Forbidden(_("You may not change records."))
    row = DeathRegistration(
        area=area,
        name=clean_text(name, max_length=100, what=_("Name"), required=True),
        id_number=clean_text(id_number, max_length=32, what=_("ID number"), required=True),
        died_on=died_on,
        place=clean_text(place, max_length=200, what=_("Place of death")),
        registered_by=clean_text(registered_by, max_length=100, what=_("Registered by")),
    )
    try:
        with acting(actor), transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(_("This death is registered already.")) from None
    return row


# --- risks and signals --------------------------------------------------------------------


def do_set_risk_owner(
    area: Area, kind: str, owner: Any, *, note: str = "", actor: Any
) -> RiskOwner:
    _area_in_scope(actor, area)
    if not actor.can("manage_areas"):
        raise Forbidden(_("Only headquarters names the owners of the four risks."))
    if kind not in RiskKind.values:
        raise InvalidInput(_("Unknown risk %(k)s.") % {"k": kind})
    why = owner_problem(owner, area)
    if why is not None:
        raise InvalidInput(why)
    with acting(actor), transaction.atomic():
        row, _created = RiskOwner.objects.update_or_create(
            area=area, kind=kind, defaults={"owner": owner, "note": note[:300]}
        )
    return row


def do_mark_signal_handled(signal: Signal, *, actor: Any) -> Signal:
    _area_in_scope(actor, signal.area)
    if not actor.can("change"):
        raise NotFound("signal not found")
    with acting(actor), transaction.atomic():
        updated = Signal.objects.filter(pk=signal.pk, status=SignalStatus.OPEN).update(
            status=SignalStatus.HANDLED
        )
        if not updated:
            raise Conflict(_("The signal is handled already."))
    signal.refresh_from_db()
    return signal


# --- notifications ------------------------------------------------------------------------


def do_mark_read(user: Any, ids: Sequence[int] | None = None) -> int:
    """Mark the user's own notifications read (all when ``ids`` is None)."""
    from warroom.core.models import Notification

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
