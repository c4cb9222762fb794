"""Reading case data with permission. Person-level reads need the ``people`` capability
(analysts see aggregates only); ID numbers and phones are masked without
``personal_data``, and every unmasked view is audited.

Other apps ask here, never the tables: :func:`compound_case_facts` is the per-compound
summary certification needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.audit.services import record_event
from warroom.cases import states
from warroom.cases.clearance import DUTIES, cutoff_for
from warroom.cases.identity import mask_id, mask_phone
from warroom.cases.models import (
    ClearanceRun,
    ClearanceSnapshot,
    ContactLink,
    Person,
    Sample,
    TransitionRecord,
)
from warroom.cases.states import Category, Status
from warroom.core.errors import NotFound
from warroom.core.scoping import load_for
from warroom.geo.models import Area


def can_see_people(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.can("people"))


def visible_people(user: Any, action: str = "view") -> QuerySet[Person]:
    """The people ``user`` may see (his subtree; none without the ``people`` capability)."""
    if not can_see_people(user):
        return Person.objects.none()
    return Person.objects.restrict(user, action).filter(merged_into__isnull=True)


def get_person(user: Any, pk: int, action: str = "view") -> Person:
    if not can_see_people(user):
        raise NotFound("person not found")
    return load_for(
        user, action, Person.objects.select_related("home", "facility_area", "merged_into"), pk
    )


def get_sample(user: Any, pk: int, action: str = "view") -> Sample:
    if not can_see_people(user):
        raise NotFound("sample not found")
    return load_for(user, action, Sample.objects.select_related("person__home"), pk)


@dataclass(frozen=True)
class Identity:
    """What the screen shows of a person's documents: masked unless the role may see them."""

    id_number: str
    phone: str
    masked: bool


def identity(user: Any, person: Person, *, audit: bool = True) -> Identity:
    """The ID number and phone as ``user`` may see them; an unmasked view is audited."""
    if user.can("personal_data"):
        if audit and (person.id_number or person.phone):
            record_event(
                "view_personal",
                object_type="cases.person",
                object_id=str(person.pk),
                area_path=person.home.path,
                message=f"viewed the ID number and phone of person #{person.pk}",
            )
        return Identity(person.id_number, person.phone, False)
    return Identity(
        mask_id(person.id_number) if person.id_number else "",
        mask_phone(person.phone) if person.phone else "",
        True,
    )


def masked_identity(person: Person) -> Identity:
    return Identity(
        mask_id(person.id_number) if person.id_number else "",
        mask_phone(person.phone) if person.phone else "",
        True,
    )


def history(user: Any, person: Person) -> QuerySet[TransitionRecord]:
    return TransitionRecord.objects.restrict(user).filter(person=person).order_by("at", "pk")


def category_counts(user: Any, area: Area) -> dict[str, int]:
    """People by status under ``area`` (aggregates: allowed to every role with ``view``)."""
    rows = (
        Person.objects.restrict(user)
        .filter(home__path__under=area.path, merged_into__isnull=True)
        .exclude(status="")
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["status"]: r["n"] for r in rows}


# --- clearance --------------------------------------------------------------------------


def latest_run(on_or_before: dt.date | None = None) -> ClearanceRun | None:
    qs = ClearanceRun.objects.all()
    if on_or_before is not None:
        qs = qs.filter(date__lte=on_or_before)
    return qs.order_by("-date").first()


def clearance_rows(user: Any, areas: list[Area], date: dt.date) -> dict[int, dict[str, Any]]:
    """{area id: {duty: snapshot or None}} for ``areas`` on ``date`` (one query)."""
    out: dict[int, dict[str, Any]] = {a.pk: {str(d): None for d in DUTIES} for a in areas}
    for snap in ClearanceSnapshot.objects.restrict(user).filter(
        date=date, area_id__in=[a.pk for a in areas]
    ):
        out[snap.area_id][snap.duty] = snap
    return out


def clearance_trend(user: Any, area: Area, *, days: int = 14) -> dict[str, Any]:
    """Daily totals per duty of ``area`` over the last computed days (zeros included)."""
    run_dates = list(ClearanceRun.objects.order_by("-date").values_list("date", flat=True)[:days])[
        ::-1
    ]
    series = {str(d): [0] * len(run_dates) for d in DUTIES}
    index = {d: i for i, d in enumerate(run_dates)}
    for snap in ClearanceSnapshot.objects.restrict(user).filter(area=area, date__in=run_dates):
        series[snap.duty][index[snap.date]] = snap.total
    return {"dates": [d.isoformat() for d in run_dates], "series": series}


# --- contacts and tracing ---------------------------------------------------------------


def tracing_list(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Contacts of confirmed cases not yet quarantined, with the 24 h tracing deadline."""
    from warroom.cases.rules import TRACE_HOURS

    now = now or timezone.now()
    links = (
        ContactLink.objects.restrict(user)
        .filter(
            case__confirmed_at__isnull=False,
            case__category=Category.CONFIRMED,
            contact__status=Status.CONTACT,
            contact__merged_into__isnull=True,
        )
        .select_related("case", "contact__home")
        .order_by("case__confirmed_at", "pk")
    )
    rows = []
    for link in links:
        deadline = max(link.case.confirmed_at, link.created_at) + dt.timedelta(hours=TRACE_HOURS)
        rows.append({"link": link, "deadline": deadline, "overdue": deadline < now})
    rows.sort(key=lambda r: r["deadline"])
    return rows


def contact_graph(user: Any, area: Area, *, limit: int = 2000) -> dict[str, Any]:
    """Transmission chains and clusters under ``area`` as an ECharts graph option."""
    links = list(
        ContactLink.objects.restrict(user)
        .filter(contact__home__path__under=area.path)
        .select_related("case", "contact")
        .order_by("-pk")[:limit]
    )
    people: dict[int, Person] = {}
    for link in links:
        people[link.case_id] = link.case
        people[link.contact_id] = link.contact
    # Clusters: connected components (union-find over the links).
    parent = {pk: pk for pk in people}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        a, b = find(link.case_id), find(link.contact_id)
        if a != b:
            parent[a] = b
    clusters: dict[int, int] = {}
    for pk in people:
        clusters.setdefault(find(pk), len(clusters))
    categories = [str(c.label) for c in Category] + [str(_("None"))]
    cat_index = {str(c.value): i for i, c in enumerate(Category)}
    nodes = [
        {
            "id": str(pk),
            "name": f"{p.name} #{pk}",
            "category": cat_index.get(p.category, len(categories) - 1),
            "symbolSize": 18 if p.category == Category.CONFIRMED else 10,
            "value": clusters[find(pk)],
        }
        for pk, p in people.items()
    ]
    edges = [
        {"source": str(link.case_id), "target": str(link.contact_id), "value": link.setting}
        for link in links
    ]
    option = {
        "tooltip": {},
        "legend": [{"data": categories}],
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "draggable": True,
                "categories": [{"name": c} for c in categories],
                "data": nodes,
                "links": edges,
                "edgeSymbol": ["none", "arrow"],
                "force": {"repulsion": 80, "edgeLength": 40},
                "label": {"show": len(nodes) <= 60, "position": "right"},
            }
        ],
    }
    sizes: dict[int, int] = {}
    for pk in people:
        sizes[clusters[find(pk)]] = sizes.get(clusters[find(pk)], 0) + 1
    return {"option": option, "clusters": sorted(sizes.values(), reverse=True), "links": len(links)}


# --- for other apps ---------------------------------------------------------------------


def compound_case_facts(as_of: dt.date, *, window_days: int = 14) -> dict[int, dict[str, Any]]:
    """Per-compound case facts at the end of ``as_of``, keyed by compound (area) id.

    For certification (DESIGN §3.6) and any other app; plain data, no model instances::

        {area_id: {
            "last_confirmed": date | None,      # the latest confirmation in the compound
            "unreleased": {"suspected": n, "febrile": n, "contact": n},
                                                # not released at the end of as_of
            "entered_in_window": {"suspected": n, "febrile": n, "contact": n},
                                                # entered those categories in the window
            "backlog": n,                       # open clearance backlog (latest run <= as_of)
            "backlog_date": date | None,
        }}

    A compound absent from the result has no case facts at all (clean). System-level:
    it is not scoped to a user (the caller decides who sees its results).
    """
    end = cutoff_for(as_of)
    start = end - dt.timedelta(days=window_days)
    facts: dict[int, dict[str, Any]] = {}

    def entry(area_id: int) -> dict[str, Any]:
        return facts.setdefault(
            area_id,
            {
                "last_confirmed": None,
                "unreleased": {"suspected": 0, "febrile": 0, "contact": 0},
                "entered_in_window": {"suspected": 0, "febrile": 0, "contact": 0},
                "backlog": 0,
                "backlog_date": None,
            },
        )

    steps = TransitionRecord.objects.filter(person__merged_into__isnull=True, at__lt=end)
    for row in (
        steps.filter(target=Status.CONFIRMED)
        .values("person__home_id")
        .annotate(last=Max("at"))
        .order_by()
    ):
        entry(row["person__home_id"])["last_confirmed"] = timezone.localdate(row["last"])
    # Each person's status at the end of the day: the target of his last step before it.
    latest = (
        TransitionRecord.objects.filter(person=OuterRef("pk"), at__lt=end)
        .order_by("-at", "-pk")
        .values("target")[:1]
    )
    for row in (
        Person.objects.filter(merged_into__isnull=True)
        .annotate(state=Subquery(latest))
        .filter(state__in=states.UNRELEASED)
        .values("home_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        category = states.category_of(row["state"])
        entry(row["home_id"])["unreleased"][category] += row["n"]
    entered = (
        TransitionRecord.objects.filter(
            at__gte=start,
            at__lt=end,
            target__in=[Status.SUSPECTED, Status.FEBRILE, Status.CONTACT],
            person__merged_into__isnull=True,
        )
        .values("person__home_id", "target")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    for row in entered:
        entry(row["person__home_id"])["entered_in_window"][row["target"]] += row["n"]
    run = latest_run(as_of)
    if run is not None:
        totals: dict[int, int] = {}
        for area_id, total in ClearanceSnapshot.objects.filter(
            date=run.date, area__level="compound"
        ).values_list("area_id", "total"):
            totals[area_id] = totals.get(area_id, 0) + total
        for area_id, total in totals.items():
            e = entry(area_id)
            e["backlog"], e["backlog_date"] = total, run.date
    return facts


def people_search(user: Any, *, q: str = "", status: str = "", area: Area | None = None) -> Any:
    qs = visible_people(user).select_related("home")
    if area is not None:
        qs = qs.filter(home__path__under=area.path)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(id_number=q.upper()) | Q(phone=q))
    return qs.order_by("-pk")
