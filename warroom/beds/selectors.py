"""Reading beds with permission. Every read goes through ``restrict``.

Capacity is never stored as a level: it is derived from the history of
:class:`~warroom.beds.models.CapacityChange` rows, for all facilities in one query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Q, QuerySet, Sum, Value, When

from warroom.beds.models import (
    BED_TYPE_ORDER,
    BedBalance,
    BedPool,
    BedReport,
    CapacityChange,
    Facility,
)
from warroom.core.context import SYSTEM
from warroom.core.errors import InvalidInput
from warroom.core.scoping import load_for
from warroom.core.today import cutoff_for
from warroom.core.today import today as platform_today

Key = tuple[int, str]  # (facility id, bed type)

# A facility's report stands for the days after it until a newer one, for this long.
REPORT_VALID_DAYS = 7
# Days a query may ask about (date arithmetic near date.min/max would overflow).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


def check_day(day: dt.date) -> dt.date:
    """``day`` if it lies in the years warroom answers for; otherwise InvalidInput."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(f"{day} is out of range ({FIRST_DAY.year}-{LAST_DAY.year})")
    return day


# Statuses in which a facility takes no new patient.
CLOSED_TO_ADMISSIONS = ("closing", "closed")


def open_to_admissions(day: dt.date) -> Q:
    """Facilities that take new patients on ``day``: not closing or closed by then.

    Read from the dates (``closing_on``, ``closed_on``), not the present ``status``: a
    shelter hospital closed in March took patients in February, and a dispatch for a
    February day (the demo, a replay) must see its beds. A closing or closed status
    without its date counts from always.
    """
    closing = Q(closing_on__isnull=False, closing_on__lte=day)
    closed = Q(closed_on__isnull=False, closed_on__lte=day)
    undated = Q(status__in=CLOSED_TO_ADMISSIONS, closing_on__isnull=True, closed_on__isnull=True)
    return ~(closing | closed | undated)


def takes_admissions(facility: Facility, day: dt.date) -> bool:
    """Whether ``facility`` takes new patients on ``day`` (:func:`open_to_admissions`)."""
    if facility.closing_on is not None and facility.closing_on <= day:
        return False
    if facility.closed_on is not None and facility.closed_on <= day:
        return False
    return not (
        facility.status in CLOSED_TO_ADMISSIONS
        and facility.closing_on is None
        and facility.closed_on is None
    )


def visible_facilities(user: Any, action: str = "view") -> QuerySet[Facility]:
    return Facility.objects.restrict(user, action)


def get_facility(user: Any, code: str, action: str = "view") -> Facility:
    """The facility ``code`` if ``user`` may ``action`` it; otherwise NotFound."""
    return load_for(user, action, Facility.objects.select_related("area"), code, field="code")


def _changes(user: Any | None) -> QuerySet[CapacityChange]:
    return CapacityChange.objects.restrict(user, "view")  # SYSTEM: every facility


def _in_schedule(schedule: bool) -> Q:
    """Actual changes; with ``schedule``, also planned openings no opening has realised."""
    actual = ~Q(kind="planned")
    if not schedule:
        return actual
    return actual | Q(kind="planned", realised_by__isnull=True)


def capacity_on(
    day: dt.date,
    *,
    user: Any = SYSTEM,
    facility_ids: list[int] | None = None,
    schedule: bool = False,
) -> dict[Key, int]:
    """Beds per (facility id, bed type) on ``day``, from the history (one query).

    ``schedule=True`` adds the planned openings not yet realised (the capacity schedule).
    Pairs at zero are left out.
    """
    qs = _changes(user).filter(_in_schedule(schedule), effective__lte=day)
    if facility_ids is not None:
        qs = qs.filter(facility_id__in=facility_ids)
    rows = qs.values("facility_id", "bed_type").annotate(n=Sum("delta")).order_by()
    return {(r["facility_id"], r["bed_type"]): r["n"] for r in rows if r["n"]}


def capacity_series(
    start: dt.date,
    days: int,
    *,
    user: Any = SYSTEM,
    facility_ids: list[int] | None = None,
    schedule: bool = False,
) -> list[dict[str, int]]:
    """Total beds per bed type for each of ``days`` days from ``start`` (one query)."""
    end = start + dt.timedelta(days=days - 1)
    qs = _changes(user).filter(_in_schedule(schedule), effective__lte=end)
    if facility_ids is not None:
        qs = qs.filter(facility_id__in=facility_ids)
    rows = qs.values("effective", "bed_type").annotate(n=Sum("delta")).order_by("effective")
    level = dict.fromkeys(BED_TYPE_ORDER, 0)
    by_day: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for r in rows:
        if r["effective"] <= start:
            level[r["bed_type"]] += r["n"]
        else:
            by_day[r["effective"]][r["bed_type"]] = r["n"]
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        for bed_type, n in by_day.get(day, {}).items():
            level[bed_type] += n
        out.append(dict(level))
    return out


def occupied_on(
    day: dt.date, *, user: Any = SYSTEM, facility_ids: list[int] | None = None
) -> dict[Key, BedReport]:
    """The latest report on or before ``day`` (within a week) per (facility, bed type)."""
    latest: dict[Key, BedReport] = {}
    for report in _reports_on(day, user, facility_ids):
        latest[(report.facility_id, report.bed_type)] = report
    return latest


def _reports_on(
    day: dt.date, user: Any, facility_ids: list[int] | None = None
) -> QuerySet[BedReport]:
    """The reports :func:`occupied_on` reads, oldest first (one a facility, day and bed
    type: the last of a key is its latest)."""
    qs = (BedReport.objects.restrict(user, "view")).filter(
        date__lte=day, date__gt=day - dt.timedelta(days=REPORT_VALID_DAYS)
    )
    if facility_ids is not None:
        qs = qs.filter(facility_id__in=facility_ids)
    return qs.order_by("date")


@dataclass(frozen=True, slots=True)
class Census:
    """What the bed balance reads of a facility's latest report (:func:`occupied_on`'s)."""

    occupied: int
    reported_at: dt.datetime


def census_on(
    day: dt.date, *, user: Any = SYSTEM, facility_ids: list[int] | None = None
) -> dict[Key, Census]:
    """:func:`occupied_on`'s latest reports as their census and time only: the bed balance
    and the supplies' need per facility read those fields of 2,000 audited reports a peak
    day, loaded as models for it."""
    return {
        (facility, bed_type): Census(occupied, at)
        for facility, bed_type, occupied, at in _reports_on(day, user, facility_ids).values_list(
            "facility_id", "bed_type", "occupied", "reported_at"
        )
    }


@dataclass
class FacilityLoad:
    """One facility on a day: beds, occupied and free per type, and the occupancy rate."""

    facility: Facility
    capacity: dict[str, int] = field(default_factory=dict)
    occupied: dict[str, int | None] = field(default_factory=dict)
    report_date: dt.date | None = None

    @property
    def total_capacity(self) -> int:
        return sum(self.capacity.values())

    @property
    def total_occupied(self) -> int | None:
        known = [v for v in self.occupied.values() if v is not None]
        return sum(known) if known else None

    @property
    def rate(self) -> float | None:
        occ = self.total_occupied
        if occ is None or not self.total_capacity:
            return None
        return occ / self.total_capacity

    @property
    def rows(self) -> list[tuple[str, int, int | None, int | None]]:
        """(bed type, capacity, occupied, free) per type the facility holds."""
        out = []
        for bed_type in BED_TYPE_ORDER:
            cap = self.capacity.get(bed_type, 0)
            occ = self.occupied.get(bed_type)
            if cap or occ is not None:
                out.append((bed_type, cap, occ, None if occ is None else cap - occ))
        return out


def facility_loads(user: Any, day: dt.date, *, kind: str | None = None) -> list[FacilityLoad]:
    """Every visible facility with its capacity and occupancy on ``day`` (three queries)."""
    facilities = visible_facilities(user).select_related("area").order_by("kind", "code")
    if kind:
        facilities = facilities.filter(kind=kind)
    return facility_loads_for(user, list(facilities), day, all_visible=True)


def facility_loads_for(
    user: Any, facilities: list[Facility], day: dt.date, *, all_visible: bool = False
) -> list[FacilityLoad]:
    """Capacity and occupancy on ``day`` of the given (already visible) facilities."""
    loads = {f.pk: FacilityLoad(f) for f in facilities}
    ids = None if all_visible else list(loads)
    for (fid, bed_type), n in capacity_on(day, user=user, facility_ids=ids).items():
        if fid in loads:
            loads[fid].capacity[bed_type] = n
    for (fid, bed_type), report in occupied_on(day, user=user, facility_ids=ids).items():
        if fid in loads:
            load = loads[fid]
            load.occupied[bed_type] = report.occupied
            if load.report_date is None or report.date > load.report_date:
                load.report_date = report.date
    return list(loads.values())


def totals_by_type(loads: list[FacilityLoad]) -> dict[str, dict[str, int]]:
    """Capacity, occupied (reported) and free beds per bed type over ``loads``."""
    out = {t: {"capacity": 0, "occupied": 0, "free": 0} for t in BED_TYPE_ORDER}
    for load in loads:
        for bed_type, cap, occ, _free in load.rows:
            row = out[bed_type]
            row["capacity"] += cap
            row["occupied"] += occ or 0
            row["free"] += cap - (occ or 0)
    return out


def capacity_history(user: Any, facility: Facility) -> QuerySet[CapacityChange]:
    return (
        _changes(user)
        .filter(facility=facility)
        .select_related("actor", "realises")
        .order_by("effective", "pk")
    )


def reports(user: Any, facility: Facility, *, limit: int = 60) -> list[BedReport]:
    return list(
        BedReport.objects.restrict(user, "view")
        .filter(facility=facility)
        .order_by("-date", "bed_type")[:limit]
    )


def stored_balance(
    user: Any, *, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[BedBalance]:
    qs = BedBalance.objects.restrict(user, "view").select_related("area")
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.order_by("day", "area__code", "bed_type")


def district_of(path: str) -> str:
    """The code of the district an area path lies in (the city itself for the root)."""
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class BalanceRow:
    area_id: int
    area_code: str
    area_name: str
    bed_type: str
    capacity: int
    occupied: int
    free: int
    waiting: int | None
    balance: int | None


@dataclass(frozen=True)
class BalanceResult:
    day: dt.date
    case_data: bool
    rows: list[BalanceRow]

    def by_type(self) -> dict[str, dict[str, int | None]]:
        """Totals per bed type (waiting and balance None without case data)."""
        out: dict[str, dict[str, int | None]] = {}
        for t in BED_TYPE_ORDER:
            mine = [r for r in self.rows if r.bed_type == t]
            out[t] = {
                "capacity": sum(r.capacity for r in mine),
                "occupied": sum(r.occupied for r in mine),
                "free": sum(r.free for r in mine),
                "waiting": sum(r.waiting or 0 for r in mine) if self.case_data else None,
                "balance": sum(r.balance or 0 for r in mine) if self.case_data else None,
            }
        return out


def reservations_held(cut: dt.datetime, prefix: str = "") -> dict[str, Sum]:
    """Annotations of a facility query: the beds its reservations held at the moment
    ``cut``, one ``held_<bed type>`` per type (None: none held). Held at ``cut``: made at
    or before it and not released by then (valid time, from the reservation's own
    ``created_at``/``released_at``): a reservation made or released after ``cut`` does
    not change what was held then. ``prefix`` is the path from the query's model to the
    facility ("" for a facility query)."""
    r = f"{prefix}reservations__"
    held = Q(**{f"{r}created_at__lte": cut}) & (
        Q(**{f"{r}released_at__isnull": True}) | Q(**{f"{r}released_at__gt": cut})
    )
    return {
        f"held_{t}": Sum(f"{r}beds", filter=held & Q(**{f"{r}bed_type": t})) for t in BED_TYPE_ORDER
    }


def balance_on(day: dt.date, *, user: Any = SYSTEM) -> BalanceResult:
    """Free beds minus waiting people per district and bed type on ``day`` (not stored).

    Free beds: the capacity from the history minus the occupied beds: for today the live
    pool's count (reports, placements and reservations); for a past day as it stood at the
    day's cut-off, the latest report's census plus the placements started and ended after
    it (:mod:`warroom.beds.moves`; a facility that has not reported holds the people placed
    in it then) plus the beds reservations held at the cut-off (:func:`reservations_held`),
    in the facilities that take admissions on
    ``day`` (:func:`open_to_admissions`: a closing facility's empty beds are not free).
    Waiting people: the registered providers (:mod:`warroom.beds.waiting`), rolled up to
    districts; with none, waiting and balance are None (unknown).
    """
    from warroom.analytics.beds import bed_balance
    from warroom.beds.waiting import waiting_counts
    from warroom.geo.models import Area

    capacity = capacity_on(day, user=user)
    reports = census_on(day, user=user)
    past = day != platform_today()
    # One query for every visible facility: its district, whether it takes admissions
    # that day (a closing or closed facility's empty beds are not free; dispatch's
    # facilities_of reads the same rule) and, for a past day, the beds held by
    # reservations at the day's cut-off per bed type (reservations_held).
    facilities = visible_facilities(user).annotate(
        admits=Case(When(open_to_admissions(day), then=Value(True)), default=Value(False))
    )
    held_fields = [f"held_{t}" for t in BED_TYPE_ORDER]
    if past:
        facilities = facilities.annotate(**reservations_held(cutoff_for(day)))
    rows = facilities.values("pk", "area__path", "admits", *(held_fields if past else ()))
    paths: dict[int, str] = {}
    admitting: set[int] = set()
    held: dict[Key, int] = {}
    for row in rows:
        paths[row["pk"]] = row["area__path"]
        if row["admits"]:
            admitting.add(row["pk"])
        for t, name in zip(BED_TYPE_ORDER, held_fields, strict=True):
            if row.get(name):
                held[(row["pk"], t)] = int(row[name])
    # Today the live pools are the truth (reports set them; placements and reservations
    # move them between reports); other days have only the reports.
    live: dict[Key, int] = {}
    if not past:
        pools = BedPool.objects.restrict(user, "view")
        live = {(f, t): n for f, t, n in pools.values_list("facility_id", "bed_type", "occupied")}
    else:
        # A past day as it stood at its cut-off (valid time): the latest report's census
        # plus the beds placements took and gave back after it (warroom.beds.moves), plus
        # the beds reservations held at the cut-off (people on their way are in no census).
        from warroom.beds.moves import moves_since

        since = {k: (r.reported_at if (r := reports.get(k)) else None) for k in capacity}
        moved = moves_since(since, day)
        live = {
            k: max(0, (r.occupied if (r := reports.get(k)) else 0) + moved.get(k, 0))
            + held.get(k, 0)
            for k in capacity
        }
    cap: dict[tuple[str, str], int] = {}
    occ: dict[tuple[str, str], int] = {}
    empty: dict[tuple[str, str], int] = {}
    for (fid, bed_type), n in capacity.items():
        key = (district_of(paths[fid]), bed_type)
        cap[key] = cap.get(key, 0) + n
        report = reports.get((fid, bed_type))
        taken = live.get((fid, bed_type), report.occupied if report else 0)
        occ[key] = occ.get(key, 0) + min(n, taken)
        if fid in admitting:
            empty[key] = empty.get(key, 0) + n - min(n, taken)
    raw = waiting_counts(day)
    waiting: dict[tuple[str, str], int] = {}
    if raw is not None:
        from warroom.core.bulk import among

        areas = Area.objects.restrict(user, "view")
        with among({a for a, _ in raw}, integer=True) as wanted:
            where = dict(areas.filter(pk__in=wanted).values_list("pk", "path"))
        for (area_id, bed_type), n in raw.items():
            if area_id in where:  # another district's people are not this user's to see
                key = (district_of(where[area_id]), bed_type)
                waiting[key] = waiting.get(key, 0) + n
    keys = sorted(set(cap) | set(waiting))
    names = {
        a.code: a
        for a in Area.objects.filter(code__in={k[0] for k in keys}).only("code", "name_zh")
    }
    free = [empty.get(k, 0) for k in keys]
    balance = (
        bed_balance([float(f) for f in free], [float(waiting.get(k, 0)) for k in keys])
        if raw is not None and keys
        else None
    )
    rows = [
        BalanceRow(
            area_id=names[k[0]].pk,
            area_code=k[0],
            area_name=names[k[0]].name_zh,
            bed_type=k[1],
            capacity=cap.get(k, 0),
            occupied=occ.get(k, 0),
            free=free[i],
            waiting=None if raw is None else waiting.get(k, 0),
            balance=None if balance is None else round(float(balance[i])),
        )
        for i, k in enumerate(keys)
    ]
    return BalanceResult(day, raw is not None, rows)


def balance_history(
    user: Any, start: dt.date, end: dt.date
) -> tuple[list[dt.date], dict[str, list[int | None]]]:
    """The stored daily balance per bed type over the user's districts, day by day.

    Days the daily cycle has not stored, or stored without case data, are None.
    """
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    series: dict[str, list[int | None]] = {t: [None] * len(days) for t in BED_TYPE_ORDER}
    index = {d: i for i, d in enumerate(days)}
    rows = (
        stored_balance(user, start=start, end=end)
        .filter(balance__isnull=False)
        .values("day", "bed_type")
        .annotate(n=Sum("balance"))
        .order_by()
    )
    seen: set[dt.date] = set()
    for r in rows:
        i = index[r["day"]]
        seen.add(r["day"])
        series[r["bed_type"]][i] = r["n"]
    for d in seen:  # a type with no row that day has neither beds nor waiting people
        for t in BED_TYPE_ORDER:
            if series[t][index[d]] is None:
                series[t][index[d]] = 0
    return days, series


def beds_wait_since(days: list[dt.date], series: dict[str, list[int | None]]) -> dt.date | None:
    """The day patients stopped waiting for beds: after the last shortage, the first day
    the balance is ≥ 0 for every type (``warroom.analytics.beds.beds_wait_day``).

    Days without data count as not yet. None if the balance is still negative, or if no
    shortage was ever recorded and no day has data.
    """
    import numpy as np

    from warroom.analytics.beds import beds_wait_day

    if not days:
        return None
    matrix = np.array(
        [[np.nan if v is None else float(v) for v in series[t]] for t in BED_TYPE_ORDER]
    ).T
    short = np.flatnonzero(np.any(matrix < 0, axis=1))
    offset = int(short[-1]) + 1 if short.size else 0
    if offset >= len(days):
        return None
    found = beds_wait_day(matrix[offset:])
    return None if found is None else days[offset + found]
