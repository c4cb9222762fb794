"""The one import finisher: every importer records its batch through here.

An importer parses and validates the whole file, then, inside its transaction:

1. asks :func:`previous_import` whether this file (or API batch) was imported already in
   the actor's line of jurisdiction, and answers "already imported" if so;
2. writes its rows;
3. calls :func:`finish_import`, which writes the :class:`~warroom.core.models.ImportBatch`
   (kind, key, scope, file name, counts, actor) and the one audit entry of the batch, in
   the same transaction.

The key of a batch is one thing whatever the door: a file's SHA-256, or for an API batch
:func:`batch_key` (the client's ``Idempotency-Key`` per user and kind, or the body's
hash). :func:`table_from_rows` turns an API batch into a ``Table`` carrying that key, so a
file and an API batch go through the same parsing, checks and finisher.

**Scope of the key.** A batch is remembered with the jurisdiction of who imported it
(``scope``: the actor's area path, empty for the whole city). The same bytes are "already
imported" only along one line of jurisdiction: for the same area, an area above it (the
city imported the file that covers the district) or below it (a district imported what
the city now sends again). Two sibling districts never see each other's batches: an exact
copy of another district's file is validated as any file would be (its rows outside the
importer's area are refused row by row), and the answer never tells one district what
another imported. The database keeps one batch per (kind, scope, key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from warroom.core.errors import Conflict
from warroom.core.models import ImportBatch
from warroom.core.progress import RowProgress
from warroom.tables import Cell, Column, Table


def import_scope(actor: Any) -> str:
    """The jurisdiction a batch is remembered in: the actor's area path ('' = the city)."""
    return str(getattr(actor, "area_path", "") or "")


def _prefixes(path: str) -> list[str]:
    """``path`` and every ancestor of it: ``/4201/420102/`` → ``''``, ``/``, ``/4201/``,
    ``/4201/420102/``."""
    out = [""]
    out += [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    if path not in out:
        out.append(path)
    return out


def previous_import(kind: str, key: str, *, actor: Any) -> ImportBatch | None:
    """The batch that already imported ``key`` in the actor's line of jurisdiction, if any.

    Call it inside the import's transaction, before writing.
    """
    scope = import_scope(actor)
    line = Q(scope__in=_prefixes(scope))
    if scope:
        line |= Q(scope__startswith=scope)
    else:
        line = Q()  # the city sees every batch
    return ImportBatch.objects.filter(line, kind=kind, sha256=key).order_by("pk").first()


def finish_import(
    kind: str,
    key: str,
    *,
    actor: Any,
    filename: str,
    rows: int,
    created: int,
    updated: int,
    object_type: str,
    message: str,
    details: dict[str, Any] | None = None,
    area_path: str | None = None,
) -> ImportBatch:
    """Record the batch and its audit entry, in the import's transaction.

    ``area_path`` is the audit entry's area (default: the actor's). Two imports of the same
    key in the same scope racing each other: the database lets one batch in; the other
    import is refused whole (:class:`~warroom.core.errors.Conflict`) and writes nothing.
    """
    from warroom.audit.services import record_batch

    scope = import_scope(actor)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=kind,
                sha256=key,
                scope=scope,
                filename=(filename or "")[:255],
                rows=rows,
                created=created,
                updated=updated,
                actor=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise Conflict("this file is being imported by another request; try again") from None
    record_batch(
        object_type=object_type,
        rows=rows,
        sha256=key,
        area_path=scope if area_path is None else area_path,
        message=message,
        details={"created": created, "updated": updated, **(details or {})},
    )
    return batch


def import_progress(label: str, table: Table | int | None) -> RowProgress:
    """The progress of an import of ``table`` (its rows are the total when the reader
    counted them, or a number): a log line and a report to the listener (the job page,
    the command's bar) every ``WARROOM_PROGRESS_ROWS`` rows, and the total at the end
    (:class:`~warroom.core.progress.RowProgress`). The importer calls ``rows(done)`` when
    ``done`` reaches ``due``, and ``rows(total, final=True)`` once written."""
    from django.conf import settings

    if isinstance(table, Table):
        rows = table.rows
        total = table.row_count if table.row_count is not None else None
        if total is None and isinstance(rows, list):
            total = len(rows)
    else:
        total = table
    return RowProgress(label, total, every=settings.WARROOM_PROGRESS_ROWS)


# --- API batches: the same key mechanism as a file -------------------------------------------


def batch_key(user: Any, kind: str, idempotency_key: str | None, body: Any) -> str:
    """The key under which an API batch is remembered: the client's ``Idempotency-Key``
    (per user and kind), or without one the body's hash (the same body twice adds nothing,
    as the same file twice does)."""
    if idempotency_key:
        material = f"key:{getattr(user, 'pk', '')}:{kind}:{idempotency_key}"
    else:
        material = "body:" + json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def table_from_rows(rows: list[dict[str, Any]], columns: Sequence[Column], *, key: str) -> Table:
    """An API batch as a Table, so it goes through the same parsing and checks as a file.

    ``key`` (from :func:`batch_key`) is stored as the batch's SHA-256.
    """
    header = [c.name for c in columns]
    cells = [[_cell(r.get(name)) for name in header] for r in rows]
    return Table(header, cells, key, "json", "api")


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, (str, int, float, dt.date, dt.datetime)):
        return value
    return str(value)
