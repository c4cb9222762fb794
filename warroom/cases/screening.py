"""Mass screening (全员核酸检测): a day of results, up to ~1.5 million rows, in one import.

Wuhan's citywide campaign of May 2020 tested about 9.9 million people in 19 days, up to
~1.47 million samples a day, and found some 300 positives. Most people screened are in no
case record, so a screening result is not a :class:`~warroom.cases.models.Sample` (whose
person must exist): every result goes, as it came, to
:class:`~warroom.cases.models.ScreeningResult`, keyed by the ID number; a person's latest
result is one probe of its ``(id_number, id_type, taken_at)`` index (:func:`latest_for`).

Only the positives enter case management, through the same doors as any report:

- a positive whose ID number is not in case management is reported on the line list as a
  **suspected** person (name, phone, home compound, the result's report time), through
  :func:`warroom.cases.imports.do_import_line_list`: the same validation, state machine
  and audit as a hospital's line list (a screening positive is an asymptomatic finding
  that the clinicians confirm or exclude);
- a positive of a person already in case management is his lab result, through
  :func:`warroom.cases.imports.do_import_results`: a ``Sample`` that moves him by the
  rules (a contact under quarantine becomes confirmed).

Both are written in the screening import's transaction, under keys derived from the
file's (so the whole is all or nothing, and idempotent). A refusal from either names the
screening file's own row.

The import (:func:`do_import_screening`) streams the file: each row is checked as it is
read and written in chunks (``COPY`` on PostgreSQL, multi-row statements on SQLite); the rows
are never all in memory. On the first bad row writing stops and checking goes on (up to
``Limits.max_errors``); a file with any bad row is refused whole (the transaction is
rolled back) naming row, column, value and reason. It finishes through the one import
finisher (batch record under the file's SHA-256, one audit entry). Every
:data:`PROGRESS_EVERY` rows it logs a line with the rate and reports to the job page.

Columns (English or Chinese headers): ``id_type 证件类型`` (optional, default resident
ID), ``id_number 证件号码``, ``name 姓名``, ``phone 联系电话`` (optional), ``home_code
住址小区编码``, ``lab 检测机构``, ``sample_code 样本编号``, ``taken_at 采样时间``,
``reported_at 报告时间``, ``result 检测结果`` (positive/negative, 阳性/阴性). A negative's
name and phone are read but not kept: only a positive's enter the line list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.db import connection, transaction

from warroom.cases.identity import PROVINCES, check_digit, validate_resident_id
from warroom.cases.imports import (
    ID_TYPES,
    LINE_LIST_COLUMNS,
    RESULT_COLUMNS,
    RESULTS,
    do_import_line_list,
    do_import_results,
    moment,
    phone,
)
from warroom.cases.models import IdType, Person, Result, ScreeningResult
from warroom.cases.selectors import can_see_people
from warroom.cases.services import HOME_AREAS
from warroom.core.bulk import insert_values, without_gc
from warroom.core.context import acting, progress_untold
from warroom.core.imports import finish_import, previous_import, table_from_rows
from warroom.core.progress import RowProgress
from warroom.core.today import today as platform_today
from warroom.geo.models import Area
from warroom.tables import (
    _CONTROL,  # the reader's one definition of a control character
    Column,
    RowError,
    Table,
    TableRejected,
    bounded,
    map_columns,
    text,
)

KIND = "cases-screening"
# The kind of file whose own size and row limits apply (warroom.core.uploads.import_limits).
LIMITS = "screening"
# Rows written per statement (COPY on PostgreSQL, multi-row INSERTs on SQLite).
CHUNK = 50_000
PROGRESS_EVERY = 100_000

SCREENING_COLUMNS: list[Column] = [
    Column("id_type", "证件类型", ID_TYPES, required=False, help="resident / passport / other"),
    Column("id_number", "证件号码", bounded(32)),
    Column("name", "姓名", bounded(100), help="kept only for a positive (the line list)"),
    Column("phone", "联系电话", phone, required=False),
    Column("home_code", "住址小区编码", text, help="the code of the home compound"),
    Column("lab", "检测机构", bounded(200)),
    Column("sample_code", "样本编号", bounded(64)),
    Column("taken_at", "采样时间", moment, help="YYYY-MM-DD HH:MM"),
    Column("reported_at", "报告时间", moment, help="YYYY-MM-DD HH:MM"),
    Column("result", "检测结果", RESULTS, help="positive / negative"),
]

_ID = re.compile(r"[0-9]{17}[0-9X]")

WRITTEN = ["id_type", "id_number", "area", "lab", "code", "taken_at", "reported_at", "result"]


@dataclass(frozen=True)
class ScreeningImportResult:
    kind: str
    rows: int
    created: int  # results kept
    updated: int  # people already in case management whose positive became a sample
    transitions: int  # status changes of the positives (line list and results)
    already_imported: bool
    sha256: str
    positives: int = 0
    new_suspected: int = 0


@dataclass(frozen=True)
class _Positive:
    row: int
    id_type: str
    id_number: str
    name: Any
    phone: Any
    home_code: str
    lab: str
    code: str
    taken_at: dt.datetime
    reported_at: dt.datetime


class _Column:
    """One column's parser with its answers per distinct text remembered (a lab, a home
    code, a time by the minute repeat over a million rows), or not (an ID number, a
    sample code never repeat: remembering them would only cost memory)."""

    def __init__(self, column: Column, pos: int | None, *, remember: bool) -> None:
        self.column, self.pos, self.remember = column, pos, remember
        self.memo: dict[str, Any] = {}

    def __call__(self, raw: list[Any]) -> Any:
        """The parsed value, None for a blank cell, or raises ``ValueError``."""
        cell = raw[self.pos] if self.pos is not None and self.pos < len(raw) else None
        if self.remember and type(cell) is str:
            known = self.memo.get(cell)
            if known is not None:
                if isinstance(known, ValueError):
                    raise known
                return known
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if self.column.required:
                raise ValueError("empty, but required")
            return None
        try:
            value = self.column.parse(cell)
        except (ValueError, TypeError, OverflowError) as exc:
            if self.remember and type(cell) is str:
                self.memo[cell] = ValueError(str(exc))
            raise ValueError(str(exc)) from None
        if self.remember and type(cell) is str:
            self.memo[cell] = value
        return value


def _shown(cell: Any) -> str:
    return "" if cell is None else str(cell)[:100]


def _homes(actor: Any) -> tuple[dict[str, int | ValueError], Callable[[str], int]]:
    """The home compounds (and villages) within the actor's area by code, their ids (the
    others' refusal as a ``ValueError``): every home of the city is loaded once
    (~10,000); and the answer for any other text (``ValueError`` with the reason)."""
    own = str(getattr(actor, "area_path", "") or "")
    outside = ValueError("this compound is outside your area")
    homes: dict[str, int | ValueError] = {
        code: pk if not own or path.startswith(own) else outside
        for code, pk, path in Area.objects.filter(HOME_AREAS).values_list("code", "pk", "path")
    }

    def home(code: str) -> int:
        found = homes.get(code)
        if found is None:
            raise ValueError("no compound or village with this code")
        if isinstance(found, ValueError):
            raise found
        return found

    return homes, home


def _document(id_type: str, number: str) -> str:
    if id_type == IdType.RESIDENT:
        return validate_resident_id(number)
    return number.strip().upper()


@without_gc
def do_import_screening(
    table: Table, *, actor: Any, sha256: str | None = None
) -> ScreeningImportResult:
    """Import a day of screening results. All or nothing; idempotent (see the module)."""
    digest = sha256 or table.sha256
    index = map_columns(table, SCREENING_COLUMNS)
    total = table.row_count if table.row_count is not None else _len(table.rows)
    with acting(actor), transaction.atomic():
        if previous_import(KIND, digest, actor=actor) is not None:
            return ScreeningImportResult(KIND, total or 0, 0, 0, 0, True, digest)
        rows, positives = _stream(table, index, actor, total)
        updated, new_people, steps = _enter_positives(positives, digest, table, actor)
        finish_import(
            KIND,
            digest,
            actor=actor,
            filename=table.filename,
            rows=rows,
            created=rows,
            updated=updated,
            object_type="cases.screeningresult",
            message=f"{KIND}: {rows} results, {len(positives)} positive "
            f"({new_people} new suspected) from {table.filename or 'data'}",
            details={"positives": len(positives), "new_suspected": new_people},
        )
        return ScreeningImportResult(
            KIND, rows, rows, updated, steps, False, digest, len(positives), new_people
        )


def _len(rows: Iterable[Any]) -> int | None:
    return len(rows) if isinstance(rows, list) else None


def _stream(
    table: Table, index: dict[str, int], actor: Any, total: int | None
) -> tuple[int, list[_Positive]]:
    """Check and write every row; return the rows written and the positives. Refuses the
    file (:class:`TableRejected`) if any row is bad: the caller's transaction rolls the
    written chunks back.

    Each row takes a fast path: the repeated cells (lab, home, times, result) are looked
    up among the texts already parsed, the ID number checked by :func:`_resident_ok`, the
    name and phone only checked for presence (a negative's are not kept; a positive's
    are parsed as the line list parses them). Anything the fast path does not accept
    goes through :func:`_slow_row`, the columns' own parsers, which names the problem.
    """
    cols = {
        c.name: _Column(
            c, index.get(c.name), remember=c.name not in ("id_number", "name", "sample_code")
        )
        for c in SCREENING_COLUMNS
    }
    on_postgres = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    home_ids, home = _homes(actor)
    # Per distinct text: the parsed time and what the driver is given for it.
    times: dict[str, tuple[dt.datetime, Any]] = {}
    labs: dict[str, str] = {}
    results: dict[str, str] = {}
    births: dict[str, bool] = {}
    today = platform_today()
    i_type, i_number, i_name = index.get("id_type"), index["id_number"], index["name"]
    i_home, i_lab, i_code = index["home_code"], index["lab"], index["sample_code"]
    i_taken, i_reported, i_result = index["taken_at"], index["reported_at"], index["result"]
    width = max(index.values()) + 1
    check_control = not table.no_control_characters
    limit = table.limits.max_errors
    errors: list[RowError] = []
    positives: list[_Positive] = []
    seen: set[tuple[str, str]] = set()
    chunk: list[tuple[Any, ...]] = []
    written = 0
    progress = RowProgress("screening", total, every=PROGRESS_EVERY)
    positive = Result.POSITIVE
    resident = IdType.RESIDENT
    table_name = ScreeningResult._meta.db_table
    columns = [ScreeningResult._meta.get_field(n).column for n in WRITTEN]  # type: ignore[union-attr]

    def fail(rownum: int, column: str, cell: Any, reason: str) -> None:
        errors.append(RowError(rownum, column, _shown(cell), reason))
        if len(errors) >= limit:
            raise TableRejected(errors, stopped=True)

    def moment_of(cell: str) -> tuple[dt.datetime, Any]:
        value = moment(cell)
        return value, (value.isoformat() if on_postgres else adapt(value))

    every_row: Iterable[list[Any]] = table.rows
    for offset, raw in enumerate(every_row):
        if offset % PROGRESS_EVERY == 0 and offset:
            progress.rows(offset)
        rownum = table.first_row + offset
        row: tuple[Any, ...] | None = None
        if len(raw) >= width and not (check_control and any(_CONTROL.search(c) for c in raw)):
            # The fast path: None as soon as something is not as the common row is.
            try:
                id_type = resident if i_type is None or not raw[i_type] else raw[i_type]
                number = raw[i_number]
                if id_type != resident or not _resident_ok(number, births, today):
                    raise LookupError
                area = home_ids[raw[i_home]]
                lab = labs[raw[i_lab]]
                taken, taken_db = times[raw[i_taken]]
                reported, reported_db = times[raw[i_reported]]
                result = results[raw[i_result]]
                code = raw[i_code].strip()
                name = raw[i_name]
                if (
                    type(area) is not int
                    or not code
                    or len(code) > 64
                    or not name.strip()
                    or len(name) > 100
                    or reported < taken
                    or (lab, code) in seen
                ):
                    raise LookupError
                row = (id_type, number, area, lab, code, taken_db, reported_db, result)
                if result == positive:
                    positives.append(
                        _Positive(
                            rownum,
                            id_type,
                            number,
                            _parsed(cols["name"], raw),
                            _parsed(cols["phone"], raw),
                            raw[i_home],
                            lab,
                            code,
                            taken,
                            reported,
                        )
                    )
            except (LookupError, ValueError, TypeError, AttributeError):
                row = None  # not a plain row (an Excel cell, a new text): the slow path
        if row is None:
            if not any(c is not None and str(c).strip() for c in raw):
                continue
            row = _slow_row(
                raw,
                rownum,
                cols,
                fail,
                home,
                home_ids,
                times,
                labs,
                results,
                moment_of,
                positives,
                seen,
                check_control,
            )
            if row is None:
                continue
        seen.add((row[3], row[4]))
        if errors:
            continue  # the file is refused: check the rest, write nothing more
        chunk.append(row)
        if len(chunk) >= CHUNK:
            insert_values(table_name, columns, chunk)
            written += len(chunk)
            chunk = []
    if errors:
        raise TableRejected(errors)
    insert_values(table_name, columns, chunk)
    written += len(chunk)
    progress.rows(written, final=True)
    return written, positives


def _resident_ok(number: str, births: dict[str, bool], today: dt.date) -> bool:
    """Whether ``number`` is a valid resident ID as it is written (upper case, no spaces):
    the checks of :func:`~warroom.cases.identity.validate_resident_id`, its birth date
    judged once per distinct date. False sends the row to the slow path, which says why."""
    if len(number) != 18 or not _ID.fullmatch(number) or number[:2] not in PROVINCES:
        return False
    born = number[6:14]
    ok = births.get(born)
    if ok is None:
        try:
            validate_resident_id(number[:17] + check_digit(number[:17]), today=today)
            ok = True
        except ValueError:
            ok = False
        births[born] = ok
    return ok and check_digit(number[:17]) == number[17]


def _parsed(column: _Column, raw: list[Any]) -> Any:
    """A positive's name or phone, parsed as the line list will (a bad one is refused
    there, naming this row)."""
    try:
        return column(raw)
    except ValueError:
        return raw[column.pos] if column.pos is not None and column.pos < len(raw) else None


def _slow_row(
    raw: list[Any],
    rownum: int,
    cols: dict[str, _Column],
    fail: Callable[[int, str, Any, str], None],
    home: Callable[[str], int],
    home_ids: dict[str, int | ValueError],
    times: dict[str, tuple[dt.datetime, Any]],
    labs: dict[str, str],
    results: dict[str, str],
    moment_of: Callable[[str], tuple[dt.datetime, Any]],
    positives: list[_Positive],
    seen: set[tuple[str, str]],
    check_control: bool,
) -> tuple[Any, ...] | None:
    """A row the fast path did not take: every column through its parser, every problem
    reported (``fail``); the texts it parsed are remembered for the fast path. None if
    the row is bad."""
    if check_control:
        bad = next((c for c in raw if isinstance(c, str) and _CONTROL.search(c)), None)
        if bad is not None:
            fail(rownum, "", bad, "contains a control character; remove it")
            return None
    values: dict[str, Any] = {}
    bad_before = False
    for name, parse in cols.items():
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            cell = raw[parse.pos] if parse.pos is not None and parse.pos < len(raw) else ""
            fail(rownum, name, cell, str(exc))
            bad_before = True
    if bad_before:
        return None
    id_type = values["id_type"] or IdType.RESIDENT
    try:
        number = _document(id_type, values["id_number"])
    except ValueError as exc:
        fail(rownum, "id_number", values["id_number"], str(exc))
        return None
    code_text = values["home_code"]
    area = home_ids.get(code_text)
    if area is None:
        try:
            area = home_ids[code_text] = home(code_text)
        except ValueError as exc:
            area = home_ids[code_text] = exc
    if isinstance(area, ValueError):
        fail(rownum, "home_code", code_text, str(area))
        return None
    lab, code = values["lab"], values["sample_code"]
    labs.setdefault(raw[cols["lab"].pos or 0], lab)
    taken_cell, reported_cell = raw[cols["taken_at"].pos or 0], raw[cols["reported_at"].pos or 0]
    taken, taken_db = times.get(taken_cell) or times.setdefault(taken_cell, moment_of(taken_cell))
    reported, reported_db = times.get(reported_cell) or times.setdefault(
        reported_cell, moment_of(reported_cell)
    )
    result = values["result"]
    results.setdefault(raw[cols["result"].pos or 0], result)
    if reported < taken:
        fail(rownum, "reported_at", reported.isoformat(), "earlier than the sampling")
        return None
    if (lab, code) in seen:
        fail(rownum, "sample_code", code, "this lab's sample code appears twice in the file")
        return None
    if result == Result.POSITIVE:
        positives.append(
            _Positive(
                rownum,
                id_type,
                number,
                values["name"],
                values["phone"],
                code_text,
                lab,
                code,
                taken,
                reported,
            )
        )
    return (id_type, number, area, lab, code, taken_db, reported_db, result)


def _sub_key(digest: str, part: str) -> str:
    return hashlib.sha256(f"{KIND}:{digest}:{part}".encode()).hexdigest()


def _enter_positives(
    positives: list[_Positive], digest: str, table: Table, actor: Any
) -> tuple[int, int, int]:
    """The positives into case management (see the module); returns (people already
    there whose result became a sample, new suspected people, status changes)."""
    if not positives:
        return 0, 0, 0
    numbers = {p.id_number for p in positives}
    registered = set(
        Person.objects.filter(id_number__in=numbers).values_list("id_type", "id_number")
    )
    known = [p for p in positives if (p.id_type, p.id_number) in registered]
    first: dict[tuple[str, str], _Positive] = {}
    for p in positives:
        if (p.id_type, p.id_number) not in registered:
            first.setdefault((p.id_type, p.id_number), p)
    new = list(first.values())
    steps = 0
    name = table.filename or "screening"
    if new:
        body = [
            {
                "name": p.name,
                "id_type": p.id_type,
                "id_number": p.id_number,
                "phone": p.phone,
                "home_code": p.home_code,
                "category": "suspected",
                "reported_at": p.reported_at,
            }
            for p in new
        ]
        sub = replace(
            table_from_rows(body, LINE_LIST_COLUMNS, key=_sub_key(digest, "line-list")),
            filename=f"{name} (positives)",
        )
        res = _refused_as_rows(
            new, partial(do_import_line_list, sub, actor=actor, sha256=sub.sha256)
        )
        steps += res.transitions
    if known:
        body = [
            {
                "id_type": p.id_type,
                "id_number": p.id_number,
                "lab": p.lab,
                "sample_code": p.code,
                "kind": "nucleic_acid",
                "taken_at": p.taken_at,
                "reported_at": p.reported_at,
                "result": "positive",
            }
            for p in known
        ]
        sub = replace(
            table_from_rows(body, RESULT_COLUMNS, key=_sub_key(digest, "results")),
            filename=f"{name} (positives)",
        )
        res = _refused_as_rows(
            known, partial(do_import_results, sub, actor=actor, sha256=sub.sha256)
        )
        steps += res.transitions
    return len(known), len(new), steps


def _refused_as_rows(rows: list[_Positive], run: Callable[[], Any]) -> Any:
    """Run a line-list or results import of ``rows``; a refusal names the screening
    file's rows (the sub-import's row k is ``rows[k - 2]``). Its progress is the
    screening's own, already told."""
    try:
        with progress_untold():
            return run()
    except TableRejected as exc:
        errors = [
            RowError(
                rows[e.row - 2].row if 2 <= e.row < len(rows) + 2 else e.row,
                e.column,
                e.value,
                f"as a positive entering case management: {e.reason}",
            )
            for e in exc.errors
        ]
        raise TableRejected(errors, total=exc.total, stopped=exc.stopped) from None


# --- reading ---------------------------------------------------------------------------------


def latest_for(user: Any, id_type: str, id_number: str) -> ScreeningResult | None:
    """The latest screening result (by sampling time) of a document, among the results
    ``user`` may see (their home compound in his area): one index probe."""
    if not id_number or not can_see_people(user):
        return None
    return (
        ScreeningResult.objects.restrict(user)
        .filter(id_number=id_number, id_type=id_type)
        .order_by("-taken_at", "-pk")
        .first()
    )
