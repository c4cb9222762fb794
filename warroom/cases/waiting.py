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
import functools
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from warroom.analytics.allocate import Need
from warroom.analytics.vocabulary import LOWEST_BED
from warroom.cases.models import QUARANTINE_STATUSES, Person, waiting_filter
from warroom.cases.states import Isolation, Severity, Status

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


# --- as the records stood at a moment (valid time) -----------------------------------------
#
# A past day's numbers are read from the history, not from today's state: the status is
# the target of the person's last transition at or before the moment, the isolation the
# last isolation record's, the severity the last severity record's. Every page, export,
# API answer and the briefing that counts the people waiting for a bed or a room, or the
# admit and isolate backlogs, reads these two selectors:
#   - waiting for a hospital bed: confirmed (not admitted) at the moment;
#   - waiting for a quarantine room: febrile, suspected or close contact, not in
#     centralised isolation (a quarantine room or a hospital bed) at the moment. Home
#     isolation does not count (应隔尽隔 meant centralised isolation, DESIGN §3.2): the
#     clearance's isolate backlog and the dispatch's waiting list for rooms are these.

CENTRALISED = (Isolation.QUARANTINE, Isolation.HOSPITAL)
# A step into a category (its time is when the person entered it, the backlog's age).
_CATEGORY_STATUSES: dict[str, tuple[str, ...]] = {
    "confirmed": (Status.CONFIRMED, Status.ADMITTED, Status.DISCHARGED, Status.POST_DISCHARGE),
    "suspected": (Status.SUSPECTED,),
    "febrile": (Status.FEBRILE, Status.FEBRILE_TESTED),
    "contact": (Status.CONTACT, Status.QUARANTINED),
}


def _entry_step() -> Q:
    steps = [Q(target__in=s) & ~Q(source__in=s) for s in _CATEGORY_STATUSES.values()]
    q = steps[0]
    for step in steps[1:]:
        q |= step
    return q


def people_at(
    moment: dt.datetime, people: QuerySet[Person] | None = None, *, now: Q | None = None
) -> QuerySet[Person]:
    """People (not merged) annotated as they stood at ``moment``: ``status_at``,
    ``isolation_at``, ``severity_at``, ``confirmed_at_at`` (the step into confirmed) and
    ``entered_at`` (the step into the category), from the transition, isolation and
    severity histories (valid time). Only people registered by then.

    ``now``: a filter the person's present state meets if he can be among the caller's
    people at ``moment`` without a later step or isolation change (the rule itself on the
    present fields); it limits the histories read to those candidates and the people
    with a record after ``moment`` — at a day's cut-off, just after it, few.
    """
    from django.db.models import OuterRef, Subquery

    from warroom.cases.models import (
        IsolationRecord,
        SeverityRecord,
        TestDueRecord,
        TransitionRecord,
    )

    qs = Person.objects.all() if people is None else people
    qs = qs.filter(merged_into__isnull=True, created_at__lte=moment)
    if now is not None:
        qs = qs.filter(
            now
            | Q(pk__in=TransitionRecord.objects.filter(at__gt=moment).values("person_id"))
            | Q(pk__in=IsolationRecord.objects.filter(at__gt=moment).values("person_id"))
            | Q(pk__in=TestDueRecord.objects.filter(at__gt=moment).values("person_id"))
        )
    steps = TransitionRecord.objects.filter(person=OuterRef("pk"), at__lte=moment).order_by(
        "-at", "-pk"
    )
    return qs.annotate(
        status_at=Subquery(steps.values("target")[:1]),
        isolation_at=Coalesce(
            Subquery(
                IsolationRecord.objects.filter(person=OuterRef("pk"), at__lte=moment)
                .order_by("-at", "-pk")
                .values("isolation")[:1]
            ),
            Value(str(Isolation.NONE)),
        ),
        severity_at=Coalesce(
            Subquery(
                SeverityRecord.objects.filter(person=OuterRef("pk"), at__lte=moment)
                .order_by("-at", "-pk")
                .values("severity")[:1]
            ),
            F("severity"),
        ),
        confirmed_at_at=Subquery(steps.filter(target=Status.CONFIRMED).values("at")[:1]),
        entered_at=Subquery(steps.filter(_entry_step()).values("at")[:1]),
    )


# --- the same, set-based: one pass over each history for everyone at once -----------------
#
# :func:`people_at` annotates each person with correlated subqueries (five per person): at
# the whole city's size (tens of thousands of candidates at the peak) that was most of the
# daily cycle. :func:`states_at` gives the same values for the same people with four
# queries whatever their number: the candidates, then each history read once, its rows at
# or before the moment numbered per person by time (a window function, on SQLite and on
# PostgreSQL) and the latest kept. The daily cycle's counts (clearance, bed balance) use
# it; the drill-down to a compound's people keeps :func:`people_at` (a handful of people).
# ``tests/cases/test_states_at.py`` checks on random histories that both agree with the
# definition person by person.


@dataclass(frozen=True, slots=True)
class StateAt:
    """A person as he stood at a moment (the annotations of :func:`people_at`)."""

    pk: int
    home_id: int
    created_at: dt.datetime | None  # None when read without ``times``
    status: str | None  # the target of his last step at or before the moment
    isolation: str  # the last isolation record's, "none" without one
    severity: str  # the last severity record's, his present severity without one
    confirmed_at: dt.datetime | None  # his last step into confirmed
    entered_at: dt.datetime | None  # his last step into a category
    admitted_at: dt.datetime | None  # his last step into admitted
    now: tuple[bool, ...]  # which of the caller's ``now`` filters he is a candidate of


def _latest_per_person(queryset: QuerySet[Any], **also: Any) -> QuerySet[Any]:
    """``queryset`` (a history's rows) reduced to each person's latest row (by time, then
    id), annotated with ``also``: window aggregates over all the person's rows."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    per_person = [F("person_id")]
    return queryset.annotate(
        latest=Window(
            RowNumber(), partition_by=per_person, order_by=[F("at").desc(), F("pk").desc()]
        ),
        **{k: Window(v, partition_by=per_person) for k, v in also.items()},
    ).filter(latest=1)


def _later(moment: dt.datetime, key: str = "pk") -> Q:
    """The people (``key``: the lookup to the person's id) with a step, an isolation
    record or a test due set after ``moment``: their present state may not be theirs at
    ``moment`` (:func:`people_at`'s candidates).

    Written ``IN (ids set after moment)`` (as the server can hash the ids once), but on
    PostgreSQL past :data:`HASHED_LATER` records set after ``moment`` (a moment long past),
    ``EXISTS`` per person: ORed with other conditions, an ``IN`` whose ids do not fit the
    server's ``work_mem`` is not hashed but scanned again for every person. Measured on the
    whole city's 90 days, the candidates at the peak's cut-off (a million steps after it):
    planned at 1.8e10, still running after 9 minutes; with ``EXISTS``, the clearance of that
    past cut-off took 261 s. (SQLite indexes an ``IN``'s ids once: no such case.)"""
    from django.db.models import Exists, OuterRef

    from warroom.cases.models import IsolationRecord, TestDueRecord, TransitionRecord

    histories = (TransitionRecord, IsolationRecord, TestDueRecord)
    since = [m.objects.filter(at__gt=moment) for m in histories]
    many = _many_since(moment, histories)
    return functools.reduce(
        operator.or_,
        (
            Q(Exists(qs.filter(person_id=OuterRef(key))))
            if many
            else Q(**{f"{key}__in": qs.values("person_id")})
            for qs in since
        ),
    )


def _many_since(moment: dt.datetime, histories: Sequence[Any]) -> bool:
    """Whether at least :data:`HASHED_LATER` records of ``histories`` were set after
    ``moment`` (PostgreSQL; one statement, each count stopped at the bound)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return HASHED_LATER <= 0
    quote = connection.ops.quote_name
    counts = " + ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM {quote(m._meta.db_table)} "  # noqa: S608
        f"WHERE at > %s LIMIT %s) s{i})"
        for i, m in enumerate(histories)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}", [moment, max(HASHED_LATER, 0)] * len(histories))
        return bool(cursor.fetchone()[0] >= HASHED_LATER)


# Up to this many records set after a moment, ``_later`` lists their people (``IN``): ids
# of 8 bytes hashed well within PostgreSQL's default work_mem of 4 MB. (0: EXISTS always,
# on both databases: the tests' way to check that both forms read the same people.)
HASHED_LATER = 50_000


def states_at(
    moment: dt.datetime, now: Sequence[Q], *, times: bool = True, people: Any = None
) -> list[StateAt]:
    """Every person :func:`people_at` gives for ``moment`` with any of the ``now`` filters,
    with the same values, set-based (four queries). ``StateAt.now[i]`` says whether he is
    among ``people_at(moment, now=now[i])``'s people. Without ``times``, the moments
    (creation, confirmation, entry, admission) are not read (None). ``people``: only
    these (ids, a list or a subquery)."""

    from warroom.core.bulk import among

    later = _later(moment)
    any_now = now[0]
    for q in now[1:]:
        any_now |= q
    candidates = Person.objects.filter(merged_into__isnull=True, created_at__lte=moment).filter(
        any_now | later
    )
    if people is not None:
        candidates = candidates.filter(pk__in=people)
    flags = {
        f"now_{i}": Case(When(q | later, then=Value(True)), default=Value(False))
        for i, q in enumerate(now)
    }
    people = list(
        candidates.order_by()
        .annotate(**flags)
        .values_list("pk", "home_id", "created_at" if times else "home_id", "severity", *flags)
    )
    if not people:
        return []

    from warroom.cases import cutoff_states

    # The candidates once, then their states: from the states kept at the daily cut-off
    # when it is ``moment`` (only the people with a record written since read from the
    # histories), else each history among them (a list, or a temporary table).
    with among([p[0] for p in people], integer=True) as keys:
        found = cutoff_states.states_of(moment, keys, times=times)
        if found is None:
            found = cutoff_states.histories(moment, keys, times=times)
    none = (None, None, None, None, None, None)
    out = []
    for pk, home_id, created_at, severity, *candidate in people:
        status, isolation, severity_then, confirmed, entered, admitted = found.get(pk, none)
        out.append(
            StateAt(
                pk,
                home_id,
                created_at if times else None,
                status,
                isolation or str(Isolation.NONE),
                severity_then or severity,
                confirmed,
                entered,
                admitted,
                tuple(bool(c) for c in candidate),
            )
        )
    return out


def waits_for_bed(s: StateAt) -> bool:
    """:func:`waiting_for_bed_at` of a :class:`StateAt`."""
    return s.status == Status.CONFIRMED


def waits_for_room(s: StateAt) -> bool:
    """:func:`waiting_for_room_at` of a :class:`StateAt`."""
    return s.status in QUARANTINE_STATUSES and s.isolation not in CENTRALISED


def waiting_since(s: StateAt) -> dt.datetime:
    """``since_at`` of :func:`waiting_at` for a :class:`StateAt`."""
    first = s.confirmed_at if s.status == Status.CONFIRMED else s.entered_at
    since = first or s.entered_at or s.created_at
    assert since is not None  # read with ``times``
    return since


def waiting_states(moment: dt.datetime, *, times: bool = True) -> list[StateAt]:
    """The people of :func:`waiting_at` (set-based)."""
    return [
        s
        for s in states_at(moment, [waiting_filter()], times=times)
        if waits_for_bed(s) or waits_for_room(s)
    ]


# --- counted in the database: from the states kept at the daily cut-off ---------------------
#
# The daily cycle counts the people waiting (the clearance's admit and isolate backlogs with
# their ages, the bed balance's waiting people by the bed they need) and the admitted ones
# (the treat backlog) at the day's cut-off, where :mod:`warroom.cases.cutoff_states` keeps
# everyone's state. Reading tens of thousands of :class:`StateAt` into Python to count them
# was most of those steps; :func:`kept_states` gives the kept rows of the same candidates
# as :func:`states_at` (the person's present state or a record after the moment) to count
# with one aggregate query, and the people with a record written since the rows (read from
# their histories by :func:`states_at`). Any other moment: None, the callers count
# :func:`states_at`'s people. ``tests/cases/test_cutoff_states.py`` checks on random
# histories and days that the counts equal the per-person definitions either way.


@dataclass(frozen=True)
class Kept:
    """:func:`kept_states`' answer: the kept rows (a queryset of
    :class:`~warroom.cases.cutoff_models.CutoffState`), the people to read from their
    histories instead (a record written since the rows), and the checkpoint they stand at."""

    rows: QuerySet[Any]
    fresh: list[int]
    checkpoint: Any

    def still(self) -> bool:
        """Whether the checkpoint still stands after the reads: an advance committed in
        between replaces it (rows and checkpoint in one transaction), and the rows read
        may then be the next moment's: the caller counts from scratch."""
        return type(self.checkpoint).objects.filter(pk=self.checkpoint.pk).exists()


@contextmanager
def kept_states(moment: dt.datetime, now: Q) -> Iterator[Kept | None]:
    """The kept states at ``moment`` of the candidates of :func:`states_at` for ``now`` (a
    filter on the person, its lookups starting with ``person__``), without the people with
    a record written since (``fresh``: read them with ``states_at(..., people=fresh)``);
    None when the checkpoint is not at ``moment``. Read within the block, then ask
    :meth:`Kept.still`."""
    from warroom.cases import cutoff_states
    from warroom.cases.cutoff_models import CutoffState
    from warroom.core.bulk import among

    cp = cutoff_states.checkpoint()
    if cp is None or cp.moment != moment:
        yield None
        return
    fresh = sorted(cutoff_states.written_since(cp))
    qs = CutoffState.objects.filter(
        Q(person__merged_into__isnull=True, person__created_at__lte=moment)
        & (now | _later(moment, "person_id"))
    ).order_by()
    with among(fresh, integer=True) as ids:
        yield Kept(qs.exclude(person_id__in=ids) if fresh else qs, fresh, cp)


def _since_expression() -> Coalesce:
    """:func:`waiting_since` of a kept state (confirmation for the confirmed, else entry)."""
    return Coalesce(
        Case(When(status=Status.CONFIRMED, then=F("confirmed_at")), default=F("entered_at")),
        F("entered_at"),
        F("person__created_at"),
    )


def _severity_expression() -> Case:
    """A kept state's severity: his last severity record's, else his present one."""
    return Case(When(severity="", then=F("person__severity")), default=F("severity"))


def day_ages(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The ages the daily cycle counts the people waiting at a cut-off by: since 24 and 48
    hours before it or earlier (the clearance's age buckets)."""
    return moment - dt.timedelta(hours=24), moment - dt.timedelta(hours=48)


def waiting_groups(
    moment: dt.datetime, ages: Sequence[dt.datetime] = ()
) -> dict[tuple[int, str, str], list[int]]:
    """The people of :func:`waiting_at` counted by (home compound, status, severity — ""
    but for the confirmed, whose bed depends on it): ``[people, of whom waiting since at
    or before ages[0], ...]``. At the daily cut-off one aggregate query over the kept
    states; else from :func:`waiting_states`. Read once per daily cycle
    (:func:`warroom.core.daily.shared`: the clearance and the bed balance both count them,
    with :func:`day_ages`); the answer is shared: not to be changed by the caller."""
    from warroom.core.daily import shared

    return shared(
        ("cases.waiting_groups", moment, tuple(ages)),
        lambda: _waiting_groups(moment, ages),
        version=histories_version,
    )


def histories_version() -> tuple[Any, ...]:
    """What :func:`waiting_groups` and :func:`warroom.cases.selectors.history_facts`
    depend on that a step of the cycle could change: the kept states' checkpoint and the
    highest id of each history they read (a record written between two steps makes a new
    count)."""
    from django.db.models import Max

    from warroom.cases import cutoff_states
    from warroom.cases.models import TestDueRecord

    cp = cutoff_states.checkpoint()
    return (
        cp and (cp.pk, cp.moment),
        *cutoff_states.marks(),
        TestDueRecord.objects.aggregate(n=Max("pk"))["n"],
    )


def _waiting_groups(
    moment: dt.datetime, ages: Sequence[dt.datetime]
) -> dict[tuple[int, str, str], list[int]]:
    out: dict[tuple[int, str, str], list[int]] = {}

    def add(s: StateAt) -> None:
        key = (s.home_id, str(s.status), s.severity if s.status == Status.CONFIRMED else "")
        row = out.setdefault(key, [0] * (1 + len(ages)))
        row[0] += 1
        if ages:
            since = waiting_since(s)
            for i, age in enumerate(ages):
                row[1 + i] += since <= age

    with kept_states(moment, waiting_filter("person__")) as kept:
        if kept is not None:
            counts = {
                f"age_{i}": Count("pk", filter=Q(since__lte=age)) for i, age in enumerate(ages)
            }
            rows = list(
                kept.rows.filter(
                    Q(status=Status.CONFIRMED)
                    | (Q(status__in=QUARANTINE_STATUSES) & ~Q(isolation__in=CENTRALISED))
                )
                .annotate(
                    since=_since_expression(),
                    need_severity=Case(
                        When(status=Status.CONFIRMED, then=_severity_expression()),
                        default=Value(""),
                        output_field=CharField(),
                    ),
                )
                .values("person__home_id", "status", "need_severity")
                .annotate(n=Count("pk"), **counts)
                .values_list("person__home_id", "status", "need_severity", "n", *counts)
            )
    if kept is None or not kept.still():
        for s in waiting_states(moment, times=bool(ages)):
            add(s)
        return out
    for home, status, severity, *n in rows:
        out[(home, status, severity)] = list(n)
    if kept.fresh:
        from warroom.core.bulk import among

        with among(kept.fresh, integer=True) as fresh:
            for s in states_at(moment, [waiting_filter()], times=bool(ages), people=fresh):
                if waits_for_bed(s) or waits_for_room(s):
                    add(s)
    return out


def waiting_for_bed_at(moment: dt.datetime) -> Q:
    """Filter of :func:`people_at`: waiting for a hospital bed (confirmed, not admitted)."""
    return Q(status_at=Status.CONFIRMED)


def waiting_for_room_at(moment: dt.datetime) -> Q:
    """Filter of :func:`people_at`: waiting for a quarantine room (febrile, suspected or
    close contact not in centralised isolation)."""
    return Q(status_at__in=QUARANTINE_STATUSES) & ~Q(isolation_at__in=CENTRALISED)


def _need_at_expression() -> Case:
    return Case(
        When(status_at=Status.CONFIRMED, severity_at=Severity.CRITICAL, then=Value(Need.CRITICAL)),
        When(status_at=Status.CONFIRMED, severity_at=Severity.SEVERE, then=Value(Need.SEVERE)),
        When(status_at=Status.CONFIRMED, then=Value(Need.CONFIRMED)),
        When(status_at=Status.SUSPECTED, then=Value(Need.SUSPECTED)),
        When(status_at__in=(Status.FEBRILE, Status.FEBRILE_TESTED), then=Value(Need.FEBRILE)),
        default=Value(Need.CONTACT),
        output_field=IntegerField(),
    )


def waiting_at(moment: dt.datetime, people: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """Everyone waiting for a bed or a room at ``moment`` (valid time), annotated with
    ``need`` and ``since_at`` (confirmation for the confirmed, entering the category
    otherwise)."""
    return (
        people_at(moment, people, now=waiting_filter())
        .filter(waiting_for_bed_at(moment) | waiting_for_room_at(moment))
        .annotate(
            need=_need_at_expression(),
            since_at=Coalesce(
                Case(
                    When(status_at=Status.CONFIRMED, then=F("confirmed_at_at")),
                    default=F("entered_at"),
                ),
                F("entered_at"),
                F("created_at"),
            ),
        )
    )


def waiting_counts(day: dt.date) -> dict[tuple[int, str], int]:
    """The waiting provider for the bed balance: people waiting at ``day``'s cut-off by
    (home compound, bed type needed), as the records stood then (:func:`waiting_at`)."""
    from warroom.cases.clearance import cutoff_for

    out: dict[tuple[int, str], int] = {}
    moment = cutoff_for(day)
    # (with the clearance's ages: the same count, read once a cycle for both)
    for (home, status, severity), (n, *_older) in waiting_groups(moment, day_ages(moment)).items():
        need = need_of(status, severity)
        assert need is not None  # everyone waiting is in a category with a need
        key = (home, BED_TYPE_OF_NEED[need])
        out[key] = out.get(key, 0) + n
    return out
