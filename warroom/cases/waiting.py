"""Who waits for a bed, and what he needs: the one place case management says so.

DESIGN §3.3 and the four "should"s (应收尽收, 应隔尽隔): every confirmed case waits for a
hospital bed until admitted; every suspected case, febrile patient not ruled out and
close contact waits for a single room at a quarantine site until isolated in one (home
isolation does not count: Wuhan moved them all to centralised quarantine from 2 Feb
2020). The need, in priority order, is the code of ``warroom.analytics.allocate.Need``:
critical → ICU; severe → SEVERE (or ICU); other confirmed → SHELTER or GENERAL;
suspected, febrile, contacts → QUARANTINE.

Beds read the counts through the waiting provider this module registers (beds does not
import cases); dispatch reads the people through :func:`waiting_people`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from warroom.analytics.allocate import Need
from warroom.analytics.vocabulary import LOWEST_BED
from warroom.cases.models import Person
from warroom.cases.states import Isolation, Severity, Status

QUARANTINE_STATUSES = (
    Status.FEBRILE,
    Status.FEBRILE_TESTED,
    Status.SUSPECTED,
    Status.CONTACT,
    Status.QUARANTINED,
)
# The bed type that answers each need in the bed balance (mild confirmed: a shelter bed,
# the Wuhan default; a GENERAL bed serves too, which the allocation knows).
BED_TYPE_OF_NEED: dict[int, str] = {int(n): bed for n, bed in LOWEST_BED.items()}


def need_of(status: str, severity: str) -> int | None:
    """The :class:`Need` code of a person in ``status`` with ``severity``; None if none."""
    if status == Status.CONFIRMED or status == Status.ADMITTED:
        if severity == Severity.CRITICAL:
            return int(Need.CRITICAL)
        if severity == Severity.SEVERE:
            return int(Need.SEVERE)
        return int(Need.CONFIRMED)
    if status == Status.SUSPECTED:
        return int(Need.SUSPECTED)
    if status in (Status.FEBRILE, Status.FEBRILE_TESTED):
        return int(Need.FEBRILE)
    if status in (Status.CONTACT, Status.QUARANTINED):
        return int(Need.CONTACT)
    return None


def is_waiting(person: Person) -> bool:
    """Whether ``person`` waits for a bed now (the rule of :func:`waiting_filter`)."""
    if person.merged_into_id is not None:
        return False
    if person.status == Status.CONFIRMED:
        return True
    return person.status in QUARANTINE_STATUSES and person.isolation not in (
        Isolation.QUARANTINE,
        Isolation.HOSPITAL,
    )


def waiting_filter() -> Q:
    return Q(merged_into__isnull=True) & (
        Q(status=Status.CONFIRMED)
        | (
            Q(status__in=QUARANTINE_STATUSES)
            & ~Q(isolation__in=(Isolation.QUARANTINE, Isolation.HOSPITAL))
        )
    )


def _need_expression() -> Case:
    return Case(
        When(status=Status.CONFIRMED, severity=Severity.CRITICAL, then=Value(Need.CRITICAL)),
        When(status=Status.CONFIRMED, severity=Severity.SEVERE, then=Value(Need.SEVERE)),
        When(status=Status.CONFIRMED, then=Value(Need.CONFIRMED)),
        When(status=Status.SUSPECTED, then=Value(Need.SUSPECTED)),
        When(status__in=(Status.FEBRILE, Status.FEBRILE_TESTED), then=Value(Need.FEBRILE)),
        default=Value(Need.CONTACT),
        output_field=IntegerField(),
    )


def waiting_people(people: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """People waiting for a bed (of ``people``, a scoped queryset, or everyone), annotated
    with ``need`` and ``waiting_since`` (confirmation for the confirmed, entering the
    category otherwise), in priority order: need, then longest wait."""
    qs = Person.objects.all() if people is None else people
    return (
        qs.filter(waiting_filter())
        .annotate(
            need=_need_expression(),
            waiting_since=Coalesce(
                Case(When(status=Status.CONFIRMED, then=F("confirmed_at")), default=None),
                F("category_since"),
                F("status_since"),
                F("created_at"),
            ),
        )
        .order_by("need", "waiting_since", "pk")
    )


def waiting_counts(day: dt.date) -> dict[tuple[int, str], int]:
    """The waiting provider for the bed balance: people waiting at the end of ``day`` by
    (home compound, bed type needed). Case management keeps the present state, so a past
    day counts the people waiting now who were already waiting then."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    rows = (
        waiting_people()
        .filter(waiting_since__lt=end)
        .order_by()
        .values("home_id", "need")
        .annotate(n=Count("pk"))
    )
    out: dict[tuple[int, str], int] = {}
    for r in rows:
        key = (r["home_id"], BED_TYPE_OF_NEED[r["need"]])
        out[key] = out.get(key, 0) + r["n"]
    return out


def waiting_summary(people: QuerySet[Person]) -> dict[int, int]:
    """People waiting per need code among ``people`` (a scoped queryset)."""
    rows = waiting_people(people).order_by().values("need").annotate(n=Count("pk"))
    return {r["need"]: r["n"] for r in rows}
