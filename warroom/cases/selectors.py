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

from django.db.models import Count, Max, Q, QuerySet
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
    Setting,
    TransitionRecord,
)
from warroom.cases.states import Category, Status
from warroom.core.errors import NotFound
from warroom.core.scoping import load_for
from warroom.core.today import now as platform_now
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

    now = now or platform_now()
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


CLUSTER_SORTS = ("size", "confirmed", "latest")
GRAPH_LIMIT = 400  # people drawn in one cluster's graph (the rest listed, not drawn)


def transmission_clusters(
    user: Any, area: Area, *, sort: str = "size", limit: int = 50_000
) -> dict[str, Any]:
    """Transmission clusters under ``area``: connected components of the contact links.

    Each cluster is ``{"key", "size", "confirmed", "links", "first", "last"}``; ``key`` is
    its smallest person id (stable while the cluster only grows). Sorted by ``sort``
    (size, confirmed or latest exposure; largest first), ties by key.
    """
    rows = list(
        ContactLink.objects.restrict(user)
        .filter(contact__home__path__under=area.path)
        .order_by("-pk")
        .values_list("case_id", "contact_id", "exposure_date")[:limit]
    )
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _day in rows:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the root is the smallest id
    confirmed = set(
        Person.objects.filter(pk__in=list(parent), category=Category.CONFIRMED).values_list(
            "pk", flat=True
        )
    )
    clusters: dict[int, dict[str, Any]] = {}
    for pk in parent:
        c = clusters.setdefault(
            find(pk),
            {"key": find(pk), "size": 0, "confirmed": 0, "links": 0, "first": None, "last": None},
        )
        c["size"] += 1
        c["confirmed"] += pk in confirmed
    for a, _b, day in rows:
        c = clusters[find(a)]
        c["links"] += 1
        c["first"] = day if c["first"] is None else min(c["first"], day)
        c["last"] = day if c["last"] is None else max(c["last"], day)
    key = {
        "size": lambda c: (-c["size"], c["key"]),
        "confirmed": lambda c: (-c["confirmed"], -c["size"], c["key"]),
        "latest": lambda c: (-(c["last"].toordinal() if c["last"] else 0), c["key"]),
    }[sort if sort in CLUSTER_SORTS else "size"]
    return {"clusters": sorted(clusters.values(), key=key), "links": len(rows)}


def cluster_graph(user: Any, area: Area, key: int) -> dict[str, Any] | None:
    """The graph of the one cluster ``key`` under ``area`` (None when there is none):
    an ECharts force layout, people coloured by category, readable labels, the legend
    apart from the drawing. At most ``GRAPH_LIMIT`` people are drawn."""
    links = list(
        ContactLink.objects.restrict(user)
        .filter(contact__home__path__under=area.path)
        .values_list("pk", "case_id", "contact_id", "setting")
    )
    adjacent: dict[int, list[tuple[int, int, int, str]]] = {}
    for link in links:
        adjacent.setdefault(link[1], []).append(link)
        adjacent.setdefault(link[2], []).append(link)
    if key not in adjacent or min(_component(adjacent, key)) != key:
        return None
    members = _component(adjacent, key)
    drawn = sorted(members)[:GRAPH_LIMIT]
    shown = set(drawn)
    people = {p.pk: p for p in Person.objects.filter(pk__in=drawn)}
    edges = {
        (pk, a, b, setting)
        for m in shown
        for pk, a, b, setting in adjacent[m]
        if a in shown and b in shown
    }
    categories = [str(c.label) for c in Category] + [str(_("None"))]
    cat_index = {str(c.value): i for i, c in enumerate(Category)}
    from django.urls import reverse

    labelled = len(drawn) <= 80
    nodes = [
        {
            "id": str(pk),
            "name": f"{p.name} #{pk}",
            "category": cat_index.get(p.category, len(categories) - 1),
            "symbolSize": 20 if p.category == Category.CONFIRMED else 12,
            "url": reverse("cases:person", kwargs={"person_id": pk}),
        }
        for pk, p in sorted(people.items())
    ]
    settings = dict(Setting.choices())
    option = {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "legend": [
            {
                "data": categories,
                "orient": "vertical",
                "left": 8,
                "top": 8,
                "backgroundColor": "rgba(255,255,255,0.85)",
                "textStyle": {"fontSize": 12},
            }
        ],
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "left": 150,  # the legend's column stays clear of the drawing
                "right": 150,  # room for the labels of the rightmost people
                "top": 16,
                "bottom": 16,
                "roam": True,
                "draggable": True,
                "categories": [{"name": c} for c in categories],
                "data": nodes,
                "links": [
                    {"source": str(a), "target": str(b), "value": str(settings.get(s, s))}
                    for _pk, a, b, s in sorted(edges)
                ],
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 6,
                "lineStyle": {"color": "#8c959f", "opacity": 0.7},
                "force": {"repulsion": 260, "edgeLength": [60, 120], "gravity": 0.08},
                "label": {
                    "show": labelled,
                    "position": "right",
                    "fontSize": 12,
                    "color": "#1f2328",
                },
                "labelLayout": {"hideOverlap": True},
                "emphasis": {"focus": "adjacency", "label": {"show": True}},
            }
        ],
    }
    return {"option": option, "size": len(members), "drawn": len(drawn)}


def _component(adjacent: dict[int, list[tuple[int, int, int, str]]], start: int) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        x = todo.pop()
        for _pk, a, b, _s in adjacent[x]:
            for y in (a, b):
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
    return seen


# --- for other apps ---------------------------------------------------------------------


def compound_case_facts(as_of: dt.date) -> dict[int, dict[str, Any]]:
    """Per-compound case facts at the end of ``as_of``, keyed by compound (area) id.

    For certification (DESIGN §3.6) and any other app; plain data, no model instances::

        {area_id: {
            "last_confirmed": date | None,      # the latest confirmation in the compound
            "unreleased": {"suspected": n, "febrile": n, "contact": n},
                                                # not released at the end of as_of
            "backlog": n,                       # open clearance backlog (latest run <= as_of)
            "backlog_date": date | None,
        }}

    A compound absent from the result has no case facts at all (clean). System-level:
    it is not scoped to a user (the caller decides who sees its results). (It also gave
    the people who entered each category in the last 14 days: no reader used them, and at
    the whole city's peak they were a third of the step's time.)
    """
    end = cutoff_for(as_of)
    last_confirmed, unreleased = history_facts(end)
    facts: dict[int, dict[str, Any]] = {}

    def entry(area_id: int) -> dict[str, Any]:
        found = facts.get(area_id)
        if found is None:  # (50,000 calls at the peak: the empty entry built only when new)
            found = facts[area_id] = {
                "last_confirmed": None,
                "unreleased": {"suspected": 0, "febrile": 0, "contact": 0},
                "backlog": 0,
                "backlog_date": None,
            }
        return found

    for home_id, last in last_confirmed.items():
        entry(home_id)["last_confirmed"] = last
    for home_id, state, n in unreleased:
        category = states.category_of(state)
        entry(home_id)["unreleased"][category] += n
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


def history_facts(
    end: dt.datetime,
) -> tuple[dict[int, dt.date], list[tuple[int, str, int]]]:
    """What :func:`compound_case_facts` reads of the people's histories at ``end``: the
    day of each compound's latest confirmation before ``end``, and
    :func:`unreleased_by_compound`. Read once per daily cycle
    (:func:`warroom.core.daily.shared`): the step ``cases.facts`` reads it while the
    clearance runs (it needs the kept states, not the clearance), and the certification,
    which needs both, takes it from there. Shared: not to be changed by the caller."""
    from warroom.cases.waiting import histories_version
    from warroom.core.daily import shared

    return shared(
        ("cases.history_facts", end), lambda: _history_facts(end), version=histories_version
    )


def _history_facts(end: dt.datetime) -> tuple[dict[int, dt.date], list[tuple[int, str, int]]]:
    steps = TransitionRecord.objects.filter(person__merged_into__isnull=True, at__lt=end)
    zone = timezone.get_current_timezone()  # (timezone.localdate per home: 0.1 s at the peak)
    last_confirmed = {
        home_id: last.astimezone(zone).date()
        for home_id, last in steps.filter(target=Status.CONFIRMED)
        .values("person__home_id")
        .annotate(last=Max("at"))
        .order_by()
        .values_list("person__home_id", "last")
    }
    # Each person's status at the end of the day: the target of his last step before it
    # (one pass over the transitions: see unreleased_by_compound).
    return last_confirmed, unreleased_by_compound(end)


def unreleased_by_compound(end: dt.datetime) -> list[tuple[int, str, int]]:
    """(home compound, status, people) of the people (not merged) not released at ``end``:
    those whose last step before ``end`` (by time, then id) is into an unreleased status.

    One statement, one pass over the transitions before ``end``: each person's steps are
    numbered latest first (a window function, SQLite and PostgreSQL alike) and the first
    kept, instead of a subquery per person (the whole city: hundreds of thousands).
    """
    from django.db import connection

    from warroom.cases.cutoff_states import unreleased_rows

    unreleased = sorted(states.UNRELEASED)
    kept = unreleased_rows(end, unreleased)  # the states kept at the daily cut-off
    if kept is not None:
        return kept
    q = connection.ops.quote_name
    step, person = TransitionRecord._meta.db_table, Person._meta.db_table
    marks = ", ".join(["%s"] * len(unreleased))
    sql = (
        f"SELECT p.{q('home_id')}, s.{q('target')}, COUNT(*) FROM ("  # noqa: S608
        f"SELECT {q('person_id')}, {q('target')}, ROW_NUMBER() OVER (PARTITION BY "
        f"{q('person_id')} ORDER BY {q('at')} DESC, {q('id')} DESC) AS {q('n')} "
        f"FROM {q(step)} WHERE {q('at')} < %s) s "
        f"JOIN {q(person)} p ON p.{q('id')} = s.{q('person_id')} "
        f"WHERE s.{q('n')} = 1 AND p.{q('merged_into_id')} IS NULL "
        f"AND s.{q('target')} IN ({marks}) "
        f"GROUP BY p.{q('home_id')}, s.{q('target')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(end), *unreleased])
        return [(home, str(state), int(n)) for home, state, n in cursor.fetchall()]


def people_search(user: Any, *, q: str = "", status: str = "", area: Area | None = None) -> Any:
    qs = visible_people(user).select_related("home")
    if area is not None:
        qs = qs.filter(home__path__under=area.path)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(id_number=q.upper()) | Q(phone=q))
    return qs.order_by("-pk")


# --- for other apps: zones and levels, transport, businesses --------------------------


def confirmations_by_home(end: dt.datetime, start: dt.datetime) -> dict[str, tuple[int, int]]:
    """Confirmed people per home area path: (cumulative before ``end``, confirmed in
    [``start``, ``end``)), counted once per person (merged duplicates excluded); valid time,
    so a past day is counted as it stood at its cut-off. System-level (not scoped)."""
    steps = TransitionRecord.objects.filter(
        target=Status.CONFIRMED, at__lt=end, person__merged_into__isnull=True
    )
    # Both counts in one pass over the confirmed steps (two joins of the people and homes
    # took 0.3 s each on SQLite at the whole city's peak).
    return {
        path: (n, recent)
        for path, n, recent in steps.values("person__home__path")
        .annotate(
            n=Count("person", distinct=True),
            recent=Count("person", distinct=True, filter=Q(at__gte=start)),
        )
        .values_list("person__home__path", "n", "recent")
        .order_by()
    }


# Statuses that keep a person where they are: any open category (febrile, suspected,
# contact, quarantined, confirmed, admitted) and the post-discharge quarantine.
HELD = states.OPEN | {Status.POST_DISCHARGE}


def held_people(id_numbers: list[str]) -> dict[str, str]:
    """Of these ID numbers, those of people in quarantine or with an open case, with their
    status (for travel and for a workforce's health). System-level (not scoped)."""
    from warroom.core.bulk import chunks

    found: dict[str, str] = {}
    wanted = sorted({n.strip().upper() for n in id_numbers if n and n.strip()})
    for chunk in chunks(wanted):
        for number, status in Person.objects.filter(
            id_number__in=chunk, merged_into__isnull=True, status__in=HELD
        ).values_list("id_number", "status"):
            found[number] = status
    return found
