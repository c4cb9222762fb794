"""Short-term forecasts of daily new cases, with prediction intervals.

Every forecaster follows one contract, :class:`Forecaster` (scikit-learn style:
parameters stored as given in ``__init__``, ``fit(history)`` learns, ``predict(horizon)``
answers), so that :mod:`warroom.analytics.backtest` can score any of them the same way.

* :class:`RenewalForecaster` — the renewal equation (Fraser, PLoS One 2007; Cori et al.,
  Am J Epidemiol 2013): Rt is drawn from the gamma posterior of the *latest* window of
  :func:`warroom.analytics.rt.estimate_rt` (one draw per trajectory, held constant over
  the horizon, as R's ``projections`` package does), and each future day is drawn as
  ``I_t ~ Poisson(R Lambda_t)`` (or negative binomial with size ``k``), where
  ``Lambda_t = sum_s w_s I_{t-s}`` runs over observed and already simulated days.
* Baselines — :class:`LastValueForecaster` (tomorrow as today),
  :class:`MovingMeanForecaster` (the mean of the last 7 days) and
  :class:`LogLinearTrendForecaster` (a least-squares line through ``log(n + 1)`` over
  the last 14 days, extrapolated). Their point forecast is their mean and their
  median; their quantiles add to it the empirical quantiles of the method's own
  h-day-ahead errors over the last 28 origins of the history, symmetrised (each error
  also counted with the opposite sign), as the COVID-19 Forecast Hub's baseline does
  (Cramer et al., PNAS 2022); clipped at zero.

Histories must be complete (no NaN): a forecast over a missing day would have to guess
it. Callers cut the series after its last missing day.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol, Self, runtime_checkable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from warroom.analytics.parameters import (
    BASELINE_ERROR_DAYS,
    BASELINE_MEAN_DAYS,
    BASELINE_TREND_DAYS,
    FORECAST_NB_DISPERSION,
    FORECAST_QUANTILES,
    FORECAST_SAMPLES,
    RT_PRIOR_MEAN,
    RT_PRIOR_SD,
    RT_WINDOW_DAYS,
    SERIAL_INTERVAL_MEAN,
    SERIAL_INTERVAL_SD,
)
from warroom.analytics.rt import as_incidence, discretise_serial_interval, estimate_rt

FloatArray = NDArray[np.float64]
RandomState = int | np.random.Generator | None

__all__ = [
    "Forecast",
    "Forecaster",
    "LastValueForecaster",
    "LogLinearTrendForecaster",
    "MovingMeanForecaster",
    "RenewalForecaster",
    "check_random_state",
]


@dataclass(frozen=True, eq=False)
class Forecast:
    """Predictive distribution of the next ``horizon`` days (row ``h-1`` = day ``h`` ahead).

    Attributes
    ----------
    mean : ndarray of float, shape (horizon,)
    quantiles : ndarray of float, shape (horizon, len(quantile_levels))
        Non-decreasing along each row.
    quantile_levels : tuple of float
    """

    mean: FloatArray
    quantiles: FloatArray
    quantile_levels: tuple[float, ...]

    @property
    def horizon(self) -> int:
        return int(self.mean.size)

    def quantile(self, level: float) -> FloatArray:
        """The column of ``quantiles`` at ``level`` (one of ``quantile_levels``)."""
        for index, known in enumerate(self.quantile_levels):
            if abs(known - level) < 1e-12:
                column: FloatArray = self.quantiles[:, index]
                return column
        raise ValueError(f"level must be one of {self.quantile_levels}, got {level!r}")


@runtime_checkable
class Forecaster(Protocol):
    """Anything that learns from a daily history and predicts the following days."""

    def fit(self, history: ArrayLike) -> Self:
        """Learn from daily counts ``history`` (1-D, complete, counts >= 0); return self."""
        ...

    def predict(
        self, horizon: int, quantile_levels: tuple[float, ...] = FORECAST_QUANTILES
    ) -> Forecast:
        """Forecast days ``1 .. horizon`` after the last day of the fitted history."""
        ...


def check_random_state(random_state: RandomState) -> np.random.Generator:
    """A NumPy ``Generator`` from ``None`` (fresh entropy), a seed, or a ``Generator``."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        if isinstance(random_state, bool):
            raise ValueError(
                f"random_state must be None, an int or a Generator, got {random_state!r}"
            )
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise ValueError(f"random_state must be None, an int or a Generator, got {random_state!r}")


def _check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_levels(levels: tuple[float, ...]) -> tuple[float, ...]:
    out = tuple(float(q) for q in levels)
    if not out or any(not 0 < q < 1 for q in out) or list(out) != sorted(out):
        raise ValueError(
            f"quantile_levels must be increasing probabilities in (0, 1), got {levels!r}"
        )
    return out


class _NotFitted:
    def _history(self) -> FloatArray:
        history: FloatArray | None = getattr(self, "history_", None)
        if history is None:
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit(history)")
        return history


class _EmpiricalBaseline(_NotFitted, ABC):
    """A point method with intervals from its own past errors (see the module docstring)."""

    min_history = 1

    def __init__(self, *, error_days: int = BASELINE_ERROR_DAYS) -> None:
        self.error_days = error_days

    @abstractmethod
    def _points(self, y: FloatArray, horizon: int) -> FloatArray:
        """Point forecasts from every origin ``s`` (rows) for ``h = 1..horizon`` (columns).

        Rows for origins with too little history are NaN.
        """

    def fit(self, history: ArrayLike) -> Self:
        y = as_incidence(history, name="history")
        if y.size < self.min_history:
            raise ValueError(
                f"history must cover at least {self.min_history} days for "
                f"{type(self).__name__}, got {y.size}"
            )
        _check_int("error_days", self.error_days, 1)
        self.history_ = y
        return self

    def predict(
        self, horizon: int, quantile_levels: tuple[float, ...] = FORECAST_QUANTILES
    ) -> Forecast:
        y = self._history()
        horizon = _check_int("horizon", horizon, 1)
        levels = _check_levels(quantile_levels)
        points = self._points(y, horizon)
        n = y.size
        point = np.maximum(points[-1], 0.0)
        quantiles = np.empty((horizon, len(levels)))
        for h in range(1, horizon + 1):
            origins = np.arange(max(0, n - 1 - h - self.error_days + 1), n - h)
            errors = y[origins + h] - points[origins, h - 1]
            errors = errors[~np.isnan(errors)]
            errors = np.concatenate([errors, -errors])  # symmetric: the median is the point
            spread = np.quantile(errors, levels) if errors.size else np.zeros(len(levels))
            quantiles[h - 1] = point[h - 1] + spread
        return Forecast(mean=point, quantiles=np.maximum(quantiles, 0.0), quantile_levels=levels)


class LastValueForecaster(_EmpiricalBaseline):
    """Baseline: every future day equals the last observed day (the naive forecast)."""

    def _points(self, y: FloatArray, horizon: int) -> FloatArray:
        return np.repeat(y[:, None], horizon, axis=1)


class MovingMeanForecaster(_EmpiricalBaseline):
    """Baseline: every future day equals the mean of the last ``window`` days (7)."""

    def __init__(
        self, *, window: int = BASELINE_MEAN_DAYS, error_days: int = BASELINE_ERROR_DAYS
    ) -> None:
        super().__init__(error_days=error_days)
        self.window = window

    def fit(self, history: ArrayLike) -> Self:
        self.min_history = _check_int("window", self.window, 1)
        return super().fit(history)

    def _points(self, y: FloatArray, horizon: int) -> FloatArray:
        w = self.window
        means = np.full(y.size, np.nan)
        means[w - 1 :] = np.convolve(y, np.ones(w) / w, mode="valid")
        return np.repeat(means[:, None], horizon, axis=1)


class LogLinearTrendForecaster(_EmpiricalBaseline):
    """Baseline: a least-squares line through ``log(n + 1)`` of the last ``window`` days (14).

    The point forecast is ``exp(a + b h) - 1`` for ``h`` days ahead.
    """

    def __init__(
        self, *, window: int = BASELINE_TREND_DAYS, error_days: int = BASELINE_ERROR_DAYS
    ) -> None:
        super().__init__(error_days=error_days)
        self.window = window

    def fit(self, history: ArrayLike) -> Self:
        self.min_history = _check_int("window", self.window, 2)
        return super().fit(history)

    def _points(self, y: FloatArray, horizon: int) -> FloatArray:
        w = self.window
        logs = sliding_window_view(np.log(y + 1.0), w)  # (n - w + 1, w), last day at x = 0
        x = np.arange(-w + 1, 1, dtype=np.float64)
        xc = x - x.mean()
        slope = (logs @ xc) / float(xc @ xc)
        level = logs.mean(axis=1) - slope * x.mean()  # the fitted value at x = 0
        ahead = np.arange(1, horizon + 1, dtype=np.float64)
        points = np.full((y.size, horizon), np.nan)
        with np.errstate(over="ignore"):
            points[w - 1 :] = np.exp(level[:, None] + slope[:, None] * ahead[None, :]) - 1.0
        return points


class RenewalForecaster(_NotFitted):
    """Renewal-equation projections from the latest Rt posterior (see the module docstring).

    Parameters
    ----------
    window : int, default RT_WINDOW_DAYS
        Rt window (days) of :func:`~warroom.analytics.rt.estimate_rt`; the latest
        window ends on the last day of the history.
    si_mean, si_sd : float, default SERIAL_INTERVAL_MEAN, SERIAL_INTERVAL_SD
        Serial interval (days; Li et al., NEJM 2020).
    prior_mean, prior_sd : float, default RT_PRIOR_MEAN, RT_PRIOR_SD
        Gamma prior on Rt (EpiEstim defaults).
    n_samples : int, default FORECAST_SAMPLES
        Simulated trajectories.
    dispersion : float or None, default FORECAST_NB_DISPERSION
        Negative-binomial size ``k`` of the daily noise (variance ``mu + mu^2/k``);
        ``None`` for Poisson.
    random_state : None, int or numpy.random.Generator
        Source of the draws; an int gives the same forecast on every ``predict``.

    Attributes
    ----------
    history_ : ndarray
        The fitted history.
    rt_shape_, rt_scale_ : float
        Gamma posterior of Rt in the latest window.
    """

    def __init__(
        self,
        *,
        window: int = RT_WINDOW_DAYS,
        si_mean: float = SERIAL_INTERVAL_MEAN,
        si_sd: float = SERIAL_INTERVAL_SD,
        prior_mean: float = RT_PRIOR_MEAN,
        prior_sd: float = RT_PRIOR_SD,
        n_samples: int = FORECAST_SAMPLES,
        dispersion: float | None = FORECAST_NB_DISPERSION,
        random_state: RandomState = None,
    ) -> None:
        self.window = window
        self.si_mean = si_mean
        self.si_sd = si_sd
        self.prior_mean = prior_mean
        self.prior_sd = prior_sd
        self.n_samples = n_samples
        self.dispersion = dispersion
        self.random_state = random_state

    def fit(self, history: ArrayLike) -> Self:
        y = as_incidence(history, name="history")
        _check_int("n_samples", self.n_samples, 1)
        if self.dispersion is not None and not (
            np.isfinite(self.dispersion) and self.dispersion > 0
        ):
            raise ValueError(f"dispersion must be None or a number > 0, got {self.dispersion!r}")
        check_random_state(self.random_state)  # validate now, draw in predict
        est = estimate_rt(
            y,
            window=self.window,
            si_mean=self.si_mean,
            si_sd=self.si_sd,
            prior_mean=self.prior_mean,
            prior_sd=self.prior_sd,
        )
        self.history_ = y
        self.rt_shape_ = float(est.shape[-1])
        self.rt_scale_ = float(est.scale[-1])
        return self

    def sample(self, horizon: int) -> FloatArray:
        """Simulated trajectories, shape ``(n_samples, horizon)``."""
        y = self._history()
        horizon = _check_int("horizon", horizon, 1)
        rng = check_random_state(self.random_state)
        n = y.size
        w = discretise_serial_interval(n + horizon, mean=self.si_mean, sd=self.si_sd)
        # Infectivity of future day n+j from the observed days: sum_{i<n} w_{n+j-i} y_i.
        observed = np.array([w[j + 1 : j + 1 + n][::-1] @ y for j in range(horizon)])
        r = rng.gamma(self.rt_shape_, self.rt_scale_, size=self.n_samples)
        sims = np.zeros((self.n_samples, horizon))
        for j in range(horizon):
            lam = (
                observed[j] + sims[:, :j] @ w[j:0:-1] if j else np.full(self.n_samples, observed[0])
            )
            mu = r * lam
            if self.dispersion is None:
                sims[:, j] = rng.poisson(mu)
            else:
                k = float(self.dispersion)
                sims[:, j] = rng.negative_binomial(k, k / (k + mu))
        return sims

    def predict(
        self, horizon: int, quantile_levels: tuple[float, ...] = FORECAST_QUANTILES
    ) -> Forecast:
        levels = _check_levels(quantile_levels)
        sims = self.sample(horizon)
        return Forecast(
            mean=sims.mean(axis=0),
            quantiles=np.quantile(sims, levels, axis=0).T,
            quantile_levels=levels,
        )
