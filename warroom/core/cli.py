"""What every command of ``warroom`` shares: the consoles, Django set-up, errors, imports.

``warroom/cli.py`` mounts the apps' commands and the apps' ``cli.py`` modules use these
helpers; neither imports the other's helpers, so there is no import circle.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from warroom.tables import Table

console = Console()
err = Console(stderr=True)

R = TypeVar("R")


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warroom.settings")
    import django

    django.setup()


def migrate_db(progress: Progress | None = None) -> None:
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)


def setup() -> None:
    """Django, and the database up to date: the start of every command that uses it."""
    django_setup()
    migrate_db()


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def run_import(file: Path, importer: Callable[[Table], R], *, kind: str = "") -> R:
    """Read ``file`` (within the limits of ``kind``, see
    :func:`warroom.core.uploads.import_limits`) and import it; any refusal is reported and
    exits with code 2.

    A refused file prints its report (every bad cell as row, column, value, reason); an
    unreadable file or a refusal of the service prints why. Nothing was written then.
    """
    from warroom.core.errors import WarroomError
    from warroom.core.uploads import read_upload
    from warroom.tables import TableRejected

    try:
        with rows_drawn(file.name):
            return importer(read_upload(file, kind=kind))
    except TableRejected as exc:
        raise fail(f"{file}: {exc.report()}") from None
    except WarroomError as exc:
        raise fail(f"cannot import {file}: {exc.message}") from None
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}") from None


@contextmanager
def rows_drawn(label: str) -> Iterator[None]:
    """On a terminal, a bar of the rows an import reports
    (:func:`warroom.core.context.report_rows`) for the block, in place of its log lines;
    elsewhere (a log, ``nohup``, cron) the importer's own log line every
    ``WARROOM_PROGRESS_ROWS`` rows says the same."""
    if not err.is_terminal:
        yield
        return
    from warroom.core.context import reporting

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[detail]}"),
        console=err,
        transient=True,
    )
    task = bar.add_task(label, total=None, detail="")

    def show(done: int, total: int | None, message: str) -> None:
        bar.update(task, completed=done, total=total, detail=message)

    with bar, reporting(show, drawn=True):
        yield


def print_imported(result: Any, detail: str) -> None:
    """ "already imported" for a file seen before, else ``detail`` (what was added)."""
    if getattr(result, "already_imported", False) or getattr(result, "duplicate", False):
        console.print(f"[yellow]already imported[/yellow] ({result.sha256[:12]}): nothing added")
    else:
        console.print(f"[green]imported[/green] {detail}")
