"""How a file comes in: read within the limits of the settings, one import slot per run.

Every surface (web page, API endpoint, command) reads an uploaded or named file through
:func:`read_upload`, so the limits of :class:`warroom.tables.Limits` come from one place,
the settings (``WARROOM_IMPORT_*``, docs/security.md). :func:`run_import` is the one call
that reads a file and runs an importer on it while the user holds an import slot
(:func:`import_slot`). A file above ``WARROOM_IMPORT_QUEUE_BYTES`` is the job queue's to
run: the surfaces ask :func:`warroom.core.jobs.import_in_worker` and queue it with
:func:`warroom.core.jobs.enqueue_import`, whose worker reads it through :func:`read_upload`
and holds the user's slot the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom import tables
from warroom.core.errors import WarroomError

T = TypeVar("T")


class TooManyImports(WarroomError):
    """The user already runs as many imports as allowed."""

    code = "too_many_imports"
    status = 429


# Kinds of file with limits of their own (settings ``WARROOM_IMPORT_<KIND>_MAX_BYTES`` and
# ``_MAX_ROWS``); every other file is read within the default limits.
KINDS_WITH_LIMITS = ("screening",)


def import_limits(kind: str = "") -> tables.Limits:
    """The reading limits, from the settings: the default ones, or those of ``kind`` (one
    of :data:`KINDS_WITH_LIMITS`: a day of mass screening is 1.5 million rows)."""
    max_bytes = settings.WARROOM_IMPORT_MAX_BYTES
    max_rows = settings.WARROOM_IMPORT_MAX_ROWS
    if kind:
        if kind not in KINDS_WITH_LIMITS:
            raise ValueError(f"no import limits of their own for {kind!r}")
        prefix = f"WARROOM_IMPORT_{kind.upper()}"
        max_bytes = getattr(settings, f"{prefix}_MAX_BYTES")
        max_rows = getattr(settings, f"{prefix}_MAX_ROWS")
    return tables.Limits(
        max_bytes=max_bytes,
        max_rows=max_rows,
        max_columns=settings.WARROOM_IMPORT_MAX_COLUMNS,
        max_cell_chars=settings.WARROOM_IMPORT_MAX_CELL_CHARS,
        max_unzipped_bytes=settings.WARROOM_IMPORT_MAX_UNZIPPED_BYTES,
        max_expansion=settings.WARROOM_IMPORT_MAX_EXPANSION,
        max_errors=settings.WARROOM_IMPORT_MAX_ERRORS,
    )


def read_bounded(source: bytes | BinaryIO | Any, *, kind: str = "") -> bytes:
    """The bytes of ``source`` (bytes or an uploaded file), refused above the byte limit
    (of ``kind``, see :func:`import_limits`) without reading further
    (:class:`warroom.tables.LimitExceeded`)."""
    limit = import_limits(kind).max_bytes
    data = source if isinstance(source, bytes) else source.read(limit + 1)
    if len(data) > limit:
        raise tables.LimitExceeded(
            f"the file is larger than {limit / 2**20:,.1f} MiB (the import limit)"
        )
    return bytes(data)


def read_upload(
    source: str | Path | bytes | BinaryIO | Any, *, filename: str = "", kind: str = ""
) -> tables.Table:
    """Read a path, bytes or an uploaded file within :func:`import_limits` (of ``kind``).

    An upload whose declared size is over the limit is refused before a byte is read.
    """
    limits = import_limits(kind)
    size = getattr(source, "size", None)
    if isinstance(size, int) and size > limits.max_bytes:
        raise tables.LimitExceeded(
            f"the file is larger than {limits.max_bytes / 2**20:,.1f} MiB (the import limit)"
        )
    if not filename and not isinstance(source, (str, Path, bytes)):
        filename = str(getattr(source, "name", "") or "")
    return tables.read_table(source, filename=filename, limits=limits)


@contextmanager
def import_slot(user: Any) -> Iterator[None]:
    """Hold one of ``user``'s import slots for the block; :class:`TooManyImports` if none
    is free. Commands run without a user (the operator's own machine) hold none."""
    if not getattr(user, "pk", None):
        yield
        return
    from warroom.core.models import ImportSlot

    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.WARROOM_IMPORT_SLOT_SECONDS)
    ImportSlot.objects.filter(user_id=user.pk, started_at__lt=stale).delete()
    taken = None
    for number in range(settings.WARROOM_IMPORT_PER_USER):
        try:
            with transaction.atomic():
                taken = ImportSlot.objects.create(user_id=user.pk, slot=number, started_at=now)
            break
        except IntegrityError:
            continue
    if taken is None:
        raise TooManyImports(
            _("You already have %(n)s imports running; wait for one to finish.")
            % {"n": settings.WARROOM_IMPORT_PER_USER}
        )
    try:
        yield
    finally:
        ImportSlot.objects.filter(pk=taken.pk).delete()


def run_import(
    importer: Callable[..., T],
    source: Any,
    *,
    actor: Any,
    filename: str = "",
    kind: str = "",
    **kwargs: Any,
) -> T:
    """Read ``source`` within the limits (of ``kind``, see :func:`import_limits`) and run
    ``importer(table, actor=actor, **kwargs)`` while ``actor`` holds an import slot: the
    one call web, API and commands make."""
    with import_slot(actor):
        table = read_upload(source, filename=filename, kind=kind)
        return importer(table, actor=actor, **kwargs)
