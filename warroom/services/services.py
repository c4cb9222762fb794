"""Every change of services to residents: register, assign, visit, order, price, care."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.core.context import acting
from warroom.core.errors import Conflict, InvalidInput
from warroom.core.inputs import clean_amount, clean_text
from warroom.core.permits import require_in_area
from warroom.core.scoping import in_scope
from warroom.core.today import today as platform_today
from warroom.geo.models import Area, Level
from warroom.services.models import (
    CareKind,
    CareStatus,
    GroupOrder,
    MedicalRequest,
    OrderItem,
    OrderStatus,
    PriceObservation,
    Visit,
    Vulnerability,
    VulnerableResident,
)

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE.match(value):
        raise InvalidInput(_("%(p)s is not a valid phone number.") % {"p": value})
    return value


def _compound(area: Area) -> None:
    if area.level != Level.COMPOUND and area.children.exists():
        raise InvalidInput(_("Choose the home compound (a compound or a village)."))


def do_register_vulnerable(
    area: Area,
    *,
    name: str,
    kind: str,
    address: str = "",
    phone: str = "",
    note: str = "",
    actor: Any,
) -> VulnerableResident:
    require_in_area(actor, area)
    _compound(area)
    name = clean_text(name, max_length=64, what=_("Name"), required=True)
    address = clean_text(address, max_length=200, what=_("Address"))
    if kind not in Vulnerability.values:
        raise InvalidInput(_("Unknown kind %(k)s.") % {"k": kind})
    with acting(actor), transaction.atomic():
        resident = VulnerableResident(
            area=area, name=name, kind=kind, address=address, phone=_phone(phone), note=note
        )
        resident.save()
    return resident


def do_assign_caretaker(
    resident: VulnerableResident,
    *,
    user: Any = None,
    name: str = "",
    phone: str = "",
    actor: Any,
) -> VulnerableResident:
    """Assign the caretaker (包保联系人): a user who covers the compound, or a named person."""
    require_in_area(actor, resident.area)
    name = clean_text(name, max_length=64, what=_("Caretaker"))
    phone = _phone(phone)
    if user is None and not name:
        raise InvalidInput(_("Name the caretaker: a user, or a person with a phone."))
    if user is None and not phone:
        raise InvalidInput(_("A caretaker who is not a user needs a phone number."))
    if user is not None and not in_scope(user, resident.area.path):
        raise InvalidInput(_("The caretaker's jurisdiction does not cover this compound."))
    with acting(actor), transaction.atomic():
        resident.caretaker_user = user
        resident.caretaker_name = "" if user is not None else name
        resident.caretaker_phone = phone
        resident.save(update_fields=["caretaker_user", "caretaker_name", "caretaker_phone"])
    return resident


def do_record_visit(
    resident: VulnerableResident,
    *,
    needs: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    actor: Any,
) -> Visit:
    require_in_area(actor, resident.area)
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidInput(_("A visit cannot be recorded in the future."))
    with acting(actor), transaction.atomic():
        visit = Visit(resident=resident, at=at, by=actor, needs=needs, note=note)
        visit.save()
        if resident.last_visit_at is None or at > resident.last_visit_at:
            resident.last_visit_at = at
            resident.save(update_fields=["last_visit_at"])
    return visit


def do_place_group_order(
    area: Area,
    *,
    items: Sequence[tuple[str, Any, str, Any]],
    kind: str = "groceries",
    supplier: str = "",
    actor: Any,
) -> GroupOrder:
    """A compound's group order: items as (name, quantity, unit, unit price)."""
    require_in_area(actor, area)
    _compound(area)
    if kind not in ("groceries", "medicine"):
        raise InvalidInput(_("Unknown order kind %(k)s.") % {"k": kind})
    supplier = clean_text(supplier, max_length=100, what=_("Supplier"))
    rows = [(n, q, u, p) for n, q, u, p in items if (n or "").strip()]
    if not rows:
        raise InvalidInput(_("An order needs at least one item."))
    parsed = [
        (
            clean_text(n, max_length=100, what=_("Item")),
            clean_amount(q, what=_("Quantity"), max_digits=12),
            clean_text(u, max_length=16, what=_("Unit")),
            clean_amount(p, what=_("Unit price"), max_digits=10),
        )
        for n, q, u, p in rows
    ]
    with acting(actor), transaction.atomic():
        order = GroupOrder(area=area, kind=kind, supplier=supplier, created_by=actor)
        order.save()
        for n, q, u, p in parsed:
            OrderItem(order=order, name=n, quantity=q, unit=u, unit_price=p).save()
    return order


def do_mark_order_delivered(order: GroupOrder, *, actor: Any) -> GroupOrder:
    require_in_area(actor, order.area)
    if order.status != OrderStatus.ORDERED:
        raise Conflict(_("Only an order placed and not delivered can be marked delivered."))
    with acting(actor), transaction.atomic():
        order.status = OrderStatus.DELIVERED
        order.delivered_at = timezone.now()
        order.save(update_fields=["status", "delivered_at"])
    return order


def do_record_price(
    area: Area, *, item: str, date: dt.date, price: Any, unit: str = "kg", actor: Any
) -> PriceObservation:
    """Record a staple's price in a district on a day (one price per item and day)."""
    require_in_area(actor, area)
    if area.level != Level.DISTRICT:
        raise InvalidInput(_("Prices are recorded per district."))
    if date > platform_today():
        raise InvalidInput(_("A price cannot be recorded for a future date."))
    item = clean_text(item, max_length=64, what=_("Staple"), required=True)
    unit = clean_text(unit, max_length=16, what=_("Unit")) or "kg"
    value = clean_amount(price, what=_("Price (yuan)"), max_digits=10)
    with acting(actor), transaction.atomic():
        existing = PriceObservation.objects.filter(area=area, item=item, date=date).first()
        if existing is not None:
            existing.price, existing.unit, existing.recorded_by = value, unit, actor
            existing.save(update_fields=["price", "unit", "recorded_by"])
            return existing
        obs = PriceObservation(
            area=area, item=item, date=date, price=value, unit=unit, recorded_by=actor
        )
        try:
            with transaction.atomic():
                obs.save()
        except IntegrityError:
            raise Conflict(_("This price was recorded at the same time by someone else.")) from None
    return obs


def do_request_medical_care(
    area: Area,
    *,
    person: str,
    kind: str,
    phone: str = "",
    resident: VulnerableResident | None = None,
    note: str = "",
    actor: Any,
) -> MedicalRequest:
    require_in_area(actor, area)
    _compound(area)
    if kind not in CareKind.values:
        raise InvalidInput(_("Unknown care kind %(k)s.") % {"k": kind})
    person = clean_text(person, max_length=64, what=_("Person"), required=True)
    if resident is not None and resident.area_id != area.pk:
        raise InvalidInput(_("The resident does not live in this compound."))
    with acting(actor), transaction.atomic():
        req = MedicalRequest(
            area=area,
            person=person,
            kind=kind,
            phone=_phone(phone),
            resident=resident,
            note=note,
        )
        req.save()
    return req


def do_route_medical_request(req: MedicalRequest, *, hospital: str, actor: Any) -> MedicalRequest:
    require_in_area(actor, req.area)
    hospital = clean_text(hospital, max_length=100, what=_("Hospital"), required=True)
    if req.status == CareStatus.DONE:
        raise Conflict(_("The request is done already."))
    with acting(actor), transaction.atomic():
        req.hospital, req.status, req.routed_at = hospital, CareStatus.ROUTED, timezone.now()
        req.save(update_fields=["hospital", "status", "routed_at"])
    return req


def do_complete_medical_request(
    req: MedicalRequest, *, note: str = "", actor: Any
) -> MedicalRequest:
    require_in_area(actor, req.area)
    if req.status != CareStatus.ROUTED:
        raise Conflict(_("Route the request to a hospital before closing it."))
    with acting(actor), transaction.atomic():
        req.status, req.done_at = CareStatus.DONE, timezone.now()
        if note:
            req.note = (req.note + "\n" + note).strip()
        req.save(update_fields=["status", "done_at", "note"])
    return req
