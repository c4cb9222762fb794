"""``warroom analyze``: the analytics core over a daily report file, for analysts.

Pure Python, no Django: the main ``warroom`` CLI mounts this app with
``app.add_typer(series_app, name="analyze")``; it also runs on its own
(``python -m warroom.series.cli``).

Every command reads FILE (the daily aggregate report of DESIGN §4: CSV UTF-8/GBK or
Excel, English or Chinese headers) and analyses one area:

* ``--area CODE`` — default: the only area of the file; else the area whose code is a
  prefix of every other code (the city above its districts); else the single shortest
  code; else the command asks for ``--area``.
* ``--as-of DATE`` — use only the days up to DATE (what was known that day).
* ``--format table|csv|json`` — a rich table (default), CSV with fixed columns, or JSON.
* ``--chart out.html|out.svg`` — also draw the result: a self-contained HTML page (inline
  SVG and the data as JSON; no script, no CDN) or a standalone SVG.

A missing day is never read as zero. ``phases`` shows it as a day without a band.
``rt``, ``forecast`` and ``backtest`` need complete days, so they use the days after the
area's last missing day and say so on stderr. A malformed file is answered with its
row-level problems on stderr and exit code 2, as is any input the analysis refuses.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from warroom.analytics import parameters as P
from warroom.analytics.backtest import (
    BASELINE_NAMES,
    SKILL_BASELINES,
    backtest,
    default_forecasters,
    forecast_skill,
)
from warroom.analytics.forecast import (
    EnsembleForecaster,
    Forecaster,
    LastValueForecaster,
    LogLinearTrendForecaster,
    MovingMeanForecaster,
    RenewalForecaster,
    fill_missing,
)
from warroom.analytics.phases import Phase, classify_phases, next_band
from warroom.analytics.rt import RT_STATUS_NAMES, estimate_rt
from warroom.exports import csv_writer  # user text as text (OWASP CSV injection)
from warroom.series.charts import Band, Chart, Line, render_html, render_svg
from warroom.series.io import COUNT_NAMES, AreaSeries, read_daily_report
from warroom.tables import TableRejected

app = typer.Typer(
    help="疫情分析：阶段、Rt、预测、回测 / Epidemic analysis of a daily report file: "
    "phases, Rt, forecasts, backtests",
    no_args_is_help=True,
    add_completion=False,
)

EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Model(StrEnum):
    published = "published"
    renewal = "renewal"
    last_value = "last_value"
    mean_7d = "mean_7d"
    loglinear_trend = "loglinear_trend"


FileArg = Annotated[
    Path,
    typer.Argument(
        help="日报文件（CSV UTF-8/GBK 或 Excel）/ Daily report file (CSV UTF-8/GBK or Excel)",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
AreaOpt = Annotated[
    str | None,
    typer.Option(
        "--area",
        help="地区编码（默认：唯一地区或根地区）/ Area code (default: the only area, or the "
        "root: the code that prefixes all others, else the shortest)",
    ),
]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="只用截至该日的数据 / Use only the days up to this date (YYYY-MM-DD)",
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", help="输出格式 / Output format: table, csv or json"),
]
ChartOpt = Annotated[
    Path | None,
    typer.Option(
        "--chart",
        help="另存图表（.html 或 .svg，自包含）/ Also write a chart (.html or .svg, "
        "self-contained, no CDN)",
        dir_okay=False,
    ),
]


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)  # plain text: one problem per line, never re-wrapped
    raise typer.Exit(EXIT_BAD_INPUT)


def _note(message: str) -> None:
    typer.echo(f"note: {message}", err=True)


def _load(file: Path, area: str | None, as_of: dt.datetime | None) -> AreaSeries:
    try:
        report = read_daily_report(file)
    except TableRejected as exc:
        _fail(f"{file}: {exc.report()}")
    try:
        series = report.area(area)
        if as_of is not None:
            series = series.until(as_of.date())
    except ValueError as exc:
        _fail(f"{file}: {exc}")
    return series


def _complete(series: AreaSeries) -> AreaSeries:
    tail = series.complete_tail("new_confirmed")
    if tail.n_days == 0:
        _fail(f"area {series.area_code}: its last day has no new_confirmed; nothing to analyse")
    if tail.n_days < series.n_days:
        missing = series.missing_days("new_confirmed")
        _note(
            f"area {series.area_code}: {len(missing)} day(s) without new_confirmed, the last "
            f"on {missing[-1]}; using {tail.start} .. {tail.end} ({tail.n_days} days)"
        )
    return tail


def _cell(value: Any) -> Any:
    """A value for CSV/JSON: NaN -> None, whole floats of counts stay floats as given."""
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _text(value: Any, digits: int) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _shown(value: Any) -> str:
    """A value for the rich table: whole numbers in full, others to 4 significant digits."""
    value = _cell(value)
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 1000 or value.is_integer() else f"{value:.4g}"
    return "" if value is None else str(value)


def _emit(
    fmt: OutputFormat,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    extra: dict[str, Any] | None = None,
    digits: int = 10,
) -> None:
    if fmt is OutputFormat.csv:
        buf = io.StringIO()
        writer = csv_writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(v, digits) for v in row] for row in rows)
        sys.stdout.write(buf.getvalue())
    elif fmt is OutputFormat.json:
        payload = {k: _cell(v) for k, v in (extra or {}).items()}
        payload["rows"] = [{c: _cell(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    else:
        table = Table(title=title)
        shown = [[_shown(v) for v in row] for row in rows]
        for index, c in enumerate(columns):
            left = c in {"date", "band", "phase", "phase_start", "declared_on", "forecaster"}
            width = max([len(c)] + [len(r[index]) for r in shown])
            table.add_column(c, justify="left" if left else "right", min_width=width)
        for row_text in shown:
            table.add_row(*row_text)
        needed = sum(max([len(c)] + [len(r[i]) for r in shown]) + 3 for i, c in enumerate(columns))
        console = Console()
        console = Console(width=max(console.width, needed + 1))
        console.print(table)
        for key, value in (extra or {}).items():
            if key != "area" and not isinstance(value, (list, dict)):
                console.print(f"{key}: {_shown(value) or '-'}", markup=False, highlight=False)


def _write_chart(path: Path | None, chart: Chart) -> None:
    if path is None:
        return
    suffix = path.suffix.lower()
    if suffix not in {".html", ".htm", ".svg"}:
        _fail(f"--chart {path}: use a .html or .svg file (PNG is not supported)")
    text = render_html(chart) if suffix in {".html", ".htm"} else render_svg(chart)
    path.write_text(text, encoding="utf-8")
    _note(f"chart written to {path}")


def _nan_to_none(values: Any) -> list[Any]:
    return [_cell(v) for v in values]


@app.command()
def phases(
    file: FileArg,
    area: AreaOpt = None,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    chart: ChartOpt = None,
    confirm_days: Annotated[
        int, typer.Option(help="连续几天进入新档位才宣布新阶段 / Days in a new band to declare it")
    ] = P.PHASE_CONFIRM_DAYS,
    cleared_days: Annotated[
        int, typer.Option(help="连续零新增天数判定清零 / Zero days to declare CLEARED")
    ] = P.CLEARED_ZERO_DAYS,
) -> None:
    """疫情阶段（四阶段划分法）/ Phases from daily new confirmed (four-phase method)."""
    series = _load(file, area, as_of)
    counts = series.counts["new_confirmed"]
    try:
        tl = classify_phases(counts, confirm_days=confirm_days, cleared_days=cleared_days)
    except ValueError as exc:
        _fail(str(exc))
    dates = series.dates
    bands, names, dirs = tl.band_names(), tl.phase_names(), tl.direction_names()

    def day(index: int) -> dt.date | None:
        return dates[index] if index >= 0 else None

    last = series.n_days - 1
    summary: dict[str, Any] = {
        "area": series.area_code,
        "as_of": dates[last],
        "phase": names[last] or None,
        "phase_start": day(int(tl.phase_start[last])),
        "declared_on": day(int(tl.declared_on[last])),
        "days_in_phase": int(tl.days_in_phase[last]),
        "direction": dirs[last],
        "next_phase": None,
        "next_phase_date": None,
    }
    observed = counts[~np.isnan(counts)]
    if int(tl.phase[last]) >= 0 and observed.size:
        try:
            nb = next_band(counts, int(tl.phase[last]), cleared_days=cleared_days)
        except ValueError as exc:
            _fail(str(exc))
        if nb is not None:
            summary["next_phase"] = nb.phase.name
            summary["next_phase_date"] = dates[last] + dt.timedelta(days=nb.days_ahead)
    columns = ["date", "new_confirmed", "band", "phase", "phase_start", "direction"]
    rows = [
        [dates[i], counts[i], bands[i], names[i], day(int(tl.phase_start[i])), dirs[i]]
        for i in range(series.n_days)
    ]
    if format is not OutputFormat.csv:
        columns.insert(5, "declared_on")
        for i, row in enumerate(rows):
            row.insert(5, day(int(tl.declared_on[i])))
    _emit(format, f"疫情阶段 / Phases — {series.area_code}", columns, rows, extra=summary)
    _write_chart(
        chart,
        Chart(
            title=f"疫情阶段 / Phases — {series.area_code}",
            x_labels=[d.isoformat() for d in dates],
            lines=[Line("new confirmed / 新增确诊", _nan_to_none(counts))],
            hlines=[
                (float(v), f"{Phase(i).name} ≥ {v}")
                for i, v in ((1, P.BAND_LOW_MIN), (2, P.BAND_MIDDLE_MIN), (3, P.BAND_HIGH_MIN))
                if v <= 1.5 * max(float(np.nanmax(counts)) if observed.size else 0.0, 1.0)
            ],
            y_label="cases / day",
            data={
                **{k: _cell(v) for k, v in summary.items()},
                "columns": columns,
                "rows": [[_cell(v) for v in r] for r in rows],
            },
        ),
    )


@app.command()
def rt(
    file: FileArg,
    area: AreaOpt = None,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    chart: ChartOpt = None,
    window: Annotated[int, typer.Option(help="窗口天数 / Window (days)")] = P.RT_WINDOW_DAYS,
    si_mean: Annotated[
        float, typer.Option(help="代际间隔均值（天）/ Serial interval mean (days)")
    ] = P.SERIAL_INTERVAL_MEAN,
    si_sd: Annotated[
        float, typer.Option(help="代际间隔标准差（天）/ Serial interval sd (days)")
    ] = P.SERIAL_INTERVAL_SD,
) -> None:
    """实时再生数 Rt（Cori 等 2013，同 EpiEstim）/ Rt by Cori et al. 2013, as EpiEstim."""
    series = _complete(_load(file, area, as_of))
    try:
        est = estimate_rt(
            series.counts["new_confirmed"], window=window, si_mean=si_mean, si_sd=si_sd
        )
    except ValueError as exc:
        _fail(f"area {series.area_code}: {exc}")
    dates = series.dates
    # Where Rt cannot be estimated (Cori et al. 2013's guidance) the numbers are empty and
    # the status and reason say why: the prior is not a finding.
    columns = [
        "date",
        "status",
        "mean",
        "sd",
        "q025",
        "q05",
        "q25",
        "median",
        "q75",
        "q95",
        "q975",
        "cases_in_window",
        "posterior_cv",
        "reason",
    ]
    rows = [
        [
            dates[int(te)],
            RT_STATUS_NAMES[int(est.status[i])],
            est.mean[i],
            est.sd[i],
            *est.quantiles[i],
            est.cases[i],
            est.cv[i],
            est.reason(i),
        ]
        for i, te in enumerate(est.t_end)
    ]
    extra = {
        "area": series.area_code,
        "window_days": window,
        "serial_interval_mean": est.serial_interval_mean,
        "serial_interval_sd": est.serial_interval_sd,
        "min_cumulative_cases": est.min_cases,
        "max_posterior_cv": est.max_cv,
        "latest": "insufficient data / 数据不足" if not est.estimated[-1] else "estimated",
    }
    _emit(format, f"Rt — {series.area_code}", columns, rows, extra=extra)
    _write_chart(
        chart,
        Chart(
            title=f"实时再生数 / Rt — {series.area_code}",
            x_labels=[dates[int(te)].isoformat() for te in est.t_end],
            bands=[
                Band(
                    "95 % CrI", _nan_to_none(est.quantile(0.025)), _nan_to_none(est.quantile(0.975))
                ),
                Band(
                    "50 % CrI",
                    _nan_to_none(est.quantile(0.25)),
                    _nan_to_none(est.quantile(0.75)),
                    opacity=0.35,
                ),
            ],
            lines=[Line("posterior mean", _nan_to_none(est.mean))],
            hlines=[(1.0, "Rt = 1")],
            y_label="Rt",
            data={**extra, "columns": columns, "rows": [[_cell(v) for v in r] for r in rows]},
        ),
    )


def _forecaster(
    model: Model, samples: int, seed: int, dispersion: float | None, horizon: int
) -> Forecaster:
    if model is Model.published:
        return EnsembleForecaster(max_horizon=horizon)
    if model is Model.renewal:
        return RenewalForecaster(n_samples=samples, random_state=seed, dispersion=dispersion)
    if model is Model.last_value:
        return LastValueForecaster()
    if model is Model.mean_7d:
        return MovingMeanForecaster()
    return LogLinearTrendForecaster()


@app.command()
def forecast(
    file: FileArg,
    area: AreaOpt = None,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    chart: ChartOpt = None,
    horizon: Annotated[
        int, typer.Option(help="预测天数 / Days to forecast")
    ] = P.FORECAST_HORIZON_DAYS,
    model: Annotated[
        Model,
        typer.Option(
            help="模型 / Model: published (the ensemble the platform shows), renewal or a baseline"
        ),
    ] = Model.published,
    samples: Annotated[
        int, typer.Option(help="模拟轨迹数 / Simulated trajectories (renewal)")
    ] = P.FORECAST_SAMPLES,
    dispersion: Annotated[
        float | None,
        typer.Option(help="负二项离散度 k（默认泊松）/ Negative-binomial size k (default Poisson)"),
    ] = P.FORECAST_NB_DISPERSION,
    seed: Annotated[int, typer.Option(help="随机种子 / Random seed")] = 0,
) -> None:
    """新增确诊预测（发布模型：稳健集成）/ Forecast daily new confirmed (the published ensemble,
    with its measured skill against the baselines, or one model)."""
    skill = None
    if model is Model.published:  # robust to a missing day: filled for fitting only
        series = _load(file, area, as_of)
        raw = series.counts["new_confirmed"]
        try:
            y = fill_missing(raw, name="new_confirmed")
            fc = EnsembleForecaster(max_horizon=horizon).fit(y).predict(horizon)
            skill = forecast_skill(
                raw, EnsembleForecaster(max_horizon=horizon), max_horizon=horizon
            )
        except ValueError as exc:
            _fail(f"area {series.area_code}: {exc}")
    else:
        series = _complete(_load(file, area, as_of))
        y = series.counts["new_confirmed"]
        try:
            fc = _forecaster(model, samples, seed, dispersion, horizon).fit(y).predict(horizon)
        except ValueError as exc:
            _fail(f"area {series.area_code}: {exc}")
    future = [series.end + dt.timedelta(days=h) for h in range(1, horizon + 1)]
    columns = ["date", "mean", "q05", "q25", "median", "q75", "q95"]
    rows = [[future[h], fc.mean[h], *fc.quantiles[h]] for h in range(horizon)]
    extra: dict[str, Any] = {
        "area": series.area_code,
        "model": model.value,
        "last_day_used": series.end,
    }
    if skill is not None:
        columns += [f"rel_mae_{b}" for b in skill.baselines]
        for h, row in enumerate(rows):
            row += [skill.relative_mae[b, h] for b in range(len(skill.baselines))]
    _emit(
        format, f"预测 / Forecast — {series.area_code} ({model.value})", columns, rows, extra=extra
    )
    shown = min(series.n_days, 60)
    pad: list[Any] = [None] * shown
    _write_chart(
        chart,
        Chart(
            title=f"新增确诊预测 / Forecast — {series.area_code} ({model.value})",
            x_labels=[d.isoformat() for d in series.dates[-shown:] + future],
            bands=[
                Band(
                    "90 % PI",
                    pad + _nan_to_none(fc.quantile(0.05)),
                    pad + _nan_to_none(fc.quantile(0.95)),
                ),
                Band(
                    "50 % PI",
                    pad + _nan_to_none(fc.quantile(0.25)),
                    pad + _nan_to_none(fc.quantile(0.75)),
                    opacity=0.35,
                ),
            ],
            lines=[
                Line("observed / 实际", _nan_to_none(y[-shown:]) + [None] * horizon),
                Line("median / 中位数", pad + _nan_to_none(fc.quantile(0.5)), dashed=True),
            ],
            y_label="cases / day",
            data={
                **{k: _cell(v) for k, v in extra.items()},
                "columns": columns,
                "rows": [[_cell(v) for v in r] for r in rows],
            },
        ),
    )


@app.command("backtest")
def backtest_command(
    file: FileArg,
    area: AreaOpt = None,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    chart: ChartOpt = None,
    horizon: Annotated[
        int, typer.Option(help="最长预测天数 / Longest horizon (days)")
    ] = P.BACKTEST_MAX_HORIZON,
    min_history: Annotated[
        int, typer.Option(help="首个起点前的天数 / Days of history at the first origin")
    ] = P.BACKTEST_MIN_HISTORY,
    seed: Annotated[int, typer.Option(help="随机种子 / Random seed")] = 0,
) -> None:
    """预测回测（滚动起点）/ Backtest the forecasters with rolling origins (MAE, coverage, WIS).

    A missing day is filled for fitting and never scored. The summary gives the published
    forecast's MAE relative to the last-value and 7-day-mean baselines at 1, 7 and 14 days
    (< 1: it beats the baseline).
    """
    series = _load(file, area, as_of)
    if np.isnan(series.counts["new_confirmed"]).all():
        _fail(f"area {series.area_code}: no day has new_confirmed; nothing to analyse")
    try:
        res = backtest(
            series.counts["new_confirmed"],
            default_forecasters(random_state=seed),
            max_horizon=horizon,
            min_history=min_history,
        )
    except ValueError as exc:
        _fail(f"area {series.area_code}: {exc}")
    columns = [
        "forecaster",
        "horizon",
        "n",
        "mae",
        *(f"rel_mae_{b}" for b in BASELINE_NAMES),
        "coverage_50",
        "coverage_90",
        "wis",
    ]
    rows = [
        [
            name,
            int(h),
            int(res.n_scored[j]),
            res.mae[f, j],
            *res.relative_mae[f, :, j],
            res.coverage_50[f, j],
            res.coverage_90[f, j],
            res.wis[f, j],
        ]
        for f, name in enumerate(res.names)
        for j, h in enumerate(res.horizons)
    ]
    extra: dict[str, Any] = {
        "area": series.area_code,
        "origins": int(res.origins.size),
        "first_origin": series.dates[int(res.origins[0])],
        "last_origin": series.dates[int(res.origins[-1])],
        "missing_days": int(np.isnan(series.counts["new_confirmed"]).sum()),
    }
    published = res.names.index("published")
    for h in (1, 7, 14):
        if h <= horizon:
            for b in SKILL_BASELINES:
                value = res.relative_mae[published, res.baselines.index(b), h - 1]
                extra[f"published_h{h}_vs_{b}"] = round(float(value), 3)
    _emit(format, f"回测 / Backtest — {series.area_code}", columns, rows, extra=extra, digits=6)
    _write_chart(
        chart,
        Chart(
            title=f"回测 WIS / Backtest WIS by horizon — {series.area_code}",
            x_labels=[f"h={h}" for h in res.horizons],
            lines=[Line(name, _nan_to_none(res.wis[f])) for f, name in enumerate(res.names)],
            y_label="weighted interval score",
            data={
                **{k: _cell(v) for k, v in extra.items()},
                "columns": columns,
                "rows": [[_cell(v) for v in r] for r in rows],
            },
        ),
    )


# --- quality -------------------------------------------------------------------------


def parents_by_prefix(codes: Sequence[str]) -> np.ndarray:
    """Each area's parent: the longest other code that is a prefix of it (NBS codes nest:
    4201 → 420102 → 420102002), or -1. A file carries no tree, so this is the tree."""
    index = {c: i for i, c in enumerate(codes)}
    parent = np.full(len(codes), -1, dtype=np.int64)
    for i, code in enumerate(codes):
        for cut in range(len(code) - 1, 0, -1):
            j = index.get(code[:cut])
            if j is not None:
                parent[i] = j
                break
    return parent


@app.command()
def quality(
    file: FileArg,
    area: Annotated[
        str | None,
        typer.Option(help="只看该地区及其下级 / Only flags of this area and the areas under it."),
    ] = None,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    skip: Annotated[
        list[str] | None,
        typer.Option(help="跳过规则 / Skip a rule by its id, e.g. children_sum (repeatable)."),
    ] = None,
) -> None:
    """数据质量核查 / Data-quality checks (DESIGN §3.5) over every area of the file.

    Children must sum to their parent (the tree is read from the code prefixes),
    cumulative counts never fall, cum_confirmed = deaths + discharged + under treatment,
    no negatives, no future dates, stale figures, outlier jumps, last-digit and Benford
    tests over each reporter's history. Repeated area-day rows are flagged, not refused.
    A file that holds only some sub-areas of an area fails children_sum by design: skip
    it with --skip children_sum.
    """
    from warroom import tables
    from warroom.analytics.quality import DailyReports, run_all
    from warroom.series.io import COLUMNS, REQUIRED_HEADER

    try:
        table = tables.read_table(file)
        tables.map_columns(table, REQUIRED_HEADER)
        rows = tables.parse_rows(table, COLUMNS)
    except TableRejected as exc:
        _fail(f"{file}: {exc.report()}")
    except OSError as exc:
        _fail(f"{file}: {exc}")
    if as_of is not None:
        rows = [r for r in rows if r["date"] <= as_of.date()]
    if not rows:
        _fail(f"{file}: no data rows" + (f" up to {as_of.date()}" if as_of else ""))
    codes = sorted({r["area_code"] for r in rows})
    reports = DailyReports.from_rows(
        np.array([r["date"] for r in rows], dtype="datetime64[D]"),
        np.array([r["area_code"] for r in rows]),
        {
            name: np.array([np.nan if r.get(name) is None else float(r[name]) for r in rows])
            for name in COUNT_NAMES
        },
        area_codes=np.array(codes),
        parent=parents_by_prefix(codes),
    )
    today = as_of.date() if as_of is not None else dt.date.today()
    flags = run_all(reports, np.datetime64(today, "D"))
    from warroom.analytics.quality import RULES

    unknown = sorted(set(skip or ()) - set(RULES))
    if unknown:
        _fail(f"--skip: unknown rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}")
    keep = ~np.isin(flags.rule, list(skip or ()))
    if area is not None:
        if area not in codes:
            _fail(f"{file}: area {area!r} is not in the file")
        keep &= np.array([str(c).startswith(area) for c in flags.area_code], dtype=bool)
    order = np.lexsort((flags.rule, flags.date.astype("int64"), flags.area_code))
    out_rows = [
        [
            str(flags.rule[i]),
            str(flags.area_code[i]),
            dt.date.fromisoformat(str(flags.date[i])),
            str(flags.column[i]),
            str(flags.severity[i]),
            float(flags.measured[i]),
            float(flags.expected[i]),
            str(flags.message[i]),
        ]
        for i in order
        if keep[i]
    ]
    columns = ["rule", "area_code", "date", "column", "severity", "measured", "expected", "message"]
    summary = {"flags": len(out_rows), "areas": len(codes), "as_of": today}
    _emit(format, f"数据质量 / Data quality — {file.name}", columns, out_rows, extra=summary)


if __name__ == "__main__":
    app()
