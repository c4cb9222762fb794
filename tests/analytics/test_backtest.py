"""Rolling-origin backtests: MAE, relative MAE, coverage and WIS (Bracher et al. 2021)."""

from __future__ import annotations

from typing import Self

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from warroom.analytics.backtest import backtest, weighted_interval_score
from warroom.analytics.forecast import Forecast, LastValueForecaster, MovingMeanForecaster


class Oracle:
    """Knows the whole series: predicts the truth exactly (a test double)."""

    def __init__(self, series: np.ndarray) -> None:
        self.series = series

    def fit(self, history: ArrayLike) -> Self:
        self.n = len(np.asarray(history))
        return self

    def predict(self, horizon: int, quantile_levels: tuple[float, ...] = (0.5,)) -> Forecast:
        future = np.zeros(horizon)
        avail = self.series[self.n : self.n + horizon]
        future[: avail.size] = avail
        return Forecast(
            future, np.repeat(future[:, None], len(quantile_levels), 1), quantile_levels
        )


def test_wis_by_hand() -> None:
    # y = 10, median 8, 50 % [6, 9], 90 % [4, 12]:
    # IS_0.5 = 3 + (2/0.5)(10 - 9) = 7;  IS_0.1 = 8;  WIS = (1 + 0.25*7 + 0.05*8) / 2.5
    wis = weighted_interval_score(10, 8, [6, 4], [9, 12], (0.5, 0.1))
    assert wis == pytest.approx((1 + 0.25 * 7 + 0.05 * 8) / 2.5)


@given(
    st.floats(0, 1e4),
    st.lists(st.floats(0, 1e4), min_size=5, max_size=5).map(sorted),
)
@settings(max_examples=200, deadline=None)
def test_wis_is_the_mean_pinball_loss_identity(y: float, q: list[float]) -> None:
    # Bracher et al. (2021), eq. (3): WIS = sum_tau pinball_tau / (K + 1/2).
    levels = (0.05, 0.25, 0.5, 0.75, 0.95)
    pinball = sum((float(y <= qt) - tau) * (qt - y) for tau, qt in zip(levels, q, strict=True))
    wis = weighted_interval_score(y, q[2], [q[1], q[0]], [q[3], q[4]], (0.5, 0.1))
    assert float(wis) == pytest.approx(pinball / 2.5, rel=1e-9, abs=1e-9)


def test_last_value_on_a_straight_line_has_mae_h() -> None:
    y = np.arange(40, dtype=float)
    res = backtest(y, {"last": LastValueForecaster()}, baselines=("last",), max_horizon=5)
    np.testing.assert_allclose(res.mae[0], [1, 2, 3, 4, 5])
    np.testing.assert_allclose(res.relative_mae[0, 0], 1.0)
    np.testing.assert_array_equal(res.n_scored, [19, 18, 17, 16, 15])
    assert res.origins[0] == 20 and res.origins[-1] == 38


def test_an_oracle_scores_perfectly_and_beats_the_baselines() -> None:
    y = np.random.default_rng(5).poisson(50, 60).astype(float)
    models = {
        "oracle": Oracle(y),
        "last_value": LastValueForecaster(),
        "mean": MovingMeanForecaster(),
    }
    res = backtest(y, models, baselines=("last_value", "mean"))
    assert np.all(res.mae[0] == 0) and np.all(res.wis[0] == 0)
    assert np.all(res.coverage_50[0] == 1) and np.all(res.coverage_90[0] == 1)
    assert np.all(res.relative_mae[0] == 0)
    assert np.all(res.mae[1] > 0)


def test_default_forecasters_run_and_cover_reasonably() -> None:
    t = np.arange(90)
    y = (
        np.random.default_rng(2)
        .poisson(800 * np.exp(-0.5 * ((t - 45) / 12) ** 2) + 5)
        .astype(float)
    )
    res = backtest(y)
    assert res.names == ("published", "renewal", "last_value", "mean_7d", "loglinear_trend")
    assert res.mae.shape == (5, 14) and res.relative_mae.shape == (5, 3, 14)
    assert np.all((res.coverage_90 >= 0) & (res.coverage_90 <= 1))
    assert np.all(res.coverage_90 >= res.coverage_50)
    # One day ahead, the renewal model must beat the 7-day mean on a smooth epidemic.
    assert res.relative_mae[1, 1, 0] < 1
    # The published ensemble beats the 7-day mean at every horizon on a smooth epidemic.
    assert np.all(res.relative_mae[0, 1] < 1)


def test_a_missing_day_is_filled_for_fitting_and_never_scored() -> None:
    y = np.arange(40, dtype=float) + 10
    y[30] = np.nan
    res = backtest(
        y, {"last_value": LastValueForecaster()}, baselines=(), max_horizon=3, min_history=21
    )
    # origins 20..38; the day 30 is the target of 3 origins per horizon <= 3: not scored
    assert res.n_scored.tolist() == [18, 17, 16]
    # the filled history is the median of the 3 known days each side, so one step ahead
    # from day 30 (filled: 30 + 10) the error is 1, as on every other day
    np.testing.assert_allclose(res.mae[0, 0], 1.0)


def test_a_forecaster_predicting_nan_is_refused() -> None:
    class Broken:
        def fit(self, history):
            return self

        def predict(self, horizon, quantile_levels=(0.05, 0.25, 0.5, 0.75, 0.95)):
            q = np.full((horizon, len(quantile_levels)), np.nan)
            return Forecast(mean=q[:, 0], quantiles=q, quantile_levels=quantile_levels)

    with pytest.raises(ValueError, match="predicted NaN"):
        backtest(np.ones(30), {"broken": Broken()}, baselines=())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baselines": ("nope",)}, "baselines"),
        ({"max_horizon": 0}, "max_horizon"),
        ({"min_history": 50}, "at least min_history"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        backtest(np.ones(30), **kwargs)
