"""The rates' counts from the states kept at the cut-off equal the per-person definition.

Random small line lists (people in two districts, some health workers; steps into the
rates' states and severity records every 6 hours around the cut-off, so that records
exactly at a cut-off occur), then rounds of changes and a day's run: records written
(some back-dated before the checkpoint: a late file; some exactly at a cut-off), merges,
moves and changes of workplace, then a day run (the kept states moved forward, kept when
an earlier day is re-run, re-run for the same day). After each run at its cut-off, and at
the end at every cut-off: the rates' counts of every area equal those of the definition, person by
person in Python (docs/supervision.md §5), whichever way they were read (the kept rows
when the checkpoint stands there, else every history), and the kept rows' sums by home
equal the read from scratch.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.cases import cutoff_states
from warroom.cases.clearance import cutoff_for
from warroom.cases.cutoff_models import CutoffCheckpoint
from warroom.cases.models import Person, SeverityRecord, TransitionRecord
from warroom.cases.people import do_merge_people
from warroom.cases.states import Severity, Status
from warroom.core.context import SYSTEM
from warroom.geo.models import Area
from warroom.supervision.selectors import (
    RATE_COUNT_NAMES,
    rate_counts_by_area,
    rate_counts_by_home,
)
from warroom.supervision.signals import is_health_workplace_q

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 4)
DAYS = [DAY + dt.timedelta(days=k) for k in (-2, -1, 0, 1)]
COMPOUNDS = ("990101001001001", "990101001001002", "990102001001001")
# The rates' states most of the time, any other now and then.
TARGETS = [
    "confirmed",
    "admitted",
    "died",
    "discharged",
    "contact",
    "quarantined",
    *(str(s) for s in Status),
]
SEVERITIES = [str(s) for s in Severity]
WORKPLACES = ["", "协和医院", "Wuhan General HOSPITAL", "汉口商贸公司"]
HEALTH_WORDS = ("医院", "卫生院", "卫生服务中心", "诊所", "疾控", "hospital", "clinic")
MILD = ("asymptomatic", "mild", "moderate")
hours = st.integers(-10, 6).map(lambda k: 6 * k)  # around DAY's cut-off, 6 h apart
person = st.fixed_dictionaries(
    {
        "home": st.sampled_from(COMPOUNDS),
        "workplace": st.sampled_from(WORKPLACES),
        "steps": st.lists(st.tuples(hours, st.sampled_from(TARGETS)), max_size=4),
        "severities": st.lists(st.tuples(hours, st.sampled_from(SEVERITIES)), max_size=3),
    }
)
change = st.one_of(
    st.tuples(st.just("step"), st.integers(0, 5), hours, st.sampled_from(TARGETS)),
    st.tuples(st.just("severity"), st.integers(0, 5), hours, st.sampled_from(SEVERITIES)),
    st.tuples(st.just("merge"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("move"), st.integers(0, 5), st.sampled_from(COMPOUNDS)),
    st.tuples(st.just("workplace"), st.integers(0, 5), st.sampled_from(WORKPLACES)),
)
# Each round writes a few changes (none: a plain re-run), then runs a day's cycle.
rounds = st.lists(
    st.tuples(st.lists(change, max_size=3), st.sampled_from(DAYS)), min_size=1, max_size=5
)


class _Rollback(Exception):
    pass


def _counts_by_definition(end: dt.datetime, areas: list[Area]) -> dict[int, dict[str, int]]:
    """docs/supervision.md §5, person by person, from each one's records before ``end``."""
    out = {a.pk: dict.fromkeys(RATE_COUNT_NAMES, 0) for a in areas}
    for p in Person.objects.filter(merged_into__isnull=True).select_related("home"):
        steps = [(s.at, s.target) for s in p.transitions.all() if s.at < end]
        records = [(r.at, r.severity) for r in p.severities.all() if r.at < end]
        confirmed = [at for at, t in steps if t == "confirmed"]
        contact = [at for at, t in steps if t in ("contact", "quarantined")]
        mild = [at for at, v in records if v in MILD]
        c = bool(confirmed)
        facts = {
            "confirmed": c,
            "admitted": c and any(t == "admitted" for _, t in steps),
            "deaths": c and any(t == "died" for _, t in steps),
            "cured": c and any(t == "discharged" for _, t in steps),
            "ever_mild": c and bool(mild),
            "became_severe": c
            and bool(mild)
            and any(at > min(mild) for at, v in records if v in ("severe", "critical")),
            "staff_confirmed": c and any(w.lower() in p.workplace.lower() for w in HEALTH_WORDS),
            "contacts": bool(contact),
            "contacts_confirmed": c and bool(contact) and min(confirmed) > min(contact),
        }
        for a in areas:
            if p.home.path.startswith(a.path):
                for name, fact in facts.items():
                    out[a.pk][name] += fact
    return out


def _some(by_home: dict[int, list[int]]) -> dict[int, list[int]]:
    return {home: row for home, row in by_home.items() if any(row)}


def _check(day: dt.date) -> bool:
    """Whether the kept rows were read (the checkpoint at ``day``'s cut-off)."""
    end = cutoff_for(day)
    areas = list(Area.objects.order_by("path"))
    assert rate_counts_by_area(areas, day) == _counts_by_definition(end, areas)
    kept = cutoff_states.rate_fact_rows(end, is_health_workplace_q)
    if kept is None:
        return False
    assert _some(kept) == _some(rate_counts_by_home(end))
    return True


def _world(people: list[dict], city) -> dt.datetime:
    cut = cutoff_for(DAY)
    for i, p in enumerate(people):
        row = Person.objects.create(
            name=f"p{i}",
            home=city[p["home"]],
            workplace=p["workplace"],
            created_at=cut - dt.timedelta(days=5),
        )
        TransitionRecord.objects.bulk_create(
            TransitionRecord(person=row, target=t, at=cut + dt.timedelta(hours=h))
            for h, t in p["steps"]
        )
        SeverityRecord.objects.bulk_create(
            SeverityRecord(person=row, severity=v, at=cut + dt.timedelta(hours=h))
            for h, v in p["severities"]
        )
    return cut


def _apply(op: tuple, pks: list[int], base: dt.datetime, city) -> None:
    kind, who = op[0], pks[op[1] % len(pks)]
    if kind == "step":
        TransitionRecord.objects.create(
            person_id=who, target=op[3], at=base + dt.timedelta(hours=op[2])
        )
    elif kind == "severity":
        SeverityRecord.objects.create(
            person_id=who, severity=op[3], at=base + dt.timedelta(hours=op[2])
        )
    elif kind == "merge":
        keep, duplicate = Person.objects.get(pk=who), Person.objects.get(pk=pks[op[2] % len(pks)])
        if keep.pk != duplicate.pk and keep.merged_into_id is None is duplicate.merged_into_id:
            do_merge_people(keep, duplicate, actor=SYSTEM)
    elif kind == "move":
        Person.objects.filter(pk=who).update(home=city[op[2]])
    else:
        Person.objects.filter(pk=who).update(workplace=op[2])


@settings(
    max_examples=15,  # a few seconds on a quiet machine; CI runs it on both databases
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(person, min_size=1, max_size=6), rounds)
def test_the_rates_from_the_kept_states_equal_the_definition(city, people, rounds):
    try:
        with transaction.atomic():
            base = _world(people, city)
            pks = list(Person.objects.order_by("pk").values_list("pk", flat=True))
            for changes, day in rounds:
                for op in changes:
                    _apply(op, pks, base, city)
                cutoff_states.do_advance(cutoff_for(day))
                assert (
                    _check(day) == CutoffCheckpoint.objects.filter(moment=cutoff_for(day)).exists()
                )
            for day in DAYS:
                _check(day)
            raise _Rollback
    except _Rollback:
        pass


def test_the_kept_rows_count_what_came_late_or_exactly_at_the_cut_off(city):
    """The kept path itself (not the fall-back), on the cases the histories' reading must
    add: a record exactly at the cut-off (kept as "at or before", counted "before"), a
    late file back-dated before it, and a step after it."""
    cut = cutoff_for(DAY)
    a, b, c = (
        Person.objects.create(name=n, home=city[COMPOUNDS[0]], created_at=cut) for n in "abc"
    )
    TransitionRecord.objects.create(person=a, target=Status.CONTACT, at=cut - dt.timedelta(days=2))
    TransitionRecord.objects.create(person=a, target=Status.CONFIRMED, at=cut)  # at: not before
    TransitionRecord.objects.create(
        person=b, target=Status.CONFIRMED, at=cut - dt.timedelta(days=1)
    )
    SeverityRecord.objects.create(person=b, severity=Severity.MILD, at=cut - dt.timedelta(days=1))
    SeverityRecord.objects.create(person=b, severity=Severity.SEVERE, at=cut)  # at: not before
    cutoff_states.do_advance(cut)
    district = city["990101"]
    counts = rate_counts_by_area([district], DAY)[district.pk]
    assert cutoff_states.rate_fact_rows(cut, is_health_workplace_q) is not None
    assert (counts["confirmed"], counts["contacts"], counts["contacts_confirmed"]) == (1, 1, 0)
    assert (counts["ever_mild"], counts["became_severe"]) == (1, 0)
    # A late file: c confirmed and died before the cut-off; a step after it counts nowhere.
    TransitionRecord.objects.create(
        person=c, target=Status.CONFIRMED, at=cut - dt.timedelta(hours=3)
    )
    TransitionRecord.objects.create(person=c, target=Status.DIED, at=cut - dt.timedelta(hours=1))
    TransitionRecord.objects.create(person=b, target=Status.DIED, at=cut + dt.timedelta(hours=1))
    counts = rate_counts_by_area([district], DAY)[district.pk]
    assert (counts["confirmed"], counts["deaths"]) == (2, 1)
    areas = list(Area.objects.all())
    assert rate_counts_by_area(areas, DAY) == _counts_by_definition(cut, areas)
    # The next day: a's confirmation and b's severe record are now before the cut-off.
    cutoff_states.do_advance(cutoff_for(DAY + dt.timedelta(days=1)))
    after = rate_counts_by_area([district], DAY + dt.timedelta(days=1))[district.pk]
    assert (after["confirmed"], after["contacts_confirmed"], after["became_severe"]) == (3, 1, 1)
    assert after["deaths"] == 2
