"""Every list pages, filters and exports — one helper (issue 16, DESIGN §4).

A list view builds its scoped queryset (``Model.objects.restrict(user)``, already
filtered by the request's filters) and its columns, and calls :func:`list_page`:

- ``?export=xlsx`` / ``?export=csv`` answers the whole filtered list as an Excel workbook
  (Chinese headers in zh-Hans: the column labels are translatable) or a CSV file (UTF-8
  with BOM, which Excel opens as UTF-8), written through ``warroom.exports`` (text stays
  text); the rows are the user's scope and the cells what the page shows, so masked
  personal data stays masked (a column reads the masked value);
- otherwise the page gets ``page`` (50 rows a page, ``?page=N``; no silent stop at 100
  rows) and ``exports`` (the two links, keeping the filters), for ``web/_pager.html`` and
  ``web/_exports.html``.

A page with two lists gives the second a ``prefix``: its query keys are then
``<prefix>_page`` and ``<prefix>_export`` (``page_param`` in its context, for the pager),
so paging or exporting one list leaves the other alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

PER_PAGE = 50
EXPORT_LIMIT = 200_000  # rows; a list longer than this is cut and says so in its last row


@dataclass(frozen=True)
class Col:
    """One column: its header (translatable) and how to read a row's cell."""

    label: Any
    value: Callable[[Any], Any]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return value
    return str(value)


def export_response(name: str, fmt: str, columns: Sequence[Col], rows: Any) -> HttpResponse:
    """The rows as ``name.xlsx`` or ``name.csv`` (headers in the active language)."""
    from warroom.exports import csv_writer, workbook

    header = [str(c.label) for c in columns]
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv_writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(c.value(row)) for c in columns])
        body = out.getvalue().encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    else:
        book = workbook()
        sheet = book.sheet(name[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(c.value(row)) for c in columns])
        buffer = io.BytesIO()
        book.save(buffer)
        body = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        fmt = "xlsx"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def list_page(
    request: HttpRequest,
    qs: Any,
    columns: Sequence[Col],
    *,
    name: str,
    per_page: int = PER_PAGE,
    shown: Callable[[Any], Any] | None = None,
    prefix: str = "",
) -> HttpResponse | dict[str, Any]:
    """An export answer for ``?export=``, else the page's context (``page``, ``exports``,
    and ``shown``: the page's records as ``shown`` turns them, when given).

    ``shown`` maps a batch of records to what the reader sees of them (personal data
    masked, messages translated); it is called once for the page and once for the whole
    export, so an audited act such as unmasking is logged once per answer, and the
    columns then read its rows.
    """
    page_key, export_key = (f"{prefix}_page", f"{prefix}_export") if prefix else ("page", "export")
    fmt = request.GET.get(export_key, "")
    if fmt in ("csv", "xlsx"):
        rows = qs[:EXPORT_LIMIT]
        return export_response(name, fmt, columns, shown(rows) if shown else rows)
    page = Paginator(qs, per_page).get_page(request.GET.get(page_key))
    kept = [(k, v) for k, v in request.GET.items() if k not in (page_key, export_key)]
    return {
        "page_param": page_key,
        "shown": shown(page.object_list) if shown else page.object_list,
        "page": page,
        "page_query": urlencode(kept),
        "exports": [
            (label, "?" + urlencode([*kept, (export_key, fmt)]))
            for label, fmt in (("Excel", "xlsx"), ("CSV", "csv"))
        ],
    }
