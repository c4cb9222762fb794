"""What every command of ``warroom`` shares: the consoles, Django set-up, errors, imports.

``warroom/cli.py`` mounts the apps' commands and the apps' ``cli.py`` modules use these
helpers; neither imports the other's helpers, so there is no import circle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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
        return importer(read_upload(file, kind=kind))
    except TableRejected as exc:
        raise fail(f"{file}: {exc.report()}") from None
    except WarroomError as exc:
        raise fail(f"cannot import {file}: {exc.message}") from None
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}") from None


def print_imported(result: Any, detail: str) -> None:
    """ "already imported" for a file seen before, else ``detail`` (what was added)."""
    if getattr(result, "already_imported", False) or getattr(result, "duplicate", False):
        console.print(f"[yellow]already imported[/yellow] ({result.sha256[:12]}): nothing added")
    else:
        console.print(f"[green]imported[/green] {detail}")
