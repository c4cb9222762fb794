"""What case management gives the other apps: case facts, decertification, daily steps.

- Certification reads per-compound case facts through the provider registry of
  ``warroom.communities.facts`` (communities does not import cases).
- A newly confirmed case decertifies its compound and every ancestor at once
  (``on_new_cases``, called in the same transaction wherever transitions are written:
  one person's form or API call, and every bulk import or API batch).
- The bed balance counts the people waiting for a bed through the waiting provider of
  ``warroom.beds.waiting`` (:func:`warroom.cases.waiting.waiting_counts`).
- The daily cycle computes the clearance and the line-list aggregates for the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.core.context import SYSTEM
from warroom.core.words import say


def case_facts(as_of: dt.date) -> dict[int, Any]:
    from warroom.cases.selectors import compound_case_facts
    from warroom.communities.facts import CaseFacts

    return {
        area_id: CaseFacts(
            last_confirmed=f["last_confirmed"],
            unreleased=sum(f["unreleased"].values()),
            open_backlog=f["backlog"],
        )
        for area_id, f in compound_case_facts(as_of).items()
    }


def on_confirmed(person: Any, at: dt.datetime, *, actor: Any) -> None:
    """A case confirmed: its home compound and every ancestor lose the epidemic-free status."""
    if person.home_id is None:
        return
    on_confirmed_at(person.home, at, person.pk, actor=actor)


def on_new_cases(steps: Any, *, actor: Any) -> int:
    """Decertify at once the compounds (and every ancestor) of the steps into ``confirmed``.

    Called wherever transitions are written (one person or a bulk import / API batch),
    in the same transaction. A compound is visited once, at its earliest new case. Only
    chains with a certified unit on the latest computed day up to the case's day, or on a
    later computed day, are touched (the others are not certified; the next run adds the
    case as its reason): a file of thousands of confirmations costs two queries when
    nothing around them is certified. Returns the number of compounds decertified.
    """
    from warroom.cases.states import Status
    from warroom.communities.models import Certification, CertificationStatus
    from warroom.geo.models import Area

    first: dict[int, Any] = {}
    for step in steps:
        if step.target != Status.CONFIRMED:
            continue
        person = step.person
        home = getattr(person, "home_id", None)
        if home is not None and (home not in first or step.at < first[home][0]):
            first[home] = (step.at, person.pk)
    if not first:
        return 0
    earliest = timezone.localdate(min(at for at, _ in first.values()))
    last = (
        CertificationStatus.objects.filter(date__lte=earliest)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    certified = set(
        CertificationStatus.objects.filter(
            status=Certification.CERTIFIED, date__gte=last or earliest
        ).values_list("area__path", flat=True)
    )
    if not certified:
        return 0
    done = 0
    for area in Area.objects.filter(pk__in=list(first)).only("pk", "code", "path", "level"):
        parts = [p for p in area.path.split("/") if p]
        chain = {"/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))}
        if not chain & certified:
            continue
        at, pk = first[area.pk]
        on_confirmed_at(area, at, pk, actor=actor)
        done += 1
    return done


def on_confirmed_at(area: Any, at: dt.datetime, person_id: int, *, actor: Any) -> None:
    from warroom.communities.services import do_decertify_on_new_case

    reason = say(
        gettext_noop("confirmed case #%(id)s (%(day)s)"),
        id=person_id,
        day=timezone.localdate(at).isoformat(),
    )
    do_decertify_on_new_case(area, at, reason, actor=actor)


def _clearance_step(day: dt.date) -> str:
    from warroom.cases.clearance import do_compute_clearance

    result = do_compute_clearance(day, actor=SYSTEM)
    backlog = sum(result.city_totals.values())
    return f"{result.rows} area backlogs stored; city backlog {backlog}"


def _states_step(day: dt.date) -> str:
    from warroom.cases.clearance import cutoff_for
    from warroom.cases.cutoff_states import do_advance

    return do_advance(cutoff_for(day))


def _aggregates_step(day: dt.date) -> str:
    from warroom.surveillance.services import do_compute_daily_aggregates

    return f"{do_compute_daily_aggregates(day, actor=SYSTEM)} areas with line-list figures"


def _facts_step(day: dt.date) -> str:
    from warroom.cases.clearance import cutoff_for
    from warroom.cases.selectors import history_facts

    last_confirmed, unreleased = history_facts(cutoff_for(day))
    return (
        f"{len(last_confirmed)} compounds with a confirmed case; "
        f"{sum(n for _home, _status, n in unreleased)} people not released"
    )


def _certification_step(day: dt.date) -> str:
    from warroom.communities.services import do_recompute_certification

    result = do_recompute_certification(day, actor=SYSTEM)
    if not result.known:
        return "no case data: certification unknown"
    return f"{result.certified} of {result.areas} units certified"


def register() -> None:
    from warroom.beds.waiting import register_waiting_provider
    from warroom.cases.waiting import waiting_counts
    from warroom.communities.facts import register_case_facts_provider
    from warroom.core.daily import register_step

    register_case_facts_provider(case_facts)
    register_waiting_provider(waiting_counts)
    register_step("cases.states", _states_step, label="截点状态 / states at the cut-off")
    register_step(
        "cases.clearance",
        _clearance_step,
        after=("cases.states",),
        label="日清日结 / daily clearance",
    )
    register_step(
        "surveillance.aggregates", _aggregates_step, label="日报汇总 / line-list aggregates"
    )
    # The certification's case facts but the backlog: read beside the clearance (two
    # steps at a time) and handed to the certification (warroom.core.daily.shared).
    register_step(
        "cases.facts",
        _facts_step,
        after=("cases.states",),
        label="小区病例事实 / compounds' case facts",
    )
    register_step(
        "communities.certification",
        _certification_step,
        after=("cases.clearance", "cases.states", "cases.facts"),
        label="无疫情认定 / epidemic-free certification",
    )
