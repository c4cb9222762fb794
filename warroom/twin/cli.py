"""``warroom twin ...``: run the digital twin and compare scenarios (Typer app ``app``)."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warroom.twin.export import write_run
from warroom.twin.records import DayRecords
from warroom.twin.runner import RunResult, run_scenario
from warroom.twin.scenario import Scenario, builtin_scenarios, load_scenario

app = typer.Typer(
    help="数字孪生城市：合成城市与疫情模拟 / The digital twin: a synthetic city and outbreak",
    no_args_is_help=True,
)
console = Console()

ScaleOpt = Annotated[
    float | None,
    typer.Option(help="人口比例 (0, 1] / Fraction of the population simulated (counts scale)"),
]
SeedOpt = Annotated[int | None, typer.Option(help="随机种子 / Random seed of the outbreak")]
DaysOpt = Annotated[int | None, typer.Option(help="模拟天数 / Number of days to simulate")]


def _scenario(name: str, scale: float | None, seed: int | None, days: int | None) -> Scenario:
    try:
        sc = load_scenario(name)
        changes: dict[str, Any] = {}
        if scale is not None:
            changes["scale"] = scale
        if seed is not None:
            changes["seed"] = seed
        if days is not None:
            changes["days"] = days
        return sc.with_overrides(**changes) if changes else sc
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _run_with_progress(sc: Scenario, label: str = "") -> RunResult:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(f"{label}{sc.name}", total=sc.days, counts="")

        def on_day(rec: DayRecords) -> None:
            city = rec.report[0]
            progress.update(
                task,
                advance=1,
                description=f"{label}{sc.name} {rec.date}",
                counts=(
                    f"新增确诊 new {city['new_confirmed']:,}  累计 cum {city['cum_confirmed']:,}"
                    f"  等床 waiting {rec.waiting.size:,}  死亡 deaths {city['cum_deaths']:,}"
                ),
            )

        return run_scenario(sc, on_day=on_day)


@app.command("run")
def run(
    scenario: Annotated[
        str, typer.Argument(help="情景名称或TOML路径 / Built-in scenario name or a .toml path")
    ],
    out: Annotated[Path, typer.Option("--out", help="输出目录 / Output directory for the CSVs")],
    scale: ScaleOpt = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
) -> None:
    """运行孪生城市 / Run the twin and write daily.csv and the line lists."""
    sc = _scenario(scenario, scale, seed, days)
    result = _run_with_progress(sc)
    files = write_run(result, out)
    m = result.milestones
    console.print(
        f"[green]写入 / wrote[/green] {len(files)} files to {out}: "
        f"confirmed {m.total_confirmed:,}, deaths {m.total_deaths:,}, "
        f"peak {m.peak_new_confirmed:,} on {m.peak_date}"
    )


def _metrics(result: RunResult) -> dict[str, str]:
    m = result.milestones
    s = result.series

    def d(x: dt.date | None) -> str:
        return str(x) if x else "—"

    return {
        "累计确诊 total confirmed": f"{m.total_confirmed:,}",
        "累计死亡 total deaths": f"{m.total_deaths:,}",
        "感染(真值) true infections": f"{int(s.new_infections.sum()):,}",
        "峰值 peak new confirmed": f"{m.peak_new_confirmed:,} ({m.peak_date})",
        "等床峰值 peak waiting (all)": f"{int(s.waiting.max()):,}",
        "确诊等床峰值 peak confirmed waiting": f"{m.peak_waiting_confirmed:,}",
        "最后等床日 last day patients wait": d(m.last_confirmed_waiting),
        "新增<1000 under 1000": d(m.under_1000),
        "新增<100 under 100": d(m.under_100),
        "新增<10 under 10": d(m.under_10),
    }


def _svg_chart(a: RunResult, b: RunResult, name_a: str, name_b: str) -> str:
    """An inline SVG line chart of daily new confirmed of both runs (no CDN, no JS)."""
    w, h, pad = 900, 360, 50
    sa, sb = a.series, b.series
    ymax = max(int(sa.new_confirmed.max()), int(sb.new_confirmed.max()), 1)
    n = max(len(sa.dates), len(sb.dates))

    def path(values: np.ndarray) -> str:
        pts = [
            f"{pad + i * (w - 2 * pad) / max(n - 1, 1):.1f},"
            f"{h - pad - v * (h - 2 * pad) / ymax:.1f}"
            for i, v in enumerate(values)
        ]
        return "M" + " L".join(pts)

    first = sa.dates[0] if sa.dates else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img">'
        f"<title>新增确诊 / daily new confirmed</title>"
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#333"/>'
        f'<text x="{pad}" y="{pad - 10}" font-size="12">{ymax:,}</text>'
        f'<text x="{pad}" y="{h - pad + 20}" font-size="12">{first}</text>'
        f'<path d="{path(sa.new_confirmed)}" fill="none" stroke="#c0392b" stroke-width="2"/>'
        f'<path d="{path(sb.new_confirmed)}" fill="none" stroke="#2471a3" stroke-width="2"/>'
        f'<text x="{w - pad - 200}" y="{pad}" font-size="13" fill="#c0392b">A: '
        f"{html.escape(name_a)}</text>"
        f'<text x="{w - pad - 200}" y="{pad + 18}" font-size="13" fill="#2471a3">B: '
        f"{html.escape(name_b)}</text></svg>"
    )


@app.command("compare")
def compare(
    a: Annotated[str, typer.Argument(help="情景A / Scenario A (name or .toml path)")],
    b: Annotated[str, typer.Argument(help="情景B / Scenario B (name or .toml path)")],
    scale: ScaleOpt = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    chart: Annotated[
        Path | None,
        typer.Option(help="图表输出 (.html 或 .svg) / Write a chart (.html or .svg, inline SVG)"),
    ] = None,
) -> None:
    """对比两个情景 / Run two scenarios and print their differences."""
    if chart is not None and chart.suffix.lower() not in (".html", ".svg"):
        raise typer.BadParameter("--chart: .html or .svg (inline SVG; PNG needs matplotlib)")
    sa = _scenario(a, scale, seed, days)
    sb = _scenario(b, scale, seed, days)
    ra = _run_with_progress(sa, "A ")
    rb = _run_with_progress(sb, "B ")
    ma, mb = _metrics(ra), _metrics(rb)
    table = Table(title=f"A = {a}   B = {b}   (scale {sa.scale:g})")
    table.add_column("指标 / metric")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("B − A", justify="right")
    numeric = {
        "累计确诊 total confirmed": (ra.milestones.total_confirmed, rb.milestones.total_confirmed),
        "累计死亡 total deaths": (ra.milestones.total_deaths, rb.milestones.total_deaths),
        "感染(真值) true infections": (
            int(ra.series.new_infections.sum()),
            int(rb.series.new_infections.sum()),
        ),
        "峰值 peak new confirmed": (
            ra.milestones.peak_new_confirmed,
            rb.milestones.peak_new_confirmed,
        ),
        "等床峰值 peak waiting (all)": (int(ra.series.waiting.max()), int(rb.series.waiting.max())),
        "确诊等床峰值 peak confirmed waiting": (
            ra.milestones.peak_waiting_confirmed,
            rb.milestones.peak_waiting_confirmed,
        ),
    }
    dates = {
        "最后等床日 last day patients wait": (
            ra.milestones.last_confirmed_waiting,
            rb.milestones.last_confirmed_waiting,
        ),
        "新增<1000 under 1000": (ra.milestones.under_1000, rb.milestones.under_1000),
        "新增<100 under 100": (ra.milestones.under_100, rb.milestones.under_100),
        "新增<10 under 10": (ra.milestones.under_10, rb.milestones.under_10),
    }
    for key in ma:
        if key in numeric:
            x, y = numeric[key]
            diff = f"{y - x:+,}"
        else:
            da, db = dates[key]
            diff = f"{(db - da).days:+d} d" if da and db else "—"
        table.add_row(key, ma[key], mb[key], diff)
    console.print(table)
    if chart is not None:
        svg = _svg_chart(ra, rb, a, b)
        text = (
            svg
            if chart.suffix.lower() == ".svg"
            else (
                '<!doctype html><html lang="zh"><meta charset="utf-8">'
                f"<title>{html.escape(a)} vs {html.escape(b)}</title><body>{svg}</body></html>"
            )
        )
        chart.write_text(text, encoding="utf-8")
        console.print(f"图表 / chart: {chart}")


@app.command("scenarios")
def scenarios() -> None:
    """内置情景 / List the built-in scenarios."""
    for name in builtin_scenarios():
        sc = load_scenario(name)
        console.print(f"{name}: {sc.start} + {sc.days} d, scale {sc.scale:g} — {sc.description}")


@app.command("mass-testing")
def mass_testing(
    out: Annotated[Path, typer.Argument(help="输出文件 / output CSV file")],
    day: Annotated[str, typer.Option(help="采样日期 / day of sampling, YYYY-MM-DD")] = "2020-05-20",
    samples: Annotated[
        int, typer.Option(help="样本数 / samples that day (Wuhan's busiest: ~1.47 M)")
    ] = 1_500_000,
    positive_rate: Annotated[
        float, typer.Option(help="阳性率 / share positive (Wuhan May 2020: ~3 per 100,000)")
    ] = 3e-5,
    scenario: Annotated[str, typer.Option(help="情景 / scenario whose city is screened")] = (
        "wuhan-2020"
    ),
    seed: SeedOpt = None,
) -> None:
    """全员核酸检测一日结果 / Write one day of mass-screening results for the twin city."""
    from warroom.twin.screening import write_screening_day

    sc = _scenario(scenario, None, seed, None)
    try:
        when = dt.date.fromisoformat(day)
        counts = write_screening_day(
            out,
            day=when,
            samples=samples,
            seed=sc.seed,
            city_seed=sc.city_seed,
            positive_rate=positive_rate,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(
        f"{out}: {counts['samples']:,} samples of {when}, {counts['positives']:,} positive, "
        f"from {counts['homes']:,} compounds and villages"
    )
