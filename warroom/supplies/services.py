"""Every change of supplies: places, the ledger's movements, counts, donations,
allocations, aid teams and care measures. Each ``do_*`` runs in one transaction and
writes its audit entry; movements go through :mod:`warroom.supplies.ledger`."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.analytics.supplies import TIERS, allocate_supplies
from warroom.audit.services import record_batch
from warroom.core.context import acting
from warroom.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from warroom.core.inputs import clean_text
from warroom.core.scoping import in_scope
from warroom.core.today import today
from warroom.geo.models import Area
from warroom.supplies import ledger
from warroom.supplies.catalogue import items_by_code
from warroom.supplies.models import (
    AllocationLine,
    AllocationPlan,
    CareKind,
    CareMeasure,
    Donation,
    DonationForm,
    DonationStatus,
    DonorKind,
    Item,
    Lot,
    MedicalTeam,
    MovementKind,
    Place,
    PlaceKind,
    PlanStatus,
    Source,
    StockCount,
)

SINK_USED = "SINK-used"
ADJUSTMENT = "ADJ-count"


def _who(actor: Any) -> str:
    return str(getattr(actor, "username", "") or "system")[:150]


def _require(actor: Any, capability: str = "change") -> None:
    if not actor.can(capability):
        raise Forbidden(_("You may not change supplies."))


def city_root() -> Area:
    root = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise NotFound(_("No city has been loaded."))
    return root


# --- places ----------------------------------------------------------------------------


def external_place(code: str) -> Place:
    """An account outside the city's stock: ``SRC-<source>``, ``SINK-used``, ``ADJ-count``."""
    found = Place.objects.filter(code=code).first()
    if found is not None:
        return found
    if code.startswith("SRC-"):
        source = Source(code[4:])
        kind, name = PlaceKind.SOURCE, str(source.label)
    elif code == SINK_USED:
        kind, name = PlaceKind.SINK, "used"
    elif code == ADJUSTMENT:
        kind, name = PlaceKind.ADJUSTMENT, "inventory difference"
    else:
        raise NotFound(_("Unknown account %(code)s.") % {"code": code})
    place, _created = Place.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "area": city_root()}
    )
    return place


def place_for_facility(facility: Any) -> Place:
    """The facility's store in the ledger (created on first use; its code is the
    facility's)."""
    found = Place.objects.filter(facility=facility).first()
    if found is not None:
        return found
    place, _created = Place.objects.get_or_create(
        code=facility.code,
        defaults={
            "name": facility.name,
            "kind": PlaceKind.FACILITY,
            "area": facility.area,
            "facility": facility,
        },
    )
    return place


def do_create_warehouse(code: str, name: str, area: Area, *, actor: Any) -> Place:
    _require(actor)
    code = clean_text(code, what=_("Code"), max_length=40)
    if not code:
        raise InvalidInput(_("Give the warehouse a code."))
    if not in_scope(actor, area.path):
        raise NotFound(_("Area not found."))
    with acting(actor), transaction.atomic():
        if Place.objects.filter(code=code).exists():
            raise Conflict(_("A place with code %(code)s exists already.") % {"code": code})
        return Place.objects.create(
            code=code,
            name=clean_text(name, what=_("Name"), max_length=200) or code,
            kind=PlaceKind.WAREHOUSE,
            area=area,
        )


def ensure_district_warehouses(*, actor: Any) -> list[Place]:
    """One warehouse for the city and one per district (the demo's and a new city's)."""
    out = []
    with acting(actor), transaction.atomic():
        for area in Area.objects.filter(level__in=("city", "district")).order_by("path"):
            place, _created = Place.objects.get_or_create(
                code=f"WH-{area.code}",
                defaults={
                    "name": f"{area.name_zh}物资仓库",
                    "kind": PlaceKind.WAREHOUSE,
                    "area": area,
                },
            )
            out.append(place)
    return out


def _lot(item: Item, code: str, expires_on: dt.date | None) -> Lot:
    lot, created = Lot.objects.get_or_create(
        item=item, code=code, defaults={"expires_on": expires_on}
    )
    if not created and expires_on is not None and lot.expires_on != expires_on:
        raise InvalidInput(
            _("Lot %(lot)s of %(item)s expires on %(day)s already.")
            % {"lot": code, "item": item.name, "day": lot.expires_on}
        )
    return lot


def _own(actor: Any, place: Place) -> None:
    if place.external:
        return
    if not in_scope(actor, place.area.path):
        raise NotFound(_("Place not found."))


def _audit(postings: list[Any], *, message: str, area_path: str) -> None:
    if postings:
        record_batch(
            object_type="supplies.movement",
            rows=len(postings),
            sha256=postings[-1].hash,
            area_path=area_path,
            message=message,
            details={"first_seq": postings[0].seq, "last_seq": postings[-1].seq},
            action="post",
        )


def _positive(quantity: Any) -> int:
    try:
        q = int(quantity)
    except (TypeError, ValueError):
        raise InvalidInput(_("The quantity must be a whole number.")) from None
    if q <= 0:
        raise InvalidInput(_("The quantity must be more than zero."))
    return q


@dataclass(frozen=True)
class Posted:
    movements: list[Any]


def do_receive(
    place: Place,
    item: Item,
    quantity: int,
    *,
    source: str,
    day: dt.date | None = None,
    lot: str = "",
    expires_on: dt.date | None = None,
    reference: str = "",
    actor: Any,
    donation: Donation | None = None,
) -> Posted:
    """Receive stock from outside (national allocation, other provinces, purchase, local
    production, donation) into a warehouse or facility."""
    _require(actor)
    q = _positive(quantity)
    if source not in Source.values():
        raise InvalidInput(_("Unknown source %(s)s.") % {"s": source})
    if place.external:
        raise InvalidInput(_("Stock is received into a warehouse or a facility."))
    _own(actor, place)
    with acting(actor), transaction.atomic():
        lot_row = _lot(item, lot, expires_on)
        moved = ledger.post(
            [
                ledger.Posting(
                    day=day or today(),
                    kind=MovementKind.RECEIPT,
                    item_id=item.pk,
                    lot_id=lot_row.pk,
                    debit=place,
                    credit=external_place(f"SRC-{source}"),
                    quantity=q,
                    source=source,
                    donation_id=donation.pk if donation else None,
                    reference=reference[:100],
                )
            ],
            actor=actor,
        )
        _audit(moved, message=f"receipt {item.code} {q} at {place.code}", area_path=place.area.path)
    return Posted(moved)


def _fefo(place: Place, item: Item, quantity: int) -> list[tuple[int, int]]:
    """(lot id, quantity) to take ``quantity`` from ``place``: first expiring first out."""
    from warroom.supplies.models import Balance

    rows = (
        Balance.objects.filter(place=place, item=item, quantity__gt=0)
        .select_related("lot")
        .order_by("lot__expires_on", "lot__code")
    )
    rows = sorted(rows, key=lambda b: (b.lot.expires_on is None, b.lot.expires_on, b.lot.code))
    out, left = [], quantity
    for b in rows:
        if left <= 0:
            break
        take = min(left, b.quantity)
        out.append((b.lot_id, take))
        left -= take
    if left > 0:
        have = quantity - left
        raise ledger.InsufficientStock(
            _("Only %(have)s left at %(place)s: %(asked)s cannot be issued.")
            % {"have": have, "place": place.name, "asked": quantity},
            details={"have": have, "asked": quantity, "place": place.code},
        )
    return out


def _move(
    kind: str,
    frm: Place,
    to: Place,
    item: Item,
    quantity: int,
    *,
    day: dt.date | None,
    reference: str,
    plan_id: int | None = None,
    lot: Lot | None = None,
) -> list[ledger.Posting]:
    picks = [(lot.pk, quantity)] if lot is not None else _fefo(frm, item, quantity)
    return [
        ledger.Posting(
            day=day or today(),
            kind=kind,
            item_id=item.pk,
            lot_id=lot_id,
            debit=to,
            credit=frm,
            quantity=n,
            plan_id=plan_id,
            reference=reference[:100],
        )
        for lot_id, n in picks
    ]


def do_transfer(
    frm: Place,
    to: Place,
    item: Item,
    quantity: int,
    *,
    actor: Any,
    day: dt.date | None = None,
    reference: str = "",
    lot: Lot | None = None,
) -> Posted:
    """Move stock between two of the city's places (first expiring lots first)."""
    _require(actor)
    q = _positive(quantity)
    if frm.external or to.external or frm.pk == to.pk:
        raise InvalidInput(_("A transfer is between two different warehouses or facilities."))
    _own(actor, frm)
    with acting(actor), transaction.atomic():
        moved = ledger.post(
            _move(MovementKind.TRANSFER, frm, to, item, q, day=day, reference=reference, lot=lot),
            actor=actor,
        )
        _audit(
            moved, message=f"transfer {item.code} {q} {frm.code}→{to.code}", area_path=frm.area.path
        )
    return Posted(moved)


def do_issue(
    place: Place,
    item: Item,
    quantity: int,
    *,
    actor: Any,
    day: dt.date | None = None,
    reference: str = "",
    lot: Lot | None = None,
) -> Posted:
    """Issue stock for use (to the wards): it leaves the city's stock. Never below zero:
    the conditional UPDATE refuses, and the CHECK behind it."""
    _require(actor)
    q = _positive(quantity)
    _own(actor, place)
    with acting(actor), transaction.atomic():
        moved = ledger.post(
            _move(
                MovementKind.ISSUE,
                place,
                external_place(SINK_USED),
                item,
                q,
                day=day,
                reference=reference,
                lot=lot,
            ),
            actor=actor,
        )
        _audit(moved, message=f"issue {item.code} {q} at {place.code}", area_path=place.area.path)
    return Posted(moved)


def do_record_count(
    place: Place,
    counted: dict[tuple[str, str], int],
    *,
    actor: Any,
    day: dt.date | None = None,
    note: str = "",
) -> StockCount:
    """A physical inventory: ``counted[(item code, lot code)] = units found``. Each
    difference from the books is booked as an adjustment to or from the inventory
    difference account; items not named are not counted."""
    _require(actor)
    _own(actor, place)
    from warroom.supplies.models import Balance

    items = items_by_code()
    with acting(actor), transaction.atomic():
        ledger.lock_head()  # the books do not move while we compare
        lines, postings = [], []
        adj = external_place(ADJUSTMENT)
        for (code, lot_code), found in sorted(counted.items()):
            item = items.get(code)
            if item is None:
                raise InvalidInput(_("Unknown item %(code)s.") % {"code": code})
            if int(found) < 0:
                raise InvalidInput(_("A count cannot be negative."))
            lot = _lot(item, lot_code, None)
            book = (
                Balance.objects.filter(place=place, item=item, lot=lot)
                .values_list("quantity", flat=True)
                .first()
            ) or 0
            diff = int(found) - book
            lines.append({"item": code, "lot": lot_code, "book": book, "counted": int(found)})
            if diff:
                postings.append(
                    ledger.Posting(
                        day=day or today(),
                        kind=MovementKind.ADJUSTMENT,
                        item_id=item.pk,
                        lot_id=lot.pk,
                        debit=place if diff > 0 else adj,
                        credit=adj if diff > 0 else place,
                        quantity=abs(diff),
                        reference="count",
                    )
                )
        count = StockCount.objects.create(
            place=place, day=day or today(), counted=lines, note=note[:2000], by=_who(actor)
        )
        moved = ledger.post(postings, actor=actor)
        _audit(moved, message=f"count at {place.code}", area_path=place.area.path)
    return count


# --- donations -------------------------------------------------------------------------


def parse_yuan(text: Any) -> int:
    """Yuan as written (``1,000,000.50``, ``21.95亿``, ``500万``) → fen, exactly (Decimal)."""
    s = str(text or "").strip().replace(",", "").replace("，", "").replace("元", "")
    factor = Decimal(1)
    if s.endswith("亿"):
        factor, s = Decimal(100_000_000), s[:-1]
    elif s.endswith("万"):
        factor, s = Decimal(10_000), s[:-1]
    try:
        value = Decimal(s) * factor * 100
    except InvalidOperation:
        raise InvalidInput(_("The amount %(v)s is not a number of yuan.") % {"v": text}) from None
    if value <= 0 or value != value.to_integral_value():
        raise InvalidInput(_("The amount must be more than zero, to the fen."))
    if value >= Decimal(2) ** 62:
        raise InvalidInput(_("The amount is too large."))
    return int(value)


def do_register_donation(
    *,
    donor: str,
    donor_kind: str,
    area: Area,
    form: str,
    actor: Any,
    received_on: dt.date | None = None,
    amount: Any = None,
    item: Item | None = None,
    quantity: Any = None,
    warehouse: Place | None = None,
    public_name: str = "",
    country: str = "",
    contact: str = "",
    standard_claimed: str = "",
    expires_on: dt.date | None = None,
    use: str = "",
    reference: str = "",
) -> Donation:
    """Register a donation on arrival. Goods wait for the acceptance inspection before
    they enter the ledger; money is recorded in fen."""
    _require(actor)
    if not in_scope(actor, area.path):
        raise NotFound(_("Area not found."))
    donor = clean_text(donor, what=_("Donor"), max_length=200)
    if not donor:
        raise InvalidInput(_("Name the donor."))
    if donor_kind not in DonorKind.values():
        raise InvalidInput(_("Unknown donor type %(k)s.") % {"k": donor_kind})
    fields: dict[str, Any] = {}
    if form == DonationForm.MONEY:
        fields["amount_fen"] = parse_yuan(amount)
    elif form == DonationForm.GOODS:
        if item is None:
            raise InvalidInput(_("Name the item donated."))
        if warehouse is None or warehouse.external:
            raise InvalidInput(_("Name the warehouse that received the goods."))
        _own(actor, warehouse)
        fields |= {"item": item, "quantity": _positive(quantity), "warehouse": warehouse}
    else:
        raise InvalidInput(_("A donation is goods or money."))
    with acting(actor), transaction.atomic():
        return Donation.objects.create(
            donor=donor,
            donor_kind=donor_kind,
            public_name=clean_text(public_name, what=_("Name shown publicly"), max_length=200),
            country=clean_text(country, what=_("Country or region"), max_length=64),
            contact=clean_text(contact, what=_("Contact"), max_length=200),
            area=area,
            received_on=received_on or today(),
            form=form,
            standard_claimed=clean_text(standard_claimed, what=_("Standard"), max_length=200),
            expires_on=expires_on,
            use=clean_text(use, what=_("Designated use"), max_length=200),
            reference=clean_text(reference, what=_("Reference"), max_length=100),
            **fields,
        )


def do_inspect_donation(
    donation: Donation,
    *,
    accepted: bool,
    actor: Any,
    standard_met: str = "",
    reason: str = "",
    day: dt.date | None = None,
) -> Donation:
    """The acceptance inspection: accepted goods enter the ledger as a receipt (source
    donation) in a lot of their own; rejected ones never do, and the reason is kept."""
    _require(actor)
    if not in_scope(actor, donation.area.path):
        raise NotFound(_("Donation not found."))
    reason = clean_text(reason, what=_("Reason"), max_length=300)
    if not accepted and not reason:
        raise InvalidInput(_("Give the reason of the rejection."))
    with acting(actor), transaction.atomic():
        # One inspection per donation: the conditional UPDATE settles two inspectors.
        changed = Donation.objects.filter(pk=donation.pk, status=DonationStatus.RECEIVED).update(
            status=DonationStatus.ACCEPTED if accepted else DonationStatus.REJECTED
        )
        if not changed:
            raise Conflict(_("This donation has been inspected already."))
        donation.refresh_from_db()
        donation.inspected_on = day or today()
        donation.inspected_by = _who(actor)
        donation.standard_met = clean_text(standard_met, what=_("Standard"), max_length=200)
        donation.reason = reason
        fields = ["inspected_on", "inspected_by", "standard_met", "reason", "status"]
        if accepted and donation.form == DonationForm.GOODS:
            assert donation.item is not None and donation.warehouse is not None
            lot = _lot(donation.item, f"DON-{donation.pk}", donation.expires_on)
            donation.lot = lot
            fields.append("lot")
            moved = ledger.post(
                [
                    ledger.Posting(
                        day=donation.inspected_on,
                        kind=MovementKind.RECEIPT,
                        item_id=donation.item_id,  # type: ignore[arg-type]
                        lot_id=lot.pk,
                        debit=donation.warehouse,
                        credit=external_place(f"SRC-{Source.DONATION}"),
                        quantity=int(donation.quantity or 0),
                        source=Source.DONATION,
                        donation_id=donation.pk,
                        reference=f"donation:{donation.pk}",
                    )
                ],
                actor=actor,
            )
            _audit(moved, message=f"donation {donation.pk} accepted", area_path=donation.area.path)
        donation.save(update_fields=fields)
    return donation


def do_publish_donation(donation: Donation, *, published: bool, actor: Any) -> Donation:
    """Show (or withdraw) a donation on the public transparency page. Only inspected
    donations are shown; what is shown is the donor's agreed name, never the contact."""
    _require(actor)
    if not in_scope(actor, donation.area.path):
        raise NotFound(_("Donation not found."))
    if published and donation.status == DonationStatus.RECEIVED:
        raise Conflict(_("Inspect the donation before publishing it."))
    with acting(actor), transaction.atomic():
        donation.published = published
        donation.save(update_fields=["published"])
    return donation


# --- need and allocation ---------------------------------------------------------------


def _tier_of(bed_type: str) -> int:
    for t, types in enumerate(TIERS):
        if bed_type in types:
            return t
    return len(TIERS) - 1


def do_propose_allocation(
    warehouse: Place, *, actor: Any, day: dt.date | None = None, days: int = 1
) -> AllocationPlan:
    """Propose how to give out the warehouse's stock to the facilities of its area by
    ``days`` of need (occupancy × norms, less what each facility holds), ICU first
    (``warroom.analytics.supplies.allocate_supplies``). Nothing moves until the logistics
    officer confirms."""
    from warroom.supplies import selectors

    _require(actor)
    _own(actor, warehouse)
    if warehouse.kind != PlaceKind.WAREHOUSE:
        raise InvalidInput(_("Allocations are made from a warehouse."))
    if not 1 <= int(days) <= 30:
        raise InvalidInput(_("Plan for 1 to 30 days."))
    day = day or today()
    by_facility = selectors.need_by_facility(actor, warehouse.area, day)
    items = [i for i in items_by_code().values() if any(i.code in n for n in by_facility.values())]
    stock = selectors.stock_at(warehouse)
    with acting(actor), transaction.atomic():
        need = {place_for_facility(f): n for f, n in by_facility.items()}
        places = sorted(need, key=lambda p: p.code)
        plan = AllocationPlan.objects.create(
            day=day,
            warehouse=warehouse,
            area=warehouse.area,
            proposed_by=_who(actor),
            days=int(days),
        )
        if places and items:
            held = selectors.stock_by_place([p.pk for p in places])
            arr = np.zeros((len(TIERS), len(places), len(items)), dtype=np.int64)
            for f, place in enumerate(places):
                for i, item in enumerate(items):
                    by_type = need[place].get(item.code, {})
                    wanted = {bt: n * int(days) for bt, n in by_type.items()}
                    # What the facility holds covers its highest tier first.
                    have = held.get((place.pk, item.pk), 0)
                    for bt in sorted(wanted, key=_tier_of):
                        cover = min(have, wanted[bt])
                        have -= cover
                        arr[_tier_of(bt), f, i] += math.ceil(wanted[bt] - cover)
            avail = np.array([stock.get(item.pk, 0) for item in items], dtype=np.int64)
            result = allocate_supplies(arr, avail)
            lines = []
            for t in range(len(TIERS)):
                for f, place in enumerate(places):
                    for i, item in enumerate(items):
                        if arr[t, f, i] or result.by_tier[t, f, i]:
                            lines.append(
                                AllocationLine(
                                    plan=plan,
                                    place=place,
                                    item=item,
                                    tier=t,
                                    need=int(arr[t, f, i]),
                                    proposed=int(result.by_tier[t, f, i]),
                                )
                            )
            AllocationLine.objects.bulk_create(lines)
    return plan


def do_confirm_allocation(plan: AllocationPlan, *, actor: Any) -> AllocationPlan:
    """The logistics officer confirms: every proposed line becomes a transfer from the
    warehouse (first expiring lots first). If the stock moved since the proposal, the
    whole confirmation is refused (propose again)."""
    _require(actor)
    if not in_scope(actor, plan.area.path):
        raise NotFound(_("Allocation not found."))
    with acting(actor), transaction.atomic():
        changed = AllocationPlan.objects.filter(pk=plan.pk, status=PlanStatus.PROPOSED).update(
            status=PlanStatus.CONFIRMED, confirmed_by=_who(actor), confirmed_at=timezone.now()
        )
        if not changed:
            raise Conflict(_("This allocation is not waiting for confirmation."))
        plan.refresh_from_db()
        totals: dict[tuple[int, int], int] = defaultdict(int)
        places: dict[int, Place] = {}
        items: dict[int, Item] = {}
        for line in plan.lines.select_related("place", "item").filter(proposed__gt=0):
            totals[(line.place_id, line.item_id)] += line.proposed
            places[line.place_id] = line.place
            items[line.item_id] = line.item
        postings: list[ledger.Posting] = []
        ledger.lock_head()
        for (place_id, item_id), n in sorted(totals.items()):
            postings += _move(
                MovementKind.TRANSFER,
                plan.warehouse,
                places[place_id],
                items[item_id],
                n,
                day=plan.day,
                reference=f"plan:{plan.pk}",
                plan_id=plan.pk,
            )
        moved = ledger.post(postings, actor=actor)
        _audit(moved, message=f"allocation {plan.pk} confirmed", area_path=plan.area.path)
        plan.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return plan


def do_cancel_allocation(plan: AllocationPlan, *, actor: Any) -> AllocationPlan:
    _require(actor)
    if not in_scope(actor, plan.area.path):
        raise NotFound(_("Allocation not found."))
    with acting(actor), transaction.atomic():
        if not AllocationPlan.objects.filter(pk=plan.pk, status=PlanStatus.PROPOSED).update(
            status=PlanStatus.CANCELLED
        ):
            raise Conflict(_("This allocation is not waiting for confirmation."))
        plan.refresh_from_db()
        plan.save(update_fields=["status"])
    return plan


# --- medical teams and care --------------------------------------------------------------


def do_register_team(
    *,
    name: str,
    origin: str,
    size: Any,
    hospital: Any,
    arrived_on: dt.date,
    actor: Any,
    doctors: Any = 0,
    nurses: Any = 0,
    specialities: str = "",
    lodging: str = "",
    meals: str = "",
) -> MedicalTeam:
    _require(actor)
    if not in_scope(actor, hospital.area.path):
        raise NotFound(_("Facility not found."))
    try:
        size_n, doc_n, nurse_n = int(size), int(doctors or 0), int(nurses or 0)
    except (TypeError, ValueError):
        raise InvalidInput(_("Members, doctors and nurses are whole numbers.")) from None
    if size_n <= 0 or doc_n < 0 or nurse_n < 0 or doc_n + nurse_n > size_n:
        raise InvalidInput(_("A team has members, and no more doctors and nurses than members."))
    name = clean_text(name, what=_("Name"), max_length=200)
    origin = clean_text(origin, what=_("Origin province"), max_length=64)
    if not name or not origin:
        raise InvalidInput(_("Give the team's name and origin province."))
    with acting(actor), transaction.atomic():
        return MedicalTeam.objects.create(
            name=name,
            origin=origin,
            size=size_n,
            doctors=doc_n,
            nurses=nurse_n,
            specialities=clean_text(specialities, what=_("Specialities"), max_length=300),
            arrived_on=arrived_on,
            hospital=hospital,
            area=hospital.area,
            lodging=clean_text(lodging, what=_("Lodging"), max_length=200),
            meals=clean_text(meals, what=_("Meals"), max_length=200),
        )


def do_record_care(
    area: Area,
    *,
    kind: str,
    description: str,
    actor: Any,
    team: MedicalTeam | None = None,
    day: dt.date | None = None,
) -> CareMeasure:
    _require(actor)
    if not in_scope(actor, area.path) or (team is not None and not in_scope(actor, team.area.path)):
        raise NotFound(_("Area not found."))
    if kind not in CareKind.values():
        raise InvalidInput(_("Unknown care measure %(k)s.") % {"k": kind})
    description = clean_text(description, what=_("Description"), max_length=300)
    if not description:
        raise InvalidInput(_("Describe the measure."))
    with acting(actor), transaction.atomic():
        return CareMeasure.objects.create(
            area=area,
            team=team,
            kind=kind,
            day=day or today(),
            description=description,
            by=_who(actor),
        )
