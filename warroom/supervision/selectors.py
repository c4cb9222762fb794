"""Reading supervision with permission; the rates' one selector; the dashboard's panels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from warroom.core.scoping import in_scope, lineage_paths, load_for
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
    confirmed" those of them confirmed after it. Each person's facts are defined once, by
    :func:`warroom.cases.cutoff_states.rate_facts` (read from the histories, or kept at
    the daily cut-off beside the person's state).
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


# The rates' counts of the facts kept per person (warroom.cases.cutoff_states.RATE_FACTS),
# in their order; the confirmed health workers counted beside them.
_COUNT_OF_FACT = {
    "ever_confirmed": "confirmed",
    "ever_admitted": "admitted",
    "ever_died": "deaths",
    "ever_discharged": "cured",
    "ever_mild": "ever_mild",
    "became_severe": "became_severe",
    "ever_contact": "contacts",
    "contact_confirmed": "contacts_confirmed",
}


def rate_counts_by_area(areas: list[Area], day: dt.date) -> dict[int, dict[str, int]]:
    """:func:`rate_counts` of several areas in one pass over the line list.

    Counted by home compound, then each home added to the areas that contain it. At the
    daily cut-off the facts come from the states kept there (``cases.states`` moves them
    forward a day at a time: :func:`warroom.cases.cutoff_states.rate_fact_rows`), else
    from every person's histories (:func:`rate_counts_by_home`, the definition)."""
    from warroom.cases import cutoff_states
    from warroom.cases.clearance import cutoff_for
    from warroom.geo.subtrees import Subtrees, under_any
    from warroom.supervision.signals import is_health_workplace_q

    out = {a.pk: dict.fromkeys(RATE_COUNT_NAMES, 0) for a in areas}
    if not areas:
        return out
    end = cutoff_for(day)
    by_home = cutoff_states.rate_fact_rows(end, is_health_workplace_q)
    if by_home is None:
        by_home = rate_counts_by_home(end)
    names = [_COUNT_OF_FACT[f] for f in cutoff_states.RATE_FACTS] + ["staff_confirmed"]
    paths = dict(Area.objects.filter(under_any("path", areas)).order_by().values_list("pk", "path"))
    holding = Subtrees(areas)
    # The homes summed by the areas that hold them (a handful of distinct sets of areas:
    # the city and one district), then each sum added to its areas: not every home's
    # counts added to each of its areas name by name (14,000 homes at the W1 peak).
    sums: dict[int, tuple[list[int], list[int]]] = {}  # id of the areas' list -> (areas, sum)
    for home, counts in by_home.items():
        path = paths.get(home)
        if path is None:
            continue  # not under the areas asked
        held = holding.of(path)
        found = sums.get(id(held))
        if found is None:
            found = sums[id(held)] = (held, [0] * len(names))
        total = found[1]
        for i, n in enumerate(counts):
            total[i] += n
    for held, total in sums.values():
        for k in held:
            row = out[k]
            for name, n in zip(names, total, strict=True):
                row[name] += n
    return out


def rate_counts_by_home(end: dt.datetime) -> dict[int, list[int]]:
    """The people (not merged) with each of the rates' facts strictly before ``end``
    (:func:`warroom.cases.cutoff_states.rate_facts`, from every history), and the
    confirmed health workers, summed by their home: ``{home: [n per fact, n staff]}``."""
    from warroom.cases import cutoff_states
    from warroom.cases.models import Person, TransitionRecord
    from warroom.cases.states import Status
    from warroom.supervision.signals import is_health_workplace_q

    facts = cutoff_states.rate_facts(end, strict=True)
    # The confirmed health workers: the confirmed by a subquery, not a list of thousands
    # of ids (each one a parameter to prepare).
    confirmed = TransitionRecord.objects.filter(target=Status.CONFIRMED, at__lt=end)
    staff = set(
        Person.objects.filter(pk__in=confirmed.values("person_id"))
        .filter(is_health_workplace_q())
        .values_list("pk", flat=True)
    )
    out: dict[int, list[int]] = {}
    width = len(cutoff_states.RATE_FACTS) + 1
    people = Person.objects.filter(merged_into__isnull=True, home__isnull=False).order_by()
    for pk, home in people.values_list("pk", "home_id"):
        found = facts.get(pk)
        if found is None:
            continue
        row = out.get(home)
        if row is None:
            row = out[home] = [0] * width
        for i, fact in enumerate(found):
            row[i] += fact
        row[-1] += found[0] and pk in staff
    return out


def current_targets(user: Any, area: Area) -> dict[str, RateTarget]:
    """The latest target of each rate that holds for ``area`` (its own, else the city's)."""
    return current_targets_of(user, [area])[area.pk]


def current_targets_of(user: Any, areas: list[Area]) -> dict[int, dict[str, RateTarget]]:
    """:func:`current_targets` of several areas, their ancestors' targets read once."""
    ancestors = {a.pk: set(lineage_paths(a.path)) for a in areas}
    rows = list(
        RateTarget.objects.restrict(user, "view")
        .filter(area__path__in=sorted(set().union(*ancestors.values())))
        .select_related("area")
        .order_by("-area__depth", "-set_at", "-pk")
    )
    out: dict[int, dict[str, RateTarget]] = {}
    for a in areas:
        found: dict[str, RateTarget] = {}
        for row in rows:
            if row.area.path in ancestors[a.pk]:
                found.setdefault(row.metric, row)
        out[a.pk] = found
    return out


def rates_panel(user: Any, area: Area, day: dt.date, *, days: int = 14) -> dict[str, Any]:
    """Each rate of ``area`` on ``day``, its trend over the stored days, and its target."""
    return rates_panels(user, [area], day, days=days)[area.pk]


def rates_panels(
    user: Any, areas: list[Area], day: dt.date, *, days: int = 14
) -> dict[int, dict[str, Any]]:
    """:func:`rates_panel` of several areas: their stored days and targets read once."""
    from warroom.analytics.rates import METRICS, RATES, meets_target, rates_of, trend

    by_area: dict[int, list[RateDay]] = {a.pk: [] for a in areas}
    for r in (
        RateDay.objects.restrict(user, "view")
        .filter(area__in=areas, day__lte=day, day__gt=day - dt.timedelta(days=days))
        .order_by("day")
    ):
        by_area[r.area_id].append(r)
    all_targets = current_targets_of(user, [a for a in areas if by_area[a.pk]])
    out: dict[int, dict[str, Any]] = {}
    for area in areas:
        rows = by_area[area.pk]
        if not rows:
            out[area.pk] = {"day": day.isoformat(), "metrics": [], "dates": []}
            continue
        counts = {
            name: np.array([r.counts.get(name, 0) for r in rows], dtype=np.int64)
            for pair in RATES.values()
            for name in pair
        }
        values = rates_of(counts)
        targets = all_targets[area.pk]
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
        out[area.pk] = {
            "day": day.isoformat(),
            "dates": [r.day.isoformat() for r in rows],
            "metrics": metrics,
        }
    return out


# --- signals, risks, plans ----------------------------------------------------------------


def signals_panel(user: Any, area: Area, day: dt.date) -> list[dict[str, Any]]:
    """The day's open signals under ``area`` (the stand-up lists them)."""
    return signals_panels(user, [area], day)[area.pk]


SIGNALS_SHOWN = 50


def signals_panels(user: Any, areas: list[Area], day: dt.date) -> dict[int, list[dict[str, Any]]]:
    """:func:`signals_panel` of several areas: the day's open signals under them read once
    (a signal is one per name, area and day: the order is total)."""
    from warroom.geo.subtrees import Subtrees, under_any
    from warroom.supervision.signals import label_of

    rows = (
        signals(user)
        .filter(under_any("area__path", areas), day=day, status=SignalStatus.OPEN)
        .order_by("name", "area__path")
    )
    split = Subtrees(areas).split(rows, lambda s: s.area.path)
    return {
        pk: [
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
            for s in found[:SIGNALS_SHOWN]
        ]
        for pk, found in split.items()
    }


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
        .filter(area__path__in=lineage_paths(area.path))
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
    key = _plan_key(phase)
    return current_plans(user, {key: area})[key]


def current_plans(
    user: Any, wanted: dict[tuple[Any, Any], Area]
) -> dict[tuple[Any, Any], PhasePlan | None]:
    """:func:`current_plan` of several phases ((declared, start) -> an area of the city
    whose plan is wanted), in one query: a plan is one per city, phase and start."""
    out: dict[tuple[Any, Any], PhasePlan | None] = dict.fromkeys(wanted)
    todo = {k: a for k, a in wanted.items() if k[0]}  # no phase declared: no plan
    if not todo:
        return out
    cities = {k: a.path if a.depth == 0 else lineage_paths(a.path)[0] for k, a in todo.items()}
    found = {
        (p.area.path, p.phase, p.phase_start.isoformat()): p
        for p in plans(user)
        .filter(
            area__path__in=set(cities.values()),
            phase__in={k[0] for k in todo},
            phase_start__in={k[1] for k in todo if k[1] is not None},
        )
        .prefetch_related("items__task__owner")
    }
    for key in todo:
        out[key] = found.get((cities[key], key[0], str(key[1])))
    return out


def plan_panel(
    user: Any, area: Area, phase: dict[str, Any] | None, *, memo: dict[Any, Any] | None = None
) -> dict[str, Any] | None:
    """The city's plan of the declared phase and its lines' progress. ``memo``: a dict
    kept across the areas of one reader (the briefing of the city and its districts) that
    see the same city's plan: each phase's plan read once."""
    return plan_panels(user, [area], {area.pk: phase}, memo=memo)[area.pk]


def _plan_key(phase: dict[str, Any] | None) -> tuple[Any, Any]:
    return (phase or {}).get("declared"), (phase or {}).get("start")


def plan_panels(
    user: Any,
    areas: list[Area],
    phases: dict[int, dict[str, Any] | None],
    *,
    memo: dict[Any, Any] | None = None,
) -> dict[int, dict[str, Any] | None]:
    """:func:`plan_panel` of several areas of one city (``phases``: each area's phase, by
    id): the city's plans of the phases they declare read in one query (a plan is one per
    city, phase and start), and its lines with it."""
    memo = {} if memo is None else memo
    keys = {a.pk: _plan_key(phases.get(a.pk)) for a in areas}
    todo = {k: a for a in areas if (k := keys[a.pk]) not in memo}
    for key, plan in current_plans(user, todo).items():
        memo[key] = None if plan is None else _plan_payload(plan)
    return {a.pk: memo[keys[a.pk]] for a in areas}


def _plan_payload(plan: PhasePlan) -> dict[str, Any]:
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
