"""Daily clearance (日清日结清零), DESIGN §3.2: the four duties' backlogs at the cut-off.

Per home compound, the backlog of each duty and its age buckets (<24 h, 24–48 h, >48 h):
admit, isolate and treat from every candidate's state at the cut-off read set-based
(:func:`person_duty_rows`: each history read once, no subquery per person), the tests by
one aggregate query each; NumPy rolls the compounds up the area tree (each level adds into
its parents, deepest first). The whole city, 9,000 areas and 300,000 people, is a handful
of queries.

The backlog items and the moment each became due (its age is cut-off minus that):
- admit: confirmed, not admitted (waiting for a hospital bed) — since confirmed;
- isolate: febrile, suspected and contacts not in centralised isolation (a quarantine
  room or a hospital bed; home isolation does not count) — since they entered the
  category. Admit and isolate are the people of ``warroom.cases.waiting.waiting_at``:
  the bed balance and dispatch count the same people by the same definition;
- test: people owing a test (``next_test_due`` passed, no sample taken for it) — since
  it fell due; and samples without a result 24 h after taking — since taking + 24 h;
- treat: admitted patients without a treatment record on the day — since the later of
  admission and the start of the day after their last record; ``priority`` counts the
  severe and critical among them (they come first).

Admit and isolate are read as the records stood at the cut-off (valid time: the
transition, isolation and severity histories), so a later recomputation of a past day
gives that day's numbers, changed only by records back-dated into it (a late file).
So are the samples pending at the cut-off, the treat duty (admitted then, without a
treatment record for the day) and the people owing a test (their category at the cut-off
and the test due then, from the ``TestDueRecord`` history of ``next_test_due``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from warroom.audit.services import record_batch
from warroom.cases import rules as case_rules
from warroom.cases import waiting
from warroom.cases.models import (
    ClearanceRevision,
    ClearanceRun,
    ClearanceSnapshot,
    Duty,
    Person,
    Sample,
)
from warroom.cases.states import Severity, Status
from warroom.core import today as core_today
from warroom.core.bulk import insert_tuples
from warroom.core.context import acting
from warroom.core.revisions import figure_changes, recompute_reason
from warroom.geo.models import Area

DUTIES: list[str] = [Duty.ADMIT, Duty.ISOLATE, Duty.TEST, Duty.TREAT]
COLUMNS = ["total", "under_24h", "from_24_to_48h", "over_48h", "priority"]
SNAPSHOT_FIELDS = ["area", "date", "duty", *COLUMNS]
NEEDS_ISOLATION = [Status.FEBRILE, Status.FEBRILE_TESTED, Status.SUSPECTED, Status.CONTACT]
OWES_TESTS = [*NEEDS_ISOLATION, Status.QUARANTINED]
HIGH_SEVERITY = [Severity.SEVERE, Severity.CRITICAL]


def cutoff_for(date: dt.date) -> dt.datetime:
    """The cut-off of ``date`` in local time (24:00 is the next day's midnight): the
    platform's one definition, :func:`warroom.core.today.cutoff_for`."""
    return core_today.cutoff_for(date)


@dataclass(frozen=True)
class DutySpec:
    """One backlog: which rows, grouped by which compound, and how old each is."""

    duty: str
    queryset: Callable[[dt.datetime], QuerySet[Any]]
    home: str  # the lookup to the compound id
    older_than: Callable[[dt.datetime], Q]  # rows whose backlog began at or before X
    priority: Q | None
    since: Callable[[Any, dt.datetime], dt.datetime]  # per row, for the people list


def _people() -> QuerySet[Person]:
    return Person.objects.filter(merged_into__isnull=True)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=timezone.get_current_timezone())


def _treat_since(p: Person, cutoff: dt.datetime) -> dt.datetime:
    start = p.admitted_at_at or cutoff
    if p.treated_before is not None:
        start = max(start, _midnight(p.treated_before + dt.timedelta(days=1)))
    return start


def _treat_older(x: dt.datetime) -> Q:
    # midnight(L + 1) <= X  ⟺  L <= localdate(X) - 1
    day = timezone.localdate(x) - dt.timedelta(days=1)
    return Q(admitted_at_at__lte=x) & (Q(treated_before__isnull=True) | Q(treated_before__lte=day))


def _untreated_at(cutoff: dt.datetime, day: dt.date) -> QuerySet[Person]:
    """Admitted at the cut-off (valid time) without a treatment record for ``day``,
    annotated with the admission and the last treatment day before ``day``."""
    from django.db.models import Exists, OuterRef, Subquery

    from warroom.cases.models import TransitionRecord, TreatmentRecord

    return (
        waiting.people_at(cutoff, now=Q(status=Status.ADMITTED))
        .filter(status_at=Status.ADMITTED)
        .exclude(Exists(TreatmentRecord.objects.filter(person=OuterRef("pk"), date=day)))
        .annotate(
            admitted_at_at=Subquery(
                TransitionRecord.objects.filter(
                    person=OuterRef("pk"), target=Status.ADMITTED, at__lte=cutoff
                )
                .order_by("-at", "-pk")
                .values("at")[:1]
            ),
            treated_before=Subquery(
                TreatmentRecord.objects.filter(person=OuterRef("pk"), date__lt=day)
                .order_by("-date")
                .values("date")[:1]
            ),
        )
    )


def _owing_test_at(cutoff: dt.datetime) -> QuerySet[Person]:
    """People owing a test at the cut-off (valid time), annotated ``due_at``: in a tested
    category then (their last step before it), with the test due then (their last
    ``TestDueRecord`` before it) passed. A person with no such record had no test due
    then, unless he has no record at all (registered before the history was kept): he is
    read from his present ``next_test_due``. One query, whatever the number of people."""
    return (
        waiting.people_at(cutoff, now=Q(status__in=OWES_TESTS, next_test_due__lte=cutoff))
        .filter(status_at__in=OWES_TESTS)
        .annotate(due_at=_due_at(cutoff, "pk", "next_test_due"))
        .filter(due_at__lte=cutoff)
    )


def _due_at(cutoff: dt.datetime, person: str, present: str) -> Any:
    """The test due at ``cutoff`` of the row's person (``person``: the reference to his
    key): his last due record at or before it; none if he has records only after it; else
    his present ``present`` field (no record ever)."""
    from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Subquery, When

    from warroom.cases.models import TestDueRecord

    records = TestDueRecord.objects.filter(person_id=OuterRef(person))
    before = records.filter(at__lte=cutoff)
    return Case(
        When(Exists(before), then=Subquery(before.order_by("-at", "-pk").values("due")[:1])),
        When(Exists(records), then=None),
        default=F(present),
        output_field=DateTimeField(),
    )


def _due_band(cutoff: dt.datetime, due: str) -> Case:
    """Which of the test backlog's age bands the moment ``due`` (a field) falls in:
    :data:`OVER_48H` (due 48 hours before ``cutoff`` or earlier), :data:`OVER_24H`,
    :data:`OWED` (due by ``cutoff``), else :data:`NOT_OWED` (later, or none). The bounds are
    the TEST spec's ``older_than`` (``due_at <= x``)."""
    from django.db.models import IntegerField, Value, When

    return Case(
        When(**{f"{due}__lte": cutoff - dt.timedelta(hours=48)}, then=Value(OVER_48H)),
        When(**{f"{due}__lte": cutoff - dt.timedelta(hours=24)}, then=Value(OVER_24H)),
        When(**{f"{due}__lte": cutoff}, then=Value(OWED)),
        default=Value(NOT_OWED),
        output_field=IntegerField(),
    )


NOT_OWED, OWED, OVER_24H, OVER_48H = 0, 1, 2, 3


def _due_band_at(cutoff: dt.datetime, person: str, present: str) -> Any:
    """:func:`_due_at` of the row's person, as its :func:`_due_band`, with one lookup of
    his due records for most people: the band of his last record at or before ``cutoff``
    (a row exists: never NULL, whatever its ``due``), else :data:`NOT_OWED` if he has
    records only after it, else the band of his present ``present`` field (no record)."""
    from django.db.models import Exists, OuterRef, Subquery, Value

    from warroom.cases.models import TestDueRecord

    records = TestDueRecord.objects.filter(person_id=OuterRef(person))
    last = (
        records.filter(at__lte=cutoff)
        .order_by("-at", "-pk")
        .annotate(band=_due_band(cutoff, "due"))
        .values("band")[:1]
    )
    return Coalesce(
        Subquery(last),
        Case(When(Exists(records), then=Value(NOT_OWED)), default=_due_band(cutoff, present)),
    )


def _owed_tests(cutoff: dt.datetime) -> list[dict[str, Any]]:
    """The tests owed at ``cutoff`` per home compound, as ``{"home_id", "n", "o24",
    "o48"}`` rows (owed; due 24 and 48 hours before the cut-off or earlier): at the daily
    cut-off their status read from the states kept there (the people with a record written
    since by :func:`_owing_test_at`), else by it. "Due 24 h before" is the TEST spec's
    ``older_than`` (``due_at <= x``).

    From the kept states, each person's due moment is read once, as its age band
    (:func:`_due_band_at`: one lookup of his last due record), and counted by home and band
    in the database: the three counts as SQL aggregates over ``due_at`` repeated the
    correlated "last due record" lookups in each ``FILTER`` (1.5 s of the 14 February 2020
    cycle at full scale on PostgreSQL); reading every person's ``(home, due_at)`` (20,000
    rows at the peak) cost their date-times' conversion and a count in Python."""
    now = Q(person__status__in=OWES_TESTS, person__next_test_due__lte=cutoff)
    bands: list[tuple[int, int, int]] = []
    pairs: list[tuple[int, dt.datetime]] = []
    with waiting.kept_states(cutoff, now) as kept:
        if kept is not None:
            bands = list(
                kept.rows.filter(status__in=OWES_TESTS)
                .annotate(band=_due_band_at(cutoff, "person_id", "person__next_test_due"))
                .values("person__home_id", "band")  # grouped by both (positions: once each)
                .annotate(n=Count("pk"))
                .values_list("person__home_id", "band", "n")
            )
    if kept is None or not kept.still():
        bands = []
        pairs = list(_owing_test_at(cutoff).order_by().values_list("home_id", "due_at"))
    elif kept.fresh:
        from warroom.core.bulk import among

        with among(kept.fresh, integer=True) as fresh:
            pairs = list(
                _owing_test_at(cutoff)
                .filter(pk__in=fresh)
                .order_by()
                .values_list("home_id", "due_at")
            )
    owed = [(home, due) for home, due in pairs if due is not None and due <= cutoff]
    h24, h48 = cutoff - dt.timedelta(hours=24), cutoff - dt.timedelta(hours=48)
    counts = _age_bands(owed, h24, h48)
    if not bands:
        return counts
    by_home = {r["home_id"]: r for r in counts}
    for home, band, n in bands:
        if band == NOT_OWED:
            continue
        row = by_home.setdefault(home, {"home_id": home, "n": 0, "o24": 0, "o48": 0})
        row["n"] += n
        row["o24"] += n if band >= OVER_24H else 0
        row["o48"] += n if band == OVER_48H else 0
    return list(by_home.values())


def _age_bands(
    pairs: list[tuple[int, dt.datetime]], h24: dt.datetime, h48: dt.datetime, home: str = "home_id"
) -> list[dict[str, Any]]:
    """``(home, since)`` pairs counted per home as ``{home, "n", "o24", "o48"}`` rows: all,
    and those since ``h24`` and ``h48`` or earlier (a duty's ``older_than`` bounds)."""
    counts: dict[int, list[int]] = {}
    for key, since in pairs:
        row = counts.setdefault(key, [0, 0, 0])
        row[0] += 1
        row[1] += since <= h24
        row[2] += since <= h48
    return [{home: h, "n": n, "o24": o24, "o48": o48} for h, (n, o24, o48) in counts.items()]


def _pending_samples(cutoff: dt.datetime) -> QuerySet[Sample]:
    """The samples pending at the cut-off (no result yet, or one reported after it) and
    taken longer than the result's hours before it: a result owed (merged people too)."""
    hours = dt.timedelta(hours=case_rules.SAMPLE_RESULT_HOURS)
    return Sample.objects.filter(
        Q(result="") | Q(reported_at__gt=cutoff), taken_at__lte=cutoff - hours
    )


def _pending_at(cutoff: dt.datetime) -> QuerySet[Sample]:
    """:func:`_pending_samples` of the people not merged into another record."""
    return _pending_samples(cutoff).filter(person__merged_into__isnull=True)


def _pending_results(cutoff: dt.datetime) -> list[dict[str, Any]]:
    """:func:`_pending_at` counted per home compound as ``{"person__home_id", "n", "o24",
    "o48"}`` rows ("older than x": taken at or before x minus the result's hours, the
    spec's ``older_than``).

    The samples read on their own (a few thousand), then their people's homes: joined in
    one aggregate, SQLite (which plans without statistics) walked all 344,000 people by
    home and probed each one's samples (1.3 s at the full-scale peak)."""
    from warroom.core.bulk import among

    taken = list(_pending_samples(cutoff).order_by().values_list("person_id", "taken_at"))
    if not taken:
        return []
    with among({p for p, _t in taken}, integer=True) as ids:
        homes = dict(
            Person.objects.filter(pk__in=ids, merged_into__isnull=True).values_list("pk", "home_id")
        )
    hours = dt.timedelta(hours=case_rules.SAMPLE_RESULT_HOURS)
    return _age_bands(
        [(homes[p], at) for p, at in taken if p in homes],  # (not the merged)
        cutoff - dt.timedelta(hours=24) - hours,
        cutoff - dt.timedelta(hours=48) - hours,
        home="person__home_id",
    )


def specs(cutoff: dt.datetime) -> list[DutySpec]:
    day = timezone.localdate(cutoff - dt.timedelta(microseconds=1))
    sample_hours = dt.timedelta(hours=case_rules.SAMPLE_RESULT_HOURS)
    return [
        # admit and isolate: the people waiting for a hospital bed and for a quarantine
        # room at the cut-off, by the one definition of warroom.cases.waiting (the bed
        # balance and dispatch count the same people), as the records stood then.
        DutySpec(
            Duty.ADMIT,
            lambda c: waiting.waiting_at(c).filter(waiting.waiting_for_bed_at(c)),
            "home_id",
            lambda x: Q(since_at__lte=x),
            None,
            lambda p, c: p.since_at,
        ),
        DutySpec(
            Duty.ISOLATE,
            lambda c: waiting.waiting_at(c).filter(waiting.waiting_for_room_at(c)),
            "home_id",
            lambda x: Q(since_at__lte=x),
            None,
            lambda p, c: p.since_at,
        ),
        DutySpec(
            Duty.TEST,
            _owing_test_at,
            "home_id",
            lambda x: Q(due_at__lte=x),
            None,
            lambda p, c: p.due_at,
        ),
        DutySpec(
            Duty.TEST,
            _pending_at,
            "person__home_id",
            lambda x: Q(taken_at__lte=x - sample_hours),
            None,
            lambda s, c: s.taken_at + sample_hours,
        ),
        DutySpec(
            Duty.TREAT,
            lambda c: _untreated_at(c, day),
            "home_id",
            _treat_older,
            Q(severity_at__in=HIGH_SEVERITY),
            _treat_since,
        ),
    ]


@dataclass
class Backlog:
    """The backlog of every area: ``values[i, d, c]`` for area ``area_ids[i]``, duty ``d``
    (DUTIES order) and column ``c`` (COLUMNS order)."""

    cutoff: dt.datetime
    area_ids: np.ndarray
    values: np.ndarray

    def row(self, area_id: int) -> dict[str, dict[str, int]]:
        index = int(np.searchsorted(self.area_ids, area_id))
        return {
            str(duty): dict(zip(COLUMNS, (int(v) for v in self.values[index, d]), strict=True))
            for d, duty in enumerate(DUTIES)
        }


def _area_tree() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = np.array(
        list(Area.objects.order_by("pk").values_list("pk", "parent_id", "depth")), dtype=object
    )
    if rows.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    ids = rows[:, 0].astype(np.int64)
    parents = np.array([p if p is not None else -1 for p in rows[:, 1]], dtype=np.int64)
    depth = rows[:, 2].astype(np.int64)
    return ids, parents, depth


# The duties counted from every person's state at the cut-off (set-based, below); the
# others (the tests owed and the pending samples) by their specs' aggregate queries.
PERSON_DUTIES = (Duty.ADMIT, Duty.ISOLATE, Duty.TREAT)


def person_duty_rows(cutoff: dt.datetime) -> dict[str, dict[int, list[int]]]:
    """The admit, isolate and treat backlogs at ``cutoff`` per home compound:
    ``{duty: {compound id: [n, older than 24 h, older than 48 h, priority]}}``.

    The people and ages of :func:`specs` (``waiting.waiting_at`` and :func:`_untreated_at`,
    the definitions the drill-down lists), counted set-based: at the daily cut-off by
    aggregate queries over the states kept there (:func:`warroom.cases.waiting.kept_states`),
    else from one pass over each history (:func:`warroom.cases.waiting.states_at`).
    """
    from warroom.cases import cutoff_states

    out: dict[str, dict[int, list[int]]] = {str(d): {} for d in PERSON_DUTIES}
    cp = cutoff_states.checkpoint()
    if cp is None or cp.moment != cutoff:
        _count_states(
            cutoff, waiting.states_at(cutoff, [waiting.waiting_filter(), ADMITTED_NOW]), out
        )
        return out
    for (home, status, _severity), (n, o24, o48) in waiting.waiting_groups(
        cutoff, waiting.day_ages(cutoff)
    ).items():
        duty = Duty.ADMIT if status == Status.CONFIRMED else Duty.ISOLATE
        row = out[duty].setdefault(home, [0, 0, 0, 0])
        row[0] += n
        row[1] += o24
        row[2] += o48
    out[str(Duty.TREAT)] = _treat_rows(cutoff)
    return out


ADMITTED_NOW = Q(status=Status.ADMITTED)


def _count_states(
    cutoff: dt.datetime,
    states: list[waiting.StateAt],
    out: dict[str, dict[int, list[int]]],
    *,
    waiting_too: bool = True,
) -> None:
    """Add to ``out`` (as :func:`person_duty_rows`) the backlogs of ``states``, read with
    the ``now`` filters ``[waiting_filter(), ADMITTED_NOW]`` (``waiting_too``) or
    ``[ADMITTED_NOW]``."""
    day = timezone.localdate(cutoff - dt.timedelta(microseconds=1))
    h24, h48 = cutoff - dt.timedelta(hours=24), cutoff - dt.timedelta(hours=48)

    def add(duty: str, home: int, o24: bool, o48: bool, priority: bool) -> None:
        row = out[duty].setdefault(home, [0, 0, 0, 0])
        row[0] += 1
        row[1] += o24
        row[2] += o48
        row[3] += priority

    admitted = []
    for s in states:
        if waiting_too and s.now[0] and (waiting.waits_for_bed(s) or waiting.waits_for_room(s)):
            since = waiting.waiting_since(s)
            duty = Duty.ADMIT if waiting.waits_for_bed(s) else Duty.ISOLATE
            add(duty, s.home_id, since <= h24, since <= h48, False)
        if s.now[-1] and s.status == Status.ADMITTED:
            admitted.append(s)
    if admitted:
        treated = _treatments_of([s.pk for s in admitted], day)
        d24 = timezone.localdate(h24) - dt.timedelta(days=1)
        d48 = timezone.localdate(h48) - dt.timedelta(days=1)
        for s in admitted:
            today, before = treated.get(s.pk, (0, None))
            if today:
                continue
            assert s.admitted_at is not None  # admitted at the cut-off: a step into it
            add(
                Duty.TREAT,
                s.home_id,
                s.admitted_at <= h24 and (before is None or before <= d24),
                s.admitted_at <= h48 and (before is None or before <= d48),
                s.severity in HIGH_SEVERITY,
            )


def _treat_rows(cutoff: dt.datetime) -> dict[int, list[int]]:
    """The treat backlog per home compound (as :func:`person_duty_rows`), at the daily
    cut-off from the kept states."""
    from django.db.models import OuterRef, Subquery

    from warroom.cases.models import TreatmentRecord
    from warroom.core.bulk import among

    day = timezone.localdate(cutoff - dt.timedelta(microseconds=1))
    h24, h48 = cutoff - dt.timedelta(hours=24), cutoff - dt.timedelta(hours=48)
    d24 = timezone.localdate(h24) - dt.timedelta(days=1)
    d48 = timezone.localdate(h48) - dt.timedelta(days=1)
    out: dict[str, dict[int, list[int]]] = {str(Duty.TREAT): {}}

    # The people treated on the day, read first and excluded as a table the planner has
    # counted: as NOT EXISTS, PostgreSQL planned the day's records (imported since the
    # table was last analysed) as one row and scanned them once per admitted person:
    # 221 million comparisons, 10-27 s a day in the full-scale feed from 17 February.
    treated = (
        TreatmentRecord.objects.filter(date=day).order_by().values_list("person_id", flat=True)
    )
    with (
        among(set(treated), integer=True) as treated_today,
        waiting.kept_states(cutoff, Q(person__status=Status.ADMITTED)) as kept,
    ):
        if kept is not None:
            treatments = TreatmentRecord.objects.filter(person_id=OuterRef("person_id"))

            def older(at: dt.datetime, last: dt.date) -> Q:
                return Q(admitted_at__lte=at) & (Q(before__isnull=True) | Q(before__lte=last))

            rows = list(
                kept.rows.filter(status=Status.ADMITTED)
                .exclude(person_id__in=treated_today)
                .annotate(
                    before=Subquery(
                        treatments.filter(date__lt=day).order_by("-date").values("date")[:1]
                    ),
                    severity_then=waiting._severity_expression(),
                )
                .values("person__home_id")
                .annotate(
                    n=Count("pk"),
                    o24=Count("pk", filter=older(h24, d24)),
                    o48=Count("pk", filter=older(h48, d48)),
                    pri=Count("pk", filter=Q(severity_then__in=HIGH_SEVERITY)),
                )
                .values_list("person__home_id", "n", "o24", "o48", "pri")
            )
    treat = out[str(Duty.TREAT)]
    if kept is None or not kept.still():
        _count_states(cutoff, waiting.states_at(cutoff, [ADMITTED_NOW]), out, waiting_too=False)
        return treat
    for home, *n in rows:
        treat[home] = list(n)
    if kept.fresh:
        with among(kept.fresh, integer=True) as fresh:
            states = waiting.states_at(cutoff, [ADMITTED_NOW], people=fresh)
            _count_states(cutoff, states, out, waiting_too=False)
    return treat


def _treatments_of(people: list[int], day: dt.date) -> dict[int, tuple[int, dt.date | None]]:
    """{person: (treatment records on ``day``, his last treatment day before it)}."""
    from django.db.models import Count, Max

    from warroom.cases.models import TreatmentRecord
    from warroom.core.bulk import among

    with among(people, integer=True) as keys:
        return {
            pk: (today, before)
            for pk, today, before in TreatmentRecord.objects.filter(
                person_id__in=keys, date__lte=day
            )
            .order_by()
            .values("person_id")
            .annotate(
                today=Count("pk", filter=Q(date=day)), before=Max("date", filter=Q(date__lt=day))
            )
            .values_list("person_id", "today", "before")
        }


def compute_backlog(cutoff: dt.datetime) -> Backlog:
    """The backlog of every area at ``cutoff`` (a few aggregate queries and a roll-up)."""
    ids, parents, depth = _area_tree()
    values = np.zeros((len(ids), len(DUTIES), len(COLUMNS)), dtype=np.int64)
    h24, h48 = cutoff - dt.timedelta(hours=24), cutoff - dt.timedelta(hours=48)
    for duty, by_home in person_duty_rows(cutoff).items():
        if not by_home:
            continue
        d = DUTIES.index(duty)
        homes = np.fromiter(by_home, np.int64, len(by_home))
        n, o24, o48, pri = np.array(list(by_home.values()), dtype=np.int64).T
        block = np.stack([n, n - o24, o24 - o48, o48, pri], axis=1)
        np.add.at(values[:, d, :], np.searchsorted(ids, homes), block)
    for spec in specs(cutoff):
        if spec.duty in PERSON_DUTIES:
            continue
        d = DUTIES.index(spec.duty)
        annotations: dict[str, Any] = {
            "n": Count("pk"),
            "o24": Count("pk", filter=spec.older_than(h24)),
            "o48": Count("pk", filter=spec.older_than(h48)),
        }
        if spec.priority is not None:
            annotations["pri"] = Count("pk", filter=spec.priority)
        if spec.queryset is _owing_test_at:
            rows = _owed_tests(cutoff)  # the annotations' counts, each due read once
        elif spec.queryset is _pending_at:
            rows = _pending_results(cutoff)
        else:
            rows = list(spec.queryset(cutoff).order_by().values(spec.home).annotate(**annotations))
        if not rows:
            continue
        homes = np.array([r[spec.home] for r in rows], dtype=np.int64)
        index = np.searchsorted(ids, homes)
        n = np.array([r["n"] for r in rows], dtype=np.int64)
        o24 = np.array([r["o24"] for r in rows], dtype=np.int64)
        o48 = np.array([r["o48"] for r in rows], dtype=np.int64)
        block = np.stack(
            [n, n - o24, o24 - o48, o48, np.array([r.get("pri", 0) for r in rows])], axis=1
        )
        np.add.at(values[:, d, :], index, block)
    # Roll up: deepest level first, each area adds into its parent.
    parent_index = np.where(parents >= 0, np.searchsorted(ids, np.maximum(parents, 0)), -1)
    for level in range(int(depth.max(initial=0)), 0, -1):
        members = np.nonzero(depth == level)[0]
        members = members[parent_index[members] >= 0]
        np.add.at(values, parent_index[members], values[members])
    return Backlog(cutoff, ids, values)


@dataclass(frozen=True)
class ClearanceResult:
    date: dt.date
    cutoff: dt.datetime
    rows: int
    city_totals: dict[str, int]
    revision: int = 1


def do_compute_clearance(date: dt.date, *, actor: Any) -> ClearanceResult:
    """Compute ``date``'s clearance and store it (replacing any earlier run of that day).

    Idempotent: twice for the same day and the same data writes nothing new. What was
    issued is never overwritten: other numbers (a late file back-dated into the day) make
    the next revision, with what changed and why; the rows it replaces are kept as a
    :class:`ClearanceRevision`. Only the non-zero (area, duty) rows are stored; a missing
    row of a computed day is a zero. City-wide: only the system (the daily cycle) or a user
    of the city's level may ask for it; anyone else gets NotFound (work on his behalf stays
    in his scope).
    """
    from warroom.core.daily import scope_of
    from warroom.core.errors import NotFound

    if scope_of(actor) is not None:
        raise NotFound("the city-wide clearance is recomputed by the headquarters")
    cutoff = cutoff_for(date)
    backlog = compute_backlog(cutoff)
    totals = backlog.values[:, :, 0]
    nonzero = np.argwhere(totals > 0)
    # Plain tuples (SNAPSHOT_FIELDS order): ~20,000 rows a day for the whole city.
    duty_names = [str(d) for d in DUTIES]
    snapshots = [
        (area, date, duty_names[d], *row)
        for area, d, row in zip(
            backlog.area_ids[nonzero[:, 0]].tolist(),
            nonzero[:, 1].tolist(),
            backlog.values[nonzero[:, 0], nonzero[:, 1]].tolist(),
            strict=True,
        )
    ]
    roots = np.nonzero(
        np.isin(backlog.area_ids, list(Area.objects.filter(depth=0).values_list("pk", flat=True)))
    )[0]
    city = {str(duty): int(backlog.values[roots, d, 0].sum()) for d, duty in enumerate(DUTIES)}
    digest = hashlib.sha256(backlog.values.tobytes() + str(cutoff).encode()).hexdigest()
    with acting(actor), transaction.atomic():
        run = ClearanceRun.objects.select_for_update().filter(date=date).first()
        if run is not None and run.digest == digest:
            # The same numbers: what was issued stands (no new revision, nothing written).
            return ClearanceResult(date, cutoff, len(snapshots), city, run.revision)
        revision, changes, reason = 1, [], {}
        if run is not None and run.digest:
            revision = run.revision + 1
            before = run.params.get("city", {})
            changes = figure_changes(
                {f"clearance.{k}": v for k, v in before.items()},
                {f"clearance.{k}": v for k, v in city.items()},
            )
            reason = recompute_reason(run.computed_at)
            ClearanceRevision.objects.create(
                date=date,
                revision=run.revision,
                cutoff=run.cutoff,
                computed_at=run.computed_at,
                city=before,
                rows=[
                    list(r)
                    for r in ClearanceSnapshot.objects.filter(date=date)
                    .order_by("area_id", "duty")
                    .values_list("area_id", "duty", *COLUMNS)
                ],
                changes=run.changes,
                reason=run.reason,
            )
        elif run is not None:
            revision = run.revision  # computed before revisions were kept: replaced once
        ClearanceSnapshot.objects.filter(date=date).delete()
        insert_tuples(ClearanceSnapshot, SNAPSHOT_FIELDS, snapshots)
        ClearanceRun.objects.update_or_create(
            date=date,
            defaults={
                "cutoff": cutoff,
                "computed_at": timezone.now(),
                "people": sum(city.values()),
                "params": {"cutoff": settings.WARROOM_CLEARANCE_CUTOFF, "city": city},
                "revision": revision,
                "digest": digest,
                "changes": changes,
                "reason": reason,
            },
        )
        record_batch(
            object_type="cases.clearancesnapshot",
            rows=len(snapshots),
            sha256=digest,
            action="compute",
            message=f"clearance {date.isoformat()}: {city}",
            details={"date": date.isoformat(), "city": city},
        )
    return ClearanceResult(date, cutoff, len(snapshots), city, revision)


@dataclass(frozen=True)
class BacklogItem:
    duty: str
    person: Person
    since: dt.datetime
    hours: float
    sample: Sample | None = None

    @property
    def bucket(self) -> str:
        if self.hours < 24:
            return "under_24h"
        return "from_24_to_48h" if self.hours < 48 else "over_48h"

    @property
    def overdue(self) -> bool:
        return self.hours >= 48


def backlog_items(compound_ids: list[int], cutoff: dt.datetime) -> list[BacklogItem]:
    """The people behind a compound's backlog (the drill-down's last step), oldest first."""
    items: list[BacklogItem] = []
    for spec in specs(cutoff):
        qs = spec.queryset(cutoff).filter(**{f"{spec.home}__in": compound_ids})
        if spec.home == "person__home_id":
            for sample in qs.select_related("person__home"):
                since = spec.since(sample, cutoff)
                items.append(
                    BacklogItem(spec.duty, sample.person, since, _hours(cutoff, since), sample)
                )
        else:
            for person in qs.select_related("home"):
                since = spec.since(person, cutoff)
                items.append(BacklogItem(spec.duty, person, since, _hours(cutoff, since)))
    order = {str(d): i for i, d in enumerate(DUTIES)}
    items.sort(
        key=lambda it: (
            order[str(it.duty)],
            it.person.severity not in HIGH_SEVERITY,
            -it.hours,
        )
    )
    return items


def _hours(cutoff: dt.datetime, since: dt.datetime) -> float:
    return max(0.0, (cutoff - since).total_seconds() / 3600)
