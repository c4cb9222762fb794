"""Reading the tables people bring: CSV (UTF-8 with or without BOM, or GBK) and Excel.

Every import in warroom reads its file through this module, so each one answers bad
input the same way: all the problems of the file at once, each naming the row, the
column, the value and the reason (:class:`TableRejected`). Nothing here touches the
database; the importers decide what to do with clean rows.

Headers are accepted in English (the canonical column names) or in Chinese (the
labels of the downloadable template), in any order, case- and space-insensitive.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

Cell = str | int | float | dt.date | dt.datetime | None

MAX_ERRORS = 200


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
    """The file was refused whole; ``errors`` says why, row by row."""

    def __init__(self, errors: Sequence[RowError], *, total: int | None = None) -> None:
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"The file was refused, nothing was imported ({self.total} problem(s)):"]
        lines += [f"  - {e}" for e in self.errors]
        if self.total > len(self.errors):
            lines.append(f"  ... and {self.total - len(self.errors)} more")
        return "\n".join(lines)


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
        return {_norm(n) for n in (self.name, self.label_zh, *self.aliases)}


@dataclass(frozen=True)
class Table:
    """The raw cells of a file, with the facts an importer needs to be idempotent."""

    header: list[str]
    rows: list[list[Cell]]
    sha256: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    filename: str = ""
    first_row: int = 2  # the spreadsheet row number of rows[0]
    meta: dict[str, str] = field(default_factory=dict)


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", "", name.replace("\ufeff", "")).lower()


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or else GBK (as GB 18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise TableRejected(
            [RowError(0, "", "", f"the file is neither UTF-8 nor GBK text ({exc.reason})")]
        ) from None


def read_table(source: str | Path | bytes, *, filename: str = "") -> Table:
    """Read a CSV or Excel (.xlsx) file into raw cells.

    ``source`` is a path or the file's bytes (an upload); ``filename`` tells the format
    when bytes are given. Excel is recognised by its content (a ZIP), not only its name.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = path.read_bytes()
        filename = filename or path.name
    else:
        data = source
    digest = hashlib.sha256(data).hexdigest()
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, digest, filename)
    text, encoding = decode_csv_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    all_rows = [row for row in reader]
    while all_rows and not any(c.strip() for c in all_rows[-1]):
        all_rows.pop()
    if not all_rows:
        raise TableRejected([RowError(1, "", "", "the file is empty: no header row")])
    header = [h.strip() for h in all_rows[0]]
    rows: list[list[Cell]] = [list(r) for r in all_rows[1:]]
    return Table(header, rows, digest, encoding, filename)


def _read_xlsx(data: bytes, digest: str, filename: str) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableRejected([RowError(0, "", "", f"not a readable Excel file: {exc}")]) from None
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    while values and all(v is None or str(v).strip() == "" for v in values[-1]):
        values.pop()
    if not values:
        raise TableRejected([RowError(1, "", "", "the sheet is empty: no header row")])
    header = ["" if v is None else str(v).strip() for v in values[0]]
    return Table(header, [list(r) for r in values[1:]], digest, "xlsx", filename)


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


def parse_rows(table: Table, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Parse every row; return them all, or raise :class:`TableRejected` with every problem.

    Each parsed row also carries ``"_row"``, its spreadsheet row number. Blank rows are
    skipped. A parser signals a bad cell by raising ``ValueError`` with the reason.
    """
    index = map_columns(table, columns)
    out: list[dict[str, Any]] = []
    errors: list[RowError] = []
    total = 0
    for offset, raw in enumerate(table.rows):
        rownum = table.first_row + offset
        if all(_blank(c) for c in raw):
            continue
        parsed: dict[str, Any] = {"_row": rownum}
        for column in columns:
            pos = index.get(column.name)
            cell = raw[pos] if pos is not None and pos < len(raw) else None
            if _blank(cell):
                if column.required:
                    total += 1
                    if len(errors) < MAX_ERRORS:
                        errors.append(RowError(rownum, column.name, "", "empty, but required"))
                parsed[column.name] = None
                continue
            try:
                parsed[column.name] = column.parse(cell)
            except (ValueError, TypeError) as exc:
                total += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(RowError(rownum, column.name, _shown(cell), str(exc)))
        out.append(parsed)
    if errors:
        raise TableRejected(errors, total=total)
    return out


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _shown(cell: Cell) -> str:
    return "" if cell is None else str(cell)


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


def integer(cell: Cell) -> int:
    if isinstance(cell, bool):
        raise ValueError("not a whole number")
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if math.isfinite(cell) and cell.is_integer():
            return int(cell)
        raise ValueError("not a whole number")
    raw = str(cell).strip().replace(",", "")
    if not re.fullmatch(r"[+-]?\d+(\.0+)?", raw):
        raise ValueError("not a whole number")
    return int(float(raw)) if "." in raw else int(raw)


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
        value = float(cell)
    else:
        try:
            value = float(str(cell).strip().replace(",", ""))
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


def date(cell: Cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    raw = str(cell).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
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
