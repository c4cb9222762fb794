"""Bed demand, bed balance and the 30-day capacity plan (DESIGN §3.3).

The seed's method: "a month planned ahead, 10,000 beds every three days" (长统筹、短安排).

1. **Admissions** per bed type and day: confirmed cases × severity mix (ICU, SEVERE,
   GENERAL, SHELTER), plus suspected / febrile / contacts to QUARANTINE if given.
2. **Occupancy** (beds needed): admissions convolved with the survival function of the
   length of stay (LoS). A patient admitted on day t with a stay of d ≥ 1 days holds a
   bed on days t, …, t + d − 1, so ``occupancy[t] = Σ_k admissions[t − k] · S(k)`` with
   ``S(k) = P(LoS > k)``. Patients in bed on day −1 (yesterday's census) are still in
   bed on day k with the forward-recurrence (residual-stay) probability
   ``R(k) = Σ_{j>k} S(j) / Σ_j S(j)`` of a steady state, so a census of ``a · Σ S`` under
   constant admissions a stays constant.
   This is *demand*: every patient who needs a bed counts, whether or not one is free.
3. **Capacity plan**: against the capacity schedule (beds per type per day, as planned so
   far), the beds of each type to open at the start of each 3-day window of the next
   30 days so that ``occupancy ≤ target × capacity`` on every day (default 85 %).
   Beds once opened stay open. The least cumulative opening that meets day t is
   ``need(t) = ⌈occupancy(t) / target − capacity(t)⌉⁺``, and cumulative openings cannot
   fall, so the running maximum of ``need`` over windows is the unique minimal plan.
4. **Bed balance** (病人等床 ↔ 床等病人): free beds − waiting people, per type and day;
   "beds wait for patients" from the first day on which it is ≥ 0 for every type.

Default LoS distributions are discretised log-normals fitted to the median and quartiles
of Zhou et al. (Lancet 2020) for ICU and hospital wards, an assumption for shelter
hospitals, and 14 days of quarantine; see :mod:`warroom.analytics.parameters`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from warroom.analytics._checks import (
    as_float_array,
    check_fraction,
    check_length,
    check_positive_int,
)
from warroom.analytics.parameters import (
    LOS_GENERAL_IQR_DAYS,
    LOS_GENERAL_MEDIAN_DAYS,
    LOS_ICU_IQR_DAYS,
    LOS_ICU_MEDIAN_DAYS,
    LOS_MAX_DAYS,
    LOS_SEVERE_IQR_DAYS,
    LOS_SEVERE_MEDIAN_DAYS,
    LOS_SHELTER_IQR_DAYS,
    LOS_SHELTER_MEDIAN_DAYS,
    OCCUPANCY_TARGET,
    PLAN_BATCH_DAYS,
    PLAN_HORIZON_DAYS,
    QUARANTINE_STAY_DAYS,
    SHARE_CRITICAL,
    SHARE_GENERAL,
    SHARE_SEVERE,
    SHARE_SHELTER,
)
from warroom.analytics.vocabulary import BED_TYPES, BedType

__all__ = [
    "BED_TYPES",
    "DEFAULT_SEVERITY_MIX",
    "CapacityPlan",
    "admissions_from_cases",
    "bed_balance",
    "beds_wait_day",
    "capacity_plan",
    "default_los_pmfs",
    "lognormal_los_pmf",
    "occupancy",
    "plan_beds",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

N_TYPES = len(BED_TYPES)  # the columns of every (days × types) array: BED_TYPES
QUARANTINE = int(BedType.QUARANTINE)

DEFAULT_SEVERITY_MIX: tuple[float, float, float, float] = (
    SHARE_CRITICAL,
    SHARE_SEVERE,
    SHARE_GENERAL,
    SHARE_SHELTER,
)
"""Share of confirmed cases needing ICU, SEVERE, GENERAL, SHELTER (Wu & McGoogan 2020)."""

_Z75 = float(stats.norm.ppf(0.75))


def lognormal_los_pmf(
    median_days: float, iqr_days: tuple[float, float], max_days: int = LOS_MAX_DAYS
) -> FloatArray:
    """Discretised log-normal length-of-stay pmf fitted to a median and quartiles.

    Least squares in log space on the three quantiles (z = −0.6745, 0, 0.6745):
    ``σ = ln(Q3 / Q1) / (2 · 0.6745)``, ``μ = (ln Q1 + ln median + ln Q3) / 3``; exact
    when the quartiles are symmetric on the log scale. Entry d (1 ≤ d ≤ max_days)
    is ``P(d − 1 < LoS ≤ d)``; the mass below one day goes to d = 1 (a stay lasts at
    least one day) and the tail beyond ``max_days`` to d = max_days. Entry 0 is 0.

    Returns
    -------
    ndarray, shape (max_days + 1,)
        Sums to 1.
    """
    max_days = check_positive_int("max_days", max_days)
    q1, q3 = (float(x) for x in iqr_days)
    if not (0 < q1 < float(median_days) < q3):
        raise ValueError(
            f"iqr_days must bracket median_days (0 < Q1 < median < Q3), "
            f"got {iqr_days!r} around {median_days!r}"
        )
    sigma = np.log(q3 / q1) / (2 * _Z75)
    mu = (np.log(q1) + np.log(float(median_days)) + np.log(q3)) / 3.0
    cdf = stats.lognorm.cdf(np.arange(max_days + 1), s=sigma, scale=np.exp(mu))
    pmf = np.zeros(max_days + 1)
    pmf[1:] = np.diff(cdf)
    pmf[1] += cdf[0]
    pmf[max_days] += 1.0 - cdf[max_days]
    return np.asarray(pmf / pmf.sum(), dtype=np.float64)


def default_los_pmfs(max_days: int = LOS_MAX_DAYS) -> FloatArray:
    """Default LoS pmfs, shape (5, max_days + 1), rows in :data:`BED_TYPES` order.

    ICU: median 8 days (IQR 4–12), hospital wards (SEVERE, GENERAL): median 11 (7–14),
    Zhou et al., Lancet 2020;395:1054. SHELTER: median 12 (9–16), an assumption within
    the range reviewed by Rees et al., BMC Med 2020;18:270. QUARANTINE: exactly 14 days
    (NHC protocol, 5th ed., 2020).
    """
    max_days = check_positive_int("max_days", max_days)
    if max_days < QUARANTINE_STAY_DAYS:
        raise ValueError(f"max_days must be >= {QUARANTINE_STAY_DAYS}, got {max_days}")
    quarantine = np.zeros(max_days + 1)
    quarantine[QUARANTINE_STAY_DAYS] = 1.0
    return np.stack(
        [
            lognormal_los_pmf(LOS_ICU_MEDIAN_DAYS, LOS_ICU_IQR_DAYS, max_days),
            lognormal_los_pmf(LOS_SEVERE_MEDIAN_DAYS, LOS_SEVERE_IQR_DAYS, max_days),
            lognormal_los_pmf(LOS_GENERAL_MEDIAN_DAYS, LOS_GENERAL_IQR_DAYS, max_days),
            lognormal_los_pmf(LOS_SHELTER_MEDIAN_DAYS, LOS_SHELTER_IQR_DAYS, max_days),
            quarantine,
        ]
    )


def admissions_from_cases(
    daily_confirmed: Any,
    severity_mix: Any = DEFAULT_SEVERITY_MIX,
    daily_quarantine: Any = None,
) -> FloatArray:
    """Expected admissions per day and bed type.

    Parameters
    ----------
    daily_confirmed : array of float, shape (n_days,)
        New confirmed cases per day (observed, then forecast).
    severity_mix : array of float, shape (4,), default :data:`DEFAULT_SEVERITY_MIX`
        Share of confirmed cases needing ICU, SEVERE, GENERAL, SHELTER; sum ≤ 1 (the
        rest, e.g. asymptomatic, need no bed).
    daily_quarantine : array of float, shape (n_days,), optional
        New suspected, febrile and contacts to quarantine per day.

    Returns
    -------
    ndarray, shape (n_days, 5)
    """
    cases = as_float_array("daily_confirmed", daily_confirmed, 1)
    mix = as_float_array("severity_mix", severity_mix, 1)
    check_length("severity_mix", mix, 4, "hospital bed type")
    if mix.sum() > 1.0 + 1e-9:
        raise ValueError(f"severity_mix must sum to at most 1, got {mix.sum():.6g}")
    out = np.zeros((cases.shape[0], N_TYPES))
    out[:, :4] = cases[:, None] * mix[None, :]
    if daily_quarantine is not None:
        q = as_float_array("daily_quarantine", daily_quarantine, 1)
        check_length("daily_quarantine", q, cases.shape[0], "day of daily_confirmed")
        out[:, QUARANTINE] = q
    return out


def _survival(pmf: FloatArray) -> FloatArray:
    """S(k) = P(LoS > k), k = 0 .. max_days − 1."""
    return np.asarray(1.0 - np.cumsum(pmf)[:-1], dtype=np.float64)


def occupancy(
    admissions: Any,
    los_pmfs: Any = None,
    current_occupied: Any = None,
) -> FloatArray:
    """Beds needed per day and type: admissions convolved with the LoS survival.

    Parameters
    ----------
    admissions : array of float, shape (n_days, 5)
        From :func:`admissions_from_cases` (day 0 = today).
    los_pmfs : array of float, shape (5, m + 1), optional
        LoS pmf per type (entry d = probability of a d-day stay, entry 0 must be 0);
        default :func:`default_los_pmfs`.
    current_occupied : array of float, shape (5,), optional
        Patients in bed on day −1 (yesterday's census); they leave by the residual-stay
        survival.

    Returns
    -------
    ndarray, shape (n_days, 5)
    """
    adm = as_float_array("admissions", admissions, 2)
    if adm.shape[1] != N_TYPES:
        raise ValueError(f"admissions must have {N_TYPES} columns (bed types), got {adm.shape[1]}")
    pmfs = default_los_pmfs() if los_pmfs is None else as_float_array("los_pmfs", los_pmfs, 2)
    if pmfs.shape[0] != N_TYPES or pmfs.shape[1] < 2:
        raise ValueError(f"los_pmfs must have shape ({N_TYPES}, m + 1), got {pmfs.shape}")
    if np.any(np.abs(pmfs.sum(axis=1) - 1.0) > 1e-6) or np.any(pmfs[:, 0] > 0):
        raise ValueError("los_pmfs must be pmfs: rows sum to 1 and no zero-day stays")
    n = adm.shape[0]
    out = np.zeros((n, N_TYPES))
    cur = (
        np.zeros(N_TYPES)
        if current_occupied is None
        else as_float_array("current_occupied", current_occupied, 1)
    )
    check_length("current_occupied", cur, N_TYPES, "bed type")
    for t in range(N_TYPES):
        surv = _survival(pmfs[t])
        out[:, t] = np.convolve(adm[:, t], surv)[:n]
        if cur[t] > 0:
            residual = np.concatenate([np.cumsum(surv[::-1])[::-1], [0.0]])[1:] / surv.sum()
            k = min(n, residual.size)
            out[:k, t] += cur[t] * residual[:k]
    return out


def bed_balance(free_beds: Any, waiting: Any) -> FloatArray:
    """Free beds minus waiting people, elementwise (per type, per day)."""
    free = as_float_array("free_beds", free_beds, np.ndim(free_beds))
    wait = as_float_array("waiting", waiting, np.ndim(free_beds))
    if free.shape != wait.shape:
        raise ValueError(f"waiting must have the shape of free_beds {free.shape}, got {wait.shape}")
    return np.asarray(free - wait, dtype=np.float64)


def beds_wait_day(balance: Any) -> int | None:
    """First day (row) on which the bed balance is ≥ 0 for every type, or None.

    Parameters
    ----------
    balance : array of float, shape (n_days, n_types)
        From :func:`bed_balance`; NaN (unknown) counts as not yet.
    """
    bal = as_float_array("balance", balance, 2, nonnegative=False, allow_nan=True)
    ok = np.all(bal >= 0, axis=1)
    days = np.flatnonzero(ok)
    return int(days[0]) if days.size else None


@dataclass(frozen=True, eq=False)
class CapacityPlan:
    """The beds to open per 3-day window, and the resulting occupancy.

    Attributes
    ----------
    window_start : ndarray of int
        First day of each window (0, 3, 6, …); beds open on that day.
    open_beds : ndarray of int, shape (n_windows, 5)
        Beds of each type to open at the start of each window.
    capacity : ndarray of float, shape (horizon, 5)
        The schedule plus the openings.
    occupancy : ndarray of float, shape (horizon, 5)
        Beds needed (demand).
    occupancy_rate : ndarray of float, shape (horizon, 5)
        ``occupancy / capacity`` after openings (NaN where capacity is 0 and no demand).
    balance_scheduled : ndarray of float, shape (horizon, 5)
        Bed balance under the schedule alone: capacity − demand.
    beds_wait_day_scheduled : int or None
        First day the schedule alone lets beds wait for patients.
    target : float
    """

    window_start: IntArray
    open_beds: IntArray
    capacity: FloatArray
    occupancy: FloatArray
    occupancy_rate: FloatArray
    balance_scheduled: FloatArray
    beds_wait_day_scheduled: int | None
    target: float


def capacity_plan(
    occupancy_forecast: Any,
    capacity_schedule: Any,
    *,
    target: float = OCCUPANCY_TARGET,
    horizon_days: int = PLAN_HORIZON_DAYS,
    batch_days: int = PLAN_BATCH_DAYS,
) -> CapacityPlan:
    """Beds of each type to open in each window so occupancy stays ≤ target.

    Parameters
    ----------
    occupancy_forecast : array of float, shape (n_days, 5)
        Beds needed per day and type, day 0 = today (:func:`occupancy`); n_days ≥ horizon.
    capacity_schedule : array of float, shape (n_days, 5)
        Beds available per day and type under the current plan (openings, closures).
    target : float, default 0.85
        Maximum occupancy rate (:data:`OCCUPANCY_TARGET`).
    horizon_days : int, default 30
        Days planned (:data:`PLAN_HORIZON_DAYS`).
    batch_days : int, default 3
        Window length; beds open on a window's first day (:data:`PLAN_BATCH_DAYS`).

    Returns
    -------
    CapacityPlan
        The minimal plan: no plan with fewer cumulative openings by any window keeps
        every day under the target (see the module docstring).
    """
    target = check_fraction("target", target)
    horizon = check_positive_int("horizon_days", horizon_days)
    batch = check_positive_int("batch_days", batch_days)
    occ = as_float_array("occupancy_forecast", occupancy_forecast, 2)
    cap = as_float_array("capacity_schedule", capacity_schedule, 2)
    for name, arr in (("occupancy_forecast", occ), ("capacity_schedule", cap)):
        if arr.shape[1] != N_TYPES:
            raise ValueError(f"{name} must have {N_TYPES} columns (bed types), got {arr.shape[1]}")
        if arr.shape[0] < horizon:
            raise ValueError(f"{name} must cover horizon_days ({horizon}), got {arr.shape[0]}")
    occ, cap = occ[:horizon], cap[:horizon]
    # Least cumulative openings that keep day t under target; a tiny tolerance keeps
    # float noise (e.g. 85.00000000001) from opening a spurious bed.
    need = np.maximum(0.0, np.ceil(occ / target - cap - 1e-9))
    window_of_day = np.arange(horizon) // batch
    n_windows = int(window_of_day[-1]) + 1
    window_need = np.zeros((n_windows, N_TYPES))
    np.maximum.at(window_need, window_of_day, need)
    cumulative = np.maximum.accumulate(window_need, axis=0)
    open_beds = np.diff(cumulative, axis=0, prepend=0.0).astype(np.int64)
    capacity = cap + cumulative[window_of_day]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(capacity > 0, occ / capacity, np.where(occ > 0, np.inf, np.nan))
    balance = cap - occ
    return CapacityPlan(
        window_start=np.arange(n_windows, dtype=np.int64) * batch,
        open_beds=open_beds,
        capacity=capacity,
        occupancy=occ,
        occupancy_rate=rate,
        balance_scheduled=balance,
        beds_wait_day_scheduled=beds_wait_day(balance),
        target=target,
    )


def plan_beds(
    daily_confirmed: Any,
    today: int,
    capacity_schedule: Any,
    *,
    severity_mix: Any = DEFAULT_SEVERITY_MIX,
    daily_quarantine: Any = None,
    los_pmfs: Any = None,
    current_occupied: Any = None,
    target: float = OCCUPANCY_TARGET,
    horizon_days: int = PLAN_HORIZON_DAYS,
    batch_days: int = PLAN_BATCH_DAYS,
) -> CapacityPlan:
    """The whole DESIGN §3.3 chain: cases → admissions → occupancy → capacity plan.

    Parameters
    ----------
    daily_confirmed : array of float, shape (n_days,)
        Observed new confirmed for days ``0 .. today − 1``, then the forecast; must reach
        ``today + horizon_days − 1``. Past days matter: their patients still hold beds.
    today : int
        Index of the first planned day in ``daily_confirmed``.
    capacity_schedule : array of float, shape (horizon_days, 5)
        Beds per type for each planned day, starting today.
    severity_mix, daily_quarantine, los_pmfs, current_occupied
        As in :func:`admissions_from_cases` and :func:`occupancy` (``current_occupied`` is
        the census on the day before day 0 of ``daily_confirmed``).
    target, horizon_days, batch_days
        As in :func:`capacity_plan`.
    """
    horizon = check_positive_int("horizon_days", horizon_days)
    cases = as_float_array("daily_confirmed", daily_confirmed, 1)
    if isinstance(today, bool) or not isinstance(today, int | np.integer) or today < 0:
        raise ValueError(f"today must be a non-negative integer, got {today!r}")
    if cases.shape[0] < today + horizon:
        raise ValueError(
            f"daily_confirmed must reach today + horizon_days ({today + horizon} days), "
            f"got {cases.shape[0]}"
        )
    adm = admissions_from_cases(cases, severity_mix, daily_quarantine)
    occ = occupancy(adm, los_pmfs, current_occupied)
    return capacity_plan(
        occ[today:],
        capacity_schedule,
        target=target,
        horizon_days=horizon,
        batch_days=batch_days,
    )
