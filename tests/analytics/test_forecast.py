"""Renewal-equation forecasts and the naive baselines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.analytics.forecast import (
    Forecaster,
    LastValueForecaster,
    LogLinearTrendForecaster,
    MovingMeanForecaster,
    RenewalForecaster,
    check_random_state,
)
from warroom.analytics.rt import discretise_serial_interval


def renewal_series(r: float, days: int, seed_cases: float = 1e5) -> np.ndarray:
    w = discretise_serial_interval(days)
    y = np.zeros(days)
    y[0] = seed_cases
    for t in range(1, days):
        y[t] = r * (w[1 : t + 1][::-1] @ y[:t])
    return y


def test_renewal_mean_follows_the_renewal_equation() -> None:
    y = renewal_series(1.5, 50)
    model = RenewalForecaster(random_state=1).fit(y)
    assert abs(model.rt_shape_ * model.rt_scale_ - 1.5) < 1e-3
    fc = model.predict(3)
    w = discretise_serial_interval(53)
    expected_day1 = 1.5 * (w[1:51][::-1] @ y)
    assert abs(fc.mean[0] / expected_day1 - 1) < 5e-3
    # The deterministic continuation is inside the 90 % interval on every day.
    truth = renewal_series(1.5, 53)[50:]
    assert np.all((fc.quantile(0.05) <= truth * 1.01) & (truth * 0.99 <= fc.quantile(0.95)))


def test_random_state_makes_forecasts_reproducible() -> None:
    y = renewal_series(1.1, 40, seed_cases=50)
    a = RenewalForecaster(random_state=7).fit(y).predict(10)
    b = RenewalForecaster(random_state=7).fit(y).predict(10)
    c = RenewalForecaster(random_state=8).fit(y).predict(10)
    np.testing.assert_array_equal(a.quantiles, b.quantiles)
    assert not np.array_equal(a.mean, c.mean)
    assert isinstance(check_random_state(np.random.default_rng(1)), np.random.Generator)
    with pytest.raises(ValueError, match="random_state"):
        check_random_state("seed")  # type: ignore[arg-type]


def test_negative_binomial_noise_widens_the_intervals() -> None:
    y = np.round(renewal_series(1.0, 40, seed_cases=300))
    pois = RenewalForecaster(random_state=3).fit(y).predict(7)
    nb = RenewalForecaster(dispersion=2.0, random_state=3).fit(y).predict(7)
    width = lambda f: f.quantile(0.95) - f.quantile(0.05)  # noqa: E731
    assert np.all(width(nb) > width(pois))


def test_last_value_intervals_come_from_its_own_past_errors() -> None:
    y = np.arange(10, dtype=float)  # every h-day-ahead error of "last value" is +h
    fc = LastValueForecaster().fit(y).predict(2)
    np.testing.assert_array_equal(fc.mean, [9, 9])
    # Symmetrised errors: as many -h as +h, so q05 = q25 = 9 - h and q75 = q95 = 9 + h.
    np.testing.assert_allclose(fc.quantiles[0], [8, 8, 9, 10, 10])
    np.testing.assert_allclose(fc.quantiles[1], [7, 7, 9, 11, 11])


def test_moving_mean_and_trend_points() -> None:
    y = np.array([1, 2, 3, 4, 5, 6, 7, 8, 100.0])
    fc = MovingMeanForecaster(window=3).fit(y).predict(4)
    np.testing.assert_allclose(fc.mean, (7 + 8 + 100) / 3)
    growth = np.exp(0.2 * np.arange(30)) * 10 - 1
    trend = LogLinearTrendForecaster().fit(growth).predict(5)
    expected = np.exp(0.2 * np.arange(30, 35)) * 10 - 1
    np.testing.assert_allclose(trend.mean, expected, rtol=1e-9)
    np.testing.assert_allclose(trend.quantile(0.05), expected, rtol=1e-6)


@given(
    st.lists(st.integers(0, 3000), min_size=15, max_size=60),
    st.sampled_from(["renewal", "last", "mean", "trend"]),
)
@settings(max_examples=60, deadline=None)
def test_quantiles_are_ordered_and_non_negative(counts: list[int], kind: str) -> None:
    model: Forecaster = {
        "renewal": RenewalForecaster(n_samples=200, random_state=0),
        "last": LastValueForecaster(),
        "mean": MovingMeanForecaster(),
        "trend": LogLinearTrendForecaster(),
    }[kind]
    fc = model.fit(counts).predict(14)
    assert fc.quantiles.shape == (14, 5)
    assert np.all(np.diff(fc.quantiles, axis=1) >= 0)
    assert np.all(fc.quantiles >= 0) and np.all(fc.mean >= 0)


def test_contract_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        RenewalForecaster().predict(3)
    with pytest.raises(ValueError, match="missing day"):
        LastValueForecaster().fit([1, np.nan, 3])
    with pytest.raises(ValueError, match="horizon"):
        LastValueForecaster().fit([1, 2, 3]).predict(0)
    with pytest.raises(ValueError, match="at least 14"):
        LogLinearTrendForecaster().fit([1.0] * 5)
    with pytest.raises(ValueError, match="dispersion"):
        RenewalForecaster(dispersion=-1).fit([1.0] * 20)
    with pytest.raises(ValueError, match="quantile_levels"):
        LastValueForecaster().fit([1, 2, 3]).predict(2, (0.9, 0.1))
