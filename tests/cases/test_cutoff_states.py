"""The states kept from one daily cut-off to the next give what a read from scratch gives.

Random small histories (those of ``test_states_at``), then a random sequence of days run
(the checkpoint moved forward, kept when a day earlier than it is re-run, re-run for the
same day as ``daily --force`` does) and of records written in between, some back-dated
before the checkpoint (a late file) or exactly at a cut-off. After each step, at every
cut-off: each person's state, the clearance's admit/isolate/treat rows, the bed balance's
waiting counts, the tests owed by age band and certification's unreleased people equal
the per-person definitions (and the states equal a read of the whole histories).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.test_states_at import (
    DAY,
    STATUSES,
    _per_person_duties,
    _unreleased_person_by_person,
    _world,
    person,
)
from warroom.cases import cutoff_states, states, waiting
from warroom.cases.clearance import _owed_tests, _owing_test_at, cutoff_for, person_duty_rows
from warroom.cases.cutoff_models import CutoffCheckpoint
from warroom.cases.models import (
    IsolationRecord,
    Person,
    SeverityRecord,
    TestDueRecord,
    TransitionRecord,
)
from warroom.cases.selectors import compound_case_facts, unreleased_by_compound
from warroom.cases.states import Isolation, Severity, Status

pytestmark = pytest.mark.django_db
DAYS = [DAY + dt.timedelta(days=k) for k in (-2, -1, 0, 1)]
hours = st.integers(-10, 6).map(lambda k: 6 * k)  # around DAY's cut-off, 6 h apart
operation = st.one_of(
    st.tuples(st.just("run"), st.sampled_from(DAYS)),
    st.tuples(
        st.just("step"), st.integers(0, 5), hours, st.sampled_from(STATUSES)
    ),  # a transition (late when before the checkpoint)
    st.tuples(st.just("isolation"), st.integers(0, 5), hours, st.sampled_from(list(Isolation))),
    st.tuples(st.just("severity"), st.integers(0, 5), hours, st.sampled_from(list(Severity))),
    # a test falling due (or none owed) from a moment: the tests owed, counted by age band
    # in the database from the kept states, against their per-person definition
    st.tuples(st.just("due"), st.integers(0, 5), hours, st.one_of(st.none(), hours)),
)


class _Rollback(Exception):
    pass


def _check(day: dt.date) -> None:
    cut = cutoff_for(day)
    everyone = list(Person.objects.values_list("pk", flat=True))
    kept = cutoff_states.states_of(cut, everyone)
    if kept is not None:
        scratch = cutoff_states.histories(cut, everyone)
        assert {k: v for k, v in kept.items() if k in set(everyone)} == scratch
    assert person_duty_rows(cut) == _per_person_duties(cut)
    old_counts: dict[tuple[int, str], int] = {}
    for r in waiting.waiting_at(cut).order_by().values("home_id", "need").annotate(n=Count("pk")):
        key = (r["home_id"], waiting.BED_TYPE_OF_NEED[r["need"]])
        old_counts[key] = old_counts.get(key, 0) + r["n"]
    assert waiting.waiting_counts(day) == old_counts
    assert sorted(unreleased_by_compound(cut)) == _unreleased_person_by_person(cut)
    assert compound_case_facts(day) == _case_facts_person_by_person(cut)
    assert sorted(cutoff_states.steps_at(cut).values_list("pk", flat=True)) == sorted(
        pk for pk, at in TransitionRecord.objects.values_list("pk", "at") if at == cut
    )
    assert _owed_tests_by_home(_owed_tests, cut) == _owed_tests_by_home(None, cut)


def _case_facts_person_by_person(end: dt.datetime) -> dict[int, dict]:
    """Certification's case facts (DESIGN §3.6) by their definition, one person at a time:
    the home's latest step into confirmed before ``end``, and its people whose last step
    before ``end`` is into an unreleased status (no clearance run here: no backlog)."""
    facts: dict[int, dict] = {}

    def entry(home: int) -> dict:
        return facts.setdefault(
            home,
            {
                "last_confirmed": None,
                "unreleased": {"suspected": 0, "febrile": 0, "contact": 0},
                "backlog": 0,
                "backlog_date": None,
            },
        )

    for p in Person.objects.filter(merged_into__isnull=True):
        steps = sorted(
            ((s.at, s.pk, s.target) for s in p.transitions.all() if s.at < end), reverse=True
        )
        confirmed = [at for at, _pk, target in steps if target == Status.CONFIRMED]
        if confirmed:
            day = timezone.localdate(max(confirmed))
            e = entry(p.home_id)
            e["last_confirmed"] = max(filter(None, [e["last_confirmed"], day]))
        if steps and steps[0][2] in states.UNRELEASED:
            entry(p.home_id)["unreleased"][states.category_of(steps[0][2])] += 1
    return facts


def _owed_tests_by_home(read, cut: dt.datetime) -> dict[int, list[int]]:
    """The tests owed per home: by the clearance's reader (``read``; the states kept at
    the cut-off when it stands there), or by the definition (``_owing_test_at``)."""
    h24, h48 = cut - dt.timedelta(hours=24), cut - dt.timedelta(hours=48)
    annotations = {
        "n": Count("pk"),
        "o24": Count("pk", filter=Q(due_at__lte=h24)),
        "o48": Count("pk", filter=Q(due_at__lte=h48)),
    }
    rows = (
        read(cut)
        if read is not None
        else _owing_test_at(cut).order_by().values("home_id").annotate(**annotations)
    )
    out: dict[int, list[int]] = {}
    for r in rows:
        row = out.setdefault(r["home_id"], [0, 0, 0])
        for i, k in enumerate(("n", "o24", "o48")):
            row[i] += r[k]
    return out


@settings(
    max_examples=10,  # a few seconds on a quiet machine; CI runs it on both databases
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(person, min_size=1, max_size=5),
    st.lists(operation, min_size=1, max_size=8),
    st.booleans(),
)
def test_kept_states_equal_a_read_from_scratch(city, people, operations, listed):
    # ``listed``: the people with records after a moment read as an IN list (few records)
    # or, past waiting.HASHED_LATER records (here: from the first), by EXISTS per person
    saved = waiting.HASHED_LATER
    waiting.HASHED_LATER = saved if listed else 0
    try:
        with transaction.atomic():
            base = _world(people, city)
            pks = list(Person.objects.order_by("pk").values_list("pk", flat=True))
            used = False
            for op in operations:
                if op[0] == "run":
                    cutoff_states.do_advance(cutoff_for(op[1]))
                    used = used or CutoffCheckpoint.objects.exists()
                    _check(op[1])
                    continue
                _kind, who, h, value = op
                pk, at = pks[who % len(pks)], base + dt.timedelta(hours=h)
                if op[0] == "step":
                    TransitionRecord.objects.create(person_id=pk, target=value, at=at)
                elif op[0] == "isolation":
                    IsolationRecord.objects.create(person_id=pk, isolation=value, at=at)
                elif op[0] == "due":
                    due = None if value is None else base + dt.timedelta(hours=value)
                    TestDueRecord.objects.create(person_id=pk, due=due, at=at)
                else:
                    SeverityRecord.objects.create(person_id=pk, severity=value, at=at)
            for day in DAYS:
                _check(day)
            assert used == any(op[0] == "run" for op in operations)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        waiting.HASHED_LATER = saved


def test_a_later_day_moves_the_checkpoint_and_an_earlier_one_keeps_it(city):
    cut = cutoff_for(DAY)
    p = Person.objects.create(name="a", home=city["990101001001001"], created_at=cut)
    TransitionRecord.objects.create(person=p, target=Status.CONFIRMED, at=cut)
    assert "from scratch" in cutoff_states.do_advance(cut)
    assert cutoff_states.states_of(cut, [p.pk])[p.pk][0] == Status.CONFIRMED
    # A late file: admitted before the cut-off, written after the checkpoint.
    TransitionRecord.objects.create(
        person=p, target=Status.ADMITTED, at=cut - dt.timedelta(hours=1)
    )
    assert cutoff_states.states_of(cut, [p.pk])[p.pk][0] == Status.CONFIRMED  # later by time
    TransitionRecord.objects.create(
        person=p, source=Status.CONFIRMED, target=Status.ADMITTED, at=cut + dt.timedelta(hours=1)
    )
    later = cutoff_for(DAY + dt.timedelta(days=1))
    assert "1 people" in cutoff_states.do_advance(later)
    assert cutoff_states.states_of(later, [p.pk])[p.pk][0] == Status.ADMITTED
    assert cutoff_states.states_of(cut, [p.pk]) is None  # not the checkpoint: from scratch
    assert "kept at the later" in cutoff_states.do_advance(cut)
    assert CutoffCheckpoint.objects.get().moment == later
    cutoff_states.forget()
    assert cutoff_states.states_of(later, [p.pk]) is None
    assert "from scratch" in cutoff_states.do_advance(later)


def test_a_late_file_into_an_issued_day_makes_a_new_revision_not_a_silent_rewrite(city):
    """DESIGN §3.2: what was issued for a day is never overwritten. A record back-dated
    into a day already issued is read by that day's re-run whatever the checkpoint (here
    moved past it), and the clearance shows it as revision 2 with what changed."""
    from warroom.cases.clearance import do_compute_clearance
    from warroom.cases.models import ClearanceRevision
    from warroom.core.context import SYSTEM

    cut = cutoff_for(DAY)
    p = Person.objects.create(
        name="a",
        home=city["990101001001001"],
        created_at=cut - dt.timedelta(days=3),
        status=Status.SUSPECTED,
        isolation=Isolation.QUARANTINE,
    )
    TransitionRecord.objects.create(
        person=p, target=Status.SUSPECTED, at=cut - dt.timedelta(days=2)
    )
    IsolationRecord.objects.create(
        person=p, isolation=Isolation.QUARANTINE, at=cut - dt.timedelta(days=2)
    )
    cutoff_states.do_advance(cut)
    first = do_compute_clearance(DAY, actor=SYSTEM)
    assert first.revision == 1 and first.city_totals["admit"] == 0
    # Filed the next day: he had been confirmed before DAY's cut-off.
    TransitionRecord.objects.create(
        person=p,
        source=Status.SUSPECTED,
        target=Status.CONFIRMED,
        at=cut - dt.timedelta(hours=5),
    )
    Person.objects.filter(pk=p.pk).update(status=Status.CONFIRMED)
    cutoff_states.do_advance(cutoff_for(DAY + dt.timedelta(days=1)))
    again = do_compute_clearance(DAY, actor=SYSTEM)
    assert again.revision == 2 and again.city_totals["admit"] == 1
    assert ClearanceRevision.objects.get(date=DAY).city["admit"] == 0  # the issued one kept
    # The next day, from the kept states, counts him too.
    assert do_compute_clearance(DAY + dt.timedelta(days=1), actor=SYSTEM).city_totals["admit"] == 1


def test_a_back_dated_record_with_nothing_since_is_read_whole(city):
    """The advance brings a row forward by the records timed since the checkpoint; a
    record written after the checkpoint but timed before it (a late file) is not among
    them, so its person is rebuilt from all his records: his state and facts at the next
    cut-off are the late step's, not the stale row's."""
    from warroom.cases.cutoff_models import CutoffState

    cut = cutoff_for(DAY)
    p = Person.objects.create(name="a", home=city["990101001001001"], created_at=cut)
    TransitionRecord.objects.create(
        person=p, target=Status.SUSPECTED, at=cut - dt.timedelta(hours=9)
    )
    cutoff_states.do_advance(cut)
    # Filed late: confirmed before the cut-off; nothing of his since.
    TransitionRecord.objects.create(
        person=p,
        source=Status.SUSPECTED,
        target=Status.CONFIRMED,
        at=cut - dt.timedelta(hours=2),
    )
    later = cutoff_for(DAY + dt.timedelta(days=1))
    cutoff_states.do_advance(later)
    row = CutoffState.objects.get(person=p)
    assert (row.status, row.confirmed_at, row.ever_confirmed) == (
        Status.CONFIRMED,
        cut - dt.timedelta(hours=2),
        True,
    )
    assert cutoff_states.states_of(later, [p.pk]) == cutoff_states.histories(later, [p.pk])


def test_records_since_the_checkpoint_move_a_row_forward_history_by_history(city):
    """Each history brings its own columns forward: a new isolation record changes the
    isolation and leaves the step's status and moments as kept; a step exactly at the
    checkpoint's moment, written after it, wins over the kept one at the same moment (by
    id); the facts count all of the person's records."""
    from warroom.cases.cutoff_models import CutoffState

    cut = cutoff_for(DAY)
    p = Person.objects.create(name="a", home=city["990101001001001"], created_at=cut)
    TransitionRecord.objects.create(person=p, target=Status.CONTACT, at=cut)
    IsolationRecord.objects.create(person=p, isolation=Isolation.HOME, at=cut)
    SeverityRecord.objects.create(person=p, severity=Severity.MILD, at=cut)
    cutoff_states.do_advance(cut)
    IsolationRecord.objects.create(
        person=p, isolation=Isolation.QUARANTINE, at=cut + dt.timedelta(hours=3)
    )
    later = cutoff_for(DAY + dt.timedelta(days=1))
    cutoff_states.do_advance(later)
    row = CutoffState.objects.get(person=p)
    assert (row.status, row.isolation, row.severity) == (
        Status.CONTACT,
        Isolation.QUARANTINE,
        Severity.MILD,
    )
    assert (row.ever_contact, row.ever_confirmed) == (True, False)
    # At the new checkpoint's very moment, written after it: later than the kept step.
    TransitionRecord.objects.create(
        person=p, source=Status.CONTACT, target=Status.CONFIRMED, at=later
    )
    TransitionRecord.objects.create(
        person=p, source=Status.CONFIRMED, target=Status.ADMITTED, at=later
    )
    last = cutoff_for(DAY + dt.timedelta(days=2))
    cutoff_states.do_advance(last)
    row = CutoffState.objects.get(person=p)
    assert (row.status, row.confirmed_at, row.admitted_at) == (Status.ADMITTED, later, later)
    assert (row.ever_confirmed, row.ever_admitted, row.contact_confirmed, row.ever_mild) == (
        True,
        True,
        True,
        True,
    )
    assert cutoff_states.states_of(last, [p.pk]) == cutoff_states.histories(last, [p.pk])
    assert cutoff_states.rate_facts(last, [p.pk], strict=True)[p.pk] == tuple(
        getattr(row, name) for name in cutoff_states.RATE_FACTS
    )


def test_the_tests_owed_at_the_checkpoint_fall_in_the_bands_their_last_due_record_says(city):
    """The tests owed counted by age band in the database from the kept states (one read of
    each person's last due record) against ``_owing_test_at``, person by person: a due
    exactly at the cut-off and at the 24 h and 48 h bounds, a last record with no test
    owed, records only after the cut-off (none owed then, whatever he owes now), no record
    at all (his present ``next_test_due``), and a record written after the checkpoint."""
    cut = cutoff_for(DAY)
    home = city["990101001001001"]

    def h(k: float) -> dt.datetime:
        return cut + dt.timedelta(hours=k)

    def contact(name: str, due: dt.datetime | None, dues=()) -> Person:
        p = Person.objects.create(
            name=name,
            home=home,
            created_at=h(-72),
            status=Status.CONTACT,
            category="contact",
            next_test_due=due,
        )
        TransitionRecord.objects.create(person=p, target=Status.CONTACT, at=h(-72))
        for at, d in dues:
            TestDueRecord.objects.create(person=p, at=at, due=d)
        return p

    contact("at the cut-off", h(0), [(h(-30), h(0))])
    contact("24 h", h(-24), [(h(-30), h(-24))])
    contact("48 h", h(-48), [(h(-60), h(-48))])
    contact("just under 24 h", h(-23), [(h(-30), h(-23))])
    contact("none owed then", h(-5), [(h(-50), h(-49)), (h(-6), None)])
    contact("only after", h(-49), [(h(1), h(-49))])
    contact("no record", h(-49))
    contact("not yet", h(1), [(h(-10), h(1))])
    late = contact("late", h(-30), [(h(-40), h(5))])
    cutoff_states.do_advance(cut)
    TestDueRecord.objects.create(person=late, at=h(-20), due=h(-30))  # after the checkpoint

    def by_definition() -> dict[int, list[int]]:
        return _owed_tests_by_home(None, cut)

    assert _owed_tests_by_home(_owed_tests, cut) == by_definition() == {home.pk: [6, 4, 2]}


def test_certifications_unreleased_people_leave_out_the_merged_ones(city):
    """The unreleased people by home from the kept rows (grouped by a per-row look-up of
    the person's home on PostgreSQL, a join elsewhere) count a person merged after the
    advance nowhere, whether his row is read or he is read from his history, and equal
    the person-by-person definition."""
    cut = cutoff_for(DAY)
    home = city["990101001001001"]
    a, b, c = (Person.objects.create(name=n, home=home, created_at=cut) for n in "abc")
    for p in (a, b, c):
        TransitionRecord.objects.create(
            person=p, target=Status.SUSPECTED, at=cut - dt.timedelta(hours=5)
        )
    cutoff_states.do_advance(cut)
    unreleased = sorted(states.UNRELEASED)
    assert cutoff_states.unreleased_rows(cut, unreleased) == [(home.pk, Status.SUSPECTED, 3)]
    Person.objects.filter(pk=b.pk).update(merged_into=a)  # a duplicate found: kept row stays
    assert cutoff_states.unreleased_rows(cut, unreleased) == [(home.pk, Status.SUSPECTED, 2)]
    assert sorted(unreleased_by_compound(cut)) == _unreleased_person_by_person(cut)
    # c read from his history (a record written since the rows), then merged too
    TransitionRecord.objects.create(person=c, target=Status.CONTACT, at=cut + dt.timedelta(hours=1))
    Person.objects.filter(pk=c.pk).update(merged_into=a)
    assert cutoff_states.unreleased_rows(cut, unreleased) == [(home.pk, Status.SUSPECTED, 1)]
    assert sorted(unreleased_by_compound(cut)) == _unreleased_person_by_person(cut)


def test_the_people_waiting_are_read_once_a_cycle_for_the_clearance_and_the_bed_balance(
    city, monkeypatch
):
    from warroom.beds.models import BedBalance
    from warroom.cases.models import ClearanceSnapshot
    from warroom.core import daily

    cut = cutoff_for(DAY)
    home = city["990101001001001"]
    for k, (target, isolation) in enumerate(
        [
            (Status.CONFIRMED, None),
            (Status.CONFIRMED, None),
            (Status.CONTACT, Isolation.HOME),
            (Status.SUSPECTED, Isolation.QUARANTINE),  # isolated: not waiting
            (Status.FEBRILE, None),
        ]
    ):
        p = Person.objects.create(
            name=f"p{k}", home=home, created_at=cut - dt.timedelta(days=3), status=target
        )
        TransitionRecord.objects.create(person=p, target=target, at=cut - dt.timedelta(hours=30))
        if target == Status.CONFIRMED:
            SeverityRecord.objects.create(
                person=p, severity=Severity.SEVERE if k else Severity.MILD, at=cut
            )
        if isolation is not None:
            p.isolation = isolation
            p.save()
            IsolationRecord.objects.create(person=p, isolation=isolation, at=cut)
    reads: list[object] = []
    real = waiting._waiting_groups
    monkeypatch.setattr(waiting, "_waiting_groups", lambda *a: reads.append(a) or real(*a))
    steps = ["cases.states", "cases.clearance", "beds.pools", "beds.balance"]

    def written() -> tuple[list, list]:
        return (
            sorted(ClearanceSnapshot.objects.values_list("area", "duty", "total", "over_48h")),
            sorted(BedBalance.objects.values_list("area", "bed_type", "waiting")),
        )

    daily.run_daily_cycle(DAY, only=steps)
    assert len(reads) == 1  # the clearance's read serves the bed balance
    in_cycle = written()
    assert sum(n for _d, _t, n in in_cycle[1]) == 4 and in_cycle[0]
    for name in steps[1:]:  # each step outside a cycle: its own read, the same rows
        daily._STEPS[name].fn(DAY)
    assert len(reads) == 3
    assert written() == in_cycle


def test_the_compounds_case_facts_are_read_once_a_cycle_beside_the_clearance(city, monkeypatch):
    """``cases.facts`` reads the certification's history facts while the clearance runs;
    the certification takes them (one read a cycle) and stores what it stores alone."""
    from warroom.cases import selectors
    from warroom.communities.models import CertificationStatus
    from warroom.core import daily

    cut = cutoff_for(DAY)
    homes = [city["990101001001001"], city["990101001001002"]]
    for k, target in enumerate([Status.CONFIRMED, Status.SUSPECTED, Status.CONTACT]):
        p = Person.objects.create(
            name=f"p{k}", home=homes[k % 2], created_at=cut - dt.timedelta(days=3), status=target
        )
        TransitionRecord.objects.create(person=p, target=target, at=cut - dt.timedelta(hours=30))
    reads: list[object] = []
    real = selectors._history_facts
    monkeypatch.setattr(selectors, "_history_facts", lambda *a: reads.append(a) or real(*a))
    steps = ["cases.states", "cases.clearance", "cases.facts", "communities.certification"]

    def written() -> list[tuple]:
        return sorted(
            CertificationStatus.objects.values_list("area", "status", "reasons", "certified_since")
        )

    daily.run_daily_cycle(DAY, only=steps)
    assert reads == [(cut,)]  # the facts step's read serves the certification
    in_cycle = written()
    reasons = {a: r for a, _s, r, _c in in_cycle}
    assert reasons[homes[0].pk] and reasons[homes[1].pk]  # neither compound certified
    CertificationStatus.objects.all().delete()
    daily._STEPS["communities.certification"].fn(DAY)  # alone: its own read, the same rows
    assert len(reads) == 2
    assert written() == in_cycle
