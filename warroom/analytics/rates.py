"""The rates the headquarters steers the three quantities by (pure: no Django).

Each rate is a share of two counts of people from the case line list, on one day
(cumulative up to that day's cut-off). Definitions (docs/supervision.md):

=================== ============================= =========================================
rate                numerator                     denominator
=================== ============================= =========================================
admission (收治率)   confirmed people ever admitted confirmed people (cumulative)
severe (重症发生率)  mild/moderate who became       people ever recorded mild, moderate or
                    severe or critical             asymptomatic
fatality (病亡率)    deaths among confirmed         confirmed people (cumulative)
cure (治愈率)        discharged (cured)             confirmed people (cumulative)
staff infection     confirmed health workers       confirmed people (cumulative)
contact positivity  close contacts later confirmed close contacts (cumulative)
=================== ============================= =========================================

A day whose denominator is 0 has no rate (NaN), never 0. Every function takes arrays
(one value per day or per area) and validates them in the scikit-learn manner: a
``ValueError`` naming the argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from warroom.analytics._checks import as_int_array

__all__ = [
    "HIGHER_IS_BETTER",
    "METRICS",
    "RATES",
    "admission_rate",
    "contact_positivity",
    "cure_rate",
    "fatality_rate",
    "meets_target",
    "rates_of",
    "ratio",
    "severe_rate",
    "staff_infection_share",
    "trend",
]

FloatArray = NDArray[np.float64]

# metric name -> (numerator count, denominator count), the names of the counts the
# selector produces (warroom.supervision.selectors.rate_counts).
RATES: dict[str, tuple[str, str]] = {
    "admission": ("admitted", "confirmed"),
    "severe": ("became_severe", "ever_mild"),
    "fatality": ("deaths", "confirmed"),
    "cure": ("cured", "confirmed"),
    "staff_infection": ("staff_confirmed", "confirmed"),
    "contact_positivity": ("contacts_confirmed", "contacts"),
}
METRICS = tuple(RATES)
HIGHER_IS_BETTER = frozenset({"admission", "cure"})


def ratio(numerator: Any, denominator: Any, *, name: str = "rate") -> FloatArray:
    """``numerator / denominator`` element-wise, NaN where the denominator is 0.

    Both are non-negative integer arrays of one shape with ``numerator <= denominator``
    (a share of people: nobody counts in the numerator who is not in the denominator).
    """
    num = as_int_array(f"{name} numerator", np.atleast_1d(numerator), 1)
    den = as_int_array(f"{name} denominator", np.atleast_1d(denominator), 1)
    if num.shape != den.shape:
        raise ValueError(
            f"{name} numerator and denominator must have one shape, got {num.shape} and {den.shape}"
        )
    if np.any(num > den):
        i = int(np.argmax(num > den))
        raise ValueError(
            f"{name} numerator must not exceed the denominator, got {int(num[i])} > "
            f"{int(den[i])} at {i}"
        )
    out = np.full(num.shape, np.nan)
    known = den > 0
    out[known] = num[known] / den[known]
    return out


def admission_rate(admitted: Any, confirmed: Any) -> FloatArray:
    """收治率: confirmed people ever admitted ÷ confirmed people."""
    return ratio(admitted, confirmed, name="admission")


def severe_rate(became_severe: Any, ever_mild: Any) -> FloatArray:
    """重症发生率: people recorded mild (or moderate, asymptomatic) who became severe or
    critical ÷ people ever recorded mild."""
    return ratio(became_severe, ever_mild, name="severe")


def fatality_rate(deaths: Any, confirmed: Any) -> FloatArray:
    """病亡率: deaths among confirmed people ÷ confirmed people."""
    return ratio(deaths, confirmed, name="fatality")


def cure_rate(cured: Any, confirmed: Any) -> FloatArray:
    """治愈率: confirmed people discharged cured ÷ confirmed people."""
    return ratio(cured, confirmed, name="cure")


def staff_infection_share(staff_confirmed: Any, confirmed: Any) -> FloatArray:
    """Confirmed health workers ÷ confirmed people (医务人员感染)."""
    return ratio(staff_confirmed, confirmed, name="staff_infection")


def contact_positivity(contacts_confirmed: Any, contacts: Any) -> FloatArray:
    """Close contacts later confirmed ÷ close contacts (密接阳性率)."""
    return ratio(contacts_confirmed, contacts, name="contact_positivity")


_FUNCTIONS = {
    "admission": admission_rate,
    "severe": severe_rate,
    "fatality": fatality_rate,
    "cure": cure_rate,
    "staff_infection": staff_infection_share,
    "contact_positivity": contact_positivity,
}


def rates_of(counts: dict[str, Any]) -> dict[str, FloatArray]:
    """Every rate of :data:`METRICS` from a dict of count arrays named as in :data:`RATES`."""
    return {m: _FUNCTIONS[m](counts[a], counts[b]) for m, (a, b) in RATES.items()}


def trend(values: Any, *, days: int = 7) -> float:
    """The change of the last known value over the value ``days`` earlier (NaN unknown)."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"values must be a 1-d array, got shape {arr.shape}")
    if arr.size <= days:
        return float("nan")
    return float(arr[-1] - arr[-1 - days])


def meets_target(metric: str, value: float, target: float) -> bool | None:
    """Whether ``value`` meets ``target`` (higher is better for admission and cure, lower
    for the others); None when the value is unknown."""
    if metric not in RATES:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if value is None or not np.isfinite(value):
        return None
    return bool(value >= target) if metric in HIGHER_IS_BETTER else bool(value <= target)
