"""The analyst's command, tested through Typer's CliRunner (no Django)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from warroom.analytics.forecast import EnsembleForecaster, RenewalForecaster
from warroom.analytics.phases import classify_phases
from warroom.analytics.rt import estimate_rt
from warroom.series.cli import app
from warroom.series.io import read_daily_report

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = str(DATA / "wuhan_like_synthetic.csv")
SAMPLE_GBK = str(DATA / "wuhan_like_synthetic_gbk.csv")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_help_is_bilingual() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "疫情分析" in out and "Epidemic analysis" in out
    for command in ("phases", "rt", "forecast", "backtest"):
        assert command in out
    code, out, _ = run("phases", "--help")
    assert "疫情阶段" in out and "Phases" in out


def test_phases_csv_has_the_exact_columns_and_the_analytics_answer() -> None:
    code, out, _ = run("phases", SAMPLE, "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert list(rows[0]) == ["date", "new_confirmed", "band", "phase", "phase_start", "direction"]
    series = read_daily_report(SAMPLE).area("4201")
    tl = classify_phases(series.counts["new_confirmed"])
    assert [r["phase"] for r in rows] == tl.phase_names()
    assert rows[-1]["phase"] == "CLEARED"
    high = [r for r in rows if r["phase"] == "HIGH"]
    assert high and {r["phase_start"] for r in high} == {high[0]["phase_start"]}


def test_phases_as_of_uses_only_the_days_up_to_that_date() -> None:
    code, out, _ = run("phases", SAMPLE, "--as-of", "2020-02-01", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["rows"][-1]["date"] == "2020-02-01"
    assert payload["phase"] == "MIDDLE" and payload["next_phase"] == "HIGH"
    assert payload["declared_on"] is not None


def test_rt_csv_matches_estimate_rt_on_the_window_end_dates() -> None:
    code, out, _ = run("rt", SAMPLE, "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert list(rows[0]) == [
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
    series = read_daily_report(SAMPLE).area()
    est = estimate_rt(series.counts["new_confirmed"])
    assert rows[0]["date"] == "2020-01-17" and rows[-1]["date"] == "2020-04-30"

    def number(cell: str) -> float:
        return float(cell) if cell else np.nan

    np.testing.assert_allclose([number(r["mean"]) for r in rows], est.mean, rtol=1e-9)
    np.testing.assert_allclose([number(r["q975"]) for r in rows], est.quantile(0.975), rtol=1e-9)
    # where Rt cannot be estimated: no number, the status and the reason instead
    for r in rows:
        if r["status"] != "estimated":
            assert r["mean"] == r["q025"] == r["q975"] == ""
            assert r["reason"].startswith("insufficient data")
    assert any(r["status"] == "estimated" for r in rows)


def test_rt_of_weeks_without_a_case_prints_insufficient_data(tmp_path: Path) -> None:
    # The observed defect: Rt ~ 5 (the prior) on every day without a case.
    quiet = tmp_path / "quiet.csv"
    days = [dt.date(2020, 3, 1) + dt.timedelta(days=i) for i in range(60)]
    counts = [0] * 20 + [2, 4, 6, 9, 12, 10, 8, 6, 4, 3, 2, 1] + [0] * 28
    quiet.write_text(
        "date,area_code,new_confirmed\n"
        + "".join(f"{d},420102,{n}\n" for d, n in zip(days, counts, strict=True)),
        encoding="utf-8",
    )
    code, out, _ = run("rt", str(quiet), "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert rows[-1]["status"] == "no_cases" and rows[-1]["mean"] == ""
    assert rows[0]["status"] == "too_few_cases" and "cases so far < 12" in rows[0]["reason"]
    assert all(r["mean"] == "" or float(r["mean"]) < 4.5 for r in rows)
    code, table, _ = run("rt", str(quiet))
    assert "insufficient data / 数据不足" in table


def test_rt_on_an_area_with_a_missing_day_uses_the_complete_tail_and_says_so() -> None:
    code, out, err = run("rt", SAMPLE, "--area", "420106", "--format", "csv")
    assert code == 0
    assert "2020-02-20" in err
    assert csv_rows(out)[0]["date"] == "2020-02-28"  # 2020-02-21 + 7 days


def test_forecast_rows_follow_the_last_day_used(tmp_path: Path) -> None:
    code, out, _ = run(
        "forecast",
        SAMPLE,
        "--as-of",
        "2020-02-05",
        "--horizon",
        "5",
        "--format",
        "csv",
        "--model",
        "renewal",
    )
    assert code == 0
    rows = csv_rows(out)
    assert list(rows[0]) == ["date", "mean", "q05", "q25", "median", "q75", "q95"]
    assert [r["date"] for r in rows] == [f"2020-02-{d:02d}" for d in range(6, 11)]
    y = read_daily_report(SAMPLE).area().until(dt.date(2020, 2, 5))
    fc = RenewalForecaster(random_state=0).fit(y.counts["new_confirmed"]).predict(5)
    np.testing.assert_allclose([float(r["median"]) for r in rows], fc.quantile(0.5), rtol=1e-9)
    code2, out2, _ = run(
        "forecast",
        SAMPLE,
        "--as-of",
        "2020-02-05",
        "--horizon",
        "5",
        "--format",
        "csv",
        "--model",
        "renewal",
    )
    assert code2 == 0 and out2 == out  # seeded: the same answer twice


def test_the_default_forecast_is_the_published_one_with_its_skill() -> None:
    code, out, _ = run("forecast", SAMPLE, "--as-of", "2020-03-20", "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert list(rows[0])[-2:] == ["rel_mae_last_value", "rel_mae_mean_7d"]
    y = read_daily_report(SAMPLE).area().until(dt.date(2020, 3, 20)).counts["new_confirmed"]
    fc = EnsembleForecaster().fit(y).predict(14)
    np.testing.assert_allclose([float(r["median"]) for r in rows], fc.quantile(0.5), rtol=1e-9)
    assert float(rows[0]["rel_mae_last_value"]) > 0


def test_backtest_reports_every_forecaster_and_horizon() -> None:
    code, out, _ = run("backtest", SAMPLE, "--horizon", "3", "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert {r["forecaster"] for r in rows} == {
        "published",
        "renewal",
        "last_value",
        "mean_7d",
        "loglinear_trend",
    }
    assert len(rows) == 5 * 3
    last = [r for r in rows if r["forecaster"] == "last_value"]
    assert all(float(r["rel_mae_last_value"]) == 1.0 for r in last)


def test_table_format_is_the_default_and_gbk_works() -> None:
    code, out, _ = run("phases", SAMPLE_GBK, "--as-of", "2020-02-10")
    assert code == 0
    assert "HIGH" in out and "2020-02-10" in out and "phase_start" in out


def test_charts_are_self_contained(tmp_path: Path) -> None:
    for command in ("phases", "rt", "forecast", "backtest"):
        html = tmp_path / f"{command}.html"
        extra = ["--horizon", "3"] if command == "backtest" else []
        code, _, _ = run(command, SAMPLE, "--chart", str(html), "--format", "csv", *extra)
        assert code == 0
        page = html.read_text(encoding="utf-8")
        assert "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in page and "<script src" not in page
        data = page.split('<script type="application/json" id="data">')[1].split("</script>")[0]
        assert json.loads(data)["rows"]
    svg = tmp_path / "rt.svg"
    assert run("rt", SAMPLE, "--chart", str(svg))[0] == 0
    assert svg.read_text().startswith("<svg")
    code, _, err = run("rt", SAMPLE, "--chart", str(tmp_path / "rt.png"))
    assert code == 2 and ".html or .svg" in err


def test_a_malformed_file_is_exit_2_with_row_errors_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,area_code,new_confirmed\n2020-01-01,4201,5\n2020-01-02,4201,-3\n")
    for command in ("phases", "rt", "forecast", "backtest"):
        result = runner.invoke(app, [command, str(bad)])
        assert result.exit_code == 2
        assert "row 3, column 'new_confirmed'" in result.stderr
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_analysis_refusals_are_exit_2_too(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    short.write_text("date,area_code,new_confirmed\n2020-01-01,4201,5\n2020-01-02,4201,6\n")
    code, _, err = run("rt", str(short))
    assert code == 2 and "at least window + 1" in err
    code, _, err = run("phases", SAMPLE, "--area", "9999")
    assert code == 2 and "not in the file" in err
