"""The published forecast against the baselines on twin series with real artefacts.

DESIGN §3.4: the forecast the platform publishes must beat the last-value and 7-day-mean
baselines in a rolling-origin backtest on series with one-day reclassification jumps,
backlog days, weekend dips and missing days. The series are the digital twin's (several
outbreak seeds) with artefacts planted by :mod:`warroom.twin.artefacts`.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from warroom.analytics.backtest import backtest, forecast_skill
from warroom.analytics.forecast import (
    EnsembleForecaster,
    LastValueForecaster,
    MovingMeanForecaster,
    clean_spikes,
    fill_missing,
)
from warroom.twin.artefacts import daily_csv, plant_artefacts

SEEDS = (1, 2, 3, 4, 5)
HORIZONS = (1, 7, 14)
START = dt.date(2020, 1, 1)


@cache
def twin_series(seed: int) -> np.ndarray:
    from warroom.twin.runner import run_scenario
    from warroom.twin.scenario import load_scenario

    scenario = load_scenario("wuhan-2020").with_overrides(scale=0.1, seed=seed)
    return run_scenario(scenario).series.new_confirmed.astype(float)


@cache
def scores(seed: int) -> np.ndarray:
    """Relative MAE (baseline, horizon 1/7/14) of the published forecast on one series."""
    planted = plant_artefacts(twin_series(seed), START, seed)
    res = backtest(
        planted.counts,
        {
            "published": EnsembleForecaster(),
            "last_value": LastValueForecaster(),
            "mean_7d": MovingMeanForecaster(),
        },
        baselines=("last_value", "mean_7d"),
    )
    return res.relative_mae[0][:, [h - 1 for h in HORIZONS]]


def test_the_planted_artefacts_are_there() -> None:
    raw = twin_series(1)
    planted = plant_artefacts(raw, START, 1)
    jump = planted.reclassification_day
    around = np.r_[planted.counts[jump - 3 : jump], planted.counts[jump + 1 : jump + 4]]
    assert planted.counts[jump] >= 5.5 * np.nanmedian(around)
    assert np.isnan(planted.counts[planted.missing_day])
    saturdays = [i for i in range(raw.size) if (START + dt.timedelta(days=i)).weekday() == 5]
    assert sum(planted.counts[i] < raw[i] for i in saturdays if raw[i] > 20) >= 3
    # weekend and backlog cases are moved, not invented: only the jump adds cases
    added = np.nansum(planted.counts) - raw.sum() + np.nan_to_num(raw[planted.missing_day])
    assert added == pytest.approx(planted.counts[jump] - raw[jump], abs=2 * raw.max())


def test_a_reclassification_jump_is_a_level_shift_not_growth() -> None:
    raw = twin_series(2)
    planted = plant_artefacts(raw, START, 2)
    jump = planted.reclassification_day
    y = fill_missing(planted.counts)
    cleaned = clean_spikes(y)
    assert cleaned[jump] < y[jump] / 3
    # the day after the jump, the forecast does not extrapolate it
    model = EnsembleForecaster().fit(y[: jump + 2])
    median = model.predict(14).quantile(0.5)
    assert median.max() < y[jump] / 2
    # the naive forecast from the jump day repeats the spike: ours stays near the level
    level = np.median(y[jump - 7 : jump])
    on_the_day = EnsembleForecaster().fit(y[: jump + 1]).predict(7).quantile(0.5)
    assert on_the_day.max() < 3 * level + 10


@pytest.mark.parametrize("seed", SEEDS)
def test_the_published_forecast_beats_both_baselines_at_1_7_and_14_days(seed: int) -> None:
    # Relative MAE < 1 against tomorrow = today and against the 7-day mean, per seed. The
    # margin against tomorrow = today is thin at 7 and 14 days on the twin's steep decline
    # after the peak; the 75-series sweep (bench/bench_forecast_sweep.py, docs/situation.md
    # "Measured backtest") has its worst ratio at 0.995.
    relative = scores(seed)
    assert np.all(relative < 1), relative


def test_the_skill_of_a_forecaster_against_the_baselines() -> None:
    y = fill_missing(plant_artefacts(twin_series(1), START, 1).counts)
    skill = forecast_skill(y, LastValueForecaster())
    assert skill is not None and skill.baselines == ("last_value", "mean_7d")
    np.testing.assert_allclose(skill.relative_mae[0], 1.0)  # itself
    assert skill.at(7, "last_value") == pytest.approx(1.0)
    assert forecast_skill(y[:15], LastValueForecaster()) is None  # too short


def test_warroom_analyze_backtest_prints_the_relative_mae_per_horizon(tmp_path) -> None:
    from warroom.series.cli import app

    planted = plant_artefacts(twin_series(3), START, 3)
    path = tmp_path / "planted.csv"
    path.write_text(daily_csv(planted.counts, START, "4201"), encoding="utf-8")
    result = CliRunner().invoke(app, ["backtest", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    body = json.loads(result.stdout)
    assert body["missing_days"] == 1
    expected = scores(3)
    for j, h in enumerate(HORIZONS):
        for b, name in enumerate(("last_value", "mean_7d")):
            assert body[f"published_h{h}_vs_{name}"] == pytest.approx(expected[b, j], abs=1e-3)
    rows = [r for r in body["rows"] if r["forecaster"] == "published"]
    assert [r["horizon"] for r in rows] == list(range(1, 15))


HUBEI = Path(__file__).resolve().parents[2] / "docs" / "data" / "hubei-jhu-csse-2020.csv"


def test_the_published_forecast_beats_both_baselines_on_hubeis_published_series() -> None:
    # A real published series (JHU CSSE, CC BY 4.0): days not updated, the 13 February
    # reclassification (14,840 cases after a day of 0), the decline.
    rows = list(csv.DictReader(HUBEI.open(encoding="utf-8")))
    counts = np.array([float(r["new_confirmed"]) if r["new_confirmed"] else np.nan for r in rows])
    assert counts.size == 46 and np.nanmax(counts) == 14840
    res = backtest(
        counts,
        {
            "published": EnsembleForecaster(),
            "last_value": LastValueForecaster(),
            "mean_7d": MovingMeanForecaster(),
        },
        baselines=("last_value", "mean_7d"),
    )
    relative = res.relative_mae[0][:, [h - 1 for h in HORIZONS]]
    assert np.all(relative < 1), relative


def test_the_skill_refits_only_new_origins_and_equals_a_cold_computation() -> None:
    from warroom.analytics import backtest as bt

    y = plant_artefacts(twin_series(2), START, 2).counts
    bt._MEDIAN_CACHE.clear()
    cold = [forecast_skill(y[:n], EnsembleForecaster()) for n in (60, 61, 70)]
    size = len(bt._MEDIAN_CACHE)
    again = [forecast_skill(y[:n], EnsembleForecaster()) for n in (60, 61, 70)]
    assert len(bt._MEDIAN_CACHE) == size  # nothing refitted
    for a, b in zip(cold, again, strict=True):
        assert a is not None and b is not None
        np.testing.assert_array_equal(a.relative_mae, b.relative_mae)
    bt._MEDIAN_CACHE.clear()
    fresh = forecast_skill(y[:70], EnsembleForecaster())
    assert fresh is not None
    np.testing.assert_array_equal(fresh.relative_mae, cold[2].relative_mae)


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 5000), min_size=30, max_size=70),
    extra=st.lists(st.integers(0, 5000), min_size=1, max_size=10),
)
def test_a_past_origins_forecast_does_not_depend_on_later_days(
    counts: list[int], extra: list[int]
) -> None:
    # The skill's origins see only their own past (a missing day filled from the days
    # before it): appending days changes only which targets are scored.
    from warroom.analytics import backtest as bt

    y = np.array(counts, dtype=float)
    origin = len(counts) - 1
    first = bt._median_from(EnsembleForecaster(), fill_missing(y), 14)
    longer = np.r_[y, np.array(extra, dtype=float)]
    again = bt._median_from(EnsembleForecaster(), fill_missing(longer[: origin + 1]), 14)
    np.testing.assert_array_equal(first, again)
    fitted = EnsembleForecaster().fit(fill_missing(y))
    np.testing.assert_allclose(fitted.point_forecast(14), fitted.predict(14).quantile(0.5))
    assert np.all(fitted.point_forecast(14) >= 0)


@settings(max_examples=40, deadline=None)
@given(
    raw=st.lists(st.floats(0, 10), min_size=6, max_size=6).filter(lambda r: sum(r) > 0),
    horizons=st.integers(1, 14),
    naive=st.floats(0, 1),
)
def test_shrinking_toward_the_naive_forecast_keeps_weights_and_the_first_day(
    raw: list[float], horizons: int, naive: float
) -> None:
    from warroom.analytics.forecast import shrink_to_naive

    row = np.array(raw) / sum(raw)
    weights = np.tile(row, (horizons, 1))
    out = shrink_to_naive(weights, naive)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert np.all(out >= 0)
    np.testing.assert_array_equal(out[0], weights[0])  # 1 day ahead: the learnt weights
    assert np.all(out[1:, 0] >= naive - 1e-12)


@settings(max_examples=25, deadline=None)
@given(counts=st.lists(st.integers(0, 3000), min_size=25, max_size=60))
def test_the_published_weights_are_a_shrunk_convex_combination(counts: list[int]) -> None:
    # Invariants of the per-horizon choice: the weights of every horizon are convex, from
    # 2 days ahead at least ENSEMBLE_NAIVE_WEIGHT stays on the anchor (the last value
    # carried along the series' own decline), and with all the weight on it the published
    # forecast is the (spike-guarded) last value or, in a decline, below it and falling:
    # it never extrapolates a rise.
    from warroom.analytics.forecast import ANCHOR_MEMBER, POOL_NAMES
    from warroom.analytics.parameters import ENSEMBLE_NAIVE_WEIGHT

    assert POOL_NAMES[ANCHOR_MEMBER] == "last_value_decline"
    y = np.array(counts, dtype=float)
    model = EnsembleForecaster().fit(y)
    w = model.weights_
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.all(w >= 0)
    assert np.all(w[1:, ANCHOR_MEMBER] >= ENSEMBLE_NAIVE_WEIGHT - 1e-12)
    fitted = EnsembleForecaster(naive_weight=1.0).fit(y)
    anchor = fitted.point_forecast(14)
    origin = np.array([y.size - 1], dtype=np.int64)
    last = fitted._pool(y, fitted.cleaned_, origin, 14)[0, 0, 0]  # the guarded last value
    assert last <= y[-1]  # the guard only ever lowers a spike on the origin day
    assert np.all(anchor[1:] <= last + 1e-9)  # never above the guarded last value
    assert np.all(np.diff(anchor[1:]) <= 1e-9)  # and falling, if at all
    with pytest.raises(ValueError):
        EnsembleForecaster(naive_weight=1.5).fit(y)


@settings(max_examples=25, deadline=None)
@given(
    start=st.integers(200, 5000),
    rate=st.floats(0.80, 0.97),
    flat=st.integers(0, 3000),
    days=st.integers(30, 60),
)
def test_the_anchor_leads_the_naive_forecast_in_a_decline_and_is_it_on_a_plateau(
    start: int, rate: float, flat: int, days: int
) -> None:
    # The anchor is tomorrow = today moved along the series' own weekly decline: in a
    # steady decline it is below the last value from 2 days ahead and falls with the
    # horizon; on a plateau (or a rise) it is exactly the last value.
    t = np.arange(days, dtype=float)
    falling = np.round(start * rate**t)
    anchor = EnsembleForecaster(naive_weight=1.0).fit(falling).point_forecast(14)
    if falling[-14] > falling[-1] + 14:  # the weekly sums fell
        assert anchor[1] < falling[-1] and anchor[13] < anchor[1]
    plateau = np.full(days, float(flat))
    same = EnsembleForecaster(naive_weight=1.0).fit(plateau).point_forecast(14)
    np.testing.assert_allclose(same, flat)
    rising = np.round(10 * (2 - rate) ** t)
    up = EnsembleForecaster(naive_weight=1.0).fit(rising).point_forecast(14)
    np.testing.assert_allclose(up[1:], rising[-1])
