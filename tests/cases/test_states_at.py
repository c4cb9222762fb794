"""The daily cycle's set-based "as of the cut-off" figures equal the per-person definition.

On small random histories (people with steps, isolation and severity records, treatment
days; times in steps of 6 hours around the cut-off, so that ties, records exactly at the
cut-off or at the 24 h and 48 h bounds, and records after it occur): every person's state
from :func:`waiting.states_at` (one pass over each history) is :func:`waiting.people_at`'s
(a subquery per person and attribute); the clearance's admit, isolate and treat rows, the
bed balance's waiting counts and the certification's unreleased people are those the
per-person definitions give.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.cases import states, waiting
from warroom.cases.clearance import PERSON_DUTIES, cutoff_for, person_duty_rows, specs
from warroom.cases.models import (
    IsolationRecord,
    Person,
    SeverityRecord,
    TestDueRecord,
    TransitionRecord,
    TreatmentRecord,
)
from warroom.cases.selectors import unreleased_by_compound
from warroom.cases.states import Isolation, Severity, Status

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 4)
COMPOUNDS = ("990101001001001", "990101001001002", "990102001001001")
STATUSES = [str(s) for s in Status]
# Relative to the cut-off, in steps of 6 hours: ties, the 24 h and 48 h bounds, the cut-off.
hours = st.integers(-10, 2).map(lambda k: 6 * k)
person = st.fixed_dictionaries(
    {
        "home": st.sampled_from(COMPOUNDS),
        "created": st.integers(-14, 1).map(lambda k: 6 * k),
        "status": st.sampled_from(["", *STATUSES]),
        "isolation": st.sampled_from([str(i) for i in Isolation]),
        "severity": st.sampled_from(["", *(str(s) for s in Severity)]),
        "merged": st.sampled_from([False, False, False, True]),
        "steps": st.lists(
            st.tuples(hours, st.sampled_from(["", *STATUSES]), st.sampled_from(STATUSES)),
            max_size=4,
        ),
        "isolations": st.lists(
            st.tuples(hours, st.sampled_from([str(i) for i in Isolation])), max_size=2
        ),
        "severities": st.lists(
            st.tuples(hours, st.sampled_from([str(s) for s in Severity])), max_size=2
        ),
        "treated": st.sets(st.integers(-3, 1), max_size=3),  # days relative to DAY
        # the test due now, and its history (when set, to what)
        "due": st.one_of(st.none(), hours),
        "dues": st.lists(st.tuples(hours, st.one_of(st.none(), hours)), max_size=2),
    }
)


def _world(people: list[dict], city) -> dt.datetime:
    cut = cutoff_for(DAY)

    def at(h: int) -> dt.datetime:
        return cut + dt.timedelta(hours=h)

    survivor = None
    for i, p in enumerate(people):
        row = Person.objects.create(
            name=f"p{i}",
            home=city[p["home"]],
            status=p["status"],
            category=states.category_of(p["status"]) or "",
            isolation=p["isolation"],
            severity=p["severity"],
            created_at=at(p["created"]),
            merged_into=survivor if p["merged"] else None,
            next_test_due=None if p.get("due") is None else at(p["due"]),
        )
        survivor = survivor or row
        TransitionRecord.objects.bulk_create(
            TransitionRecord(person=row, source=s, target=t, at=at(h)) for h, s, t in p["steps"]
        )
        IsolationRecord.objects.bulk_create(
            IsolationRecord(person=row, isolation=v, at=at(h)) for h, v in p["isolations"]
        )
        SeverityRecord.objects.bulk_create(
            SeverityRecord(person=row, severity=v, at=at(h)) for h, v in p["severities"]
        )
        TreatmentRecord.objects.bulk_create(
            TreatmentRecord(person=row, date=DAY + dt.timedelta(days=d), at=at(0))
            for d in p["treated"]
        )
        TestDueRecord.objects.bulk_create(
            TestDueRecord(person=row, at=at(h), due=None if due is None else at(due))
            for h, due in p.get("dues", ())
        )
    return cut


def _per_person_duties(cut: dt.datetime) -> dict[str, dict[int, list[int]]]:
    """The admit, isolate and treat rows as the aggregate queries over the per-person
    definitions (``specs``: ``waiting_at`` and ``_untreated_at``) count them."""
    out: dict[str, dict[int, list[int]]] = {str(d): {} for d in PERSON_DUTIES}
    h24, h48 = cut - dt.timedelta(hours=24), cut - dt.timedelta(hours=48)
    for spec in specs(cut):
        if spec.duty not in PERSON_DUTIES:
            continue
        rows = (
            spec.queryset(cut)
            .order_by()
            .values(spec.home)
            .annotate(
                n=Count("pk"),
                o24=Count("pk", filter=spec.older_than(h24)),
                o48=Count("pk", filter=spec.older_than(h48)),
                pri=Count("pk", filter=spec.priority or Q(pk__in=[])),
            )
        )
        for r in rows:
            out[str(spec.duty)][r[spec.home]] = [r["n"], r["o24"], r["o48"], r["pri"]]
    return out


def _unreleased_person_by_person(end: dt.datetime) -> list[tuple[int, str, int]]:
    counts: dict[tuple[int, str], int] = {}
    for p in Person.objects.filter(merged_into__isnull=True):
        steps = sorted(
            ((s.at, s.pk, s.target) for s in p.transitions.all() if s.at < end), reverse=True
        )
        if steps and steps[0][2] in states.UNRELEASED:
            key = (p.home_id, steps[0][2])
            counts[key] = counts.get(key, 0) + 1
    return sorted((h, s, n) for (h, s), n in counts.items())


class _Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(person, min_size=1, max_size=6), st.booleans())
def test_set_based_figures_equal_the_per_person_definition(city, people, listed):
    # ``listed``: the people with records after the moment read as an IN list (few records)
    # or, past waiting.HASHED_LATER records (here: from the first), by EXISTS per person
    saved = waiting.HASHED_LATER
    waiting.HASHED_LATER = saved if listed else 0
    try:
        with transaction.atomic():
            cut = _world(people, city)
            nows = [waiting.waiting_filter(), Q(status=Status.ADMITTED)]
            fast = {s.pk: s for s in waiting.states_at(cut, nows)}
            for i, now in enumerate(nows):
                slow = {
                    p.pk: (
                        p.home_id,
                        p.status_at,
                        p.isolation_at,
                        p.severity_at,
                        p.confirmed_at_at,
                        p.entered_at,
                    )
                    for p in waiting.people_at(cut, now=now)
                }
                mine = {
                    pk: (
                        s.home_id,
                        s.status,
                        s.isolation,
                        s.severity,
                        s.confirmed_at,
                        s.entered_at,
                    )
                    for pk, s in fast.items()
                    if s.now[i]
                }
                assert mine == slow
            assert person_duty_rows(cut) == _per_person_duties(cut)
            old_counts: dict[tuple[int, str], int] = {}
            for r in (
                waiting.waiting_at(cut).order_by().values("home_id", "need").annotate(n=Count("pk"))
            ):
                key = (r["home_id"], waiting.BED_TYPE_OF_NEED[r["need"]])
                old_counts[key] = old_counts.get(key, 0) + r["n"]
            assert waiting.waiting_counts(DAY) == old_counts
            assert sorted(unreleased_by_compound(cut)) == _unreleased_person_by_person(cut)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        waiting.HASHED_LATER = saved
