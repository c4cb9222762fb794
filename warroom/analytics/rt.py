"""The time-varying reproduction number Rt by the method of Cori et al. (2013).

This is R's EpiEstim ``estimate_R(incid, method = "parametric_si")`` (version 2.2-4)
re-expressed with array operations, number for number:

* the serial interval is discretised exactly as ``EpiEstim:::discr_si`` (the gamma
  distribution of ``SI - 1`` integrated against a triangular kernel; Cori et al. 2013,
  Web Appendix 11), for ``k = 0 .. T-1`` and padded with one zero;
* as in ``EpiEstim:::process_I``, all cases of the first day are *imported*: they
  infect others but are never counted as infected locally; every later day is local;
* the total infectivity is ``Lambda_t = sum_{s=0}^{t} w_s I_{t-s}`` (one convolution);
* windows default to EpiEstim's: ``t_start = 2 .. T-window+1`` and
  ``t_end = t_start + window - 1`` (1-based days), so Rt starts on day ``window + 1``;
* the gamma prior has mean 5 and sd 5 (EpiEstim ``make_config`` defaults); the posterior
  of a window is gamma with shape ``a + sum I`` and scale ``1 / (1/b + sum Lambda)``;
* EpiEstim refuses a window (``NA``) whose end ``t_end <= `` the mean of the discretised
  serial interval (computed over the truncated support ``0 .. T-1``); those windows are
  returned here with NaN estimates, never dropped, so indices stay aligned.

EpiEstim silently reads a missing day (``NA``) as zero cases. warroom does not: a NaN
in the incidence is refused with a ``ValueError`` naming the day, because every later
``Lambda_t`` depends on it.

Where Rt cannot be estimated, warroom says so instead of printing the prior (Cori et al.
2013's own guidance, which EpiEstim gives only as a warning about ``cv_posterior``). A
window is *insufficient data* — ``mean``, ``sd`` and ``quantiles`` NaN, ``status`` saying
why — when EpiEstim refuses it, when it ends before the cumulative incidence reaches
``min_cases`` (12) or less than one mean serial interval after the first case, when it
holds no local case at all, or when its posterior coefficient of variation
``1/sqrt(shape)`` exceeds ``max_cv`` (0.3). The posterior parameters ``shape`` and
``scale`` stay EpiEstim's in every window (a diagnostic, never shown as a finding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from warroom.analytics.parameters import (
    RT_MAX_POSTERIOR_CV,
    RT_MIN_CUMULATIVE_CASES,
    RT_PRIOR_MEAN,
    RT_PRIOR_SD,
    RT_QUANTILES,
    RT_WINDOW_DAYS,
    SERIAL_INTERVAL_MEAN,
    SERIAL_INTERVAL_SD,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = [
    "RT_STATUS_NAMES",
    "STATUS_CV_TOO_HIGH",
    "STATUS_ESTIMATED",
    "STATUS_NO_CASES",
    "STATUS_REFUSED",
    "STATUS_TOO_EARLY",
    "STATUS_TOO_FEW_CASES",
    "RtEstimate",
    "as_incidence",
    "discretise_serial_interval",
    "estimate_rt",
    "gamma_quantiles",
    "total_infectivity",
]


# Status of a window: estimated, or why not ("insufficient data").
STATUS_ESTIMATED = 0
STATUS_REFUSED = 1  # EpiEstim refuses the window (t_end <= the serial interval mean)
STATUS_TOO_FEW_CASES = 2  # the cumulative incidence had not reached min_cases
STATUS_TOO_EARLY = 3  # less than one mean serial interval after the first case
STATUS_NO_CASES = 4  # no local case in the window
STATUS_CV_TOO_HIGH = 5  # posterior coefficient of variation above max_cv
RT_STATUS_NAMES: dict[int, str] = {
    STATUS_ESTIMATED: "estimated",
    STATUS_REFUSED: "refused",
    STATUS_TOO_FEW_CASES: "too_few_cases",
    STATUS_TOO_EARLY: "too_early",
    STATUS_NO_CASES: "no_cases",
    STATUS_CV_TOO_HIGH: "cv_too_high",
}


@dataclass(frozen=True, eq=False)
class RtEstimate:
    """Posterior of Rt over sliding windows (one entry per window).

    Attributes
    ----------
    t_start, t_end : ndarray of int
        0-based indices of the first and the last day of each window (inclusive);
        ``t_end`` is the day the estimate is reported on.
    shape, scale : ndarray of float
        Parameters of the gamma posterior; NaN where EpiEstim refuses the window. A
        diagnostic: kept even where ``status`` says the window is insufficient.
    mean, sd : ndarray of float
        Posterior mean and standard deviation; NaN where ``status`` is not estimated.
    quantiles : ndarray of float, shape (n_windows, len(quantile_levels))
        Posterior quantiles at ``quantile_levels``; NaN rows where not estimated.
    status : ndarray of int
        ``STATUS_ESTIMATED`` or the reason the window is insufficient data (the first
        rule that fails, in the order of the ``STATUS_*`` codes).
    cases : ndarray of float
        Local cases in each window.
    cumulative : ndarray of float
        Cumulative incidence (day 0 included) up to the window's last day.
    cv : ndarray of float
        Posterior coefficient of variation ``1/sqrt(shape)`` (NaN where refused).
    min_cases : int
    max_cv : float
        The thresholds the status was decided with.
    quantile_levels : tuple of float
        The probability levels of the ``quantiles`` columns.
    serial_interval : ndarray of float
        The discretised serial interval ``w_0 .. w_T`` used (``w_0 = 0``).
    serial_interval_mean, serial_interval_sd : float
        Mean and sd of the discretised, truncated serial interval (EpiEstim's
        ``SI.Moments``).
    """

    t_start: IntArray
    t_end: IntArray
    shape: FloatArray
    scale: FloatArray
    mean: FloatArray
    sd: FloatArray
    quantiles: FloatArray
    quantile_levels: tuple[float, ...]
    serial_interval: FloatArray
    serial_interval_mean: float
    serial_interval_sd: float
    status: IntArray
    cases: FloatArray
    cumulative: FloatArray
    cv: FloatArray
    min_cases: int
    max_cv: float

    @property
    def estimated(self) -> NDArray[np.bool_]:
        """True for the windows with an estimate (``status == STATUS_ESTIMATED``)."""
        out: NDArray[np.bool_] = self.status == STATUS_ESTIMATED
        return out

    def reason(self, index: int) -> str:
        """Why window ``index`` has no estimate (English; "" when it has one).

        Callers that show it to people word it from ``status``, ``cases``, ``cv`` and
        the thresholds in the reader's language; this text is for logs and the CLI.
        """
        code = int(self.status[index])
        cases, cum = round(float(self.cases[index])), round(float(self.cumulative[index]))
        cv = float(self.cv[index])
        if code == STATUS_ESTIMATED:
            return ""
        if code == STATUS_REFUSED:
            return (
                "insufficient data: the window ends within one mean serial interval "
                f"({self.serial_interval_mean:.1f} d) of the series' start"
            )
        if code == STATUS_TOO_FEW_CASES:
            return f"insufficient data: {cum} cases so far < {self.min_cases}"
        if code == STATUS_TOO_EARLY:
            return (
                "insufficient data: less than one mean serial interval "
                f"({self.serial_interval_mean:.1f} d) since the first case"
            )
        if code == STATUS_NO_CASES:
            return "insufficient data: no case in the window"
        return f"insufficient data: {cases} cases in the window, CV {cv:.2f} > {self.max_cv:g}"

    def quantile(self, level: float) -> FloatArray:
        """The column of ``quantiles`` at probability ``level`` (one of ``quantile_levels``)."""
        for index, known in enumerate(self.quantile_levels):
            if abs(known - level) < 1e-12:
                column: FloatArray = self.quantiles[:, index]
                return column
        raise ValueError(f"level must be one of {self.quantile_levels}, got {level!r}")


def _check_positive(name: str, value: float) -> float:
    number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def as_incidence(incidence: ArrayLike, *, name: str = "incidence") -> FloatArray:
    """Validate daily counts: a 1-D array of finite, non-negative numbers.

    Raises
    ------
    ValueError
        If the array is not 1-D, is empty, or holds a negative, infinite or missing
        (NaN) value; the message names the first offending day (0-based).
    """
    values = np.asarray(incidence, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {values.shape}")
    if values.size == 0:
        raise ValueError(f"{name} must not be empty")
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        raise ValueError(
            f"{name} has {missing.size} missing day(s) (NaN), the first at day "
            f"{int(missing[0])}; a missing day is not zero: fill it or cut the series"
        )
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise ValueError(
            f"{name} must hold finite counts >= 0; day {int(bad[0])} is {values[bad[0]]!r}"
        )
    return values


def discretise_serial_interval(
    n: int,
    *,
    mean: float = SERIAL_INTERVAL_MEAN,
    sd: float = SERIAL_INTERVAL_SD,
) -> FloatArray:
    """Discretised gamma serial interval ``w_0 .. w_{n-1}``, exactly as EpiEstim's ``discr_si``.

    ``SI - 1`` is gamma with mean ``mean - 1`` and sd ``sd`` (shape
    ``a = ((mean-1)/sd)^2``, scale ``b = sd^2/(mean-1)``), and

    ``w_k = k F(k) + (k-2) F(k-2) - 2(k-1) F(k-1)
    + a b (2 G(k-1) - G(k-2) - G(k))``, clipped at 0,

    with ``F`` the gamma(a, b) and ``G`` the gamma(a+1, b) distribution function
    (Cori et al., Am J Epidemiol 2013, Web Appendix 11; EpiEstim ``discr_si``).

    Parameters
    ----------
    n : int
        Number of days ``k = 0 .. n-1`` (``n >= 1``).
    mean : float, default SERIAL_INTERVAL_MEAN
        Serial interval mean in days, ``> 1`` (Li et al., NEJM 2020: 7.5 d).
    sd : float, default SERIAL_INTERVAL_SD
        Serial interval standard deviation in days, ``> 0`` (Li et al. 2020: 3.4 d).

    Returns
    -------
    ndarray of float, shape (n,)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    mu = float(mean)
    sigma = _check_positive("sd", sd)
    if not np.isfinite(mu) or mu <= 1:
        raise ValueError(f"mean must be a finite number > 1 (days), got {mean!r}")
    a = ((mu - 1.0) / sigma) ** 2
    b = sigma**2 / (mu - 1.0)
    k = np.arange(int(n), dtype=np.float64)

    def cdf(shape: float, x: FloatArray) -> FloatArray:
        # pgamma is 0 for x <= 0; gammainc is undefined below 0, hence the clip.
        out: FloatArray = special.gammainc(shape, np.maximum(x, 0.0) / b)
        return out

    res = k * cdf(a, k) + (k - 2) * cdf(a, k - 2) - 2 * (k - 1) * cdf(a, k - 1)
    res = res + a * b * (2 * cdf(a + 1, k - 1) - cdf(a + 1, k - 2) - cdf(a + 1, k))
    clipped: FloatArray = np.maximum(res, 0.0)
    return clipped


def total_infectivity(incidence: ArrayLike, serial_interval: ArrayLike) -> FloatArray:
    """Total infectivity ``Lambda_t = sum_{s=0}^{t} w_s I_{t-s}`` for every day (one convolution).

    EpiEstim leaves ``Lambda_1`` (the first day) as ``NA``; here it is ``w_0 I_0`` (zero
    for a serial interval with ``w_0 = 0``) and is never used by :func:`estimate_rt`.
    """
    values = as_incidence(incidence)
    w = np.asarray(serial_interval, dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("serial_interval must be a 1-D array of finite weights >= 0")
    lam: FloatArray = np.convolve(values, w)[: values.size]
    return lam


def _window_sums(x: FloatArray, window: int) -> FloatArray:
    # A direct sliding sum, not a difference of cumulative sums: the tail of a large
    # epidemic would otherwise lose digits to cancellation.
    out: FloatArray = np.convolve(x, np.ones(window), mode="valid")
    return out


# Where Wilson-Hilferty + Halley steps reproduce gammaincinv to < 1e-9 relative (checked
# by a property test); elsewhere gammaincinv itself is used.
_HALLEY_MIN_SHAPE = 2.0  # shapes below: gammaincinv
_HALLEY_TWO_STEPS_SHAPE = 10.0  # shapes in [2, 10): three steps
_HALLEY_ONE_STEP_SHAPE = 50.0  # shapes in [10, 50): two steps; from 50 up: one
_HALLEY_MIN_PROB = 0.01  # probabilities outside [0.01, 0.99]: gammaincinv


def _halley(x: FloatArray, a: FloatArray, log_norm: FloatArray, p: FloatArray) -> FloatArray:
    """One Halley step on ``P(a, x) - p`` (the gamma density's log-derivative is (a-1)/x - 1)."""
    ratio = (special.gammainc(a, x) - p) / np.exp((a - 1.0) * np.log(x) - x - log_norm)
    step: FloatArray = x - ratio / (1.0 - 0.5 * ratio * ((a - 1.0) / x - 1.0))
    return step


def gamma_quantiles(shape: ArrayLike, probs: ArrayLike) -> FloatArray:
    """Quantiles of gamma(shape, scale 1): ``out[i, j] = P^{-1}(shape[i], probs[j])``.

    The same numbers as ``scipy.special.gammaincinv`` (and so R's ``qgamma``) to better
    than 1e-9 relative, about twice as fast for the usual Rt posteriors: the
    Wilson-Hilferty approximation (Wilson & Hilferty, PNAS 1931) refined by Halley steps
    on ``P(a, x) - p`` (one step for shapes >= 50, two for [10, 50), three for [2, 10)).
    Shapes below 2 and probabilities outside [0.01, 0.99] go to ``gammaincinv`` itself.
    NaN shapes give NaN.
    """
    a = np.asarray(shape, dtype=np.float64).reshape(-1, 1)
    p = np.asarray(probs, dtype=np.float64).reshape(1, -1)
    central = (p[0] >= _HALLEY_MIN_PROB) & (p[0] <= 1.0 - _HALLEY_MIN_PROB)
    fast = a[:, 0] >= _HALLEY_MIN_SHAPE  # False for NaN
    out = np.full((a.shape[0], p.shape[1]), np.nan)
    if (~fast).any():
        out[~fast] = special.gammaincinv(a[~fast], p)
    if (~central).any() and fast.any():
        out[np.ix_(fast, ~central)] = special.gammaincinv(a[fast], p[:, ~central])
    if not (fast.any() and central.any()):
        return out
    ab, pc = a[fast], p[:, central]
    h = 1.0 / (9.0 * ab)
    x = ab * np.maximum(1.0 - h + special.ndtri(pc) * np.sqrt(h), 1e-3) ** 3
    log_norm = special.gammaln(ab)
    x = _halley(x, ab, log_norm, pc)
    for below in (_HALLEY_ONE_STEP_SHAPE, _HALLEY_TWO_STEPS_SHAPE):
        again = ab[:, 0] < below
        if again.any():
            x[again] = _halley(x[again], ab[again], log_norm[again], pc)
    out[np.ix_(fast, central)] = x
    return out


def estimate_rt(
    incidence: ArrayLike,
    *,
    window: int = RT_WINDOW_DAYS,
    si_mean: float = SERIAL_INTERVAL_MEAN,
    si_sd: float = SERIAL_INTERVAL_SD,
    prior_mean: float = RT_PRIOR_MEAN,
    prior_sd: float = RT_PRIOR_SD,
    quantile_levels: tuple[float, ...] = RT_QUANTILES,
    min_cases: int = RT_MIN_CUMULATIVE_CASES,
    max_cv: float = RT_MAX_POSTERIOR_CV,
) -> RtEstimate:
    """Estimate Rt on sliding windows, as EpiEstim ``estimate_R(method = "parametric_si")``.

    Parameters
    ----------
    incidence : array_like of float, shape (T,)
        Daily new cases (all local except day 0, which is taken as imported), finite and
        ``>= 0``; no missing days. ``T >= window + 1``.
    window : int, default RT_WINDOW_DAYS
        Window length in days (Cori et al. 2013: 7); windows end on days
        ``window .. T-1`` (0-based).
    si_mean, si_sd : float, default SERIAL_INTERVAL_MEAN, SERIAL_INTERVAL_SD
        Serial interval mean (> 1) and sd (> 0), days (Li et al., NEJM 2020).
    prior_mean, prior_sd : float, default RT_PRIOR_MEAN, RT_PRIOR_SD
        Gamma prior on Rt (EpiEstim defaults 5 and 5).
    quantile_levels : tuple of float, default RT_QUANTILES
        Posterior quantiles to report, each in (0, 1).
    min_cases : int, default RT_MIN_CUMULATIVE_CASES
        No estimate for a window ending before the cumulative incidence reaches this
        (Cori et al. 2013: 12); ``0`` turns the rule off.
    max_cv : float, default RT_MAX_POSTERIOR_CV
        No estimate for a window whose posterior coefficient of variation exceeds this
        (Cori et al. 2013; EpiEstim ``cv_posterior``: 0.3); ``inf`` turns the rule off
        (the rule that a window without a local case has no estimate stays).

    Returns
    -------
    RtEstimate
        One entry per window; windows EpiEstim refuses (``t_end <=`` the discretised
        serial interval mean, 1-based) hold NaN, and so do windows with insufficient
        data (``status`` says which rule).

    Raises
    ------
    ValueError
        On invalid parameters, a negative or missing count, or too short a series.
    """
    values = as_incidence(incidence)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be an integer >= 1 (days), got {window!r}")
    window = int(window)
    n_days = values.size
    if n_days < window + 1:
        raise ValueError(
            f"incidence must cover at least window + 1 = {window + 1} days, got {n_days}"
        )
    if not np.isfinite(float(si_mean)) or float(si_mean) <= 1:
        raise ValueError(f"si_mean must be a finite number > 1 (days), got {si_mean!r}")
    _check_positive("si_sd", si_sd)
    prior_mean = _check_positive("prior_mean", prior_mean)
    prior_sd = _check_positive("prior_sd", prior_sd)
    if isinstance(min_cases, bool) or not isinstance(min_cases, (int, np.integer)) or min_cases < 0:
        raise ValueError(f"min_cases must be an integer >= 0, got {min_cases!r}")
    max_cv = float(max_cv)
    if np.isnan(max_cv) or max_cv <= 0:
        raise ValueError(f"max_cv must be a number > 0 (or inf), got {max_cv!r}")
    levels = tuple(float(q) for q in quantile_levels)
    if not levels or any(not 0 < q < 1 for q in levels):
        raise ValueError(
            f"quantile_levels must be probabilities in (0, 1), got {quantile_levels!r}"
        )

    w = np.concatenate([discretise_serial_interval(n_days, mean=si_mean, sd=si_sd), [0.0]])
    support = np.arange(w.size, dtype=np.float64)
    si_mean_discrete = float(np.sum(w * support))
    si_sd_discrete = float(np.sqrt(np.sum(w * support**2) - si_mean_discrete**2))

    lam = np.convolve(values, w)[:n_days]
    local = values.copy()
    local[0] = 0.0  # EpiEstim's process_I: the first day's cases are imported
    t_start = np.arange(1, n_days - window + 1, dtype=np.int64)
    t_end = t_start + (window - 1)
    cases = _window_sums(local[1:], window)
    infectivity = _window_sums(lam[1:], window)

    a_prior = (prior_mean / prior_sd) ** 2
    b_prior = prior_sd**2 / prior_mean
    shape = a_prior + cases
    scale = 1.0 / (1.0 / b_prior + infectivity)
    refused = (t_end + 1) <= si_mean_discrete  # EpiEstim compares its 1-based t_end
    shape[refused] = np.nan
    scale[refused] = np.nan

    # Cori et al. 2013's guidance: the status of each window, the first failing rule.
    cumulative = np.cumsum(values)[t_end]
    seen = np.flatnonzero(values > 0)
    first_case = int(seen[0]) if seen.size else n_days
    cv = 1.0 / np.sqrt(shape)
    status = np.full(t_end.size, STATUS_ESTIMATED, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        rules = (
            (STATUS_CV_TOO_HIGH, ~(cv <= max_cv)),
            (STATUS_NO_CASES, cases <= 0),
            (STATUS_TOO_EARLY, t_end < first_case + si_mean_discrete),
            (STATUS_TOO_FEW_CASES, cumulative < min_cases),
            (STATUS_REFUSED, refused),
        )
    for code, failed in rules:  # the last assignment wins: the first rule in code order
        status[failed] = code
    shown = status == STATUS_ESTIMATED
    quantiles = gamma_quantiles(np.where(shown, shape, np.nan), levels) * scale[:, None]
    mean = np.where(shown, shape * scale, np.nan)
    return RtEstimate(
        t_start=t_start,
        t_end=t_end,
        shape=shape,
        scale=scale,
        mean=mean,
        sd=np.where(shown, np.sqrt(shape) * scale, np.nan),
        quantiles=quantiles,
        quantile_levels=levels,
        serial_interval=w,
        serial_interval_mean=si_mean_discrete,
        serial_interval_sd=si_sd_discrete,
        status=status,
        cases=cases,
        cumulative=cumulative.astype(np.float64),
        cv=cv,
        min_cases=int(min_cases),
        max_cv=max_cv,
    )
