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
    DIP_MIN_LEVEL,
    ENSEMBLE_ERROR_DAYS,
    ENSEMBLE_KEEP_RATIO,
    ENSEMBLE_NAIVE_WEIGHT,
    FILL_DAYS,
    FORECAST_HORIZON_DAYS,
    FORECAST_NB_DISPERSION,
    FORECAST_QUANTILES,
    FORECAST_SAMPLES,
    LEVEL_FIT_DAYS,
    LEVEL_LAST_WEIGHT,
    RT_PRIOR_MEAN,
    RT_PRIOR_SD,
    RT_WINDOW_DAYS,
    SERIAL_INTERVAL_MEAN,
    SERIAL_INTERVAL_SD,
    SPIKE_AFTER_DAYS,
    SPIKE_BEFORE_DAYS,
    SPIKE_FACTOR,
    SPIKE_LAST_FACTOR,
    SPIKE_NOISE_Z,
    TREND_DAMPING,
    TREND_MAX_SLOPE,
    WEEKDAY_MAX_FACTOR,
    WEEKDAY_MIN_LEVEL,
    WEEKDAY_WEEKS,
    WEEKLY_TREND_DAMPING_DOWN,
    WEEKLY_TREND_DAMPING_UP,
    WEEKLY_TREND_MAX_SLOPE,
)
from warroom.analytics.rt import as_incidence, discretise_serial_interval, estimate_rt

FloatArray = NDArray[np.float64]
RandomState = int | np.random.Generator | None

__all__ = [
    "POOL_NAMES",
    "EnsembleForecaster",
    "Forecast",
    "ForecastSkill",
    "Forecaster",
    "LastValueForecaster",
    "LogLinearTrendForecaster",
    "MovingMeanForecaster",
    "RenewalForecaster",
    "check_random_state",
    "clean_spikes",
    "fill_missing",
    "shrink_to_naive",
    "weekday_factors",
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


# --- the published forecast: robust members, weighted by their own recent errors ---------


def fill_missing(series: ArrayLike, *, name: str = "series") -> FloatArray:
    """Daily counts with each missing day (NaN) filled by the median of the known days within
    ``FILL_DAYS`` on either side (the nearest known day if none), for fitting only: a
    filled day is never scored as an observation. A median, not an interpolation, so that
    a spike next to the gap is not copied into it. Raises ``ValueError`` if no day is
    known."""
    y = np.asarray(series, dtype=np.float64)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {y.shape}")
    known = ~np.isnan(y)
    if not known.any():
        raise ValueError(f"{name} has no known day")
    out = y.copy()
    for t in np.flatnonzero(~known):
        near = y[max(0, t - FILL_DAYS) : t + FILL_DAYS + 1]
        near = near[~np.isnan(near)]
        if near.size:
            out[t] = float(np.median(near))
        else:
            days = np.flatnonzero(known)
            out[t] = y[days[np.argmin(np.abs(days - t))]]
    as_incidence(out, name=name)
    return out


def clean_spikes(
    history: ArrayLike,
    *,
    factor: float = SPIKE_FACTOR,
    noise_z: float = SPIKE_NOISE_Z,
    before: int = SPIKE_BEFORE_DAYS,
    after: int = SPIKE_AFTER_DAYS,
    dip_min_level: float = DIP_MIN_LEVEL,
) -> FloatArray:
    """The history with isolated spikes and dips replaced by the local level (Hampel 1974).

    Day ``t`` is a spike when it exceeds ``factor`` times the larger of the medians of the
    ``before`` days before it and the ``after`` days after it, plus ``noise_z`` Poisson
    standard deviations; a dip when it is below ``1/factor`` of the smaller one (which must
    be at least ``dip_min_level``). Either is replaced by the median of those neighbours:
    a one-day reclassification jump or a backlog day is a level shift of the cumulative
    count, not growth, and a forecast must not extrapolate it. Only raw values are
    compared (no cascade), and the last ``after`` days are kept as reported (nothing
    after them yet), so the cleaned prefix of a longer series equals the cleaned shorter
    series except on its last ``after`` days.
    """
    y = as_incidence(history, name="history")
    n = y.size
    out = y.copy()
    if n < before + after + 4:
        return out
    days = np.arange(before, n - after)  # days with a full neighbourhood on both sides
    ahead = sliding_window_view(y, after)[days + 1]
    behind = sliding_window_view(y, before)[days - before]
    b, a = np.median(behind, axis=1), np.median(ahead, axis=1)
    high, low = np.maximum(a, b), np.minimum(a, b)
    value = y[days]
    spike = value > factor * high + noise_z * np.sqrt(high + 1.0)
    dip = (low >= dip_min_level) & (value < low / factor)
    flagged = spike | dip
    if flagged.any():
        both = np.concatenate([behind[flagged], ahead[flagged]], axis=1)
        out[days[flagged]] = np.median(both, axis=1)
    return out


def weekday_factors(
    history: ArrayLike,
    *,
    weeks: int = WEEKDAY_WEEKS,
    min_level: float = WEEKDAY_MIN_LEVEL,
) -> FloatArray:
    """Multiplicative day-of-week factors ``f[t % 7]`` (geometric mean 1) of a daily series.

    Each day's ratio to its centred 7-day mean, over the last ``weeks`` weeks, median per
    weekday (days whose 7-day mean is below ``min_level`` are left out); a weekday with
    fewer than two ratios keeps factor 1. Index ``t % 7`` with ``t`` the 0-based day.
    """
    y = as_incidence(history, name="history")
    n = y.size
    factors = np.ones(7)
    if n < 21:
        return factors
    means = np.convolve(y, np.ones(7) / 7.0, mode="valid")  # centred on days 3 .. n-4
    days = np.arange(3, n - 3)
    usable = (means >= min_level) & (days >= n - 3 - 7 * weeks)
    if usable.sum() < 21:  # three weeks of ratios at least
        return factors
    ratio = np.where(usable, y[days] / np.maximum(means, 1e-12), np.nan)
    span = 7 * weeks
    grid = np.full(span + 7, np.nan)  # pad so that every weekday has a column
    tail_days, tail_ratio = days[-span:], ratio[-span:]
    grid[: tail_ratio.size] = tail_ratio
    weekday = np.full(span + 7, -1)
    weekday[: tail_days.size] = tail_days % 7
    for d in range(7):
        values = grid[(weekday == d) & ~np.isnan(grid)]
        if values.size >= 2:
            factors[d] = float(
                np.clip(np.median(values), 1.0 / WEEKDAY_MAX_FACTOR, WEEKDAY_MAX_FACTOR)
            )
    out: FloatArray = factors / np.exp(np.mean(np.log(factors)))
    return out


def _theil_sen_levels(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per row, the level at the last column and the daily slope of a median line (Theil
    1950, Sen 1968) through ``log(values + 1)``."""
    logs = np.log(values + 1.0)
    width = logs.shape[1]
    x = np.arange(-width + 1, 1, dtype=np.float64)
    if width < 3:
        out: FloatArray = values[:, -1].copy()
        return out, np.zeros(values.shape[0])
    i, j = np.triu_indices(width, 1)
    slope: FloatArray = np.median((logs[:, j] - logs[:, i]) / (x[j] - x[i]), axis=1)
    levels: FloatArray = np.exp(np.median(logs - slope[:, None] * x[None, :], axis=1)) - 1.0
    return levels, slope


@dataclass(frozen=True, eq=False)
class ForecastSkill:
    """Measured skill of a forecaster: rolling-origin MAE relative to the baselines.

    Attributes
    ----------
    horizons : ndarray of int, shape (H,)
    baselines : tuple of str
        ``("last_value", "mean_7d")``.
    relative_mae : ndarray of float, shape (len(baselines), H)
        MAE of the forecaster's median over the baseline's, same origins (< 1: better);
        NaN where nothing could be scored or the baseline's MAE is 0.
    n_scored : ndarray of int, shape (H,)
        Forecasts scored at each horizon.
    """

    horizons: NDArray[np.int64]
    baselines: tuple[str, ...]
    relative_mae: FloatArray
    n_scored: NDArray[np.int64]

    def at(self, horizon: int, baseline: str = "last_value") -> float:
        """Relative MAE at ``horizon`` days against ``baseline`` (NaN when unmeasured)."""
        hits = np.flatnonzero(self.horizons == horizon)
        if not hits.size or baseline not in self.baselines:
            return float("nan")
        return float(self.relative_mae[self.baselines.index(baseline), int(hits[0])])


def shrink_to_naive(
    weights: ArrayLike, naive_weight: float, anchor: ArrayLike | None = None
) -> FloatArray:
    """Per-horizon weights (rows: horizons 1..H, columns: ``POOL_NAMES``) shrunk toward
    an anchor member: from 2 days ahead, ``naive_weight`` of each row moves to the column
    ``anchor[h]`` (default 0, tomorrow = today; the published forecast anchors on
    ``last_value_decline``, the last value carried along the series' own decline); the
    1-day row is kept (its weights are the freshest). Rows still sum to 1 and stay
    non-negative.

    Why: the weights are learnt from errors whose targets are ``h`` days old, so at 7 and
    14 days they describe the epidemic of one or two weeks ago; after a turn (a steep
    decline) the last value is the least lagged member. Half the weight on it keeps the
    combination close to the naive forecast where the other members have no proven
    edge, and the combination of two forecasts whose errors are not the same is better
    than their mean error (Bates & Granger 1969)."""
    w = np.array(weights, dtype=np.float64)
    out: FloatArray = w.copy()
    column = np.zeros(w.shape[0], dtype=np.int64) if anchor is None else np.asarray(anchor)
    out[1:] *= 1.0 - naive_weight
    out[np.arange(1, w.shape[0]), column[1:]] += naive_weight
    return out


POOL_NAMES: tuple[str, ...] = (
    "last_value",
    "mean_7d",
    "robust_level",
    "robust_weekly",
    "robust_trend",
    "weekly_trend",
    "last_value_decline",
)
ANCHOR_MEMBER = POOL_NAMES.index("last_value_decline")  # what shrink_to_naive moves weight to


class EnsembleForecaster(_NotFitted):
    """The forecast warroom publishes: a pool weighted per horizon by its recent errors.

    The pool (``POOL_NAMES``): the two baselines on the history as reported
    (:class:`LastValueForecaster`, :class:`MovingMeanForecaster`), and members on the
    history cleaned of isolated spikes and dips (:func:`clean_spikes`): a robust level
    (the mean of the cleaned last day and a Theil-Sen level of the last
    ``LEVEL_FIT_DAYS`` days, held flat), the same on the series divided by its weekday
    factors (:func:`weekday_factors`) and multiplied back, the robust level with its
    Theil-Sen slope, damped (Gardner & McKenzie 1985), the weekly-sum trend
    (``_weekly_trend``) and the anchor ``last_value_decline`` (below). At ``fit`` every
    member forecasts from each of the last ``error_days`` origins inside the history;
    per horizon, members whose MAE exceeds ``keep_ratio`` times the best are dropped and
    the others weighted by ``1/MAE^2`` (Bates & Granger 1969): a member without skill
    falls back to the others, the baselines included. The errors are measured against
    the cleaned series (a robust loss: a spike no member could foresee does not decide
    the weights), and from 2 days ahead the weights are shrunk toward the naive member
    by ``naive_weight`` (:func:`shrink_to_naive`), to the anchor ``last_value_decline``:
    the (guarded) last value times the weekly trend's damped growth factor when that
    factor is below 1, the last value itself otherwise. In a decline it leads the
    naive forecast (the weekly sums have already turned down when the last day is still
    high); in a rise or a plateau it is the naive forecast, since a rise ends at a peak
    nobody sees coming (the weekly trend's own asymmetric damping). No parameter of its
    own: the weekly trend's rate, cap and damping. Only a spike on the origin day is
    guarded (replaced by the week's median); a low last day is kept as the level.
    Quantiles: the point plus the empirical quantiles of the ensemble's own past errors at
    that horizon, symmetrised, clipped at zero (as the baselines').

    Parameters
    ----------
    error_days : int, default ENSEMBLE_ERROR_DAYS
    keep_ratio : float, default ENSEMBLE_KEEP_RATIO
    max_horizon : int, default FORECAST_HORIZON_DAYS
        Longest horizon the weights are learnt for (``predict`` may not exceed it).
    naive_weight : float in [0, 1], default ENSEMBLE_NAIVE_WEIGHT
        Share of each horizon's weight (from 2 days ahead) moved to the naive member.

    Attributes
    ----------
    weights_ : ndarray, shape (max_horizon, len(POOL_NAMES))
        Weight of each member per horizon (rows sum to 1).
    member_mae_ : ndarray, shape (max_horizon, len(POOL_NAMES))
        Recent MAE of each member per horizon (NaN: not scored).
    """

    def __init__(
        self,
        *,
        error_days: int = ENSEMBLE_ERROR_DAYS,
        keep_ratio: float = ENSEMBLE_KEEP_RATIO,
        max_horizon: int = FORECAST_HORIZON_DAYS,
        naive_weight: float = ENSEMBLE_NAIVE_WEIGHT,
    ) -> None:
        self.error_days = error_days
        self.keep_ratio = keep_ratio
        self.max_horizon = max_horizon
        self.naive_weight = naive_weight

    def _pool(
        self, y: FloatArray, cleaned: FloatArray, origins: NDArray[np.int64], horizon: int
    ) -> FloatArray:
        """Point forecasts of every pool member from each origin: (origins, members, horizon).

        Vectorised over the origins. At origin ``s`` the history is ``y[:s+1]``, cleaned
        except on its last ``SPIKE_AFTER_DAYS`` days (not yet known to be isolated), the
        last day guarded by :func:`_guard_last_day`. The weekday factors are the fit's
        (from the whole history; inside the history they only weight the members).
        """
        n_orig = origins.size
        members = np.zeros((n_orig, len(POOL_NAMES), horizon))
        steps = np.arange(1, horizon + 1)
        span = LEVEL_FIT_DAYS
        pad = span + 1  # days before day 0 are taken as 0 cases
        yp = np.r_[np.zeros(pad), y]
        cp = np.r_[np.zeros(pad), cleaned]
        at = origins + pad  # index of the origin in the padded arrays
        # the last span + 1 days of each origin's history, as that origin saw them
        window = sliding_window_view(cp, span + 1)[at - span].copy()
        keep_raw = min(SPIKE_AFTER_DAYS, span + 1)
        window[:, -keep_raw:] = sliding_window_view(yp, keep_raw)[at - keep_raw + 1]
        before = window[:, :-1]
        previous = before[:, -1]
        week = np.median(before, axis=1)
        high = np.maximum(previous, week)
        last = window[:, -1]
        spike = last > SPIKE_LAST_FACTOR * high + SPIKE_NOISE_Z * np.sqrt(high + 1.0)
        # Only a spike on the origin day is guarded (an observed spike is data, not growth);
        # a low last day is kept: in a steep decline it is the new level more often than a
        # backlog day (the twin backtests: keeping it lowered the worst 7-day ratio against
        # tomorrow = today from 1.13 to 1.08).
        last = np.where(spike, week, last)
        window[:, -1] = last
        # The baselines in the pool see the same guarded history as the other members: a
        # spike on the origin day is not repeated by "tomorrow = today" either (the
        # backtest still scores against the raw baselines).
        members[:, 0, :] = last[:, None]
        mean_days = min(BASELINE_MEAN_DAYS, span + 1)
        counted = np.minimum(origins + 1, mean_days)
        members[:, 1, :] = (window[:, -mean_days:].sum(axis=1) / counted)[:, None]
        fit_days = window[:, 1:]  # the last LEVEL_FIT_DAYS days
        level, slope = _theil_sen_levels(fit_days)
        base = LEVEL_LAST_WEIGHT * last + (1 - LEVEL_LAST_WEIGHT) * level
        members[:, 2, :] = base[:, None]
        damped = np.cumsum(TREND_DAMPING**steps)
        members[:, 4, :] = (base[:, None] + 1.0) * np.exp(
            np.clip(slope, -TREND_MAX_SLOPE, TREND_MAX_SLOPE)[:, None] * damped[None, :]
        ) - 1.0
        factors = self.weekday_factors_
        days = origins[:, None] + np.arange(-span + 1, 1)[None, :]
        deseasonal = fit_days / factors[days % 7]
        level, _ = _theil_sen_levels(deseasonal)
        flat = LEVEL_LAST_WEIGHT * deseasonal[:, -1] + (1 - LEVEL_LAST_WEIGHT) * level
        members[:, 3, :] = flat[:, None] * factors[(origins[:, None] + steps[None, :]) % 7]
        members[:, 5, :], drift = self._weekly_trend(y, cleaned, origins, last, horizon)
        members[:, 6, :] = last[:, None] * np.minimum(drift, 1.0)
        out: FloatArray = np.maximum(members, 0.0)
        return out

    def _weekly_trend(
        self,
        y: FloatArray,
        cleaned: FloatArray,
        origins: NDArray[np.int64],
        last: FloatArray,
        horizon: int,
    ) -> tuple[FloatArray, FloatArray]:
        """The weekly-sum trend: the level is the mean of the last 7 cleaned days (the
        weekday effect sums out over a week), moved from its centre (3 days back) to the
        origin by the growth rate, the growth rate is the log ratio of the last 7 days' sum
        to the 7 before, damped; times the weekday factor of the target day. Returns the
        member's points and the damped growth factor per origin and horizon (the anchor
        ``last_value_decline`` reads it)."""
        pad = 15
        keep_raw = SPIKE_AFTER_DAYS
        cp = np.r_[np.zeros(pad), cleaned]
        yp = np.r_[np.zeros(pad), y]
        at = origins + pad
        window = sliding_window_view(cp, 14)[at - 13].copy()
        window[:, -keep_raw:] = sliding_window_view(yp, keep_raw)[at - keep_raw + 1]
        window[:, -1] = last
        days = origins[:, None] + np.arange(-13, 1)[None, :]
        window = window / self.weekday_factors_[days % 7]
        recent = 7.0 * np.median(window[:, 7:], axis=1)
        before = 7.0 * np.median(window[:, :7], axis=1)
        slope = np.clip(
            (np.log(recent + 7.0) - np.log(before + 7.0)) / 7.0,
            -WEEKLY_TREND_MAX_SLOPE,
            WEEKLY_TREND_MAX_SLOPE,
        )
        level = recent / 7.0 * np.exp(3.0 * np.minimum(slope, 0.0))
        steps = np.arange(1, horizon + 1)
        rate = np.where(slope > 0, WEEKLY_TREND_DAMPING_UP, WEEKLY_TREND_DAMPING_DOWN)
        damped = np.cumsum(rate[:, None] ** steps[None, :], axis=1)
        factors = self.weekday_factors_
        drift: FloatArray = np.exp(slope[:, None] * damped)
        out: FloatArray = level[:, None] * drift * factors[(origins[:, None] + steps[None, :]) % 7]
        return out, drift

    def fit(self, history: ArrayLike) -> Self:
        y = as_incidence(history, name="history")
        error_days = _check_int("error_days", self.error_days, 1)
        horizon = _check_int("max_horizon", self.max_horizon, 1)
        keep = float(self.keep_ratio)
        if not np.isfinite(keep) or keep < 1:
            raise ValueError(f"keep_ratio must be a number >= 1, got {self.keep_ratio!r}")
        naive = float(self.naive_weight)
        if not 0 <= naive <= 1:
            raise ValueError(f"naive_weight must be in [0, 1], got {self.naive_weight!r}")
        n = y.size
        cleaned = clean_spikes(y)
        self.weekday_factors_ = weekday_factors(cleaned)
        first = max(0, n - 1 - horizon - error_days + 1)
        origins = np.arange(first, n - 1, dtype=np.int64)
        points = self._pool(y, cleaned, origins, horizon)
        steps = np.arange(1, horizon + 1)
        target_day = origins[:, None] + steps[None, :]  # (O, H)
        scored = target_day <= n - 1
        # only the last error_days origins that have a target, per horizon
        rank = np.cumsum(scored[::-1], axis=0)[::-1]
        scored &= rank <= error_days
        targets = np.where(scored, y[np.minimum(target_day, n - 1)], np.nan)
        # Robust loss: the members are scored against the series cleaned of isolated spikes
        # (clean_spikes): a reclassification jump no member could foresee does not decide
        # the weights.
        robust = np.where(scored, cleaned[np.minimum(target_day, n - 1)], np.nan)
        errors = np.abs(points - robust[:, None, :])  # (O, M, H)
        counted = scored[:, None, :] & ~np.isnan(points)
        with np.errstate(invalid="ignore", divide="ignore"):
            mae = np.where(counted, errors, 0.0).sum(axis=0) / counted.sum(axis=0)
            complete = counted.sum(axis=0) == scored.sum(axis=0)[None, :]
            mae = np.where(complete & (counted.sum(axis=0) > 0), mae, np.nan).T  # (H, M)
        weights = np.zeros((horizon, len(POOL_NAMES)))
        for h in range(horizon):
            row = mae[h]
            if np.all(np.isnan(row)):
                weights[h, 0] = 1.0  # nothing scored yet: the naive forecast
                continue
            best = np.nanmin(row)
            chosen = ~np.isnan(row) & (row <= keep * best)
            inverse = np.where(chosen, 1.0 / np.maximum(row, 1e-9) ** 2, 0.0)
            weights[h] = inverse / inverse.sum()
        usable = np.nan_to_num(points)
        # The shrinkage's anchor is the last value carried along the series' own decline
        # (ANCHOR_MEMBER), at every horizon: not chosen by past errors, which at 7 and
        # 14 days are one or two weeks old (choosing it so lost on 5 of the 16 twin series
        # the fixed anchor wins on; docs/situation.md).
        weights = shrink_to_naive(weights, naive, np.full(horizon, ANCHOR_MEMBER))
        # the ensemble's own past errors, with today's weights: its intervals
        past = np.einsum("omh,hm->oh", usable, weights)
        self.history_ = y
        self.cleaned_ = cleaned
        self.weights_ = weights
        self.member_mae_ = mae
        self.errors_ = np.where(scored, targets - past, np.nan)
        return self

    def point_forecast(self, horizon: int) -> FloatArray:
        """The median forecast of days ``1 .. horizon`` (the weighted members), without the
        intervals: what the skill scores."""
        y = self._history()
        horizon = _check_int("horizon", horizon, 1)
        if horizon > self.weights_.shape[0]:
            raise ValueError(
                f"horizon must be <= max_horizon = {self.weights_.shape[0]}, got {horizon}"
            )
        last = np.array([y.size - 1], dtype=np.int64)
        members = np.nan_to_num(self._pool(y, self.cleaned_, last, self.weights_.shape[0])[0])
        weighted = np.einsum("mh,hm->h", members, self.weights_)
        point: FloatArray = np.maximum(weighted[:horizon], 0.0)
        return point

    def predict(
        self, horizon: int, quantile_levels: tuple[float, ...] = FORECAST_QUANTILES
    ) -> Forecast:
        self._history()
        horizon = _check_int("horizon", horizon, 1)
        if horizon > self.weights_.shape[0]:
            raise ValueError(
                f"horizon must be <= max_horizon = {self.weights_.shape[0]}, got {horizon}"
            )
        levels = _check_levels(quantile_levels)
        point = self.point_forecast(horizon)
        errors = self.errors_[:, :horizon]
        both = np.concatenate([errors, -errors], axis=0)  # symmetric: the median is the point
        known = ~np.isnan(both).all(axis=0)
        spread = np.zeros((horizon, len(levels)))
        if known.any():
            spread[known] = np.nanquantile(both[:, known], levels, axis=0).T
        quantiles = point[:, None] + spread
        return Forecast(mean=point, quantiles=np.maximum(quantiles, 0.0), quantile_levels=levels)
