"""Every exported file (CSV, Excel) is written through here: user text stays text.

A name such as ``=HYPERLINK("http://evil.example","click")`` typed into a form or an
imported file must not become a live formula in the spreadsheet of whoever opens an export
(OWASP, "CSV Injection"). So:

- Excel: a string is always written as a string cell (never a formula), and one that
  begins like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets Excel's quote prefix, so
  editing the cell does not turn it into one either; the value itself is unchanged.
- CSV: such a string is prefixed with ``'`` (OWASP's advice), unless it is a plain number
  (``-12``, ``+3.5``), which a spreadsheet reads as a number anyway.
- NUL and the other control characters (but tab, LF, CR) are removed: an .xlsx file cannot
  hold them (openpyxl refuses the whole export) and no name needs them.
- Excel: a cell holds at most 32,767 characters (UTF-16 units); a longer text is cut and
  ends with a visible marker (``…[截断]``) rather than making a file Excel repairs. CSV has
  no such limit and keeps the whole text.

Pure (no Django): the twin, the analyst's commands and the table reader use it too. An
architecture test (``tests/test_exports.py``) refuses any other code that creates a
workbook or a CSV writer.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
EXCEL_CELL_LIMIT = 32_767  # characters in one cell, counted in UTF-16 units
TRUNCATED = "…[截断]"


def clean_text(value: str) -> str:
    """``value`` without NUL and control characters (tab, LF and CR are kept)."""
    return _CONTROL.sub("", value)


def excel_text(value: str) -> str:
    """``value`` cut to fit one Excel cell, ending with :data:`TRUNCATED` when cut."""
    if len(value) <= EXCEL_CELL_LIMIT // 2:  # fast path: even all surrogate pairs fit
        return value
    units = value.encode("utf-16-le")
    if len(units) // 2 <= EXCEL_CELL_LIMIT:
        return value
    keep = (EXCEL_CELL_LIMIT - len(TRUNCATED.encode("utf-16-le")) // 2) * 2
    # "ignore" drops a surrogate pair cut in half at the end.
    return units[:keep].decode("utf-16-le", errors="ignore") + TRUNCATED


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading ``'``."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if looks_like_formula(text) else text


class CsvWriter:
    """``csv.writer`` whose every cell goes through :func:`csv_cell`."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: IO[str], **options: Any) -> CsvWriter:
    return CsvWriter(stream, **options)


class Sheet:
    """A worksheet that writes every value as data: strings as text, never formulas.

    ``worksheet`` is the openpyxl sheet, for formatting (fonts, widths, comments) only;
    values go in through :meth:`append` or :meth:`put`.
    """

    def __init__(self, worksheet: Any) -> None:
        self.worksheet = worksheet

    def put(self, row: int, column: int, value: Any) -> Any:
        cell = self.worksheet.cell(row=row, column=column)
        if isinstance(value, str):
            text = excel_text(clean_text(value))
            cell.value = text
            cell.data_type = "s"  # openpyxl would store "=..." as a formula
            if looks_like_formula(text):
                cell.quotePrefix = True  # and Excel would make it one on the next edit
        else:
            cell.value = value
        return cell

    def append(self, values: Sequence[Any]) -> None:
        row = self.worksheet.max_row + 1 if self._used() else 1
        for column, value in enumerate(values, start=1):
            self.put(row, column, value)

    def _used(self) -> bool:
        ws = self.worksheet
        return not (ws.max_row == 1 and ws.max_column == 1 and ws.cell(1, 1).value is None)


class Book:
    """An Excel workbook written through :class:`Sheet`."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self._book = Workbook()
        self._first = True

    def sheet(self, title: str) -> Sheet:
        if self._first:  # a new workbook comes with one empty sheet: use it first
            self._first = False
            ws = self._book.active
            ws.title = title
        else:
            ws = self._book.create_sheet(title)
        return Sheet(ws)

    def save(self, target: Any) -> None:
        self._book.save(target)


def workbook() -> Book:
    return Book()
