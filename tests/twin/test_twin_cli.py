"""The `warroom twin` commands."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from warroom.twin.cli import app
from warroom.twin.records import REPORT_FIELDS

runner = CliRunner()


def test_run_writes_the_daily_report_and_the_line_lists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        ["run", "wuhan-2020", "--out", str(out), "--scale", "0.02", "--days", "45", "--seed", "3"],
    )
    assert res.exit_code == 0, res.output
    for name in (
        "daily",
        "people",
        "tests",
        "contacts",
        "admissions",
        "appeals",
        "supplies",
        "waste",
        "waiting",
        "outcomes",
        "facilities",
        "residents",
        "businesses",
    ):
        assert (out / f"{name}.csv").exists(), name
    with open(out / "daily.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["date", "area_code", *REPORT_FIELDS]
    assert len(rows) == 45 * len({r["area_code"] for r in rows})
    assert {r["area_code"] for r in rows} >= {"4201", "420102"}
    city_last = [r for r in rows if r["area_code"] == "4201"][-1]
    assert int(city_last["cum_confirmed"]) > 0


def test_run_accepts_a_toml_path_and_refuses_unknown_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('base = "wuhan-2020"\n[scenario]\nname = "mine"\ndays = 20\n', "utf-8")
    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "--scale", "0.01"])
    assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["run", "nowhere-2020", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "no scenario" in bad.output


def test_compare_prints_the_differences_and_writes_a_chart(tmp_path: Path) -> None:
    late = tmp_path / "late.toml"
    late.write_text('base = "wuhan-2020"\n[beds]\nshelter_delay_days = 10\n', "utf-8")
    chart = tmp_path / "c.html"
    res = runner.invoke(
        app, ["compare", "wuhan-2020", str(late), "--scale", "0.02", "--chart", str(chart)]
    )
    assert res.exit_code == 0, res.output
    assert "total confirmed" in res.output and "B − A" in res.output
    text = chart.read_text("utf-8")
    assert "<svg" in text and "http" not in text.replace("http://www.w3.org/2000/svg", "")
    png = runner.invoke(app, ["compare", "wuhan-2020", "wuhan-2020", "--chart", "x.png"])
    assert png.exit_code != 0


def test_help_is_bilingual_chinese_first() -> None:
    res = runner.invoke(app, ["run", "--help"])
    assert res.exit_code == 0
    assert "运行孪生城市 / Run the twin" in res.output


def _hashes(out: Path) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.csv"))}


def test_same_seed_writes_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    runs = {}
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        out = tmp_path / name
        args = ["run", "wuhan-2020", "--out", str(out), "--scale", "0.02", "--days", "40"]
        res = runner.invoke(app, [*args, "--seed", seed])
        assert res.exit_code == 0, res.output
        runs[name] = _hashes(out)
    assert runs["a"] == runs["b"] and len(runs["a"]) == 16
    changed = {k for k in runs["a"] if runs["a"][k] != runs["c"][k]}
    # The city and its facilities depend on city_seed only; every record file changes.
    assert changed == set(runs["a"]) - {
        "facilities.csv",
        "capacity.csv",
        "residents.csv",
        "businesses.csv",
        "inspections.csv",  # none before 1 March: 40 days write the header only
    }
