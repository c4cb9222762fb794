"""`warroom analyze quality FILE`: the data-quality rules over a published daily series."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from warroom.series.cli import app, parents_by_prefix

HEADER = "date,area_code,new_confirmed,cum_confirmed,cum_deaths,cum_discharged,under_treatment\n"


def _series(rows: list[tuple[str, str, int, int, int, int, int]]) -> str:
    return HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows)


def _clean() -> list[tuple[str, str, int, int, int, int, int]]:
    rows, cum = [], 0
    for day in range(1, 21):
        new = 10 + day
        cum += new
        rows.append((f"2020-02-{day:02d}", "4201", new, cum, 0, 0, cum))
    return rows


def _run(tmp_path, text: str, *args: str):
    path = tmp_path / "daily.csv"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(app, ["quality", str(path), "--as-of", "2020-02-20", *args])


def test_a_clean_series_has_no_error(tmp_path):
    result = _run(tmp_path, _series(_clean()), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r for r in payload["rows"] if r["severity"] == "error"] == []


def test_a_falling_cumulative_count_and_a_broken_identity_are_found(tmp_path):
    rows = _clean()
    date, code, new, cum, deaths, disc, treat = rows[9]
    rows[9] = (date, code, new, cum - 100, deaths, disc, treat - 100)  # cum falls on Feb 10
    rows[14] = (*rows[14][:6], rows[14][6] + 7)  # under_treatment off by 7 on Feb 15
    result = _run(tmp_path, _series(rows), "--format", "csv")
    assert result.exit_code == 0, result.output
    found = {(r["rule"], r["date"]) for r in csv.DictReader(io.StringIO(result.stdout))}
    assert ("cumulative_decrease", "2020-02-10") in found
    assert ("identity_broken", "2020-02-15") in found


def test_skip_and_unknown_rules(tmp_path):
    rows = _clean()
    rows[14] = (*rows[14][:6], rows[14][6] + 7)
    result = _run(tmp_path, _series(rows), "--format", "csv", "--skip", "identity_broken")
    assert "identity_broken" not in result.stdout
    bad = _run(tmp_path, _series(rows), "--skip", "nonsense")
    assert bad.exit_code == 2 and "unknown rule" in bad.output


def test_a_malformed_file_is_a_row_level_error(tmp_path):
    result = _run(tmp_path, HEADER + "2020-02-01,4201,-5,1,0,0,1\n")
    assert result.exit_code == 2
    assert "row 2" in result.output and "negative" in result.output


def test_the_tree_is_read_from_code_prefixes():
    codes = ["4201", "420102", "420102002", "420103"]
    assert parents_by_prefix(codes).tolist() == [-1, 0, 1, 0]
