"""Score forecasters on a series with rolling origins (DESIGN §3.4).

For every origin ``s`` (0-based day index, from ``min_history - 1`` to the day before
the last, every ``step`` days) each forecaster is fitted on days ``0 .. s`` and predicts
``max_horizon`` days; the forecast for ``s + h`` is scored when that day is in the
series. Per forecaster and horizon ``h``:

* MAE — mean absolute error of the *median* forecast (the point a quantile forecast
  stands for; Bracher et al. 2021 use the same);
* relative MAE — the forecaster's MAE over a baseline's MAE at the same ``h`` and the
  same origins (< 1: better than the baseline), for each baseline;
* coverage of the central 50 % and 90 % intervals (``q25..q75``, ``q05..q95``; bounds
  included);
* WIS, the weighted interval score of Bracher J., Ray E.L., Gneiting T., Reich N.G.,
  "Evaluating epidemic forecasts in an interval format", PLoS Comput Biol 2021;17(2):
  e1008618, eq. (2), with the median and the 50 % and 90 % intervals (``K = 2``)::

      WIS = (|y - m| / 2 + sum_k (alpha_k / 2) IS_alpha_k) / (K + 1/2),
      IS_alpha = (u - l) + (2/alpha)(l - y) 1{y < l} + (2/alpha)(y - u) 1{y > u}.

A missing day (NaN) is never scored as an observation; the histories the forecasters
see have it filled by :func:`~warroom.analytics.forecast.fill_missing` (the same filled
history for every forecaster, so the comparison stays fair).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from warroom.analytics.forecast import (
    EnsembleForecaster,
    Forecaster,
    ForecastSkill,
    LastValueForecaster,
    LogLinearTrendForecaster,
    MovingMeanForecaster,
    RenewalForecaster,
    fill_missing,
)
from warroom.analytics.parameters import (
    BACKTEST_MAX_HORIZON,
    BACKTEST_MIN_HISTORY,
    BACKTEST_STEP_DAYS,
    BASELINE_MEAN_DAYS,
    SKILL_ORIGINS,
    SKILL_STEP_DAYS,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SCORED_LEVELS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)  # median, 50 % and 90 % PIs

__all__ = [
    "BASELINE_NAMES",
    "BacktestResult",
    "backtest",
    "default_forecasters",
    "forecast_skill",
    "weighted_interval_score",
]

BASELINE_NAMES: tuple[str, ...] = ("last_value", "mean_7d", "loglinear_trend")
SKILL_BASELINES: tuple[str, ...] = ("last_value", "mean_7d")  # the published forecast must
# beat both (DESIGN §3.4)


def default_forecasters(*, random_state: int | None = 0) -> dict[str, Forecaster]:
    """The published ensemble, the renewal forecaster and the three baselines, under the
    names the CLI prints."""
    return {
        "published": EnsembleForecaster(),
        "renewal": RenewalForecaster(random_state=random_state),
        "last_value": LastValueForecaster(),
        "mean_7d": MovingMeanForecaster(),
        "loglinear_trend": LogLinearTrendForecaster(),
    }


def weighted_interval_score(
    y: ArrayLike,
    median: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    alphas: Sequence[float],
) -> FloatArray:
    """WIS of Bracher et al. (2021), eq. (2), elementwise.

    Parameters
    ----------
    y, median : array_like
        Observations and predictive medians (same shape).
    lower, upper : array_like, shape (..., K)
        Bounds of the central ``(1 - alpha_k)`` intervals, last axis over ``alphas``.
    alphas : sequence of float
        The ``K`` levels ``alpha_k`` in (0, 1).
    """
    obs = np.asarray(y, dtype=np.float64)[..., None]
    lo = np.asarray(lower, dtype=np.float64)
    up = np.asarray(upper, dtype=np.float64)
    a = np.asarray(alphas, dtype=np.float64)
    if a.ndim != 1 or a.size == 0 or np.any((a <= 0) | (a >= 1)):
        raise ValueError(f"alphas must be probabilities in (0, 1), got {alphas!r}")
    interval = (up - lo) + (2 / a) * np.maximum(lo - obs, 0) + (2 / a) * np.maximum(obs - up, 0)
    total = 0.5 * np.abs(obs[..., 0] - np.asarray(median, dtype=np.float64))
    total = total + np.sum(a / 2 * interval, axis=-1)
    out: FloatArray = total / (a.size + 0.5)
    return out


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Scores per forecaster (first axis, in ``names`` order) and horizon (last axis).

    Attributes
    ----------
    names : tuple of str
    baselines : tuple of str
        The names that ``relative_mae`` divides by (second axis).
    horizons : ndarray of int, shape (H,)
        ``1 .. max_horizon``.
    n_scored : ndarray of int, shape (H,)
        Forecasts scored at each horizon (the same for every forecaster).
    mae, coverage_50, coverage_90, wis : ndarray of float, shape (F, H)
    relative_mae : ndarray of float, shape (F, B, H)
    origins : ndarray of int
        The origins used (0-based day index of the last day of each history).
    """

    names: tuple[str, ...]
    baselines: tuple[str, ...]
    horizons: IntArray
    n_scored: IntArray
    mae: FloatArray
    relative_mae: FloatArray
    coverage_50: FloatArray
    coverage_90: FloatArray
    wis: FloatArray
    origins: IntArray


def _check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def backtest(
    series: ArrayLike,
    forecasters: Mapping[str, Forecaster] | None = None,
    *,
    baselines: Sequence[str] = BASELINE_NAMES,
    max_horizon: int = BACKTEST_MAX_HORIZON,
    min_history: int = BACKTEST_MIN_HISTORY,
    step: int = BACKTEST_STEP_DAYS,
) -> BacktestResult:
    """Rolling-origin evaluation of ``forecasters`` on ``series`` (see the module docstring).

    Parameters
    ----------
    series : array_like of float, shape (T,)
        Daily counts; a missing day (NaN) is filled for fitting and never scored.
    forecasters : mapping of name to Forecaster, optional
        Default :func:`default_forecasters` (renewal + 3 baselines, seeded).
    baselines : sequence of str, default BASELINE_NAMES
        Names in ``forecasters`` to compute relative MAE against (unknown names are
        a ``ValueError``).
    max_horizon : int, default BACKTEST_MAX_HORIZON
        Horizons ``1 .. max_horizon`` days (14).
    min_history : int, default BACKTEST_MIN_HISTORY
        Days of history at the first origin (21).
    step : int, default BACKTEST_STEP_DAYS
        Days between origins (1).

    Returns
    -------
    BacktestResult
    """
    raw = np.asarray(series, dtype=np.float64)
    y = fill_missing(raw, name="series")
    observed = np.where(np.isnan(raw), np.nan, y)
    models = dict(default_forecasters() if forecasters is None else forecasters)
    if not models:
        raise ValueError("forecasters must name at least one forecaster")
    for name, model in models.items():
        if not isinstance(model, Forecaster):
            raise ValueError(f"forecaster {name!r} has no fit(history) / predict(horizon)")
    base = tuple(baselines)
    unknown = [b for b in base if b not in models]
    if unknown:
        raise ValueError(f"baselines {unknown} are not among the forecasters {list(models)}")
    horizon = _check_int("max_horizon", max_horizon, 1)
    first = _check_int("min_history", min_history, 1)
    step = _check_int("step", step, 1)
    if y.size < first + 1:
        raise ValueError(
            f"series must cover at least min_history + 1 = {first + 1} days, got {y.size}"
        )

    origins = np.arange(first - 1, y.size - 1, step, dtype=np.int64)
    names = tuple(models)
    # predictions[f, o, h, q]: NaN where the target day is beyond the series.
    preds = np.full((len(names), origins.size, horizon, len(SCORED_LEVELS)), np.nan)
    targets = np.full((origins.size, horizon), np.nan)
    for o, s in enumerate(origins):
        h_max = min(horizon, y.size - 1 - int(s))
        targets[o, :h_max] = observed[s + 1 : s + 1 + h_max]
        for f, name in enumerate(names):
            fc = models[name].fit(y[: s + 1]).predict(horizon, SCORED_LEVELS)
            if np.isnan(fc.quantiles[:h_max]).any():
                raise ValueError(f"forecaster {name!r} predicted NaN from day {int(s)}")
            preds[f, o, :h_max] = fc.quantiles[:h_max]

    scored = ~np.isnan(targets)  # (O, H)
    n_scored = scored.sum(axis=0).astype(np.int64)
    q05, q25, med, q75, q95 = (preds[..., i] for i in range(len(SCORED_LEVELS)))
    obs = np.where(scored, targets, 0.0)[None]
    abs_err = np.where(scored, np.abs(obs - med), np.nan)
    with np.errstate(invalid="ignore"):
        inside_50 = np.where(scored, (q25 <= obs) & (obs <= q75), np.nan)
        inside_90 = np.where(scored, (q05 <= obs) & (obs <= q95), np.nan)
    wis = weighted_interval_score(
        obs, med, np.stack([q25, q05], axis=-1), np.stack([q75, q95], axis=-1), (0.5, 0.1)
    )
    wis = np.where(scored, wis, np.nan)
    denominator = np.maximum(n_scored, 1)
    mae = np.nansum(abs_err, axis=1) / denominator
    index = {name: i for i, name in enumerate(names)}
    baseline_mae = np.stack([mae[index[b]] for b in base]) if base else np.empty((0, horizon))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = mae[:, None, :] / baseline_mae[None, :, :]
    empty = n_scored == 0
    result_mae = np.where(empty, np.nan, mae)
    return BacktestResult(
        names=names,
        baselines=base,
        horizons=np.arange(1, horizon + 1, dtype=np.int64),
        n_scored=n_scored,
        mae=result_mae,
        relative_mae=np.where(empty, np.nan, relative),
        coverage_50=np.where(empty, np.nan, np.nansum(inside_50, axis=1) / denominator),
        coverage_90=np.where(empty, np.nan, np.nansum(inside_90, axis=1) / denominator),
        wis=np.where(empty, np.nan, np.nansum(wis, axis=1) / denominator),
        origins=origins,
    )


_MEDIAN_CACHE: OrderedDict[tuple[Any, ...], FloatArray] = OrderedDict()
MEDIAN_CACHE_SIZE = 8192  # origins remembered (each ~ 14 floats): a city's 16 areas x 90 days


def _params(forecaster: Forecaster) -> tuple[tuple[str, Any], ...]:
    """The forecaster's parameters (its public attributes not ending in ``_``): with its
    class, what makes two forecasters forecast alike from the same history."""
    return tuple(
        sorted(
            (k, v)
            for k, v in vars(forecaster).items()
            if not k.startswith("_") and not k.endswith("_")
        )
    )


def _median_from(forecaster: Forecaster, history: FloatArray, horizon: int) -> FloatArray:
    """The median forecast of ``horizon`` days from ``history``, remembered per forecaster
    class, parameters and history (its bytes' digest): a past origin's forecast does not
    change when later days arrive, so the daily cycle refits only the newest origin (an
    amended past day is another history, hence refitted)."""
    try:
        key: tuple[Any, ...] | None = (
            type(forecaster).__qualname__,
            _params(forecaster),
            horizon,
            hashlib.blake2b(history.tobytes(), digest_size=16).digest(),
        )
        hash(key)
    except TypeError:  # an unhashable parameter (a Generator): not remembered
        key = None
    if key is not None and key in _MEDIAN_CACHE:
        _MEDIAN_CACHE.move_to_end(key)
        return _MEDIAN_CACHE[key]
    fitted = forecaster.fit(history)
    point = getattr(fitted, "point_forecast", None)
    median: FloatArray = (
        point(horizon) if callable(point) else fitted.predict(horizon, (0.5,)).quantiles[:, 0]
    )
    median = np.array(median, dtype=np.float64)
    median.setflags(write=False)
    if key is not None:
        _MEDIAN_CACHE[key] = median
        while len(_MEDIAN_CACHE) > MEDIAN_CACHE_SIZE:
            _MEDIAN_CACHE.popitem(last=False)
    return median


def forecast_skill(
    series: ArrayLike,
    forecaster: Forecaster,
    *,
    origins: int = SKILL_ORIGINS,
    step: int = SKILL_STEP_DAYS,
    max_horizon: int = BACKTEST_MAX_HORIZON,
    min_history: int = BACKTEST_MIN_HISTORY,
) -> ForecastSkill | None:
    """The skill shown beside a published forecast: its relative MAE against the last-value
    and 7-day-mean baselines per horizon, by rolling origins over (at most) the last
    ``origins`` days of ``series``.

    The origins are the days whose 0-based index ``s`` has ``(s + 1) % step == 0`` (fixed
    days of the calendar, not counted back from the last day), so that tomorrow's skill
    re-uses today's origins and only a new origin is fitted (the forecasts are remembered,
    :func:`_median_from`). Each origin sees the series up to its own day, a missing day
    filled from the days before it only (:func:`fill_missing`), never from later days; a
    missing target day is not scored. Every origin is scored at every horizon whose day is
    in the series. None when no origin can be scored."""
    raw = np.asarray(series, dtype=np.float64)
    if raw.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {raw.shape}")
    count = _check_int("origins", origins, 1)
    step = _check_int("step", step, 1)
    horizon = _check_int("max_horizon", max_horizon, 1)
    first = max(_check_int("min_history", min_history, 1) - 1, raw.size - 1 - count)
    days = np.arange(first, raw.size - 1, dtype=np.int64)
    days = days[(days + 1) % step == 0]
    pub_err = np.zeros(horizon)
    base_err = np.zeros((len(SKILL_BASELINES), horizon))
    n_scored = np.zeros(horizon, dtype=np.int64)
    for s in days:
        past = raw[: s + 1]
        if np.isnan(past).all():
            continue
        y = fill_missing(past, name="series")
        h_max = min(horizon, raw.size - 1 - int(s))
        targets = raw[s + 1 : s + 1 + h_max]
        scored = ~np.isnan(targets)
        if not scored.any():
            continue
        median = _median_from(forecaster, y, horizon)[:h_max]
        base = np.array([np.full(h_max, y[-1]), np.full(h_max, y[-BASELINE_MEAN_DAYS:].mean())])
        obs = np.where(scored, targets, 0.0)
        pub_err[:h_max] += np.where(scored, np.abs(median - obs), 0.0)
        base_err[:, :h_max] += np.where(scored, np.abs(base - obs), 0.0)
        n_scored[:h_max] += scored
    if not n_scored.any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where((n_scored > 0) & (base_err > 0), pub_err[None, :] / base_err, np.nan)
    return ForecastSkill(
        horizons=np.arange(1, horizon + 1, dtype=np.int64),
        baselines=SKILL_BASELINES,
        relative_mae=relative,
        n_scored=n_scored,
    )
