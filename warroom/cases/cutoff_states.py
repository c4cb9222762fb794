"""Everyone's state at the latest daily cut-off, kept from one day to the next (issue 21).

The daily cycle's "as of the cut-off" figures (the clearance's admit, isolate and treat
backlogs, the bed balance's waiting counts, certification's unreleased people) need each
person's state at the cut-off: the target of his last step at or before it, his last
isolation and severity records, the moments of his last steps into confirmed, into a
category and into admitted (:func:`warroom.cases.waiting.states_at`, the definition;
:func:`warroom.cases.waiting.people_at` per person). Read from scratch, that is a window
over the whole of each history every day, while from one cut-off to the next only the
people with a record since the previous cut-off change.

So the daily step ``cases.states`` (:func:`do_advance`) keeps :class:`CutoffState`, one row
per person with a record, as of the checkpoint's moment (:class:`CutoffCheckpoint`, one
row), and moves it forward: from the checkpoint ``C`` to the day's cut-off ``M >= C`` it
re-reads from the histories only the people with a record timed in ``[C, M]`` or with an
id above the checkpoint's marks (written after it: a late file back-dated before ``C``
included), and rewrites their rows. Readers (:func:`states_of`, :func:`unreleased_rows`)
use the rows only when the checkpoint stands exactly at the moment asked, and then read
from the histories the people with a record written since (id above the marks): what they
return is always what a read from scratch returns. Any other moment (a re-run of an
earlier day, a page asking about a past day) is read from scratch; the checkpoint never
moves back.

The rows also keep each person's facts the rates count (:data:`RATE_FACTS`, defined by
:func:`rate_facts`: ever confirmed, admitted, died, ...), so that the daily rates sum the
kept rows by home instead of aggregating every history since the start
(:func:`rate_fact_rows`). Those are kept as the rates read them, from the records strictly
before the moment: a record exactly at the checkpoint's moment ``C`` is among the records
timed in ``[C, M]`` that the next advance re-reads, so no reader has to re-read the people
with a record exactly at the cut-off (as :func:`unreleased_rows` must for the states).

What invalidates rows beyond the marks: a merge moves a duplicate's records to the person
kept (ids unchanged), so it calls :func:`forget` (the next run rebuilds). On PostgreSQL the
advance holds a SHARE lock on the three histories while it reads the marks and the
histories (an import committing in between waits for it), so no record can be committed
with an id under the marks after they were read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from warroom.cases.cutoff_models import CutoffCheckpoint, CutoffState
from warroom.cases.states import Severity, Status
from warroom.core.bulk import among

# (status, isolation, severity, confirmed at, entered at, admitted at); None: no record.
State = tuple[str | None, str | None, str | None, Any, Any, Any]
_NONE: State = (None, None, None, None, None, None)
_COLUMNS = (
    "person",
    "status",
    "isolation",
    "severity",
    "confirmed_at",
    "entered_at",
    "admitted_at",
)


# The facts of a person the rates count (:func:`rate_facts`), in the order of their kept
# columns (:class:`CutoffState`); a person without a row or a fact has none of them.
RATE_FACTS = (
    "ever_confirmed",
    "ever_admitted",
    "ever_died",
    "ever_discharged",
    "ever_mild",
    "became_severe",
    "ever_contact",
    "contact_confirmed",
)
Facts = tuple[bool, bool, bool, bool, bool, bool, bool, bool]
_NO_FACTS: Facts = (False,) * 8  # type: ignore[assignment]


def _models() -> tuple[Any, Any, Any]:
    from warroom.cases.models import IsolationRecord, SeverityRecord, TransitionRecord

    return TransitionRecord, IsolationRecord, SeverityRecord


def _rows(model: Any, moment: dt.datetime, keys: Any, strict: bool) -> QuerySet[Any]:
    """A history's records at or before ``moment`` (``strict``: strictly before), of the
    people ``keys`` (a list or a subquery; None: everyone), unordered."""
    qs = model.objects.filter(at__lt=moment) if strict else model.objects.filter(at__lte=moment)
    if keys is not None:
        qs = qs.filter(person_id__in=keys)
    return qs.order_by()


def _windows(
    moment: dt.datetime,
    keys: Any = None,
    *,
    times: bool = True,
    strict: bool = False,
    since: dt.datetime | None = None,
) -> tuple[QuerySet[Any], QuerySet[Any], QuerySet[Any]]:
    """The three window reads of :func:`histories`: each person's latest step (``person_id,
    target`` and, with ``times``, the moments ``confirmed, entered, admitted`` of his last
    steps into those), isolation record (``person_id, isolation``) and severity record
    (``person_id, severity``) at or before ``moment`` (``strict``: strictly before), of the
    people ``keys`` (None: everyone with a record), among the records timed at or after
    ``since`` (None: all)."""
    from warroom.cases.waiting import _entry_step, _latest_per_person

    transitions, isolations, severities = _models()

    def last_at(q: Q) -> Max:
        return Max(Case(When(q, then=F("at")), default=None))

    def rows(model: Any) -> QuerySet[Any]:
        qs = _rows(model, moment, keys, strict)
        return qs if since is None else qs.filter(at__gte=since)

    moments = (
        {
            "confirmed": last_at(Q(target=Status.CONFIRMED)),
            "entered": last_at(_entry_step()),
            "admitted": last_at(Q(target=Status.ADMITTED)),
        }
        if times
        else {}
    )
    return (
        _latest_per_person(rows(transitions), **moments).values_list(
            "person_id", "target", *moments
        ),
        _latest_per_person(rows(isolations)).values_list("person_id", "isolation"),
        _latest_per_person(rows(severities)).values_list("person_id", "severity"),
    )


def histories(
    moment: dt.datetime, keys: Any = None, *, times: bool = True, strict: bool = False
) -> dict[int, State]:
    """Each person's state at ``moment`` from the histories (of the people ``keys``: a
    list or a subquery; None: everyone with a record), one window per history. ``strict``:
    the records strictly before ``moment`` (certification's end of day), else at or
    before. Without ``times`` the moments are None."""
    steps, isolations, severities = _windows(moment, keys, times=times, strict=strict)
    out: dict[int, list[Any]] = {}
    for pk, target, *at in steps:
        out[pk] = [target, None, None, *(at or (None, None, None))]
    for pk, isolation in isolations:
        out.setdefault(pk, list(_NONE))[1] = isolation
    for pk, severity in severities:
        out.setdefault(pk, list(_NONE))[2] = severity
    return {pk: tuple(v) for pk, v in out.items()}  # type: ignore[misc]


def _fact_reads(
    moment: dt.datetime, keys: Any = None, *, strict: bool = False
) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The two aggregate reads of :func:`rate_facts`, one row a person each, 0/1 integers:
    from the steps ``person_id, is_c, is_k, adm, died, dis, after`` (confirmed; a contact;
    steps into admitted, died, discharged; confirmed later than first a contact) and from
    the severity records ``person_id, was_mild, worse`` (a mild record; a severe one later
    than the first of those)."""
    transitions, _isolations, severities = _models()

    def one(condition: Q) -> Case:  # 0/1 integers: no converter per value (SQLite's bool)
        return Case(When(condition, then=1), default=0)

    contact = (Status.CONTACT, Status.QUARANTINED)
    mild = (Severity.ASYMPTOMATIC, Severity.MILD, Severity.MODERATE)
    steps = (
        _rows(transitions, moment, keys, strict)
        .filter(
            target__in=(Status.CONFIRMED, Status.ADMITTED, Status.DIED, Status.DISCHARGED, *contact)
        )
        .values("person_id")
        .annotate(
            c=Min("at", filter=Q(target=Status.CONFIRMED)),
            k=Min("at", filter=Q(target__in=contact)),
            adm=Count("pk", filter=Q(target=Status.ADMITTED)),
            died=Count("pk", filter=Q(target=Status.DIED)),
            dis=Count("pk", filter=Q(target=Status.DISCHARGED)),
        )
        .annotate(
            is_c=one(Q(c__isnull=False)), is_k=one(Q(k__isnull=False)), after=one(Q(c__gt=F("k")))
        )
        .values_list("person_id", "is_c", "is_k", "adm", "died", "dis", "after")
    )
    records = (
        _rows(severities, moment, keys, strict)
        .values("person_id")
        .annotate(
            m=Min("at", filter=Q(severity__in=mild)),
            s=Max("at", filter=Q(severity__in=(Severity.SEVERE, Severity.CRITICAL))),
        )
        .annotate(was_mild=one(Q(m__isnull=False)), worse=one(Q(s__gt=F("m"))))
        .values_list("person_id", "was_mild", "worse")
    )
    return steps, records


def rate_facts(moment: dt.datetime, keys: Any = None, *, strict: bool = False) -> dict[int, Facts]:
    """Each person's facts the rates count (:data:`RATE_FACTS`), from his steps and
    severity records at or before ``moment`` (``strict``: strictly before, the rates' own
    reading at a day's cut-off); of the people ``keys`` (a list or a subquery; None:
    everyone), only those with a fact. Their one definition (docs/supervision.md §5):

    - ``ever_confirmed``: a step into ``confirmed``; ``ever_admitted``, ``ever_died``,
      ``ever_discharged``: confirmed, and a step into ``admitted``, ``died``,
      ``discharged``;
    - ``ever_mild``: confirmed, and a severity record asymptomatic, mild or moderate;
      ``became_severe``: and a record severe or critical later than the first of those;
    - ``ever_contact``: a step into ``contact`` or ``quarantined``; ``contact_confirmed``:
      his first step into ``confirmed`` later than his first into one of those.

    One row a person from each history, aggregated by the database (no times read)
    (:func:`_fact_reads`; the kept rows are written from the same reads by
    :func:`_write_facts`).
    """
    steps, records = _fact_reads(moment, keys, strict=strict)
    out: dict[int, Facts] = {}
    for pk, is_c, is_k, adm, died, dis, after in steps:
        c = bool(is_c)
        out[pk] = (
            c,
            c and adm > 0,
            c and died > 0,
            c and dis > 0,
            False,
            False,
            bool(is_k),
            c and bool(after),
        )
    for pk, was_mild, worse in records:
        found = out.get(pk)
        if found is not None and found[0] and was_mild:
            out[pk] = (*found[:4], True, bool(worse), *found[6:])  # type: ignore[assignment]
    return out


def checkpoint() -> CutoffCheckpoint | None:
    return CutoffCheckpoint.objects.order_by("-pk").first()


def marks() -> tuple[int, int, int]:
    """The highest id of each history (transitions, isolation and severity records)."""
    return tuple(  # type: ignore[return-value]
        m.objects.aggregate(n=Max("pk"))["n"] or 0 for m in _models()
    )


def written_since(cp: CutoffCheckpoint, *also: QuerySet[Any]) -> set[int]:
    """The people with a record written after the checkpoint (an id above its marks), and
    the people of ``also`` (querysets of a history's ``person_id``).

    Each history read on its own, by its primary key's range: a few rows, not a scan of
    the people (one ``person IN (...) OR IN (...) OR IN (...)`` over 344,000 people took
    0.2 s on PostgreSQL, and every reader of the kept states asks it)."""
    transitions, isolations, severities = _models()
    fresh: set[int] = set()
    for model, mark in (
        (transitions, cp.transition_id),
        (isolations, cp.isolation_id),
        (severities, cp.severity_id),
    ):
        fresh.update(
            model.objects.filter(pk__gt=mark).order_by().values_list("person_id", flat=True)
        )
    for qs in also:
        fresh.update(qs.order_by().values_list("person_id", flat=True))
    return fresh


def _state_of_row(row: tuple[Any, ...]) -> State:
    status, isolation, severity, *moments = row
    return (status or None, isolation or None, severity or None, *moments)  # type: ignore[return-value]


def states_of(moment: dt.datetime, keys: Any, *, times: bool = True) -> dict[int, State] | None:
    """:func:`histories` of ``keys`` at ``moment`` from the kept rows (and the people with a
    record written since from the histories); None when the checkpoint is not at
    ``moment`` (the caller reads from scratch)."""
    cp = checkpoint()
    if cp is None or cp.moment != moment:
        return None
    fresh = written_since(cp)
    names = list(_COLUMNS[1:]) if times else ["status", "isolation", "severity"]
    out: dict[int, State] = {}
    for pk, *row in (
        CutoffState.objects.filter(person_id__in=keys).order_by().values_list("person_id", *names)
    ):
        if pk not in fresh:
            out[pk] = _state_of_row((*row, None, None, None)[:6])
    if not _still(cp):
        return None  # moved on while read: the caller reads from scratch
    if fresh:
        # (the fresh people outside ``keys`` too: the callers look theirs up)
        with among(fresh, integer=True) as ids:
            out.update(histories(moment, ids, times=times))
    return out


def _still(cp: CutoffCheckpoint) -> bool:
    """Whether ``cp`` still stands: an advance committed between a reader's statements
    replaces it (rows and checkpoint in one transaction), and the rows read may then be
    the new moment's."""
    return CutoffCheckpoint.objects.filter(pk=cp.pk).exists()


def with_person_home(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Rows of a person (kept states, steps: a ``person`` key) annotated with his home
    compound (``home``), for a count grouped by it; on PostgreSQL a merged person's rows
    have ``home`` NULL (every person has a home: the caller drops them), elsewhere they
    are left out.

    PostgreSQL joined the tens of thousands of kept rows (or of steps) to all the people
    with a hash join over the whole table (344,206 rows, 96 MB at the whole city's peak,
    read from the disk's cache each time: more than its buffers keep), never taking the
    covering index ``cases_person_home`` (id to home of the people not merged, migration
    0013): its cost model prices that index's pages as random reads. Asked by a subquery
    per row, the person is one probe of that index (an index-only scan): certification's
    unreleased people by home 135-217 -> 86-98 ms at the peak (load 2.3). SQLite (no
    covering index; a person found by his id in the table) was slower that way (40-52 ->
    75-98 ms): the join there.
    """
    from django.db.models import OuterRef

    from warroom.cases.models import Person

    if connection.vendor != "postgresql":
        return rows.filter(person__merged_into__isnull=True).annotate(home=F("person__home_id"))
    return rows.annotate(
        home=Subquery(
            Person.objects.filter(pk=OuterRef("person_id"), merged_into__isnull=True)
            .order_by()
            .values("home_id")
        )
    )


def unreleased_rows(
    end: dt.datetime, unreleased: Sequence[str]
) -> list[tuple[int, str, int]] | None:
    """:func:`warroom.cases.selectors.unreleased_by_compound` from the kept rows: (home,
    status, people) of the people (not merged) whose last step strictly before ``end`` is
    into ``unreleased``; None when the checkpoint is not at ``end``."""
    from django.db.models import Count

    from warroom.cases.models import Person

    cp = checkpoint()
    if cp is None or cp.moment != end:
        return None
    # Read from the history: records written since, and steps exactly at ``end`` (kept
    # in the rows, which are "at or before").
    fresh = written_since(cp, steps_at(end))
    counts: dict[tuple[int, str], int] = {}
    kept = (
        with_person_home(CutoffState.objects.filter(status__in=unreleased))
        .values("home", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if fresh:
        with among(fresh, integer=True) as ids:
            kept = kept.exclude(person_id__in=ids)
            rows = list(kept.values_list("home", "status", "n"))
            homes = dict(
                Person.objects.filter(pk__in=ids, merged_into__isnull=True).values_list(
                    "pk", "home_id"
                )
            )
            for pk, state in histories(end, ids, times=False, strict=True).items():
                if pk in homes and state[0] in unreleased:
                    key = (homes[pk], str(state[0]))
                    counts[key] = counts.get(key, 0) + 1
    else:
        rows = list(kept.values_list("home", "status", "n"))
    if not _still(cp):
        return None  # moved on while read: the caller reads from scratch
    for home, status, n in rows:
        if home is None:
            continue  # merged (every person has a home): not counted
        counts[(home, str(status))] = counts.get((home, str(status)), 0) + int(n)
    return [(home, status, n) for (home, status), n in counts.items()]


def steps_at(moment: dt.datetime) -> QuerySet[Any]:
    """The transitions timed exactly at ``moment`` (a cut-off), down the ``(target, at)``
    index: one probe per target that occurs, listed first by a loose index scan (a few
    index seeks). ``at = moment`` alone has no index of its own: SQLite scanned the whole
    history for it (1 million steps at the whole city's peak: 0.17 s)."""
    transitions, _isolations, _severities = _models()
    q = connection.ops.quote_name
    table, target = q(transitions._meta.db_table), q("target")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE t(v) AS (SELECT MIN({target}) FROM {table} "  # noqa: S608
            f"UNION ALL SELECT (SELECT MIN({target}) FROM {table} WHERE {target} > t.v) "
            "FROM t WHERE t.v IS NOT NULL) SELECT v FROM t WHERE v IS NOT NULL"
        )
        targets = [v for (v,) in cursor.fetchall()]
    return transitions.objects.filter(target__in=targets, at=moment)


def rate_fact_rows(
    end: dt.datetime, confirmed_also: Callable[[str], Q]
) -> dict[int, list[int]] | None:
    """The people (not merged) with each of :data:`RATE_FACTS` strictly before ``end``
    summed by their home (the present one): ``{home: [n per fact, n confirmed meeting
    confirmed_also]}`` (``confirmed_also(prefix)``: a condition on the person, its lookups
    after ``prefix``), from the kept rows; None when the checkpoint is not at ``end``."""
    from warroom.cases.models import Person

    cp = checkpoint()
    if cp is None or cp.moment != end:
        return None
    fresh = written_since(cp)  # (the facts are kept "strictly before": nothing at ``end``)
    counts: dict[str, Count] = {
        f"n_{name}": Count("pk", filter=Q(**{name: True})) for name in RATE_FACTS
    }
    counts["also"] = Count("pk", filter=Q(ever_confirmed=True) & confirmed_also("person__"))
    kept = (
        CutoffState.objects.filter(
            Q(ever_confirmed=True) | Q(ever_contact=True), person__merged_into__isnull=True
        )
        # Grouped by ``home_id + 0``, not the column: SQLite (no statistics) grouped by the
        # indexed column walking every person in home order, probing his kept row (0.8 s
        # CPU at the whole city's peak); by the expression it scans the kept rows with a
        # fact and looks their people up (0.2 s). PostgreSQL: the same hash aggregate.
        .annotate(home=F("person__home_id") + Value(0))
        .values("home")
        .annotate(**counts)
        .order_by()
    )
    out: dict[int, list[int]] = {}
    with among(fresh, integer=True) as ids:
        if fresh:
            kept = kept.exclude(person_id__in=ids)
        rows = list(kept.values_list("home", *counts))
        if fresh:
            facts = rate_facts(end, ids, strict=True)
            people = (
                Person.objects.filter(pk__in=ids, merged_into__isnull=True, home__isnull=False)
                .annotate(also=Case(When(confirmed_also(""), then=1), default=0))
                .order_by()
                .values_list("pk", "home_id", "also")
            )
            for pk, home, also in people:
                found = facts.get(pk)
                if found is not None:
                    row = out.setdefault(home, [0] * (len(RATE_FACTS) + 1))
                    for i, fact in enumerate(found):
                        row[i] += fact
                    row[-1] += bool(also) and found[0]
    if not _still(cp):
        return None  # moved on while read: the caller reads from scratch
    for home, *n in rows:
        if home is None:
            continue
        row = out.setdefault(home, [0] * (len(RATE_FACTS) + 1))
        for i, k in enumerate(n):
            row[i] += k
    return out


def _lock_histories() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time already
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in _models())
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN SHARE MODE")


def _bring(moment: dt.datetime, keys: Any, since: dt.datetime | None) -> None:
    """Write the kept rows of the people ``keys`` (None: everyone) with a record timed in
    ``[since, moment]`` (``since`` None: at or before ``moment``, their rows deleted
    before): their state at ``moment`` (:func:`histories`) brought forward from their row
    by those records, and their facts (:func:`rate_facts`, strictly before ``moment``,
    from all their records). One ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` in the
    database, the same on both: no person's row passes through Python, and each row is
    written once (PostgreSQL keeps a version of a row for each write).

    Exact because every record timed in ``[since, moment]`` comes after (by time, then
    id: :func:`warroom.cases.waiting._latest_per_person`) every record timed before
    ``since``, the ones a row at ``since`` was made of: a history with a record in the
    window has its latest there, one without keeps the row's value; a moment of a last step
    into confirmed, a category or admitted is the window's when it has one, else the
    row's. A record timed before ``since`` but written after the row (a back-dated file)
    is the caller's to catch: that person is read whole (``since`` None)."""
    q = connection.ops.quote_name
    steps, isolations, severities = _windows(moment, keys, since=since)
    fact_steps, fact_records = _fact_reads(moment, keys, strict=True)
    kept = CutoffState.objects.order_by()
    if keys is not None:
        kept = kept.filter(person_id__in=keys)
    kept = kept.values_list("person_id", *_COLUMNS[1:])
    # Each read's rows side by side in the columns of one union, NULL (0 for the facts'
    # integers) where a read has no value, then grouped by person: a union and a hash
    # aggregate, not joins (PostgreSQL, expecting a row or two from each window, joined
    # them by nested loops: 63 s at the whole city's peak). The kept rows come first: their
    # typed columns type the union's.
    union = (
        "p",
        *("ks", "ki", "kv", "kc", "ke", "ka"),  # the kept row
        *("ts", "ti", "tv", "tc", "te", "ta"),  # the windows: step, isolation, severity
        *("is_c", "is_k", "adm", "died", "dis", "after", "was_mild", "worse"),  # the facts
    )
    reads = (
        ("k", ("p", "ks", "ki", "kv", "kc", "ke", "ka"), kept),
        ("t", ("p", "ts", "tc", "te", "ta"), steps),
        ("i", ("p", "ti"), isolations),
        ("s", ("p", "tv"), severities),
        ("fs", ("p", "is_c", "is_k", "adm", "died", "dis", "after"), fact_steps),
        ("fr", ("p", "was_mild", "worse"), fact_records),
    )
    ctes, branches, params = [], [], []
    for name, read, qs in reads:
        sql, qs_params = qs.query.sql_with_params()
        ctes.append(f"{name}({', '.join(read)}) AS ({sql})")
        params += qs_params
        picked = (
            u if u in read else "0" if u in union[13:] else "NULL" for u in union
        )  # each named: the first branch names the union's columns
        branches.append(
            f"SELECT {', '.join(f'{v} AS {u}' for v, u in zip(picked, union, strict=True))} "  # noqa: S608
            f"FROM {name}"
        )
    c = "MAX(is_c) = 1"
    mild = f"{c} AND MAX(was_mild) = 1"
    values = (
        "p",
        *(f"COALESCE(MAX({w}), MAX({k}), '')" for w, k in (("ts", "ks"), ("ti", "ki"))),
        "COALESCE(MAX(tv), MAX(kv), '')",
        *(f"COALESCE(MAX({w}), MAX({k}))" for w, k in (("tc", "kc"), ("te", "ke"))),
        "COALESCE(MAX(ta), MAX(ka))",
        # the facts, in the order of RATE_FACTS, combined as rate_facts combines them
        c,
        f"{c} AND MAX(adm) > 0",
        f"{c} AND MAX(died) > 0",
        f"{c} AND MAX(dis) > 0",
        mild,
        f"{mild} AND MAX(worse) = 1",
        "MAX(is_k) = 1",
        f"{c} AND MAX(after) = 1",
    )
    names = (*_COLUMNS, *RATE_FACTS)
    columns = ", ".join(q(f"{n}_id" if n == "person" else n) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(ctes)}, "  # noqa: S608
            f"g AS (SELECT {', '.join(f'({v})' for v in values)} "
            f"FROM ({' UNION ALL '.join(branches)}) u GROUP BY p) "
            f"INSERT INTO {q(CutoffState._meta.db_table)} ({columns}) "
            "SELECT * FROM g WHERE 1 = 1 ON CONFLICT (person_id) DO UPDATE SET "
            + ", ".join(f"{q(n)} = excluded.{q(n)}" for n in names[1:]),
            params,
        )


def do_advance(moment: dt.datetime) -> str:
    """Move the kept states to ``moment`` (the daily step ``cases.states``); idempotent.

    From scratch when there is no checkpoint; forward from the checkpoint when it is at
    or before ``moment`` (only the people with a record since it, or written after it,
    are re-read: their rows brought forward from the records since the checkpoint
    (:func:`_bring`), those with a back-dated record written since rebuilt from all of
    theirs); left as it is when it is after ``moment`` (a re-run of an earlier day: its
    readers read from scratch). All of it in the database (``INSERT ... SELECT``): no
    person's row passes through Python. Returns a one-line summary."""
    with transaction.atomic():
        _lock_histories()
        cp = CutoffCheckpoint.objects.select_for_update().order_by("-pk").first()
        if cp is not None and cp.moment > moment:
            return f"states kept at the later cut-off {cp.moment:%Y-%m-%d %H:%M}"
        highest = marks()
        if cp is None:
            CutoffState.objects.all().delete()
            _bring(moment, None, None)
            changed = people = CutoffState.objects.count()
            how = "from scratch"
        else:
            transitions, isolations, severities = _models()
            since = Q(at__gte=cp.moment, at__lte=moment)
            changed_people = written_since(
                cp,
                transitions.objects.filter(since),
                isolations.objects.filter(since),
                severities.objects.filter(since),
            )
            back_dated = set()
            for model, mark in (
                (transitions, cp.transition_id),
                (isolations, cp.isolation_id),
                (severities, cp.severity_id),
            ):
                back_dated.update(
                    model.objects.filter(pk__gt=mark, at__lt=cp.moment)
                    .order_by()
                    .values_list("person_id", flat=True)
                )
            with among(changed_people, integer=True) as ids:
                # (the rows counted among the people re-read, not the whole table:
                # PostgreSQL counts 344,000 rows in 0.17 s)
                before = CutoffState.objects.filter(person_id__in=ids).count()
                if back_dated:
                    with among(back_dated, integer=True) as late:
                        CutoffState.objects.filter(person_id__in=late).delete()
                        _bring(moment, late, None)
                forward = changed_people - back_dated
                if forward:
                    with among(forward, integer=True) as since_cp:
                        _bring(moment, since_cp, cp.moment)
                after = CutoffState.objects.filter(person_id__in=ids).count()
            changed, how = len(changed_people), "since the previous cut-off"
            people = cp.people - before + after
        CutoffCheckpoint.objects.all().delete()
        CutoffCheckpoint.objects.create(
            moment=moment,
            transition_id=highest[0],
            isolation_id=highest[1],
            severity_id=highest[2],
            people=people,
            computed_at=timezone.now(),
        )
    return f"{changed} people's states read ({how}); {people} kept"


def forget() -> None:
    """Drop the kept states (a merge moved records between people): the next run rebuilds
    them and readers read from scratch until then."""
    CutoffCheckpoint.objects.all().delete()
