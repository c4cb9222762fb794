"""Reading services with permission; the backlogs of vulnerable residents; price alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from warroom.core.personal import mask_record
from warroom.core.scoping import load_for
from warroom.core.today import now as platform_now
from warroom.core.today import today as platform_today
from warroom.geo.models import Area
from warroom.services.models import (
    GroupOrder,
    MedicalRequest,
    PriceObservation,
    VulnerableResident,
)


def residents(user: Any) -> QuerySet[VulnerableResident]:
    return VulnerableResident.objects.restrict(user).select_related("area", "caretaker_user")


def get_resident(user: Any, pk: Any) -> VulnerableResident:
    qs = VulnerableResident.objects.select_related("area", "caretaker_user")
    return load_for(user, "view", qs, pk, what="resident")


def orders(user: Any) -> QuerySet[GroupOrder]:
    return GroupOrder.objects.restrict(user).select_related("area").prefetch_related("items")


def get_order(user: Any, pk: Any) -> GroupOrder:
    qs = GroupOrder.objects.select_related("area").prefetch_related("items")
    return load_for(user, "view", qs, pk, what="order")


def medical_requests(user: Any) -> QuerySet[MedicalRequest]:
    return MedicalRequest.objects.restrict(user).select_related("area")


def get_medical_request(user: Any, pk: Any) -> MedicalRequest:
    qs = MedicalRequest.objects.select_related("area")
    return load_for(user, "view", qs, pk, what="request")


def _stale_before(days: int | None) -> dt.datetime:
    return platform_now() - dt.timedelta(days=days or settings.WARROOM_VISIT_DAYS)


def backlog_filters(days: int | None = None) -> dict[str, Q]:
    stale = _stale_before(days)
    return {
        "without_caretaker": Q(caretaker_user__isnull=True, caretaker_name=""),
        "not_visited": Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=stale),
    }


BACKLOGS = ("without_caretaker", "not_visited")


def resident_list(user: Any, area: Area, backlog: str = "") -> QuerySet[VulnerableResident]:
    """The active vulnerable residents under ``area`` in ``user``'s scope, optionally only
    one backlog's (``without_caretaker`` or ``not_visited``), by compound then name."""
    qs = residents(user).filter(area__path__under=area.path, active=True)
    if backlog in BACKLOGS:
        qs = qs.filter(backlog_filters()[backlog])
    return qs.order_by("area__code", "name", "pk")


def listed_resident(user: Any, person: VulnerableResident) -> dict[str, Any]:
    """A resident as a list shows him: the name by the ``people`` rule, the phone and the
    address masked for everyone (clear on the resident's page, asked for and audited)."""
    return mask_record(
        VulnerableResident.personal_fields,
        {"name": person.name, "phone": person.phone, "address": person.address},
        user,
        unmask=False,
    ).data


def care_backlog_counts(area: Area, days: int | None = None) -> dict[str, int]:
    """The backlogs of the active vulnerable residents under ``area`` (one query)."""
    f = backlog_filters(days)
    return VulnerableResident.objects.filter(area__path__under=area.path, active=True).aggregate(
        total=Count("pk"),
        without_caretaker=Count("pk", filter=f["without_caretaker"]),
        not_visited=Count("pk", filter=f["not_visited"]),
    )


def care_backlog_by_child(user: Any, area: Area, days: int | None = None) -> list[dict[str, Any]]:
    """The backlogs per subdivision of ``area``, like clearance's: what is left to do, where.

    Two queries whatever the number of subdivisions: the children, and the counts per home
    compound, summed to the child whose path the compound's path starts with.
    """
    f = backlog_filters(days)
    children = list(Area.objects.restrict(user).filter(parent=area).order_by("code"))
    per_home = (
        VulnerableResident.objects.restrict(user)
        .filter(active=True, area__path__under=area.path)
        .values("area__path")
        .annotate(
            total=Count("pk"),
            without_caretaker=Count("pk", filter=f["without_caretaker"]),
            not_visited=Count("pk", filter=f["not_visited"]),
        )
        .order_by()
    )
    keys = ("total", "without_caretaker", "not_visited")
    rows = {c.path: {"area": c, **dict.fromkeys(keys, 0)} for c in children}
    depth = len(area.path.strip("/").split("/")) + 1
    for home in per_home:
        child_path = "/" + "/".join(home["area__path"].strip("/").split("/")[:depth]) + "/"
        row = rows.get(child_path)
        if row is not None:
            for k in keys:
                row[k] += home[k]
    return [rows[c.path] for c in children]


@dataclass(frozen=True)
class PriceAlert:
    area: Area
    item: str
    unit: str
    date: dt.date
    price: Decimal
    week_ago_date: dt.date
    week_ago_price: Decimal
    rise: float  # share, 0.12 = +12 %


def price_alerts(
    user: Any, on: dt.date | None = None, percent: int | None = None
) -> list[PriceAlert]:
    """Staples whose latest price rose by more than ``percent`` % over the week before.

    Compares each district's latest price of an item (on or before ``on``) with its price
    seven days earlier (the latest observation on or before that day).
    """
    on = on or platform_today()
    limit = (percent if percent is not None else settings.WARROOM_PRICE_ALERT_PERCENT) / 100
    rows = list(
        PriceObservation.objects.restrict(user)
        .filter(date__lte=on, date__gte=on - dt.timedelta(days=60))
        .select_related("area")
        .order_by("area_id", "item", "date")
    )
    series: dict[tuple[int, str], list[PriceObservation]] = {}
    for r in rows:
        series.setdefault((r.area_id, r.item), []).append(r)
    alerts = []
    for obs in series.values():
        latest = obs[-1]
        target = latest.date - dt.timedelta(days=7)
        before = [o for o in obs if o.date <= target]
        if not before:
            continue
        base = before[-1]
        rise = float((latest.price - base.price) / base.price)
        if rise > limit:
            alerts.append(
                PriceAlert(
                    latest.area,
                    latest.item,
                    latest.unit,
                    latest.date,
                    latest.price,
                    base.date,
                    base.price,
                    rise,
                )
            )
    return sorted(alerts, key=lambda a: -a.rise)
