"""Closure (封闭管理): a compound's status history, its gates, passes and passages.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.communities.models import (
    Closure,
    ClosureStatus,
    EntryExitRecord,
    EntryPoint,
    GatePass,
    Purpose,
)
from warroom.core.context import acting
from warroom.core.errors import InvalidInput
from warroom.core.inputs import clean_text
from warroom.core.permits import require_in_area
from warroom.geo.models import Area, Level

# --- closure --------------------------------------------------------------------------


def current_closure(area: Area) -> ClosureStatus | None:
    return ClosureStatus.objects.filter(area=area).order_by("-since", "-pk").first()


def do_set_closure(area: Area, status: str, *, note: str = "", actor: Any) -> ClosureStatus:
    """Record a compound's new closure status; the history is kept, never overwritten."""
    require_in_area(actor, area)
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
    require_in_area(actor, area)
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

    require_in_area(actor, area)
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
    require_in_area(actor, gate_pass.area)
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
    require_in_area(actor, point.area)
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
