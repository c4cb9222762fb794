"""Reopening (解封): a certified unit's application, its checks, the level above's decision.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warroom.audit.services import record_batch
from warroom.communities.models import (
    Certification,
    CertificationStatus,
    Closure,
    ClosureStatus,
    Decision,
    ReopeningApplication,
)
from warroom.core import words
from warroom.core.context import acting
from warroom.core.errors import Conflict, Forbidden, InvalidInput
from warroom.core.permits import require_in_area
from warroom.core.today import today as platform_today
from warroom.geo.models import Area, Level
from warroom.tasks.models import Task

# A reopened compound's closure note (stored as words: warroom.core.words).
REOPENED = words.say(gettext_noop("Reopened"))

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
    require_in_area(actor, area)
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
    require_in_area(actor, area)
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
                        note=words.stored_text(REOPENED),
                        note_words=words.words_of(REOPENED),
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
