"""`warroom dispatch ...`: the waiting list, proposals and confirmation from a terminal.

Runs as the system (every district), like the other operator commands; the audit log
records the source ``cli``. Django is set up on first use.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from warroom.core.context import SYSTEM

app = typer.Typer(
    help="床位调度 / Dispatch: who waits, propose placements, confirm them.",
    no_args_is_help=True,
)


def _setup() -> Any:
    from warroom.core import cli

    cli.setup()
    return cli


@app.command("waiting", help="等床名单 / Who waits for a bed, by priority and wait.")
def waiting(
    limit: Annotated[int, typer.Option(help="显示人数 / people to list")] = 20,
) -> None:
    cli = _setup()
    from warroom.cases.waiting import waiting_people
    from warroom.dispatch.models import Need

    qs = waiting_people()
    counts: dict[int, int] = {}
    for need in qs.values_list("need", flat=True):
        counts[need] = counts.get(need, 0) + 1
    cli.console.print(
        f"{sum(counts.values()):,} waiting: "
        + ", ".join(f"{Need(k).name.lower()} {v:,}" for k, v in sorted(counts.items()))
    )
    table = RichTable(title="等床 / waiting")
    for col in ("person", "home", "need", "waiting since"):
        table.add_column(col)
    for p in qs.select_related("home")[: max(limit, 0)]:
        table.add_row(
            f"#{p.pk}",
            p.home.code,
            Need(p.need).name.lower(),
            f"{p.waiting_since:%Y-%m-%d %H:%M}",  # type: ignore[attr-defined]
        )
    cli.console.print(table)


@app.command("propose", help="计算调度方案 / Propose placements for everyone waiting.")
def propose() -> None:
    cli = _setup()
    from warroom.core.errors import WarroomError
    from warroom.dispatch.services import do_propose

    try:
        p = do_propose(actor=SYSTEM)
    except WarroomError as exc:
        raise cli.fail(exc.message) from None
    cli.console.print(
        f"proposal #{p.pk}: {p.waiting:,} waiting, {p.placed:,} placed into {p.free_beds:,} "
        f"free beds, {p.distance_km:,.1f} km ({p.seconds:.2f} s). "
        f"Confirm with: warroom dispatch confirm {p.pk} --all"
    )


@app.command("confirm", help="确认调度方案 / Confirm a proposal: --all, or --line N ...")
def confirm(
    proposal_id: Annotated[int, typer.Argument(help="方案编号 / proposal number")],
    line: Annotated[
        list[int] | None, typer.Option("--line", help="只确认这些行 / only these lines")
    ] = None,
    all_lines: Annotated[
        bool, typer.Option("--all", help="确认全部拟定行 / every proposed line")
    ] = False,
) -> None:
    cli = _setup()
    # "All" is said explicitly, never implied by giving no line.
    if all_lines == bool(line):
        raise cli.fail("say what to confirm: --all, or --line N (repeatable)")
    if any(not 0 < n < 2**63 for n in line or ()):
        raise cli.fail("--line: a line number is out of range")
    from warroom.core.errors import WarroomError
    from warroom.dispatch.models import Proposal
    from warroom.dispatch.services import do_confirm_proposal

    found = Proposal.objects.filter(pk=proposal_id).first() if 0 < proposal_id < 2**63 else None
    if found is None:
        raise cli.fail(f"no proposal #{proposal_id}")
    try:
        done = do_confirm_proposal(found, actor=SYSTEM, line_ids=line or None)
    except WarroomError as exc:
        raise cli.fail(exc.message) from None
    cli.console.print(f"[green]confirmed[/green] {done.confirmed:,} placements")
    reasons: dict[str, int] = {}
    for r in done.refused:
        reasons[r.message] = reasons.get(r.message, 0) + 1
    for message, n in sorted(reasons.items()):
        cli.console.print(f"[yellow]refused[/yellow] {n:,}: {message}")
