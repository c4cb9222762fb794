"""Inspections (四严, 六个到位): checklists, the rules of an inspection shared by the
form, the API and the import, and the rectification task each failed item opens.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warroom.communities import certification as cert
from warroom.communities._base import DEFAULT_DEADLINE_DAYS, INSPECTOR_LEVELS
from warroom.communities.models import (
    Checklist,
    ChecklistItem,
    ChecklistKind,
    Inspection,
    InspectionResult,
)
from warroom.core.context import acting
from warroom.core.errors import Forbidden, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.permits import register_permit
from warroom.core.scoping import in_scope
from warroom.core.today import today as platform_today
from warroom.core.words import Names, area_name, say
from warroom.geo.models import Area, Level
from warroom.tasks.models import Status as TaskStatus
from warroom.tasks.models import Task
from warroom.tasks.services import do_create_task, owner_problem

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
        title=say(gettext_noop("Rectify: %(item)s"), item=Names(item.text_zh, item.text_en)),
        description=say(
            gettext_noop("Failed at the inspection of %(area)s on %(date)s. %(note)s"),
            area=area_name(area),
            date=date.isoformat(),
            note=result.note,  # the inspector's own text
        ),
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
