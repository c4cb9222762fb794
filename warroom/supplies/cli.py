"""`warroom supplies ...` and `warroom waste ...`: the ledger check, imports, demo plants."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warroom.core.cli import console, fail, run_import
from warroom.core.cli import setup as _django
from warroom.core.context import SYSTEM

app = typer.Typer(help="医疗物资 / Medical supplies: the ledger, imports.", no_args_is_help=True)
waste_app = typer.Typer(
    help="医疗废物 / Medical waste: imports, demo plants.", no_args_is_help=True
)


@app.command("verify", help="核对物资台账 / Verify the ledger (hash chain and balances).")
def verify() -> None:
    _django()
    from warroom.supplies.ledger import do_verify_ledger

    report = do_verify_ledger(actor=SYSTEM)
    if report.ok:
        console.print(f"[green]ledger ok[/green]: {report.movements} movements")
        return
    for p in report.problems:
        console.print(f"[red]{p}[/red]")
    raise fail(f"ledger tampered: {len(report.problems)} problem(s)", code=1)


@app.command("import", help="导入物资出入库 / Import movements (CSV/Excel).")
def import_movements(file: Path) -> None:
    _django()
    from warroom.supplies.imports import do_import_movements

    result = run_import(file, lambda t: do_import_movements(t, actor=SYSTEM))
    if result.already_imported:
        console.print("[yellow]already imported[/yellow]: nothing added")
    else:
        console.print(f"[green]imported[/green] {result.created} movements")


@app.command("warehouses", help="建立市、区物资仓库 / Create the city's and districts' warehouses.")
def warehouses() -> None:
    _django()
    from warroom.supplies.services import ensure_district_warehouses

    console.print(f"{len(ensure_district_warehouses(actor=SYSTEM))} warehouses")


@waste_app.command("import", help="导入医疗废物产生或处置 / Import waste generated (or disposed).")
def import_waste(
    file: Path,
    disposed: Annotated[bool, typer.Option("--disposed", help="处置记录 / disposals")] = False,
) -> None:
    _django()
    from warroom.waste.imports import do_import_disposed, do_import_generated

    importer = do_import_disposed if disposed else do_import_generated
    result = run_import(file, lambda t: importer(t, actor=SYSTEM))
    if result.already_imported:
        console.print("[yellow]already imported[/yellow]: nothing added")
    else:
        console.print(f"[green]imported[/green] {result.rows} rows")


@waste_app.command("load-demo", help="载入示范处置厂（武汉）/ Load the demo plants (Wuhan, 2020).")
def load_demo() -> None:
    _django()
    from warroom.waste.services import do_load_demo_plants

    console.print(f"{len(do_load_demo_plants(actor=SYSTEM))} plants")
