"""The four-phase method (四阶段划分法), DESIGN.md §3.1, day by day.

Rules, in the order they are applied to each day ``t`` (0-based index of the series):

Band
    From the day's new confirmed ``n``: HIGH ``n >= 1000``, MIDDLE ``100 <= n <= 999``,
    LOW ``10 <= n <= 99``, TAIL ``0 <= n <= 9``. A missing day (NaN) has no band
    (:data:`MISSING`).
Declared phase
    Undeclared (:data:`UNDECLARED`) until some band holds on ``k`` consecutive days
    (default ``k = 3``). It changes to band ``b`` on the first day ``t`` such that days
    ``t-k+1 .. t`` are all observed and all in ``b`` and ``b`` differs from the declared
    phase. ``t`` is the *declared-on* day; the *retrospective start* is the first day of
    that run of ``b`` days. An excursion shorter than ``k`` days never changes the phase.
Missing days
    Never read as zero. A missing day belongs to no band, so it breaks a run: ``k``
    consecutive *calendar* days must all be observed. The declared phase carries over
    missing days unchanged; the direction of a day whose 14-day trend window holds a
    missing day is :data:`UNKNOWN`.
CLEARED
    Declared on the ``c``-th consecutive observed day with ``n == 0`` (default
    ``c = 14``), with the first zero day as its start. A day with a confirmed case ends
    CLEARED at once (as a new case decertifies an area, DESIGN §3.6): the phase returns
    to TAIL, started and declared on that day, and the ``k``-day rule applies from there
    (so a one-day spike after CLEARED is TAIL, not its own band). Missing days keep
    CLEARED but do not count towards it.
Direction
    From the 7-day trend: ``r = S_now / S_prev`` with ``S_now`` the sum of days
    ``t-6 .. t`` and ``S_prev`` of days ``t-13 .. t-7``. RISING if ``r > 1 + tol``,
    FALLING if ``r < 1 - tol``, else FLAT (``tol`` = 0.10); two zero weeks are FLAT,
    a zero week followed by cases is RISING. UNKNOWN in the first 13 days or when
    either week has a missing day.
Next band
    For the last day: a least-squares line through ``log(n + 1)`` over the last 14 days
    (observed days only, at least 7 of them) is extrapolated to the first day on which
    the fitted count enters the band above the declared phase (slope > 0) or leaves it
    downwards (slope < 0); for TAIL going down, the first day the fitted count drops
    below 0.5 is the first expected zero day, and CLEARED is expected ``c - 1`` days
    later (fewer when that day is tomorrow and zero days already end the series: they
    count). Reported only within 60 days. This is the day the band is *reached*; its
    declaration follows ``k - 1`` days later by the rule above.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from warroom.analytics.parameters import (
    BAND_HIGH_MIN,
    BAND_LOW_MIN,
    BAND_MIDDLE_MIN,
    CLEARED_ZERO_DAYS,
    NEXT_BAND_MAX_DAYS,
    PHASE_CONFIRM_DAYS,
    TREND_FIT_DAYS,
    TREND_FLAT_TOLERANCE,
    TREND_WINDOW_DAYS,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
CodeArray = NDArray[np.int8]

__all__ = [
    "BAND_BOUNDS",
    "MISSING",
    "UNDECLARED",
    "UNKNOWN",
    "Direction",
    "NextBand",
    "Phase",
    "PhaseTimeline",
    "band_of",
    "classify_phases",
    "next_band",
    "trend_direction",
]


class Phase(IntEnum):
    """A band of daily new confirmed, or CLEARED (never a band of a single day)."""

    TAIL = 0
    LOW = 1
    MIDDLE = 2
    HIGH = 3
    CLEARED = 4


class Direction(IntEnum):
    """The 7-day trend of daily new confirmed."""

    FALLING = -1
    FLAT = 0
    RISING = 1


MISSING = -1  # band code of a missing day
UNDECLARED = -1  # phase code before any phase has been declared
UNKNOWN = -2  # direction code when the trend cannot be computed
NO_DAY = -1  # day index where there is none (no phase declared yet)

BAND_BOUNDS: tuple[int, int, int] = (BAND_LOW_MIN, BAND_MIDDLE_MIN, BAND_HIGH_MIN)  # default


def _floors(bands: tuple[int, ...]) -> tuple[float, float, float, float]:
    """Lower bounds of TAIL, LOW, MIDDLE, HIGH from the LOW, MIDDLE, HIGH lower bounds."""
    values = tuple(bands)
    if (
        len(values) != 3
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values)
        or values[0] < 1
        or not values[0] < values[1] < values[2]
    ):
        raise ValueError(
            f"bands must be three increasing integers >= 1 (LOW, MIDDLE, HIGH lower "
            f"bounds), got {bands!r}"
        )
    return (0.0, float(values[0]), float(values[1]), float(values[2]))


@dataclass(frozen=True, eq=False)
class PhaseTimeline:
    """The phase of every day of a series (index ``t`` = day ``t`` of the input).

    Attributes
    ----------
    new_confirmed : ndarray of float
        The input, NaN for a missing day.
    band : ndarray of int8
        :class:`Phase` code of the day's band (TAIL..HIGH), :data:`MISSING` if missing.
    phase : ndarray of int8
        Declared :class:`Phase` code as known on that day, :data:`UNDECLARED` before the first.
    phase_start : ndarray of int64
        Retrospective start (day index) of the declared phase, :data:`NO_DAY` if none.
    declared_on : ndarray of int64
        Day index on which the declared phase was declared, :data:`NO_DAY` if none.
    direction : ndarray of int8
        :class:`Direction` code, :data:`UNKNOWN` where the trend is not computable.
    confirm_days, cleared_days : int
        The ``k`` and ``c`` used.
    """

    new_confirmed: FloatArray
    band: CodeArray
    phase: CodeArray
    phase_start: IntArray
    declared_on: IntArray
    direction: CodeArray
    confirm_days: int
    cleared_days: int

    @property
    def days_in_phase(self) -> IntArray:
        """Days since the retrospective start, the start day counting as 1 (0 if none)."""
        days = np.arange(self.phase.size, dtype=np.int64) - self.phase_start + 1
        out: IntArray = np.where(self.phase_start == NO_DAY, 0, days)
        return out

    def band_names(self) -> list[str]:
        """Band of each day as text (``""`` for a missing day)."""
        return [Phase(int(c)).name if c != MISSING else "" for c in self.band]

    def phase_names(self) -> list[str]:
        """Declared phase of each day as text (``""`` before the first declaration)."""
        return [Phase(int(c)).name if c != UNDECLARED else "" for c in self.phase]

    def direction_names(self) -> list[str]:
        """Direction of each day as text (``"UNKNOWN"`` where not computable)."""
        return [Direction(int(c)).name if c != UNKNOWN else "UNKNOWN" for c in self.direction]


@dataclass(frozen=True)
class NextBand:
    """When the fitted trend reaches the next band (days after the last day of the series).

    ``phase`` is the band (or CLEARED) expected next; ``days_ahead`` the first day it is
    reached (1 = the day after the last day); ``daily_growth`` the fitted log-linear rate
    per day (``exp`` of it is the daily growth factor).
    """

    phase: Phase
    days_ahead: int
    daily_growth: float


def _check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _as_counts(new_confirmed: ArrayLike) -> FloatArray:
    values = np.asarray(new_confirmed, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"new_confirmed must be 1-D, got an array of shape {values.shape}")
    observed = values[~np.isnan(values)]
    if np.any(~np.isfinite(observed)) or np.any(observed < 0):
        raise ValueError("new_confirmed must hold counts >= 0 or NaN for a missing day")
    return values


def band_of(new_confirmed: ArrayLike, *, bands: tuple[int, ...] = BAND_BOUNDS) -> CodeArray:
    """Band code (:class:`Phase` TAIL..HIGH) of each day's count; :data:`MISSING` for NaN.

    By default HIGH ``n >= 1000``, MIDDLE ``100..999``, LOW ``10..99``, TAIL ``0..9``
    (DESIGN §3.1, Wuhan's digits); ``bands`` gives a city's own lower bounds of LOW,
    MIDDLE and HIGH. Non-integer counts (e.g. averages) are banded by the same thresholds.
    """
    values = _as_counts(new_confirmed)
    floors = _floors(bands)
    with np.errstate(invalid="ignore"):
        bands_ = np.searchsorted(np.asarray(floors, dtype=np.float64), values, "right") - 1
    out: CodeArray = np.where(np.isnan(values), MISSING, bands_).astype(np.int8)
    return out


def trend_direction(
    new_confirmed: ArrayLike,
    *,
    window: int = TREND_WINDOW_DAYS,
    tolerance: float = TREND_FLAT_TOLERANCE,
) -> CodeArray:
    """Direction of each day from the ratio of the last ``window``-day sum to the one before.

    See the module docstring for the rule; :data:`UNKNOWN` for the first ``2*window - 1``
    days and wherever either window holds a missing day.
    """
    values = _as_counts(new_confirmed)
    window = _check_int("window", window, 1)
    tol = float(tolerance)
    if not 0 <= tol < 1:
        raise ValueError(f"tolerance must be a number in [0, 1), got {tolerance!r}")
    out = np.full(values.size, UNKNOWN, dtype=np.int8)
    if values.size < 2 * window:
        return out
    sums = np.convolve(values, np.ones(window), mode="valid")  # NaN propagates
    now, prev = sums[window:], sums[:-window]
    known = ~(np.isnan(now) | np.isnan(prev))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(prev > 0, now / np.where(prev > 0, prev, 1.0), np.inf)
    ratio = np.where((prev == 0) & (now == 0), 1.0, ratio)
    direction = np.where(
        ratio > 1 + tol, Direction.RISING, np.where(ratio < 1 - tol, Direction.FALLING, 0)
    )
    out[2 * window - 1 :] = np.where(known, direction, UNKNOWN)
    return out


def classify_phases(
    new_confirmed: ArrayLike,
    *,
    confirm_days: int = PHASE_CONFIRM_DAYS,
    cleared_days: int = CLEARED_ZERO_DAYS,
    trend_window: int = TREND_WINDOW_DAYS,
    flat_tolerance: float = TREND_FLAT_TOLERANCE,
    bands: tuple[int, ...] = BAND_BOUNDS,
) -> PhaseTimeline:
    """Band, declared phase, its retrospective start and declaration day, and direction.

    Parameters
    ----------
    new_confirmed : array_like of float, shape (T,)
        Daily new confirmed, contiguous days; NaN marks a missing day (never zero).
    confirm_days : int, default PHASE_CONFIRM_DAYS
        ``k``: consecutive days in a new band that declare it (DESIGN §3.1: 3).
    cleared_days : int, default CLEARED_ZERO_DAYS
        ``c``: consecutive zero days that declare CLEARED (DESIGN §3.1: 14).
    trend_window : int, default TREND_WINDOW_DAYS
        Days per window of the direction's week-on-week ratio (7).
    flat_tolerance : float, default TREND_FLAT_TOLERANCE
        Relative change counted as flat (0.10).
    bands : tuple of 3 int, default BAND_BOUNDS
        Lower bounds of LOW, MIDDLE and HIGH (Wuhan's 10, 100, 1000; a city setting).

    Returns
    -------
    PhaseTimeline
    """
    values = _as_counts(new_confirmed)
    k = _check_int("confirm_days", confirm_days, 1)
    c = _check_int("cleared_days", cleared_days, 1)
    band = band_of(values, bands=bands)
    n_days = values.size
    phase = np.full(n_days, UNDECLARED, dtype=np.int8)
    start = np.full(n_days, NO_DAY, dtype=np.int64)
    declared = np.full(n_days, NO_DAY, dtype=np.int64)

    current, current_start, current_declared = UNDECLARED, NO_DAY, NO_DAY
    run_band, run_start = MISSING, NO_DAY  # the run of equal, observed bands ending today
    zero_start = NO_DAY  # first day of the run of observed zero days ending today
    for t in range(n_days):
        b = int(band[t])
        if b == MISSING:
            run_band, run_start, zero_start = MISSING, NO_DAY, NO_DAY
        else:
            if b != run_band:
                run_band, run_start = b, t
            if values[t] > 0:
                zero_start = NO_DAY
            elif zero_start == NO_DAY:
                zero_start = t
        if current == Phase.CLEARED and b != MISSING and values[t] > 0:
            current, current_start, current_declared = Phase.TAIL, t, t
        elif zero_start != NO_DAY and t - zero_start + 1 >= c:
            if current != Phase.CLEARED:
                current, current_start, current_declared = Phase.CLEARED, zero_start, t
        elif b != MISSING and t - run_start + 1 >= k and b != current and current != Phase.CLEARED:
            current, current_start, current_declared = b, run_start, t
        phase[t], start[t], declared[t] = current, current_start, current_declared
    return PhaseTimeline(
        new_confirmed=values,
        band=band,
        phase=phase,
        phase_start=start,
        declared_on=declared,
        direction=trend_direction(values, window=trend_window, tolerance=flat_tolerance),
        confirm_days=k,
        cleared_days=c,
    )


def next_band(
    new_confirmed: ArrayLike,
    phase: int,
    *,
    fit_days: int = TREND_FIT_DAYS,
    max_days: int = NEXT_BAND_MAX_DAYS,
    cleared_days: int = CLEARED_ZERO_DAYS,
    bands: tuple[int, ...] = BAND_BOUNDS,
) -> NextBand | None:
    """Project when the log-linear trend of the last ``fit_days`` reaches the next band.

    Parameters
    ----------
    new_confirmed : array_like of float
        Daily new confirmed up to the last day (NaN = missing).
    phase : int
        The declared :class:`Phase` on the last day (TAIL..HIGH; CLEARED and
        :data:`UNDECLARED` give ``None``).
    fit_days : int, default TREND_FIT_DAYS
        Days of history in the fit (14); at least half must be observed.
    bands : tuple of 3 int, default BAND_BOUNDS
        Lower bounds of LOW, MIDDLE and HIGH (a city setting; Wuhan's by default).
    max_days : int, default NEXT_BAND_MAX_DAYS
        Farthest projection reported (60 days).
    cleared_days : int, default CLEARED_ZERO_DAYS
        Zero days that declare CLEARED (for the TAIL -> CLEARED projection).

    Returns
    -------
    NextBand or None
        ``None`` when the fit is flat, there are too few observed days, the phase has no
        next band in the fitted direction (HIGH rising), or the crossing is beyond
        ``max_days``.
    """
    values = _as_counts(new_confirmed)
    fit_days = _check_int("fit_days", fit_days, 2)
    max_days = _check_int("max_days", max_days, 1)
    c = _check_int("cleared_days", cleared_days, 1)
    floors = _floors(bands)
    if phase not in (Phase.TAIL, Phase.LOW, Phase.MIDDLE, Phase.HIGH):
        return None
    recent = values[-fit_days:]
    days = np.arange(-recent.size + 1, 1, dtype=np.float64)  # the last day is 0
    seen = ~np.isnan(recent)
    if seen.sum() < max(2, (fit_days + 1) // 2):
        return None
    x, y = days[seen], np.log(recent[seen] + 1.0)
    slope, intercept = np.polyfit(x, y, 1)
    if not np.isfinite(slope) or abs(slope) < 1e-9:
        return None
    ahead = np.arange(1, max_days + 1, dtype=np.float64)
    fitted = np.exp(intercept + slope * ahead) - 1.0
    if slope > 0:
        if phase == Phase.HIGH:
            return None
        target, hits = Phase(phase + 1), fitted >= floors[phase + 1]
        offset = 0
    elif phase == Phase.TAIL:
        # Zero days already observed at the end of the series count towards the c days.
        nonzero = np.flatnonzero(np.isnan(values) | (values != 0))
        zeros_so_far = values.size - 1 - int(nonzero[-1]) if nonzero.size else values.size
        target, hits = Phase.CLEARED, fitted < 0.5
        first = int(np.argmax(hits)) + 1 if hits.any() else 0
        offset = c - 1
        if first == 1:  # the zero run ending today goes on: day c - z is its c-th day
            day = c - zeros_so_far
            if day < 1 or day > max_days:
                return None  # due today by the rule itself (or too far): no projection
            return NextBand(phase=target, days_ahead=day, daily_growth=float(slope))
    else:
        target, hits = Phase(phase - 1), fitted < floors[phase]
        offset = 0
    if not hits.any():
        return None
    day = int(np.argmax(hits)) + 1 + offset
    if day > max_days:
        return None
    return NextBand(phase=target, days_ahead=day, daily_growth=float(slope))
