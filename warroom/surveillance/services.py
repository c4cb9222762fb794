"""Daily aggregates: imported from districts (DESIGN §4 format) or computed from the line list.

Unknown cells stay NULL, never 0. A district's report for an (area, day) imported again
with other figures is a correction: the row is updated (and audited as one batch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from warroom.audit.services import record_batch
from warroom.cases.clearance import cutoff_for
from warroom.cases.cutoff_states import with_person_home
from warroom.cases.models import Person, TransitionRecord
from warroom.cases.states import Severity, Status
from warroom.core import bulk
from warroom.core.bulk import among, loaded, update_rows, without_gc
from warroom.core.context import acting
from warroom.core.imports import finish_import, import_progress, previous_import
from warroom.core.today import today as platform_today
from warroom.geo.models import Area
from warroom.series import io as series_io
from warroom.surveillance.models import FIGURES, DailyReport, Source
from warroom.tables import (
    Cell,
    Column,
    RowError,
    Table,
    TableRejected,
    columns_present,
    count,
    date,
    parse_columns,
)

# The §4 columns are defined once, in :mod:`warroom.series.io` (the analyst's reader);
# the platform's import adds its own checks (no future date, a plausible count).
LABELS_ZH = {name: zh for name, zh, _aliases in series_io.COUNT_COLUMNS}


def report_date(cell: Cell) -> dt.date:
    value = date(cell)
    if value > platform_today():
        raise ValueError("a date in the future")
    return value


def figure(cell: Cell) -> int:
    """A count of people: whole, not negative, and below any city's population."""
    value = count(cell)
    if value > MAX_FIGURE:
        raise ValueError(f"more than {MAX_FIGURE:,}: not a count of people")
    return value


MAX_FIGURE = 100_000_000

REPORT_COLUMNS: list[Column] = [
    replace(series_io.DATE, parse=report_date),
    # The platform's template has always said 区划编码; the reader's label is an alias.
    replace(
        series_io.AREA,
        label_zh="区划编码",
        aliases=(series_io.AREA.label_zh, *series_io.AREA.aliases),
    ),
    *[
        Column(name, zh, figure, required=False, aliases=aliases)
        for name, zh, aliases in series_io.COUNT_COLUMNS
    ],
]


@dataclass(frozen=True)
class ReportImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str


# The columns a new report is written with (its figures, area, day, source, time).
REPORT_WRITE_FIELDS = ["area", "date", "source", *FIGURES, "updated_at"]


@without_gc
def do_import_daily_reports(
    table: Table, *, actor: Any, sha256: str | None = None
) -> ReportImportResult:
    """Import districts' daily reports (one row per area and day). All or nothing.

    A file names every area of the city (10,614 rows): it is parsed column by column
    (:func:`~warroom.tables.parse_columns`) and its new reports are written from the
    columns (:func:`~warroom.core.bulk.insert_columns`), without an object per row.
    """
    kind = "surveillance-daily"
    digest = sha256 or table.sha256
    numbers, values = parse_columns(table, REPORT_COLUMNS)
    n = len(numbers)
    progress = import_progress("daily reports", n)
    # A figure's column absent from the file keeps the stored figure; an empty cell of a
    # present column is unknown (DESIGN §4) and stored as such.
    present = [name for name in FIGURES if name in columns_present(table, REPORT_COLUMNS)]
    with acting(actor), transaction.atomic():
        if previous_import(kind, digest, actor=actor) is not None:
            return ReportImportResult(kind, n, 0, 0, True, digest)
        codes, days = values["area_code"], values["date"]
        with among(set(codes)) as wanted:
            areas = {
                code: (pk, path)
                for code, pk, path in Area.objects.filter(code__in=wanted).values_list(
                    "code", "pk", "path"
                )
            }
        own = getattr(actor, "area_path", "")
        errors: list[RowError] = []
        seen: dict[tuple[str, dt.date], int] = {}
        area_ids: list[int] = []
        for rownum, code, day in zip(numbers, codes, days, strict=True):
            area = areas.get(code)
            if area is None:
                errors.append(RowError(rownum, "area_code", code, "no such area"))
            elif own and not area[1].startswith(own):
                errors.append(RowError(rownum, "area_code", code, "outside your area"))
            else:
                area_ids.append(area[0])
            key = (code, day)
            if key in seen:
                errors.append(
                    RowError(
                        rownum, "area_code", code, f"this area and day are also in row {seen[key]}"
                    )
                )
            seen[key] = rownum
        if errors:
            raise TableRejected(errors)
        with among(set(area_ids), integer=True) as wanted_ids:
            existing = {
                (r.area_id, r.date): r
                for r in loaded(
                    DailyReport.objects.filter(
                        source=Source.REPORT, area_id__in=wanted_ids, date__in=set(days)
                    )
                )
            }
        now = timezone.now()
        fresh: list[int] = []
        changed = []
        figures = [values[name] for name in FIGURES]
        tell_at = progress.due
        for i in range(n):
            if i == tell_at:  # once per chunk of rows
                progress.rows(i)
                tell_at = progress.due
            row = existing.get((area_ids[i], days[i])) if existing else None
            if row is None:
                fresh.append(i)
                continue
            update = {name: values[name][i] for name in present}
            if any(getattr(row, name) != value for name, value in update.items()):
                for name, value in update.items():
                    setattr(row, name, value)
                row.updated_at = now
                changed.append(row)
        _insert_reports(fresh, area_ids, days, figures, now)
        update_rows(DailyReport, changed, [*FIGURES, "updated_at"])
        progress.rows(n, final=True)
        finish_import(
            kind,
            digest,
            actor=actor,
            filename=table.filename,
            rows=n,
            created=len(fresh),
            updated=len(changed),
            object_type="surveillance.dailyreport",
            message=f"{kind}: {len(fresh)} created, {len(changed)} updated",
        )
    return ReportImportResult(kind, n, len(fresh), len(changed), False, digest)


def _insert_reports(
    rows: list[int],
    area_ids: list[int],
    days: list[dt.date],
    figures: list[list[int | None]],
    now: dt.datetime,
) -> None:
    """The new reports (the file's ``rows``), written from the columns: area, day,
    source, every figure (None: unknown), time."""
    if not rows:
        return
    every = len(rows) == len(area_ids)
    pick = (lambda column: column) if every else (lambda column: [column[i] for i in rows])
    fields = [DailyReport._meta.get_field(name) for name in REPORT_WRITE_FIELDS]
    bulk.insert_columns(
        DailyReport._meta.db_table,
        [f.column for f in fields],  # type: ignore[union-attr]
        [
            pick(area_ids),
            pick(days),
            [Source.REPORT.value] * len(rows),
            *(pick(column) for column in figures),
            [now] * len(rows),
        ],
    )


def _tree() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = list(Area.objects.order_by("pk").values_list("pk", "parent_id", "depth"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    parents = np.array([r[1] if r[1] is not None else -1 for r in rows], dtype=np.int64)
    depth = np.array([r[2] for r in rows], dtype=np.int64)
    return ids, parents, depth


def line_list_figures(day: dt.date) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every area's figures for ``day`` from the line list (transitions), rolled up.

    Returns (area ids, values[area, figure] with -1 for unknown, figure names). Severe and
    critical are the current state, known only for today (unknown for past days).
    """
    ids, parents, depth = _tree()
    values = np.zeros((len(ids), len(FIGURES)), dtype=np.int64)
    end = cutoff_for(day)
    start = end - dt.timedelta(days=1)
    steps = with_person_home(TransitionRecord.objects.all())  # merged people: home None
    new_targets = {
        "new_confirmed": Status.CONFIRMED,
        "new_suspected": Status.SUSPECTED,
        "new_febrile": Status.FEBRILE,
        "new_contacts": Status.CONTACT,
        "new_deaths": Status.DIED,
        "new_discharged": Status.DISCHARGED,
    }
    cum_targets = {
        "cum_confirmed": Status.CONFIRMED,
        "cum_deaths": Status.DIED,
        "cum_discharged": Status.DISCHARGED,
    }
    annotations: dict[str, Any] = {}
    for name, target in new_targets.items():
        annotations[name] = Count(
            "person", distinct=True, filter=Q(target=target, at__gte=start, at__lt=end)
        )
    for name, target in cum_targets.items():
        annotations[name] = Count("person", distinct=True, filter=Q(target=target, at__lt=end))
    # The day's steps of every kind, and of all time only the kinds counted cumulatively:
    # not every suspected, febrile and contact step since the start (at the W1 peak four in
    # five of the history, read and sorted for nothing).
    rows = list(
        steps.filter(
            Q(at__gte=start, at__lt=end, target__in=[*new_targets.values()])
            | Q(at__lt=end, target__in=[*cum_targets.values()])
        )
        .values("home")
        .annotate(**annotations)
        .order_by()
    )
    rows = [r for r in rows if r["home"] is not None]
    if rows:
        index = np.searchsorted(ids, [r["home"] for r in rows])
        for name in [*new_targets, *cum_targets]:
            values[index, FIGURES.index(name)] = [r[name] for r in rows]
    c, d, s = (FIGURES.index(n) for n in ("cum_confirmed", "cum_deaths", "cum_discharged"))
    values[:, FIGURES.index("under_treatment")] = values[:, c] - values[:, d] - values[:, s]
    if day == platform_today():
        sev = (
            Person.objects.filter(
                merged_into__isnull=True,
                status__in=[Status.CONFIRMED, Status.ADMITTED],
                severity__in=[Severity.SEVERE, Severity.CRITICAL],
            )
            .values("home_id", "severity")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for r in sev:
            i = int(np.searchsorted(ids, r["home_id"]))
            values[i, FIGURES.index(r["severity"])] += r["n"]
    parent_index = np.where(parents >= 0, np.searchsorted(ids, np.maximum(parents, 0)), -1)
    for level in range(int(depth.max(initial=0)), 0, -1):
        members = np.nonzero(depth == level)[0]
        members = members[parent_index[members] >= 0]
        np.add.at(values, parent_index[members], values[members])
    if day != platform_today():
        values[:, FIGURES.index("severe")] = -1
        values[:, FIGURES.index("critical")] = -1
    return ids, values, list(FIGURES)


def do_compute_daily_aggregates(day: dt.date, *, actor: Any) -> int:
    """Store ``day``'s line-list figures for every area with any (idempotent).

    Only what differs from the day's stored rows is written: a changed row is updated (with
    its time), a new area's row inserted, the row of an area left without any figure
    deleted; a re-run that finds the same figures writes no row (it had deleted and
    re-inserted the ~10,000 rows of a peak day each time).
    """
    ids, values, names = line_list_figures(day)
    known = np.where(values < 0, 0, values)
    keep = np.nonzero(known.sum(axis=1) > 0)[0]
    now = timezone.now()
    # Plain tuples (unknown = -1 → NULL): about 10,000 rows a day at the peak.
    kept = values[keep]
    cells = kept.astype(object)
    cells[kept < 0] = None
    area_ids: list[int] = ids[keep].tolist()
    source = str(Source.LINE_LIST)
    figures: dict[int, tuple[Any, ...]] = {
        area_id: tuple(row) for area_id, row in zip(area_ids, cells.tolist(), strict=True)
    }
    digest = hashlib.sha256(values.tobytes() + day.isoformat().encode()).hexdigest()
    with acting(actor), transaction.atomic():
        stored = DailyReport.objects.filter(date=day, source=Source.LINE_LIST).order_by()
        gone: list[int] = []
        changed: list[DailyReport] = []
        seen: set[int] = set()
        for pk, area_id, *old in stored.values_list("pk", "area_id", *names):
            new = figures.get(area_id)
            if new is None:
                gone.append(pk)
                continue
            seen.add(area_id)
            if tuple(old) != new:
                changed.append(
                    DailyReport(pk=pk, **dict(zip(names, new, strict=True)), updated_at=now)
                )
        if gone:
            with among(gone, integer=True) as gone_ids:
                DailyReport.objects.filter(pk__in=gone_ids).delete()
        update_rows(DailyReport, changed, [*names, "updated_at"])
        bulk.insert_tuples(
            DailyReport,
            ("area", "date", "source", "updated_at", *names),
            [
                (area_id, day, source, now, *row)
                for area_id, row in figures.items()
                if area_id not in seen
            ],
        )
        record_batch(
            object_type="surveillance.dailyreport",
            rows=len(figures),
            sha256=digest,
            action="compute",
            message=f"line-list aggregates {day.isoformat()}",
        )
    return len(figures)


@dataclass(frozen=True)
class Discrepancy:
    area_code: str
    date: dt.date
    figure: str
    reported: int
    line_list: int

    @property
    def difference(self) -> int:
        return self.reported - self.line_list


def reconcile(day: dt.date, areas: list[Area] | None = None) -> list[Discrepancy]:
    """Where a district's report and the line list disagree on ``day`` (known cells only).

    The call site for the analytics data-quality rule "aggregate counts that disagree with
    the case line list" (DESIGN §3.5): that rule, from the analytics branch, will take
    these pairs and decide severity and tolerance; this is the plain comparison.
    """
    qs = DailyReport.objects.filter(date=day).select_related("area")
    if areas is not None:
        qs = qs.filter(area__in=areas)
    by_key: dict[tuple[int, str], DailyReport] = {(r.area_id, r.source): r for r in qs}
    out: list[Discrepancy] = []
    for (area_id, source), reported in by_key.items():
        if source != Source.REPORT:
            continue
        computed = by_key.get((area_id, Source.LINE_LIST))
        for name in FIGURES:
            value = getattr(reported, name)
            if value is None:
                continue
            other = getattr(computed, name) if computed is not None else 0
            if other is None:
                continue
            if value != other:
                out.append(Discrepancy(reported.area.code, day, name, value, other))
    return sorted(out, key=lambda d: (d.area_code, FIGURES.index(d.figure)))


# --- data quality (DESIGN §3.5): the analytics rules over the stored reports ----------------

QUALITY_SOURCE = "daily_report"
# Findings about the last days are stored (and refreshed); older ones were stored by the
# cycle of their own day. A week catches a district's late or corrected report.
QUALITY_WINDOW_DAYS = 7


@dataclass(frozen=True)
class QualityResult:
    day: dt.date
    found: int
    created: int
    resolved: int


def _report_cube(day: dt.date) -> Any:
    """The districts' reports up to ``day`` as the analytics cube (None without any)."""
    from warroom.analytics.quality import DailyReports

    rows = list(
        DailyReport.objects.filter(source=Source.REPORT, date__lte=day)
        .order_by()
        .values_list("date", "area_id", *FIGURES)
    )
    if not rows:
        return None, {}
    ids = sorted({r[1] for r in rows})
    areas = {a.pk: a for a in Area.objects.filter(pk__in=ids).only("pk", "code", "parent_id")}
    codes = [areas[i].code for i in ids]
    index = {pk: i for i, pk in enumerate(ids)}
    parent = [index.get(areas[i].parent_id, -1) for i in ids]  # type: ignore[arg-type]
    cube = DailyReports.from_rows(
        np.array([r[0] for r in rows], dtype="datetime64[D]"),
        np.array([areas[r[1]].code for r in rows]),
        {
            name: np.array([np.nan if r[2 + j] is None else float(r[2 + j]) for r in rows])
            for j, name in enumerate(FIGURES)
        },
        area_codes=np.array(codes),
        parent=np.array(parent, dtype=np.int64),
    )
    return cube, {a.code: a.pk for a in areas.values()}


def _line_list_cases(cube: Any, day: dt.date, first: dt.date) -> tuple[Any, Any, set[dt.date]]:
    """The line list's confirmed cases for the rule ``line_list_mismatch`` (DESIGN §3.5).

    Each case is dated by the cut-off (a confirmation after day D's cut-off counts on D+1:
    the day D with ``cutoff(D - 1) <= at < cutoff(D)``) and placed at the deepest reporting
    area that contains its home, and above it wherever the roll-up's chain of reporting
    parents breaks (:func:`_reporting_places`; cases of areas that no report covers are
    left out). The
    rule is judged only on days whose line-list aggregates were computed (the line list is
    in use): a city that only imports reports gets no flag from it. Returns (dates, area
    codes, the days the line list is in use).

    Only the days from ``first`` to ``day`` are read: the rule compares each day with that
    day's cases alone, and only the findings of those days are kept (the whole city's
    history was 29,000 cases converted one by one, to keep the last week's flags). The
    cases are counted in SQL by home and day (the cut-offs as a CASE), not read one by one.
    """
    line_days = set(
        DailyReport.objects.filter(source=Source.LINE_LIST, date__gte=first, date__lte=day)
        .order_by()  # (the model's ordering would make every row distinct)
        .values_list("date", flat=True)
        .distinct()
    )
    if not line_days:
        return None, None, set()
    start = max(dt.date.fromisoformat(str(cube.start)), first)
    days = [start + dt.timedelta(days=k) for k in range((day - start).days + 1)]
    if not days:
        return None, None, set()
    reporting = {
        path: code
        for path, code in Area.objects.filter(code__in=list(cube.area_codes)).values_list(
            "path", "code"
        )
    }
    cutoffs = [cutoff_for(d) for d in days]
    which_day = Case(
        *[When(at__lt=cut, then=Value(k)) for k, cut in enumerate(cutoffs[:-1])],
        default=Value(len(cutoffs) - 1),
        output_field=IntegerField(),
    )
    rows = (
        TransitionRecord.objects.filter(
            person__merged_into__isnull=True,
            target=Status.CONFIRMED,
            at__gte=cutoff_for(start - dt.timedelta(days=1)),
            at__lt=cutoffs[-1],
        )
        .annotate(day_index=which_day)
        .values("person__home__path", "day_index")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("person__home__path", "day_index", "n")
    )
    # The deepest reporting area holding a home: reporting paths end with "/" and have at
    # most ``depth`` slashes, so the answer is that of the home path's prefix up to its
    # ``depth``-th slash, looked up once per prefix (a few hundred) rather than once per
    # home path (thousands, each scanned character by character).
    depth = max((p.count("/") for p in reporting if p.endswith("/")), default=0)
    place: dict[str, list[str]] = {}
    ks, codes, counts = [], [], []
    for path, k, n in rows:
        key, end = path, -1
        for _ in range(depth):
            end = path.find("/", end + 1)
            if end < 0:
                break
        else:
            key = path[: end + 1] if depth else path
        found = place.get(key)
        if found is None:
            found = place[key] = _reporting_places(key, reporting)
        for code in found:
            ks.append(k)
            codes.append(code)
            counts.append(n)
    dates = np.array(days, dtype="datetime64[D]")[np.array(ks, dtype=np.int64)]
    return (
        np.repeat(dates, counts),
        np.repeat(np.array(codes, dtype=str), counts) if codes else np.array([], dtype=str),
        line_days,
    )


def _reporting_places(path: str, reporting: dict[str, str]) -> list[str]:
    """Where the rule places a case whose home is at ``path``: the deepest reporting area
    holding it, and each reporting area above it that the rule's roll-up would not reach.

    The rule counts a case for its area and, through the cube's parent links, for every
    ancestor; a link joins an area to its direct parent only when that parent reports too
    (``_report_cube``). A street and the city reporting, the district not: the street's
    cases are placed at the city as well, or the city's line list would miss them.
    """
    out: list[str] = []
    below = ""
    for i in range(len(path) - 1, 0, -1):
        if path[i] != "/" or path[: i + 1] not in reporting:
            continue
        here = path[: i + 1]
        if not out or below[: below.rstrip("/").rfind("/") + 1] != here:
            out.append(reporting[here])  # the deepest, or a break in the parent chain
        below = here
    return out


def _num_or_none(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def do_check_quality(day: dt.date, *, actor: Any) -> QualityResult:
    """Run the data-quality rules over the reports up to ``day`` and store the findings.

    Idempotent: a finding is keyed by (source, rule, area, day, column); found again, it
    keeps its status (a person acknowledged it) and takes the new figures; an open one
    of the window that the rules no longer find is resolved ("no longer found"). Only
    findings about the last :data:`QUALITY_WINDOW_DAYS` days up to ``day`` are touched.
    """
    from warroom.analytics.quality import run_all
    from warroom.surveillance.models import FlagStatus, QualityFlag

    first = day - dt.timedelta(days=QUALITY_WINDOW_DAYS - 1)
    cube, area_ids = _report_cube(day)
    found: dict[tuple[str, int, dt.date, str], dict[str, Any]] = {}
    if cube is not None:
        case_date, case_area, line_days = _line_list_cases(cube, day, first)
        flags = run_all(
            cube, np.datetime64(day, "D"), case_date=case_date, case_area_code=case_area
        )
        for i in range(len(flags)):
            when = dt.date.fromisoformat(str(flags.date[i]))
            if not first <= when <= day:
                continue
            if str(flags.rule[i]) == "line_list_mismatch" and when not in line_days:
                continue  # the line list was not in use that day
            key = (
                str(flags.rule[i]),
                area_ids[str(flags.area_code[i])],
                when,
                str(flags.column[i]),
            )
            found[key] = {
                "severity": str(flags.severity[i]),
                "measured": _num_or_none(float(flags.measured[i])),
                "expected": _num_or_none(float(flags.expected[i])),
                "message": str(flags.message[i]),
            }
    now = timezone.now()
    with acting(actor), transaction.atomic():
        stored = {
            (f.rule, f.area_id, f.day, f.column): f
            for f in QualityFlag.objects.select_for_update().filter(
                source=QUALITY_SOURCE, day__gte=first, day__lte=day
            )
        }
        new, changed, resolved = [], [], []
        for key, values in found.items():
            flag = stored.get(key)
            if flag is None:
                rule, area_id, when, column = key
                new.append(
                    QualityFlag(
                        source=QUALITY_SOURCE,
                        rule=rule,
                        area_id=area_id,
                        day=when,
                        column=column,
                        detected_on=day,
                        **values,
                    )
                )
                continue
            reopen = flag.status == FlagStatus.RESOLVED and flag.status_note == NO_LONGER_FOUND
            if reopen or any(getattr(flag, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(flag, k, v)
                if reopen:  # the step resolved it, the data brought it back
                    flag.status, flag.status_note, flag.status_changed_at = FlagStatus.OPEN, "", now
                changed.append(flag)
        for key, flag in stored.items():
            if key not in found and flag.status != FlagStatus.RESOLVED:
                flag.status, flag.status_note, flag.status_changed_at = (
                    FlagStatus.RESOLVED,
                    NO_LONGER_FOUND,
                    now,
                )
                resolved.append(flag)
        QualityFlag.objects.bulk_create(new, batch_size=2000)
        QualityFlag.objects.bulk_update(
            [*changed, *resolved],
            [
                "severity",
                "measured",
                "expected",
                "message",
                "status",
                "status_note",
                "status_changed_at",
            ],
            batch_size=2000,
        )
        digest = hashlib.sha256(repr(sorted(found.items())).encode()).hexdigest()
        record_batch(
            object_type="surveillance.qualityflag",
            rows=len(new) + len(changed) + len(resolved),
            sha256=digest,
            action="compute",
            message=f"quality {day.isoformat()}: {len(found)} found, {len(new)} new, "
            f"{len(resolved)} resolved",
        )
    return QualityResult(day, len(found), len(new), len(resolved))


NO_LONGER_FOUND = "no longer found by the rules"


def do_set_flag_status(flag: Any, status: str, *, note: str = "", actor: Any) -> Any:
    """Acknowledge or resolve a quality flag (or open it again), with a note."""
    from warroom.core.errors import InvalidInput, NotFound
    from warroom.core.scoping import in_scope
    from warroom.surveillance.models import FlagStatus, QualityFlag

    if status not in FlagStatus.values():
        raise InvalidInput(f"status: {status!r} is not one of {', '.join(FlagStatus.values())}")
    if not (actor.can("change") and in_scope(actor, flag.area.path)):
        raise NotFound("quality flag not found")
    with acting(actor), transaction.atomic():
        locked = QualityFlag.objects.select_for_update().get(pk=flag.pk)
        locked.status = status
        locked.status_note = note[:300]
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_note", "status_changed_at"])
    return locked
