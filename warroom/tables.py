"""Reading the tables people bring: CSV (UTF-8 with or without BOM, or GBK) and Excel.

Every import in warroom reads its file through this module, so each one answers bad
input the same way: all the problems of the file at once (up to ``Limits.max_errors``),
each naming the row, the column, the value and the reason (:class:`TableRejected`).
Nothing here touches the database; the importers decide what to do with clean rows.

Headers are accepted in English (the canonical column names), in Chinese (the labels of
the downloadable template) or under the synonyms people use (:data:`HEADER_SYNONYMS`),
in any order, case- and space-insensitive.

Every file is read within :class:`Limits` (bytes, rows, columns, characters per cell,
and for Excel the unzipped size and the expansion ratio of its members), checked while
reading, so a hostile file is refused before it can exhaust memory or time. A file must
be in one encoding: a UTF-8 file with one GBK line is refused, naming the line, rather
than decoded as GB 18030 into mojibake. Control characters (NUL, ESC...) are refused in
every cell, naming the row and the column; dates must lie within 1890-2100 and whole
numbers within 32 bits (the database's integer columns).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

Cell = str | int | float | dt.date | dt.datetime | None

MAX_ERRORS = 200


@dataclass(frozen=True)
class Limits:
    """The bounds every file is read within (the platform sets them from settings).

    ``max_bytes``: the file's size. ``max_rows``: rows after the header (blank rows
    count: they cost memory too). ``max_columns``: cells in a row. ``max_cell_chars``:
    characters in one cell (32,767 is Excel's own limit). ``max_unzipped_bytes``: an
    Excel file's members, unzipped, declared and actually read. ``max_expansion``: an
    Excel member's unzipped size over its compressed size (members under 1 MiB are not
    held to it: they cannot be a bomb). ``max_errors``: validation stops after this many
    problems and reports them.
    """

    max_bytes: int = 32 * 2**20
    max_rows: int = 200_000
    max_columns: int = 200
    max_cell_chars: int = 32_767
    max_unzipped_bytes: int = 256 * 2**20
    max_expansion: int = 100
    max_errors: int = MAX_ERRORS

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1")


DEFAULT_LIMITS = Limits()
# Excel members smaller than this are not held to the expansion ratio.
_RATIO_FLOOR = 2**20
# The largest whole number a cell may hold: the database's integer columns (32 bits).
MAX_INTEGER = 2**31 - 1
# Dates before 1890 (the oldest birth a resident ID accepts) or after 2100 are typing
# errors (year 1, 20200 ...), never records.
MIN_DATE, MAX_DATE = dt.date(1890, 1, 1), dt.date(2100, 12, 31)
# C0 controls but tab, newline and carriage return; DEL; C1 controls. No name holds them,
# and they break exports (Excel refuses them in XML).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class RowError:
    """One problem in an input file. ``row`` counts as a spreadsheet does: header = 1."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        shown = f" value {self.value!r}" if self.value != "" else ""
        return f"{where}:{shown} {self.reason}"


class TableRejected(ValueError):
    """The file was refused whole; ``errors`` says why, row by row.

    ``status`` is the HTTP status the API answers with: 422 for bad content, 413 for a
    file over a limit (:class:`LimitExceeded`).
    """

    status = 422
    code = "rejected"

    def __init__(
        self, errors: Sequence[RowError], *, total: int | None = None, stopped: bool = False
    ) -> None:
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        self.stopped = stopped  # validation stopped at max_errors: there may be more
        super().__init__(self.report())

    def report(self) -> str:
        more = "+" if self.stopped else ""
        lines = [f"The file was refused, nothing was imported ({self.total}{more} problem(s)):"]
        lines += [f"  - {e}" for e in self.errors]
        if self.total > len(self.errors):
            lines.append(f"  ... and {self.total - len(self.errors)} more")
        if self.stopped:
            lines.append("  (checking stopped there; fix these and try again)")
        return "\n".join(lines)


class LimitExceeded(TableRejected):
    """The file is over one of the :class:`Limits`: refused before it is read further."""

    status = 413
    code = "too_large"

    def __init__(self, reason: str, *, row: int = 0, column: str = "") -> None:
        super().__init__([RowError(row, column, "", reason)])


@dataclass(frozen=True)
class Column:
    """A column an importer expects: canonical English name, Chinese label, parser."""

    name: str
    label_zh: str
    parse: Callable[[Cell], Any]
    required: bool = True
    help: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        synonyms = HEADER_SYNONYMS.get(self.name, ())
        return {_norm(n) for n in (self.name, self.label_zh, *self.aliases, *synonyms)}


# The headers people write for a column, beside its English name and template label: one
# table for every importer, keyed by the canonical column name. ``代码`` and ``编码`` are
# the same word to the matcher (see ``_norm``), so 地区代码 = 地区编码.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "area_code": (
        "地区编码",
        "区划编码",
        "行政区划编码",
        "区域编码",
        "区县编码",
        "area",
        "areacode",
        "region_code",
    ),
    "parent_code": ("上级编码", "上级区划编码", "父级编码", "parent"),
    "date": ("日期", "报告日期", "统计日期", "填报日期"),
    "population": ("人口", "人口数", "常住人口"),
    "lat": ("纬度", "latitude"),
    "lon": ("经度", "longitude", "lng"),
    "name_zh": ("中文名称", "名称", "中文名"),
    "name_en": ("英文名称", "英文名"),
    "id_number": ("证件号码", "证件号", "身份证号", "身份证号码", "居民身份证号码"),
    "phone": ("联系电话", "电话", "电话号码", "手机", "手机号", "手机号码"),
    "birth_date": ("出生日期", "出生年月日", "生日"),
    "sex": ("性别",),
    "home_code": ("住址小区编码", "小区编码", "居住小区编码"),
    "facility_code": ("机构编码", "医院编码"),
}


@dataclass(frozen=True)
class Table:
    """The raw cells of a file, with the facts an importer needs to be idempotent."""

    header: list[str]
    rows: Iterable[list[Cell]]  # re-iterable: a list, or a file's rows read lazily
    sha256: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    filename: str = ""
    first_row: int = 2  # the spreadsheet row number of rows[0]
    meta: dict[str, str] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    # The reader found no control character anywhere in the file: cells need no check.
    no_control_characters: bool = False
    # The data rows the reader counted (blank ones too), when it counted them (CSV): an
    # importer's progress "done/total".
    row_count: int | None = None


def _norm(name: str) -> str:
    key = re.sub(r"[\s_]+", "", name.replace("\ufeff", "")).lower()
    return key.replace("代码", "编码")


# --- decoding: one encoding per file --------------------------------------------------------

_CJK_UTF8 = re.compile(rb"[\xe4-\xe9][\x80-\xbf]{2}")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or else GBK (as GB 18030).

    The whole file must be in one encoding. The first line with non-ASCII bytes decides
    which; a later line in the other one is refused by its line number: a UTF-8 file with
    a GBK line, or a GBK file with a line of UTF-8 Chinese (two or more CJK characters as
    UTF-8, which GBK text practically never forms). Decoding such a file as one encoding
    would store every name of the other part as mojibake.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableRejected(
            [
                RowError(
                    1,
                    "",
                    "",
                    "the file is neither UTF-8 nor GBK text but UTF-16; save it as CSV UTF-8",
                )
            ]
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        bad_line = _line_of(body, exc.start)
    lines = body.split(b"\n")
    first_foreign = next((i for i, ln in enumerate(lines) if not ln.isascii()), None)
    if bom or (first_foreign is not None and _is_utf8(lines[first_foreign])):
        raise TableRejected(
            [
                RowError(
                    bad_line,
                    "",
                    "",
                    f"line {bad_line} is not UTF-8 though the file is UTF-8 before it "
                    "(mixed encodings); save the whole file in one encoding",
                )
            ]
        )
    for number, line_bytes in enumerate(lines, start=1):
        if (
            not line_bytes.isascii()
            and len(_CJK_UTF8.findall(line_bytes)) >= 2
            and _is_utf8(line_bytes)
        ):
            raise TableRejected(
                [
                    RowError(
                        number,
                        "",
                        "",
                        f"line {number} is UTF-8 though the file is GBK before it "
                        "(mixed encodings); save the whole file in one encoding",
                    )
                ]
            )
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = _line_of(body, exc.start)
        raise TableRejected(
            [RowError(line, "", "", f"the file is neither UTF-8 nor GBK text (line {line})")]
        ) from None
    return text, "gb18030"


# --- reading within limits -------------------------------------------------------------------


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def read_source(source: str | Path | bytes | BinaryIO, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a path, an upload (binary file object) or bytes, refused over
    ``limits.max_bytes`` before more than that is read."""
    too_big = f"the file is larger than {_mib(limits.max_bytes)} (the import limit)"
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.stat().st_size > limits.max_bytes:
            raise LimitExceeded(too_big)
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise LimitExceeded(too_big)
    return data


def read_table(
    source: str | Path | bytes | BinaryIO,
    *,
    filename: str = "",
    limits: Limits = DEFAULT_LIMITS,
) -> Table:
    """Read a CSV or Excel (.xlsx) file into raw cells, within ``limits``.

    ``source`` is a path, the file's bytes or a binary file object (an upload);
    ``filename`` tells the format when it is not a path. Excel is recognised by its
    content (a ZIP), not only its name. Raises :class:`LimitExceeded` for a file over a
    limit and :class:`TableRejected` for one that cannot be read.
    """
    if isinstance(source, (str, Path)):
        filename = filename or Path(source).name
    data = read_source(source, limits)
    digest = hashlib.sha256(data).hexdigest()
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, digest, filename, limits)
    text, encoding = decode_csv_bytes(data)  # the whole file is in one encoding
    clean = _CONTROL.search(text) is None  # then no cell needs the check
    del text
    rows = _CsvRows(data, encoding, limits)
    header = next(iter(_CsvRows(data, encoding, limits, header=True)), None)
    counted = 0
    for _row in rows:  # one pass that holds nothing: the limits and the CSV syntax
        counted += 1
    rows.checked = True
    if header is None or not any(str(h).strip() for h in header):
        raise TableRejected([RowError(1, "", "", "the file is empty: no header row")])
    return Table(
        [str(h).strip() for h in header],
        rows,
        digest,
        encoding,
        filename,
        limits=limits,
        no_control_characters=clean,
        row_count=counted,
    )


class _CsvRows:
    """The data rows of a CSV file, read lazily and anew at each iteration, within limits.

    Nothing but the file's bytes is held: the rows are decoded and split as they are
    iterated, so validation that stops at its first problems (``parse_rows``) never
    parses the rest of a file, and a refused file never holds its rows in memory.
    ``read_table`` iterates once, holding nothing, to refuse a file over a limit or
    with broken CSV syntax (:class:`TableRejected`, naming the row) before any parsing.
    """

    def __init__(self, data: bytes, encoding: str, limits: Limits, *, header: bool = False):
        self._data, self._encoding, self._limits, self._header = data, encoding, limits, header
        self.checked = False  # set once a pass has held every row to the limits

    def __iter__(self) -> Iterator[list[Cell]]:
        stream = io.TextIOWrapper(io.BytesIO(self._data), encoding=self._encoding, newline="")
        rownum = 0
        try:
            limits = self._limits
            for raw in csv.reader(stream):
                rownum += 1
                # A CSV row's cells are strings: the common case checked in C (map, max).
                if not self.checked and (
                    rownum > limits.max_rows + 1
                    or len(raw) > limits.max_columns
                    or (raw and max(map(len, raw)) > limits.max_cell_chars)
                ):
                    _check_row(raw, rownum, limits)
                if self._header or rownum > 1:
                    # A list of its own (the reader makes one per row): not copied.
                    yield raw  # type: ignore[misc]
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                raise LimitExceeded(
                    f"a cell is longer than {self._limits.max_cell_chars:,} characters",
                    row=rownum + 1,
                ) from None
            raise TableRejected(
                [RowError(rownum + 1, "", "", f"not valid CSV: {reason}")]
            ) from None


def _check_row(cells: Sequence[Cell], rownum: int, limits: Limits) -> None:
    if rownum > limits.max_rows + 1:
        raise LimitExceeded(
            f"more than {limits.max_rows:,} rows (the import limit); split the file",
            row=rownum,
        )
    if len(cells) > limits.max_columns:
        raise LimitExceeded(
            f"more than {limits.max_columns:,} columns (the import limit)", row=rownum
        )
    # A CSV row is all text: its longest cell in one C-level pass (Excel rows cell by cell).
    texts = cells if type(cells) is list and all(type(c) is str for c in cells) else None
    if texts is not None and (not texts or max(map(len, texts)) <= limits.max_cell_chars):
        return
    for cell in cells:
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            raise LimitExceeded(
                f"a cell is longer than {limits.max_cell_chars:,} characters", row=rownum
            )


_XML_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse an Excel file whose members would unzip beyond the limits, or whose XML
    declares a DOCTYPE or entities (never in a real workbook: the mark of an XML bomb).

    The sizes checked are the declared ones; Python's zipfile never returns more than
    a member declares (and fails its CRC if the data was longer), so openpyxl reads no
    more than what was checked here.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise TableRejected([RowError(0, "", "", f"not a readable Excel file: {exc}")]) from None
    with archive:
        _check_members(archive, limits)


def _check_members(archive: zipfile.ZipFile, limits: Limits) -> None:
    members = archive.infolist()
    if len(members) > 10_000:
        raise LimitExceeded("the Excel file has more than 10,000 parts")
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise LimitExceeded(
            f"the Excel file unzips to {_mib(total)}, more than "
            f"{_mib(limits.max_unzipped_bytes)} (the import limit)"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > limits.max_expansion:
            raise LimitExceeded(
                f"the Excel part {member.filename} expands {ratio:,.0f} times "
                f"(more than {limits.max_expansion}: a compression bomb)"
            )
        if member.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with archive.open(member) as stream:
                    head = stream.read(4096)
            except Exception as exc:  # zipfile raises many types for a damaged member
                raise TableRejected(
                    [RowError(0, "", "", f"not a readable Excel file ({member.filename}): {exc}")]
                ) from None
            if _XML_DECLARATIONS.search(head):
                raise TableRejected(
                    [
                        RowError(
                            0,
                            "",
                            "",
                            f"the Excel part {member.filename} declares a DOCTYPE or "
                            "entities, which no workbook does; refused",
                        )
                    ]
                )


def _xlsx_cell(value: Any, rownum: int) -> Cell:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
        raise TableRejected([RowError(rownum, "", "", "a number beyond 64 bits: not a value")])
    return value  # type: ignore[no-any-return]


def _read_xlsx(data: bytes, digest: str, filename: str, limits: Limits) -> Table:
    from openpyxl import load_workbook

    _check_zip(data, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableRejected([RowError(0, "", "", f"not a readable Excel file: {exc}")]) from None
    values: list[list[Cell]] = []
    try:
        # The sheet's own dimension is not trusted: a file claiming XFD1048576 would
        # have every row padded to 16,384 cells.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        for raw in sheet.iter_rows(values_only=True):
            row = list(raw)
            while row and row[-1] is None:
                row.pop()
            rownum = len(values) + 1
            _check_row(row, rownum, limits)
            values.append([_xlsx_cell(v, rownum) for v in row])
    except TableRejected:
        raise
    except Exception as exc:  # malformed sheet XML, an impossible date, a bad number...
        reason = f"the sheet cannot be read here: {exc}"[:300]
        raise TableRejected([RowError(len(values) + 1, "", "", reason)]) from None
    finally:
        book.close()
    while values and all(v is None or str(v).strip() == "" for v in values[-1]):
        values.pop()
    if not values:
        raise TableRejected([RowError(1, "", "", "the sheet is empty: no header row")])
    header = ["" if v is None else str(v).strip() for v in values[0]]
    return Table(header, values[1:], digest, "xlsx", filename, limits=limits)


def map_columns(table: Table, columns: Sequence[Column]) -> dict[str, int]:
    """Match the file's header to the expected columns (English or Chinese names)."""
    wanted = {c.name: c.names() for c in columns}
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for index, head in enumerate(table.header):
        key = _norm(head)
        if not key:
            continue
        match = [name for name, names in wanted.items() if key in names]
        if not match:
            continue  # extra columns are allowed and ignored
        if match[0] in found:
            errors.append(RowError(1, head, head, "this column appears twice"))
        found[match[0]] = index
    for column in columns:
        if column.required and column.name not in found:
            errors.append(
                RowError(
                    1,
                    column.name,
                    "",
                    f"missing column {column.name!r} ({column.label_zh}); "
                    f"the header has: {', '.join(h for h in table.header if h) or 'nothing'}",
                )
            )
    if errors:
        raise TableRejected(errors)
    return found


def columns_present(table: Table, columns: Sequence[Column]) -> frozenset[str]:
    """The names of ``columns`` that the file's header has.

    An importer that updates existing records changes only what the file speaks of: a
    column absent from the file keeps the stored values (an empty *cell* of a present
    column means what the importer documents for it).
    """
    return frozenset(map_columns(table, columns))


def parse_rows(table: Table, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Parse every row; return them all, or raise :class:`TableRejected` with the problems.

    Each parsed row also carries ``"_row"``, its spreadsheet row number. Blank rows are
    skipped. A parser signals a bad cell by raising ``ValueError`` with the reason. A cell
    holding a control character is refused before its parser sees it. Checking stops
    at the table's ``limits.max_errors`` problems (the report says so): a huge file with
    a bad cell in row 2 costs no more than its first rows.
    """
    index = map_columns(table, columns)
    limit = table.limits.max_errors
    check = not table.no_control_characters
    out: list[dict[str, Any]] = []
    errors: list[RowError] = []
    # A column's cells repeat (a lab, a kind, a report time by the minute, a home code):
    # each distinct text is parsed once per file, its value (immutable) or its reason kept.
    # A text met before passed the checks below the first time (same text, same verdict).
    # A blank text of an optional column is remembered as None the same way.
    memos: dict[str, dict[str, Any]] = {column.name: {} for column in columns}
    # An optional column the file does not have is None in every row: in the template.
    template: dict[str, Any] = {"_row": None, **{column.name: None for column in columns}}
    plan = [
        (column, index.get(column.name), memos[column.name])
        for column in columns
        if column.required or column.name in index
    ]
    for offset, raw in enumerate(table.rows):
        rownum = table.first_row + offset
        if all(_blank(c) for c in raw):
            continue
        parsed = template.copy()
        parsed["_row"] = rownum
        width = len(raw)
        for column, pos, memo in plan:
            cell = raw[pos] if pos is not None and pos < width else None
            if type(cell) is str:
                known = memo.get(cell, _UNSEEN)
                if known is not _UNSEEN and type(known) is not _Refused:
                    parsed[column.name] = known
                    continue
            bad = _CONTROL.search(cell) if check and isinstance(cell, str) else None
            if bad is not None:
                errors.append(
                    RowError(
                        rownum,
                        column.name,
                        _shown(cell),
                        f"contains a control character (U+{ord(bad.group()):04X}); remove it",
                    )
                )
                parsed[column.name] = None
            elif _blank(cell):
                if column.required:
                    errors.append(RowError(rownum, column.name, "", "empty, but required"))
                elif type(cell) is str:
                    memo[cell] = None
                parsed[column.name] = None
            else:
                known = memo.get(cell, _UNSEEN) if type(cell) is str else _UNSEEN
                if known is _UNSEEN:
                    try:
                        known = column.parse(cell)
                    except (ValueError, TypeError, OverflowError) as exc:
                        known = _Refused(str(exc))
                    if type(cell) is str and type(known) in _IMMUTABLE:
                        memo[cell] = known
                if type(known) is _Refused:
                    errors.append(RowError(rownum, column.name, _shown(cell), known.reason))
                else:
                    parsed[column.name] = known
            if len(errors) >= limit:
                raise TableRejected(errors, stopped=True)
        out.append(parsed)
    if errors:
        raise TableRejected(errors)
    return out


def parse_columns(
    table: Table, columns: Sequence[Column]
) -> tuple[list[int], dict[str, list[Any]]]:
    """:func:`parse_rows`, column by column, for files of hundreds of thousands of rows.

    The same values, the same blank rows skipped and the same refusals in the same order
    (row by row, the columns in ``columns``' order, stopping at ``limits.max_errors``),
    but no dictionary per row: returns the spreadsheet row numbers of the kept rows and,
    per column name, the list of its parsed values (``None`` for an empty optional cell).
    A column of text cells (every CSV) is parsed once per distinct text, and its values
    are mapped in one C-level pass; a column with other cells (Excel numbers, dates) is
    parsed cell by cell as :func:`parse_rows` does.
    """
    index = map_columns(table, columns)
    limit = table.limits.max_errors
    check = not table.no_control_characters
    rows = table.rows if isinstance(table.rows, list) else list(table.rows)
    n = len(rows)
    shortest = min(map(len, rows), default=0)
    cells_of: dict[str, list[Any]] = {}
    for column in columns:
        pos = index.get(column.name)
        if pos is None:
            cells_of[column.name] = [None] * n
        elif pos < shortest:
            cells_of[column.name] = [row[pos] for row in rows]
        else:
            cells_of[column.name] = [row[pos] if pos < len(row) else None for row in rows]
    # Blank rows (every cell blank, the unmapped ones too) are skipped, as parse_rows does.
    candidates: set[int] | None = None
    for column in columns:
        cells = cells_of[column.name]
        blank_texts = {c for c in set(cells) if _blank(c)}
        here = {i for i, c in enumerate(cells) if c in blank_texts} if blank_texts else set()
        candidates = here if candidates is None else candidates & here
        if not candidates:
            break
    skipped = {i for i in candidates or () if all(_blank(c) for c in rows[i])}
    found: list[tuple[int, int, RowError]] = []
    values: dict[str, list[Any]] = {}
    first = table.first_row
    for order, column in enumerate(columns):
        cells = cells_of[column.name]
        errors: list[tuple[int, int, RowError]] = []
        if set(map(type, cells)) <= _TEXT_CELLS:
            verdict: dict[Any, Any] = {}
            bad: dict[Any, tuple[str, str]] = {}
            for cell in set(cells):
                hit = _CONTROL.search(cell) if check and cell is not None else None
                if hit is not None:
                    bad[cell] = (
                        _shown(cell),
                        f"contains a control character (U+{ord(hit.group()):04X}); remove it",
                    )
                    verdict[cell] = None
                elif _blank(cell):
                    if column.required:
                        bad[cell] = ("", "empty, but required")
                    verdict[cell] = None
                else:
                    try:
                        verdict[cell] = column.parse(cell)
                    except (ValueError, TypeError, OverflowError) as exc:
                        bad[cell] = (_shown(cell), str(exc))
                        verdict[cell] = None
            if all(type(v) in _IMMUTABLE for v in verdict.values()):
                values[column.name] = list(map(verdict.__getitem__, cells))
                if bad:
                    for i, cell in enumerate(cells):
                        if cell in bad and i not in skipped:
                            shown, reason = bad[cell]
                            errors.append(
                                (i, order, RowError(first + i, column.name, shown, reason))
                            )
                            if len(errors) >= limit:
                                break
                found.extend(errors)
                continue
        # A column of other cells (Excel): cell by cell, as parse_rows does.
        out: list[Any] = []
        memo: dict[str, Any] = {}
        for i, cell in enumerate(cells):
            value, problem = _parse_cell(column, cell, check, memo)
            out.append(value)
            if problem is not None and i not in skipped and len(errors) < limit:
                errors.append((i, order, RowError(first + i, column.name, *problem)))
        values[column.name] = out
        found.extend(errors)
    if found:
        found.sort(key=lambda e: (e[0], e[1]))
        if len(found) >= limit:
            raise TableRejected([e[2] for e in found[:limit]], stopped=True)
        raise TableRejected([e[2] for e in found])
    if skipped:
        keep = [i for i in range(n) if i not in skipped]
        return [first + i for i in keep], {k: [v[i] for i in keep] for k, v in values.items()}
    return list(range(first, first + n)), values


def _parse_cell(
    column: Column, cell: Cell, check: bool, memo: dict[str, Any]
) -> tuple[Any, tuple[str, str] | None]:
    """One cell as :func:`parse_rows` parses it: its value, or None and (shown, reason)."""
    bad = _CONTROL.search(cell) if check and isinstance(cell, str) else None
    if bad is not None:
        reason = f"contains a control character (U+{ord(bad.group()):04X}); remove it"
        return None, (_shown(cell), reason)
    if _blank(cell):
        return None, ("", "empty, but required") if column.required else None
    known = memo.get(cell, _UNSEEN) if type(cell) is str else _UNSEEN
    if known is _UNSEEN:
        try:
            known = column.parse(cell)
        except (ValueError, TypeError, OverflowError) as exc:
            known = _Refused(str(exc))
        if type(cell) is str and type(known) in _IMMUTABLE:
            memo[cell] = known
    if type(known) is _Refused:
        return None, (_shown(cell), known.reason)
    return known, None


_TEXT_CELLS = frozenset({str, type(None)})
_UNSEEN = object()


@dataclass(frozen=True)
class _Refused:
    """A cell's parser refused it: the reason (kept for the same text further down)."""

    reason: str


# Parsed values that may be shared by every row with the same text.
_IMMUTABLE = frozenset({str, int, float, bool, dt.date, dt.datetime, _Refused, type(None)})


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _shown(cell: Cell) -> str:
    """A cell as a report shows it: control characters escaped, at most 200 characters."""
    if cell is None:
        return ""
    if isinstance(cell, int) and abs(cell) > 10**30:
        return f"(a number of {cell.bit_length()} bits)"
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(cell))
    return value if len(value) <= 200 else value[:200] + "..."


# --- cell parsers: raise ValueError with a reason a person can act on --------------------


def text(cell: Cell) -> str:
    value = str(cell).strip()
    if not value:
        raise ValueError("empty text")
    return value


def bounded(limit: int) -> Callable[[Cell], str]:
    """Text of at most ``limit`` characters (the column's size)."""

    def parse(cell: Cell) -> str:
        value = text(cell)
        if len(value) > limit:
            raise ValueError(f"at most {limit} characters")
        return value

    return parse


def _in_int_range(value: int) -> int:
    if abs(value) > MAX_INTEGER:
        raise ValueError(f"too large: at most {MAX_INTEGER:,}")
    return value


def integer(cell: Cell) -> int:
    """A whole number within 32 bits (``1,234``, ``12.0`` and ``1234.0`` from Excel too)."""
    if isinstance(cell, bool):
        raise ValueError("not a whole number")
    if isinstance(cell, int):
        return _in_int_range(cell)
    if isinstance(cell, float):
        if math.isfinite(cell) and cell.is_integer():
            return _in_int_range(int(cell))
        raise ValueError("not a whole number")
    raw = str(cell).strip().replace(",", "")
    if not re.fullmatch(r"[+-]?\d+(\.0+)?", raw):
        raise ValueError("not a whole number")
    digits = raw.split(".")[0].lstrip("+-").lstrip("0")
    if len(digits) > 12:
        raise ValueError(f"too large: at most {MAX_INTEGER:,}")
    return _in_int_range(int(raw.split(".")[0]))


def count(cell: Cell) -> int:
    """A non-negative whole number (a count of people, beds...)."""
    value = integer(cell)
    if value < 0:
        raise ValueError("a count cannot be negative")
    return value


def number(cell: Cell) -> float:
    if isinstance(cell, bool):
        raise ValueError("not a number")
    if isinstance(cell, (int, float)):
        try:
            value = float(cell)
        except OverflowError:
            raise ValueError("not a finite number") from None
    else:
        raw = str(cell).strip().replace(",", "")
        if len(raw) > 64:
            raise ValueError("not a number")
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def latitude(cell: Cell) -> float:
    value = number(cell)
    if not -90 <= value <= 90:
        raise ValueError("latitude must be between -90 and 90")
    return value


def longitude(cell: Cell) -> float:
    value = number(cell)
    if not -180 <= value <= 180:
        raise ValueError("longitude must be between -180 and 180")
    return value


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def in_date_range(value: dt.date) -> dt.date:
    """``value`` if it lies within 1890-01-01 .. 2100-12-31; else ``ValueError``.

    Year 1 or year 20200 is a typing error, and such dates overflow time-zone
    arithmetic and the database; the bound is shared by every date and time parser.
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"out of range: a date between {MIN_DATE} and {MAX_DATE}")
    return value


def date(cell: Cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        return in_date_range(cell.date())
    if isinstance(cell, dt.date):
        return in_date_range(cell)
    raw = str(cell).strip()
    if len(raw) <= 20:
        for fmt in _DATE_FORMATS:
            try:
                return in_date_range(dt.datetime.strptime(raw, fmt).date())
            except ValueError as exc:
                if str(exc).startswith("out of range"):
                    raise
                continue
    raise ValueError("not a date (use YYYY-MM-DD)")


def choice(
    options: Iterable[str], *, aliases: dict[str, str] | None = None
) -> Callable[[Cell], str]:
    """A parser that accepts one of ``options`` (or a Chinese alias mapped to one)."""
    allowed = {o.lower(): o for o in options}
    mapped = {k.lower(): v for k, v in (aliases or {}).items()}

    def parse(cell: Cell) -> str:
        raw = str(cell).strip().lower()
        if raw in allowed:
            return allowed[raw]
        if raw in mapped:
            return mapped[raw]
        names = ", ".join(list(allowed.values()) + list((aliases or {}).keys()))
        raise ValueError(f"must be one of: {names}")

    return parse


def write_template(
    path: str | Path | BinaryIO, columns: Sequence[Column], *, sheet: str = "data"
) -> None:
    """An Excel template: Chinese labels as the header, the English names and help below.

    ``path`` is a file name or a binary file object (a download is written to memory).
    """
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from warroom.exports import workbook

    book = workbook()
    safe = book.sheet(sheet)
    safe.append([c.label_zh for c in columns])
    ws = safe.worksheet
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        note = f"{column.name}" + (" (required / 必填)" if column.required else "")
        if column.help:
            note += f"\n{column.help}"
        cell.comment = Comment(note, "warroom")
        ws.column_dimensions[cell.column_letter].width = max(12, len(column.label_zh) * 3)
    book.save(path)


def template_bytes(columns: Sequence[Column], *, sheet: str = "data") -> bytes:
    """The Excel template as bytes, for a download."""
    buffer = io.BytesIO()
    write_template(buffer, columns, sheet=sheet)
    return buffer.getvalue()
