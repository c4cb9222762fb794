"""`warroom tasks ...`: the tasks from a terminal."""

from __future__ import annotations

import typer
from rich.table import Table

from warroom.core.cli import console

app = typer.Typer(help="任务 / Tasks: rectification and follow-up work.", no_args_is_help=True)


@app.command("overdue", help="逾期任务 / List the tasks open past their deadline.")
def overdue() -> None:
    from warroom.core.cli import django_setup

    django_setup()
    from django.utils import timezone

    from warroom.tasks.models import Task

    rows = Task.objects.overdue().select_related("area", "owner").order_by("deadline")
    table = Table(title="逾期任务 / overdue tasks")
    for column in ("id", "task", "area", "owner", "deadline", "days late"):
        table.add_column(column)
    now = timezone.now()
    n = 0
    for t in rows:
        late = (now - t.deadline).days
        table.add_row(
            str(t.pk),
            t.title_shown,
            t.area.name_zh,
            t.owner.username,
            f"{t.deadline:%Y-%m-%d}",
            str(late),
        )
        n += 1
    console.print(table)
    console.print(f"{n} overdue")
