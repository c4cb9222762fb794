"""Reading supervision with permission; the rates' one selector; the dashboard's panels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from warroom.core.scoping import in_scope, load_for
from warroom.geo.models import Area
from warroom.supervision.models import (
    AccountabilityRecord,
    Escalation,
    Finding,
    PhasePlan,
    RateDay,
    RateTarget,
    RiskKind,
    RiskOwner,
    Signal,
    SignalStatus,
    SpecialPlace,
    Visit,
)

# --- objects ------------------------------------------------------------------------------


def visits(user: Any) -> QuerySet[Visit]:
    return Visit.objects.restrict(user, "view").select_related(
        "area", "inspector", "place", "facility", "checklist"
    )


def get_visit(user: Any, pk: Any) -> Visit:
    return load_for(user, "view", visits(user), pk)


def findings(user: Any) -> QuerySet[Finding]:
    return Finding.objects.restrict(user, "view").select_related(
        "area", "visit", "task", "task__owner", "task__verified_by", "item"
    )


def get_finding(user: Any, pk: Any) -> Finding:
    return load_for(user, "view", findings(user), pk)


def places(user: Any) -> QuerySet[SpecialPlace]:
    return SpecialPlace.objects.restrict(user, "view").select_related("area")


def get_place(user: Any, pk: Any) -> SpecialPlace:
    return load_for(user, "view", places(user), pk)


def get_place_by_code(user: Any, code: str) -> SpecialPlace:
    return load_for(user, "view", places(user), code, field="code", what="special place")


def records(user: Any) -> QuerySet[AccountabilityRecord]:
    """Accountability records: only for users with ``accountability`` (none for others)."""
    if user is None or not user.can("accountability"):
        return AccountabilityRecord.objects.none()
    return AccountabilityRecord.objects.restrict(user, "view").select_related("area")


def get_record(user: Any, pk: Any) -> AccountabilityRecord:
    return load_for(user, "view", records(user), pk)


def plans(user: Any) -> QuerySet[PhasePlan]:
    return PhasePlan.objects.restrict(user, "view").select_related("area", "recorded_by")


def get_plan(user: Any, pk: Any) -> PhasePlan:
    return load_for(user, "view", plans(user), pk)


def signals(user: Any) -> QuerySet[Signal]:
    return Signal.objects.restrict(user, "view").select_related("area")


def get_signal(user: Any, pk: Any) -> Signal:
    return load_for(user, "view", signals(user), pk)


def escalations(user: Any) -> QuerySet[Escalation]:
    return Escalation.objects.restrict(user, "view").select_related(
        "task", "task__owner", "to_area", "area"
    )


# --- the rates: ONE selector for every count ----------------------------------------------


def rate_counts(area: Area, day: dt.date) -> dict[str, int]:
    """The counts behind every rate of :mod:`warroom.analytics.rates`, for the people
    living under ``area``, cumulative to ``day``'s cut-off (the line list's history).

    The one definition of each number (docs/supervision.md): a person counts as confirmed
    from his first step into ``confirmed``; admitted, died and discharged likewise from his
    step into those states (after being confirmed); "ever mild" are confirmed people with a
    severity record asymptomatic, mild or moderate, and "became severe" those of them with a
    later record severe or critical; health workers are people whose workplace names a
    registered medical facility or one of ``WARROOM_HEALTH_WORKPLACE_WORDS``; close contacts
    are people who ever stepped into ``contact`` or ``quarantined``, and "contacts
    confirmed" those of them confirmed after it.
    """
    return rate_counts_by_area([area], day)[area.pk]


RATE_COUNT_NAMES = (
    "confirmed",
    "admitted",
    "deaths",
    "cured",
    "ever_mild",
    "became_severe",
    "staff_confirmed",
    "contacts",
    "contacts_confirmed",
)


def rate_counts_by_area(areas: list[Area], day: dt.date) -> dict[int, dict[str, int]]:
    """:func:`rate_counts` of several areas in one pass over the line list."""
    from warroom.cases.clearance import cutoff_for
    from warroom.cases.models import Person, SeverityRecord, TransitionRecord
    from warroom.supervision.signals import is_health_workplace_q

    out = {a.pk: dict.fromkeys(RATE_COUNT_NAMES, 0) for a in areas}
    if not areas:
        return out
    end = cutoff_for(day)
    top = sorted({a.path for a in areas}, key=len)
    roots = [p for p in top if not any(p != q and p.startswith(q) for q in top)]
    people = Person.objects.filter(merged_into__isnull=True)
    from django.db.models import Q

    under, whose = Q(), Q()
    for path in roots:
        under |= Q(home__path__startswith=path)
        whose |= Q(person__home__path__startswith=path)
    people = people.filter(under)
    # The steps' and records' people filtered through the join (each row's person looked
    # up by key), not ``person__in=people``: that list is every person of the city
    # (225,000 at the W1 peak), built again for each statement.
    whose &= Q(person__merged_into__isnull=True)
    from django.db.models import Case, Count, F, Max, Min, When

    # One row a person, aggregated by the database (was: every step, its time parsed in
    # Python): whether he was ever confirmed, admitted, died, discharged, a contact, and
    # whether his first confirmation came after his first contact.
    home: dict[int, str] = {}
    conf: set[int] = set()
    ever: dict[str, set[int]] = {"admitted": set(), "died": set(), "discharged": set()}
    contacts_: set[int] = set()
    contacts_confirmed: set[int] = set()
    rows = (
        TransitionRecord.objects.filter(
            whose,
            at__lt=end,
            target__in=("confirmed", "admitted", "died", "discharged", "contact", "quarantined"),
        )
        .order_by()
        .values("person_id", "person__home__path")
        .annotate(
            c=Min("at", filter=Q(target="confirmed")),
            k=Min("at", filter=Q(target__in=("contact", "quarantined"))),
            adm=Count("pk", filter=Q(target="admitted")),
            died=Count("pk", filter=Q(target="died")),
            dis=Count("pk", filter=Q(target="discharged")),
        )
        .annotate(  # 0/1 integers: no converter per value (booleans have one on SQLite)
            is_c=Case(When(c__isnull=False, then=1), default=0),
            is_k=Case(When(k__isnull=False, then=1), default=0),
            after=Case(When(c__gt=F("k"), then=1), default=0),
        )
        .values_list(
            "person_id", "person__home__path", "is_c", "is_k", "adm", "died", "dis", "after"
        )
    )
    for pid, path, is_c, is_k, adm, died, dis, after in rows:
        home[pid] = path
        if is_k:
            contacts_.add(pid)
        if not is_c:
            continue
        conf.add(pid)
        if adm:
            ever["admitted"].add(pid)
        if died:
            ever["died"].add(pid)
        if dis:
            ever["discharged"].add(pid)
        if after:
            contacts_confirmed.add(pid)
    # Ever mild (asymptomatic, mild, moderate), and severe or critical after the first
    # mild record (the latest severe record after it): one row a person, no times read.
    ever_mild: set[int] = set()
    became_severe: set[int] = set()
    for pid, was_mild, worse in (
        SeverityRecord.objects.filter(whose, at__lt=end)
        .order_by()
        .values("person_id")
        .annotate(
            m=Min("at", filter=Q(severity__in=("asymptomatic", "mild", "moderate"))),
            s=Max("at", filter=Q(severity__in=("severe", "critical"))),
        )
        .annotate(
            was_mild=Case(When(m__isnull=False, then=1), default=0),
            worse=Case(When(s__gt=F("m"), then=1), default=0),
        )
        .values_list("person_id", "was_mild", "worse")
    ):
        if pid in conf and was_mild:
            ever_mild.add(pid)
            if worse:
                became_severe.add(pid)
    # The confirmed health workers: the confirmed by a subquery, not a list of thousands
    # of ids (each one a parameter to prepare).
    confirmed_ids = TransitionRecord.objects.filter(target="confirmed", at__lt=end).values(
        "person_id"
    )
    staff = conf & set(
        people.filter(pk__in=confirmed_ids)
        .filter(is_health_workplace_q())
        .values_list("pk", flat=True)
    )
    sets = {
        "confirmed": conf,
        "admitted": ever["admitted"],
        "deaths": ever["died"],
        "cured": ever["discharged"],
        "ever_mild": ever_mild,
        "became_severe": became_severe,
        "staff_confirmed": staff,
        "contacts": contacts_,
        "contacts_confirmed": contacts_confirmed,
    }
    containing: dict[str, list[int]] = {}  # a home's path -> the areas that contain it
    for name, members in sets.items():
        for pid in members:
            path = home.get(pid, "")
            found = containing.get(path)
            if found is None:
                found = containing[path] = [a.pk for a in areas if path.startswith(a.path)]
            for k in found:
                out[k][name] += 1
    return out


def current_targets(user: Any, area: Area) -> dict[str, RateTarget]:
    """The latest target of each rate that holds for ``area`` (its own, else the city's)."""
    out: dict[str, RateTarget] = {}
    rows = (
        RateTarget.objects.restrict(user, "view")
        .filter(area__path__in=_ancestor_paths(area))
        .order_by("-area__depth", "-set_at", "-pk")
    )
    for row in rows:
        out.setdefault(row.metric, row)
    return out


def _ancestor_paths(area: Area) -> list[str]:
    path = area.path
    return [path[: i + 1] for i, c in enumerate(path) if c == "/" and i > 0]


def rates_panel(user: Any, area: Area, day: dt.date, *, days: int = 14) -> dict[str, Any]:
    """Each rate of ``area`` on ``day``, its trend over the stored days, and its target."""
    from warroom.analytics.rates import METRICS, RATES, meets_target, rates_of, trend

    rows = list(
        RateDay.objects.restrict(user, "view")
        .filter(area=area, day__lte=day, day__gt=day - dt.timedelta(days=days))
        .order_by("day")
    )
    if not rows:
        return {"day": day.isoformat(), "metrics": [], "dates": []}
    counts = {
        name: np.array([r.counts.get(name, 0) for r in rows], dtype=np.int64)
        for pair in RATES.values()
        for name in pair
    }
    values = rates_of(counts)
    targets = current_targets(user, area)
    metrics = []
    for m in METRICS:
        series = values[m]
        last = float(series[-1])
        target = targets.get(m)
        metrics.append(
            {
                "metric": m,
                "value": None if np.isnan(last) else round(last, 4),
                "numerator": int(counts[RATES[m][0]][-1]),
                "denominator": int(counts[RATES[m][1]][-1]),
                "trend": None
                if np.isnan(t := trend(series, days=min(7, max(1, len(series) - 1))))
                else round(t, 4),
                "series": [None if np.isnan(x) else round(float(x), 4) for x in series],
                "target": None if target is None else target.value,
                "meets": None if target is None else meets_target(m, last, target.value),
            }
        )
    return {
        "day": day.isoformat(),
        "dates": [r.day.isoformat() for r in rows],
        "metrics": metrics,
    }


# --- signals, risks, plans ----------------------------------------------------------------


def signals_panel(user: Any, area: Area, day: dt.date) -> list[dict[str, Any]]:
    """The day's open signals under ``area`` (the stand-up lists them)."""
    from warroom.supervision.signals import label_of

    rows = (
        signals(user)
        .filter(area__path__under=area.path, day=day, status=SignalStatus.OPEN)
        .order_by("name", "area__path")[:50]
    )
    return [
        {
            "id": s.pk,
            "name": s.name,
            "label": label_of(s.name),
            "area": {"code": s.area.code, "name_zh": s.area.name_zh, "name_en": s.area.name_en},
            "value": s.value,
            "threshold": s.threshold,
            "message": s.message_shown,
            "message_words": s.message_words,
            "evidence": s.evidence,
        }
        for s in rows
    ]


def risks_panel(user: Any, area: Area, day: dt.date, *, days: int = 14) -> list[dict[str, Any]]:
    """The four major risks: their indicators (signals), trend (signals a day) and owner."""
    from warroom.supervision.signals import RISK_INDICATORS, registered

    defs = registered()
    start = day - dt.timedelta(days=days - 1)
    rows = list(
        signals(user)
        .filter(area__path__under=area.path, day__gte=start, day__lte=day)
        .values_list("name", "day")
    )
    owners = {
        r.kind: r
        for r in RiskOwner.objects.restrict(user, "view")
        .filter(area__path__in=_ancestor_paths(area))
        .select_related("owner")
        .order_by("area__depth")
    }
    out = []
    for kind, label in RiskKind.choices:
        names = [n for n, d in defs.items() if d.risk == kind]
        per_day = [0] * days
        for name, when in rows:
            if name in names:
                per_day[(when - start).days] += 1
        owner = owners.get(kind)
        out.append(
            {
                "kind": kind,
                "label": label,
                "indicators": [str(defs[n].label) for n in names],
                "description": str(RISK_INDICATORS.get(kind, "")),
                "trend": per_day,
                "today": per_day[-1],
                "owner": None if owner is None else owner.owner.get_username(),
            }
        )
    return out


def current_plan(user: Any, area: Area, phase: dict[str, Any] | None) -> PhasePlan | None:
    """The plan of the phase declared now (tracked until the next phase is declared)."""
    if not phase or not phase.get("declared"):
        return None
    city = area if area.depth == 0 else Area.objects.filter(path=_ancestor_paths(area)[0]).first()
    return (
        plans(user)
        .filter(area=city, phase=phase["declared"], phase_start=phase.get("start"))
        .prefetch_related("items__task__owner")
        .first()
    )


def plan_panel(
    user: Any, area: Area, phase: dict[str, Any] | None, *, memo: dict[Any, Any] | None = None
) -> dict[str, Any] | None:
    """The city's plan of the declared phase and its lines' progress. ``memo``: a dict
    kept across the areas of one reader (the briefing of the city and its districts) that
    see the same city's plan: each phase's plan read once."""
    if memo is None:
        return _plan_panel(user, area, phase)
    key = (phase or {}).get("declared"), (phase or {}).get("start")
    if key not in memo:
        memo[key] = _plan_panel(user, area, phase)
    return memo[key]  # type: ignore[no-any-return]


def _plan_panel(user: Any, area: Area, phase: dict[str, Any] | None) -> dict[str, Any] | None:
    plan = current_plan(user, area, phase)
    if plan is None:
        return None
    items = list(plan.items.all())
    return {
        "id": plan.pk,
        "phase": plan.phase,
        "since": plan.phase_start.isoformat(),
        "items": [
            {
                "kind": i.kind,
                "title": i.title,
                "target": i.target,
                "owner": i.task.owner.get_username(),
                "deadline": i.task.deadline.date().isoformat(),
                "status": i.task.status,
                "task": i.task_id,
            }
            for i in items
        ],
        "done": sum(1 for i in items if i.task.status == "verified"),
        "total": len(items),
    }


def may_see_accountability(user: Any, area: Area) -> bool:
    return bool(user is not None and user.can("accountability") and in_scope(user, area.path))


def thresholds() -> dict[str, int]:
    return {
        "WARROOM_SIGNAL_PLACE_CASES": settings.WARROOM_SIGNAL_PLACE_CASES,
        "WARROOM_SIGNAL_STAFF_CASES": settings.WARROOM_SIGNAL_STAFF_CASES,
        "WARROOM_SIGNAL_WAITING_PEOPLE": settings.WARROOM_SIGNAL_WAITING_PEOPLE,
        "WARROOM_PRICE_ALERT_PERCENT": settings.WARROOM_PRICE_ALERT_PERCENT,
    }
