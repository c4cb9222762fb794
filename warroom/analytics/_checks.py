"""Uniform input validation for the operational analytics (scikit-learn style).

Every check raises :class:`ValueError` with the message ``"<name> must be <rule>, got
<what>"`` so callers and the UI see one shape of error. Never ``assert``: ``python -O``
strips assertions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def as_int_array(
    name: str, value: Any, ndim: int, *, nonnegative: bool = True
) -> NDArray[np.int64]:
    """Return ``value`` as an int64 array of ``ndim`` dimensions, or raise ValueError."""
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    if (
        arr.size
        and arr.dtype.kind not in "iub"
        and (arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or np.any(arr != np.rint(arr)))
    ):
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    out = arr.astype(np.int64, copy=False)
    if nonnegative and out.size and int(out.min()) < 0:
        raise ValueError(f"{name} must be non-negative, got minimum {int(out.min())}")
    return out


def as_float_array(
    name: str, value: Any, ndim: int, *, nonnegative: bool = True, allow_nan: bool = False
) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array of ``ndim`` dimensions, or raise ValueError."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {type(value).__name__}") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    finite = np.isfinite(arr)
    bad = ~finite & ~np.isnan(arr) if allow_nan else ~finite
    if np.any(bad):
        raise ValueError(f"{name} must be finite, got {arr[bad][0]}")
    if nonnegative and np.any(arr[finite] < 0):
        raise ValueError(f"{name} must be non-negative, got minimum {arr[finite].min()}")
    return arr


def check_length(name: str, arr: NDArray[Any], n: int, what: str) -> None:
    """Raise ValueError unless ``len(arr) == n``."""
    if arr.shape[0] != n:
        raise ValueError(f"{name} must have one entry per {what} ({n}), got {arr.shape[0]}")


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as a positive int, or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a float in (0, 1], or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    v = float(value)
    if not 0.0 < v <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return v
