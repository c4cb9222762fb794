"""Data-quality rules over the daily aggregate reports (DESIGN §3.5, 数据弄虚作假).

Input: one row per area and day in the DESIGN §4 format, held as a dense cube
(:class:`DailyReports`: areas × days × the 12 count columns, NaN = unknown). A missing
value never triggers a rule as if it were zero: every comparison needs all its operands
known. Output: :class:`Flags`, a columnar table — one flag per finding with a stable rule
id (the UI translates it), the area, the date, the column, a severity, the measured and
the expected value, and one English sentence a person can act on.

Rules (``RULES`` lists their ids; :func:`run_all` runs them all):

===================== ======== ==========================================================
rule id               severity what it checks
===================== ======== ==========================================================
duplicate_report      warning  one report per area and day (the later row is used)
negative_value        error    no count is below zero
future_date           error    no report is dated after ``as_of``
cumulative_decrease   error    cum_confirmed, cum_deaths, cum_discharged never fall
identity_broken       error    cum_confirmed = cum_deaths + cum_discharged + under_treatment
severity_exceeds      error    severe + critical ≤ under_treatment
new_vs_cumulative     warning  new_X(t) = cum_X(t) − cum_X(t − 1) on consecutive days
children_sum          error    an area's count = the sum of its children's (all known)
stale_figure          warning  a busy report copied forward N days while a sibling moves
outlier_jump          warning  robust z of the day-over-day jump (median / MAD)
last_digit            warning  last digits of counts ≥ 10 are uniform (chi-square)
benford               warning  first digits follow Benford's law (chi-square)
line_list_mismatch    error    new_confirmed agrees with the case line list
===================== ======== ==========================================================

Statistical rules and their sources:

- *outlier_jump*: modified z-score ``0.6745 (d − median) / MAD`` of the jumps d of each
  area and daily column (Iglewicz & Hoaglin 1993). The jumps are taken on the Anscombe
  transform ``2 √(x + 3/8)`` (Anscombe 1948), which gives Poisson counts unit variance, so
  a busy area's ordinary noise is not read as an outlier; for the same reason the scale is
  never taken below √2, the sd of a jump between two Poisson days (this also covers
  MAD = 0, where the mean absolute deviation is tried first: z = (d − median) /
  (1.2533 MeanAD)). A jump is flagged when ``|z|`` exceeds both 3.5 (Iglewicz & Hoaglin)
  and the Bonferroni bound ``Φ⁻¹(1 − α / 2m)`` for the series' m jumps at α = 0.001:
  over 9,000 areas × 6 columns × 59 jumps, 3.5 alone would raise ~1,500 false alarms
  per 60-day run even on Gaussian noise (2·P(Z > 3.5) = 4.7e-4 per jump). Series with
  fewer than 14 known jumps are not tested.
- *last_digit*: Pearson chi-square of the last digits of a reporter's daily counts ≥ 10
  against uniform (Beber & Scacco 2012), at α = 0.001, with ≥ 50 values (10 cells × 5
  expected, Cochran 1954).
- *benford*: chi-square of first digits against ``log10(1 + 1/d)`` (Benford 1938), at
  α = 0.001, with ≥ 110 values (5 / P(9) = 5 / 0.0458) that span ≥ 3 decades — the law
  only holds for data over several orders of magnitude (Nigrini 2012); with a two-decade
  minimum, clean street-level series of the synthetic W1 city (bench/bench_quality.py)
  raised false alarms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse, stats

from warroom.analytics._checks import as_int_array, check_positive_int
from warroom.analytics.parameters import (
    BENFORD_MIN_DECADES,
    BENFORD_MIN_N,
    DIGIT_TEST_ALPHA,
    LAST_DIGIT_MIN_N,
    LAST_DIGIT_MIN_VALUE,
    MAD_TO_SIGMA,
    MEANAD_TO_SIGMA,
    OUTLIER_MIN_N,
    OUTLIER_SERIES_ALPHA,
    ROBUST_Z_THRESHOLD,
    STALE_MIN_DAYS,
)
from warroom.analytics.vocabulary import REPORT_COLUMNS

__all__ = [
    "COLUMNS",
    "RULES",
    "DailyReports",
    "Flags",
    "check_benford",
    "check_children_sum",
    "check_cumulative_decrease",
    "check_duplicates",
    "check_future_dates",
    "check_identity",
    "check_last_digit",
    "check_line_list",
    "check_negative",
    "check_new_vs_cumulative",
    "check_outliers",
    "check_severity",
    "check_stale",
    "run_all",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

COLUMNS = REPORT_COLUMNS
"""The count columns of the daily aggregate report, DESIGN §4, in cube order."""
COL = {name: i for i, name in enumerate(COLUMNS)}
DAILY = tuple(range(6))  # the new_* columns
CUMULATIVE = (COL["cum_confirmed"], COL["cum_deaths"], COL["cum_discharged"])

RULES = (
    "duplicate_report",
    "negative_value",
    "future_date",
    "cumulative_decrease",
    "identity_broken",
    "severity_exceeds",
    "new_vs_cumulative",
    "children_sum",
    "stale_figure",
    "outlier_jump",
    "last_digit",
    "benford",
    "line_list_mismatch",
)
"""Stable rule ids, in the order :func:`run_all` runs them."""

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, eq=False)
class DailyReports:
    """Daily aggregate reports as a dense cube. Build with :meth:`from_rows`.

    Attributes
    ----------
    area_codes : ndarray of str, shape (n_areas,)
    parent : ndarray of int, shape (n_areas,)
        Parent area index, −1 for a root.
    start : numpy.datetime64
        Date of day 0 (``datetime64[D]``).
    values : ndarray of float, shape (n_areas, n_days, 12)
        Counts in :data:`COLUMNS` order; NaN where unknown or not reported.
    reported : ndarray of bool, shape (n_areas, n_days)
        Whether a report row exists.
    duplicate_rows : ndarray of int
        Input rows that repeat an (area, date) already seen; the later row wins.
    duplicate_cells : ndarray of int, shape (k, 2)
        The distinct (area index, day index) pairs that were reported more than once.
    """

    area_codes: NDArray[np.str_]
    parent: IntArray
    start: np.datetime64
    values: FloatArray
    reported: BoolArray
    duplicate_rows: IntArray
    duplicate_cells: IntArray

    @property
    def n_days(self) -> int:
        """Days covered, from ``start``."""
        return int(self.values.shape[1])

    def dates(self) -> NDArray[np.datetime64]:
        """The date of each day index."""
        return self.start + np.arange(self.n_days)

    @classmethod
    def from_rows(
        cls,
        date: Any,
        area_code: Any,
        columns: Mapping[str, Any],
        *,
        area_codes: Any,
        parent: Any,
    ) -> DailyReports:
        """Build the cube from report rows.

        Parameters
        ----------
        date : array of datetime64[D] (or ISO strings), shape (n_rows,)
        area_code : array of str, shape (n_rows,)
            Every code must be in ``area_codes``.
        columns : mapping of column name → array of float, shape (n_rows,)
            Any subset of :data:`COLUMNS`; NaN = unknown; absent columns are unknown.
        area_codes : array of str, shape (n_areas,)
            Every area of the tree, unique.
        parent : array of int, shape (n_areas,)
            Parent index per area, −1 for a root; must be acyclic.
        """
        codes = np.asarray(area_codes).astype(str)
        if codes.ndim != 1 or np.unique(codes).size != codes.size:
            raise ValueError("area_codes must be a 1-d array of unique codes")
        par = as_int_array("parent", parent, 1, nonnegative=False)
        if par.shape != codes.shape:
            raise ValueError(f"parent must have one entry per area ({codes.size}), got {par.size}")
        if par.size and (int(par.min()) < -1 or int(par.max()) >= codes.size):
            raise ValueError(f"parent must hold −1 or an area index in 0..{codes.size - 1}")
        _depth(par)  # raises on a cycle
        try:
            days = np.asarray(date, dtype="datetime64[D]")
        except (TypeError, ValueError) as exc:
            raise ValueError("date must hold dates (datetime64[D] or ISO strings)") from exc
        rows = days.shape[0]
        if days.ndim != 1 or np.any(np.isnat(days)):
            raise ValueError("date must be a 1-d array of dates without NaT")
        row_codes = np.asarray(area_code).astype(str)
        if row_codes.shape != (rows,):
            raise ValueError(
                f"area_code must have one entry per row ({rows}), got {row_codes.shape}"
            )
        order = np.argsort(codes)
        pos = np.searchsorted(codes[order], row_codes)
        pos = np.minimum(pos, max(codes.size - 1, 0))
        known = codes[order][pos] == row_codes if codes.size else np.zeros(rows, dtype=bool)
        if not np.all(known):
            raise ValueError(f"area_code must be in area_codes, got {row_codes[~known][0]!r}")
        area = order[pos]
        unknown_cols = set(columns) - set(COLUMNS)
        if unknown_cols:
            raise ValueError(f"columns must be among COLUMNS, got {sorted(unknown_cols)}")
        start = days.min() if rows else np.datetime64("1970-01-01", "D")
        day = (days - start).astype(np.int64)
        n_days = int(day.max()) + 1 if rows else 0
        values = np.full((codes.size, n_days, len(COLUMNS)), np.nan)
        for name, col in columns.items():
            try:
                arr = np.asarray(col, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must be numeric (NaN = unknown)") from exc
            if arr.shape != (rows,):
                raise ValueError(f"{name} must have one entry per row ({rows}), got {arr.shape}")
            if np.any(np.isinf(arr)):
                raise ValueError(f"{name} must be finite or NaN, got inf")
            values[area, day, COL[name]] = arr  # later duplicate rows win
        reported = np.zeros((codes.size, n_days), dtype=bool)
        reported[area, day] = True
        key = area * max(n_days, 1) + day
        order_k = np.argsort(key, kind="stable")
        repeat = np.zeros(rows, dtype=bool)
        repeat[1:] = key[order_k][1:] == key[order_k][:-1]
        dup = np.sort(order_k[repeat])
        cells = np.unique(np.stack([area[dup], day[dup]], axis=1), axis=0).reshape(-1, 2)
        return cls(codes, par, start, values, reported, dup.astype(np.int64), cells)


def _depth(parent: IntArray) -> IntArray:
    depth = np.zeros(parent.shape[0], dtype=np.int64)
    anc = parent.copy()
    for _ in range(parent.shape[0] + 1):
        live = anc >= 0
        if not live.any():
            return depth
        depth += live
        anc[live] = parent[anc[live]]
    raise ValueError("parent must describe a tree, got a cycle")


def _child_sum(parent: IntArray, x: NDArray[Any]) -> FloatArray:
    """Sum over each area's children of ``x`` (first axis = area), as a sparse product."""
    n = parent.shape[0]
    kids = np.flatnonzero(parent >= 0)
    m = sparse.csr_matrix((np.ones(kids.size), (parent[kids], kids)), shape=(n, n))
    flat = np.asarray(x, dtype=np.float64).reshape(n, -1)
    return np.asarray(m @ flat, dtype=np.float64).reshape(x.shape)


@dataclass(frozen=True, eq=False)
class Flags:
    """Findings, one per row (columnar). Concatenate with :meth:`concat`.

    Attributes
    ----------
    rule : ndarray of str
        Stable rule id (:data:`RULES`).
    area_code : ndarray of str
    date : ndarray of datetime64[D]
        The day the finding is about (for history tests, the reporter's last day).
    column : ndarray of str
        The column concerned ("" when the whole row is).
    severity : ndarray of str
        "error" (the figures cannot all be true) or "warning" (verify).
    measured, expected : ndarray of float
        What the data says and what the rule expects (NaN when not a number).
    message : ndarray of str
        One sentence a person can act on.
    """

    rule: NDArray[np.str_]
    area_code: NDArray[np.str_]
    date: NDArray[np.datetime64]
    column: NDArray[np.str_]
    severity: NDArray[np.str_]
    measured: FloatArray
    expected: FloatArray
    message: NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.rule.shape[0])

    @classmethod
    def empty(cls) -> Flags:
        """No findings."""
        s = np.zeros(0, dtype=str)
        return cls(s, s, np.zeros(0, "datetime64[D]"), s, s, np.zeros(0), np.zeros(0), s)

    @classmethod
    def concat(cls, parts: list[Flags]) -> Flags:
        """All findings of ``parts``, in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in (
                    "rule",
                    "area_code",
                    "date",
                    "column",
                    "severity",
                    "measured",
                    "expected",
                    "message",
                )
            )
        )

    def where(self, rule: str) -> Flags:
        """The findings of one rule."""
        m = self.rule == rule
        return Flags(
            self.rule[m],
            self.area_code[m],
            self.date[m],
            self.column[m],
            self.severity[m],
            self.measured[m],
            self.expected[m],
            self.message[m],
        )


def _fmt(x: float) -> str:
    return "unknown" if np.isnan(x) else (f"{x:.0f}" if x == round(x) else f"{x:.3g}")


def _make(
    reports: DailyReports,
    rule: str,
    severity: str,
    area: IntArray,
    day: IntArray,
    col: IntArray | None,
    measured: FloatArray,
    expected: FloatArray,
    sentence: Callable[[str, str, str, float, float], str],
) -> Flags:
    """Assemble flags; ``sentence(area_code, date, column, measured, expected)``."""
    n = area.shape[0]
    if n == 0:
        return Flags.empty()
    codes = reports.area_codes[area]
    dates = reports.start + day.astype("timedelta64[D]")
    cols = np.array([COLUMNS[c] for c in col]) if col is not None else np.full(n, "")
    msgs = [
        sentence(str(a), str(d), str(c), float(m), float(e))
        for a, d, c, m, e in zip(codes, dates, cols, measured, expected, strict=True)
    ]
    return Flags(
        np.full(n, rule),
        codes,
        dates,
        cols.astype(str),
        np.full(n, severity),
        measured.astype(np.float64),
        expected.astype(np.float64),
        np.array(msgs, dtype=str),
    )


def check_duplicates(reports: DailyReports) -> Flags:
    """``duplicate_report``: an area filed more than one report for a day.

    Uses :attr:`DailyReports.duplicate_rows`; the later row's values are the ones kept.
    One flag per (area, day) that had a duplicate.
    """
    cells = reports.duplicate_cells
    a, d = cells[:, 0], cells[:, 1]
    return _make(
        reports,
        "duplicate_report",
        WARNING,
        a,
        d,
        None,
        np.full(a.size, np.nan),
        np.full(a.size, np.nan),
        lambda ar, dt, co, m, e: (
            f"{ar} filed more than one report for {dt}; the last one was used: confirm it "
            "is the right one."
        ),
    )


def check_negative(reports: DailyReports) -> Flags:
    """``negative_value``: every count is ≥ 0."""
    a, d, c = np.nonzero(reports.values < 0)
    v = reports.values[a, d, c]
    return _make(
        reports,
        "negative_value",
        ERROR,
        a,
        d,
        c,
        v,
        np.zeros_like(v),
        lambda ar, dt, co, m, e: (
            f"{ar} reported {co} = {_fmt(m)} on {dt}; a count cannot be "
            "negative: correct the figure."
        ),
    )


def check_future_dates(reports: DailyReports, as_of: Any) -> Flags:
    """``future_date``: no report row is dated after ``as_of``."""
    try:
        ref = np.datetime64(as_of, "D")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"as_of must be a date, got {as_of!r}") from exc
    if np.isnat(ref):
        raise ValueError("as_of must be a date, got NaT")
    first_future = max(int((ref - reports.start) // np.timedelta64(1, "D")) + 1, 0)
    a, d = np.nonzero(reports.reported[:, first_future:])
    d = d + first_future
    return _make(
        reports,
        "future_date",
        ERROR,
        a,
        d,
        None,
        d.astype(float),
        np.full(d.size, float(first_future - 1)),
        lambda ar, dt, co, m, e: (
            f"{ar} filed a report dated {dt}, after today ({ref}); check the date of the report."
        ),
    )


def _previous_known(x: FloatArray) -> FloatArray:
    """For each (row, t): the last known value strictly before t along axis 1 (NaN if none)."""
    n_rows, n_days = x.shape
    known = ~np.isnan(x)
    idx = np.where(known, np.arange(n_days)[None, :], -1)
    last = np.maximum.accumulate(idx, axis=1)
    prev = np.full_like(x, np.nan)
    if n_days > 1:
        src = last[:, :-1]
        rows = np.broadcast_to(np.arange(n_rows)[:, None], src.shape)
        vals = x[rows, np.maximum(src, 0)]
        prev[:, 1:] = np.where(src >= 0, vals, np.nan)
    return prev


def check_cumulative_decrease(reports: DailyReports) -> Flags:
    """``cumulative_decrease``: cumulative counts never fall below the last known value."""
    parts = []
    for c in CUMULATIVE:
        x = reports.values[:, :, c]
        prev = _previous_known(x)
        a, d = np.nonzero(x < prev)
        parts.append(
            _make(
                reports,
                "cumulative_decrease",
                ERROR,
                a,
                d,
                np.full(a.size, c),
                x[a, d],
                prev[a, d],
                lambda ar, dt, co, m, e: (
                    f"{ar}'s {co} fell to {_fmt(m)} on {dt} from "
                    f"{_fmt(e)}; a cumulative count never falls: correct it or explain the "
                    "revision."
                ),
            )
        )
    return Flags.concat(parts)


def check_identity(reports: DailyReports) -> Flags:
    """``identity_broken``: cum_confirmed = cum_deaths + cum_discharged + under_treatment."""
    v = reports.values
    total = v[:, :, COL["cum_confirmed"]]
    parts = v[:, :, COL["cum_deaths"]] + v[:, :, COL["cum_discharged"]]
    parts = parts + v[:, :, COL["under_treatment"]]
    a, d = np.nonzero(total != parts)  # NaN on either side compares unequal …
    known = ~np.isnan(total[a, d]) & ~np.isnan(parts[a, d])  # … so keep known ones only
    a, d = a[known], d[known]
    return _make(
        reports,
        "identity_broken",
        ERROR,
        a,
        d,
        np.full(a.size, COL["cum_confirmed"]),
        total[a, d],
        parts[a, d],
        lambda ar, dt, co, m, e: (
            f"{ar} on {dt}: cum_confirmed {_fmt(m)} ≠ deaths + discharged "
            f"+ under treatment = {_fmt(e)}; find the patients missing from one of the counts."
        ),
    )


def check_severity(reports: DailyReports) -> Flags:
    """``severity_exceeds``: severe + critical never exceed under_treatment."""
    v = reports.values
    sc = v[:, :, COL["severe"]] + v[:, :, COL["critical"]]
    ut = v[:, :, COL["under_treatment"]]
    a, d = np.nonzero(sc > ut)
    return _make(
        reports,
        "severity_exceeds",
        ERROR,
        a,
        d,
        np.full(a.size, COL["under_treatment"]),
        sc[a, d],
        ut[a, d],
        lambda ar, dt, co, m, e: (
            f"{ar} on {dt}: severe + critical = {_fmt(m)} exceed the "
            f"{_fmt(e)} under treatment; correct one of the three figures."
        ),
    )


def check_new_vs_cumulative(reports: DailyReports) -> Flags:
    """``new_vs_cumulative``: new_X(t) = cum_X(t) − cum_X(t − 1) on consecutive known days."""
    parts = []
    v = reports.values
    for new_name, cum_name in (
        ("new_confirmed", "cum_confirmed"),
        ("new_deaths", "cum_deaths"),
        ("new_discharged", "cum_discharged"),
    ):
        cum = v[:, :, COL[cum_name]]
        new = v[:, 1:, COL[new_name]]
        step = cum[:, 1:] - cum[:, :-1]
        a, d = np.nonzero(new != step)
        known = ~np.isnan(new[a, d]) & ~np.isnan(step[a, d])
        a, d = a[known], d[known]
        parts.append(
            _make(
                reports,
                "new_vs_cumulative",
                WARNING,
                a,
                d + 1,
                np.full(a.size, COL[new_name]),
                new[a, d],
                step[a, d],
                lambda ar, dt, co, m, e: (
                    f"{ar} on {dt}: {co} = {_fmt(m)} but the cumulative "
                    f"count rose by {_fmt(e)}; reconcile the daily and the cumulative figure."
                ),
            )
        )
    return Flags.concat(parts)


def check_children_sum(reports: DailyReports) -> Flags:
    """``children_sum``: each count of an area equals the sum over its children.

    Checked only where the parent's value and every child's value are known.
    """
    par = reports.parent
    has_parent = np.flatnonzero(par >= 0)
    if has_parent.size == 0:
        return Flags.empty()
    n_areas = par.shape[0]
    v = reports.values
    nan = np.isnan(v)
    sums = _child_sum(par, np.where(nan, 0.0, v))
    n_known = _child_sum(par, ~nan)
    n_children = np.bincount(par[has_parent], minlength=n_areas)
    complete = (n_known == n_children[:, None, None]) & (n_children[:, None, None] > 0)
    a, d, c = np.nonzero(complete & ~np.isnan(v) & (v != sums))
    return _make(
        reports,
        "children_sum",
        ERROR,
        a,
        d,
        c,
        v[a, d, c],
        sums[a, d, c],
        lambda ar, dt, co, m, e: (
            f"{ar} reported {co} = {_fmt(m)} on {dt} but its sub-areas "
            f"add up to {_fmt(e)}; reconcile the area with its sub-areas."
        ),
    )


def _run_length(same: BoolArray) -> IntArray:
    """Length of the run of True ending at each position along axis 1."""
    c = np.cumsum(same, axis=1, dtype=np.int64)
    reset = np.maximum.accumulate(np.where(~same, c, 0), axis=1)
    return c - reset


def check_stale(reports: DailyReports, *, min_days: int = STALE_MIN_DAYS) -> Flags:
    """``stale_figure``: a report copied forward for ``min_days`` days while siblings move.

    A row is stale when it is identical to the previous day's (every column equal, or
    unknown on both days; at least one known) although it carries a non-zero daily count
    — a quiet area whose daily counts are all zero may legitimately repeat its figures.
    Flagged once per run, on the day the row has repeated ``min_days`` times in a row, if
    over those days at least one sibling area's row changed. Roots are not checked.
    """
    n = check_positive_int("min_days", min_days)
    par = reports.parent
    if reports.n_days <= n:
        return Flags.empty()
    has_parent = np.flatnonzero(par >= 0)
    v = reports.values
    nan = np.isnan(v)
    eq = (v[:, 1:] == v[:, :-1]) | (nan[:, 1:] & nan[:, :-1])
    some_known = ~nan[:, 1:].all(axis=2)
    both = reports.reported[:, 1:] & reports.reported[:, :-1]
    same = eq.all(axis=2) & some_known & both
    busy = (v[:, 1:, list(DAILY)] > 0).any(axis=2)
    changed = both & ~same
    run = _run_length(same & busy)
    cm = np.cumsum(changed, axis=1, dtype=np.int64)
    window = cm.copy()
    window[:, n:] -= cm[:, :-n]  # rows changed over the last n steps
    fam = _child_sum(par, window).astype(np.int64)
    sib = np.zeros_like(window)
    sib[has_parent] = fam[par[has_parent]] - window[has_parent]
    a, d = np.nonzero((run == n) & (sib > 0))
    nc = COL["new_confirmed"]
    return _make(
        reports,
        "stale_figure",
        WARNING,
        a,
        d + 1,
        None,
        v[a, d + 1, nc],
        np.full(a.size, np.nan),
        lambda ar, dt, co, m, e: (
            f"{ar} has filed the same report for {n} days up to {dt} (new_confirmed "
            f"{_fmt(m)}) while neighbouring areas' figures changed; confirm it is updated."
        ),
    )


def check_outliers(
    reports: DailyReports,
    *,
    threshold: float = ROBUST_Z_THRESHOLD,
    series_alpha: float = OUTLIER_SERIES_ALPHA,
    min_n: int = OUTLIER_MIN_N,
) -> Flags:
    """``outlier_jump``: robust z of day-over-day jumps of the daily columns.

    See the module docstring for the statistic. Only jumps between consecutive known
    days count; areas with fewer than ``min_n`` known jumps are not tested.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    min_n = check_positive_int("min_n", min_n)
    series_alpha = _check_alpha(series_alpha, "series_alpha")
    x = reports.values[:, :, list(DAILY)]
    y = 2.0 * np.sqrt(np.maximum(x, 0.0) + 0.375)  # Anscombe; negatives are another rule
    y[np.isnan(x)] = np.nan
    jump = y[:, 1:, :] - y[:, :-1, :]
    known = ~np.isnan(jump)
    n_known = known.sum(axis=1)
    enough = n_known >= min_n
    if not enough.any():
        return Flags.empty()
    # Sort-based median per (area, column): NaN sorts last; take the middle of the known.
    srt = np.sort(jump, axis=1)
    med = _sorted_median(srt, n_known)
    dev = np.abs(jump - med[:, None, :])
    mad = _sorted_median(np.sort(dev, axis=1), n_known)
    mean_ad = np.where(known, dev, 0.0).sum(axis=1) / np.maximum(n_known, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(mad > 0, mad / MAD_TO_SIGMA, mean_ad / MEANAD_TO_SIGMA)
        scale = np.maximum(np.nan_to_num(scale), np.sqrt(2.0))  # Poisson noise floor
        z = (jump - med[:, None, :]) / scale[:, None, :]
    bound = stats.norm.isf(series_alpha / (2.0 * np.maximum(n_known, 1)))
    limit = np.maximum(float(threshold), bound)
    hit = (np.abs(z) > limit[:, None, :]) & enough[:, None, :] & known
    a, d, c = np.nonzero(hit)
    raw_prev = x[a, d, c]
    raw_now = x[a, d + 1, c]
    return _make(
        reports,
        "outlier_jump",
        WARNING,
        a,
        d + 1,
        np.asarray(DAILY)[c].astype(np.int64),
        raw_now,
        raw_prev,
        lambda ar, dt, co, m, e: (
            f"{ar}'s {co} jumped from {_fmt(e)} to {_fmt(m)} on {dt}, far "
            "outside its usual day-to-day change; verify the figure with the reporting unit."
        ),
    )


def _sorted_median(srt: FloatArray, n_known: IntArray) -> FloatArray:
    """Median along axis 1 of an array sorted with NaN last, given the known counts."""
    lo = np.maximum((n_known - 1) // 2, 0)
    hi = np.maximum(n_known // 2, 0)
    a = np.take_along_axis(srt, lo[:, None, :], axis=1)[:, 0, :]
    b = np.take_along_axis(srt, hi[:, None, :], axis=1)[:, 0, :]
    return np.asarray(np.where(n_known > 0, (a + b) / 2.0, np.nan), dtype=np.float64)


def _history(reports: DailyReports) -> tuple[FloatArray, IntArray]:
    """Per area, its daily counts flattened (NaN where unknown), and its last report day."""
    x = reports.values[:, :, list(DAILY)].reshape(reports.values.shape[0], -1)
    rep = reports.reported
    idx = np.where(rep, np.arange(reports.n_days)[None, :], -1)
    return x, idx.max(axis=1, initial=-1)


def _chi2_flags(
    reports: DailyReports,
    rule: str,
    counts: IntArray,
    probs: FloatArray,
    eligible: BoolArray,
    alpha: float,
    what: str,
    last_day: IntArray,
) -> Flags:
    n = counts.sum(axis=1)
    expected = n[:, None] * probs[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(expected > 0, (counts - expected) ** 2 / expected, 0.0).sum(axis=1)
    dof = probs.size - 1
    critical = float(stats.chi2.isf(alpha, dof))
    a = np.flatnonzero(eligible & (chi2 > critical) & (last_day >= 0))
    return _make(
        reports,
        rule,
        WARNING,
        a,
        last_day[a],
        None,
        chi2[a],
        np.full(a.size, critical),
        lambda ar, dt, co, m, e: (
            f"{ar}'s reports up to {dt} have {what} (chi-square {m:.1f} > {e:.1f}, "
            f"α = {alpha}), unlikely by chance; audit how its figures are produced."
        ),
    )


def check_last_digit(
    reports: DailyReports,
    *,
    alpha: float = DIGIT_TEST_ALPHA,
    min_n: int = LAST_DIGIT_MIN_N,
    min_value: int = LAST_DIGIT_MIN_VALUE,
) -> Flags:
    """``last_digit``: the last digits of a reporter's daily counts ≥ ``min_value`` are uniform.

    One test per area over all its daily (new_*) counts, if it has ≥ ``min_n`` of them.
    """
    min_n = check_positive_int("min_n", min_n)
    min_value = check_positive_int("min_value", min_value)
    alpha = _check_alpha(alpha)
    x, last_day = _history(reports)
    use = (x >= min_value) & (x == np.round(x))
    rows, cols = np.nonzero(use)
    digits = np.mod(x[rows, cols], 10).astype(np.int64)
    counts = np.bincount(rows * 10 + digits, minlength=x.shape[0] * 10).reshape(-1, 10)
    eligible = counts.sum(axis=1) >= min_n
    return _chi2_flags(
        reports,
        "last_digit",
        counts,
        np.full(10, 0.1),
        eligible,
        alpha,
        "last digits unevenly spread",
        last_day,
    )


def check_benford(
    reports: DailyReports,
    *,
    alpha: float = DIGIT_TEST_ALPHA,
    min_n: int = BENFORD_MIN_N,
    min_decades: float = BENFORD_MIN_DECADES,
) -> Flags:
    """``benford``: first digits of a reporter's positive daily counts follow Benford's law.

    One test per area over its positive daily (new_*) counts, only with ≥ ``min_n`` values
    spanning ≥ ``min_decades`` orders of magnitude.
    """
    min_n = check_positive_int("min_n", min_n)
    alpha = _check_alpha(alpha)
    if isinstance(min_decades, bool) or not isinstance(min_decades, int | float) or min_decades < 0:
        raise ValueError(f"min_decades must be a non-negative number, got {min_decades!r}")
    x, last_day = _history(reports)
    pos = x >= 1
    xv = np.where(pos, x, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log10(xv)
    rows, cols = np.nonzero(pos)
    vals = x[rows, cols]
    first = np.floor(vals / 10.0 ** np.floor(np.log10(vals))).astype(np.int64)
    first = np.clip(first, 1, 9)  # guards float edge cases like 999.9999 → 9
    counts = np.bincount(rows * 9 + first - 1, minlength=x.shape[0] * 9).reshape(-1, 9)
    all_nan = ~pos.any(axis=1)
    lg_safe = np.where(pos, lg, np.nan)
    span = np.zeros(x.shape[0])
    span[~all_nan] = np.nanmax(lg_safe[~all_nan], axis=1) - np.nanmin(lg_safe[~all_nan], axis=1)
    eligible = (counts.sum(axis=1) >= min_n) & (span >= min_decades)
    probs = np.log10(1.0 + 1.0 / np.arange(1, 10))
    return _chi2_flags(
        reports,
        "benford",
        counts,
        probs,
        eligible,
        alpha,
        "first digits far from Benford's law",
        last_day,
    )


def _check_alpha(alpha: Any, name: str = "alpha") -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {alpha!r}")
    return float(alpha)


def check_line_list(
    reports: DailyReports,
    case_date: Any,
    case_area_code: Any,
    *,
    tolerance: int = 0,
) -> Flags:
    """``line_list_mismatch``: new_confirmed agrees with the case line list.

    Parameters
    ----------
    reports : DailyReports
    case_date : array of datetime64[D], shape (n_cases,)
        Confirmation date of each case in the line list.
    case_area_code : array of str, shape (n_cases,)
        Area (usually the compound) of each case; cases count for every ancestor too.
    tolerance : int, default 0
        Largest absolute difference accepted.

    Notes
    -----
    The line list is complete by definition: an (area, day) with no case in it counts 0.
    Compared only where the aggregate is known and within the reports' dates.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise ValueError(f"tolerance must be a non-negative integer, got {tolerance!r}")
    try:
        dates = np.asarray(case_date, dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ValueError("case_date must hold dates") from exc
    codes = np.asarray(case_area_code).astype(str)
    if dates.ndim != 1 or codes.shape != dates.shape or np.any(np.isnat(dates)):
        raise ValueError("case_date and case_area_code must be 1-d, equally long, without NaT")
    order = np.argsort(reports.area_codes)
    sorted_codes = reports.area_codes[order]
    pos = np.minimum(np.searchsorted(sorted_codes, codes), max(sorted_codes.size - 1, 0))
    if codes.size and not np.all(sorted_codes[pos] == codes):
        bad = codes[sorted_codes[pos] != codes][0]
        raise ValueError(f"case_area_code must be in the reports' area_codes, got {bad!r}")
    area = order[pos]
    day = (dates - reports.start).astype(np.int64)
    inside = (day >= 0) & (day < reports.n_days)
    n_areas = reports.area_codes.shape[0]
    line = np.zeros((n_areas, reports.n_days))
    np.add.at(line, (area[inside], day[inside]), 1.0)
    # Roll the leaf counts up the tree, deepest level first.
    depth = _depth(reports.parent)
    for lvl in range(int(depth.max(initial=0)), 0, -1):
        at_level = np.where((depth == lvl)[:, None], line, 0.0)
        line += _child_sum(reports.parent, at_level)
    agg = reports.values[:, :, COL["new_confirmed"]]
    a, d = np.nonzero(np.abs(agg - line) > tolerance)  # NaN aggregate: no flag
    return _make(
        reports,
        "line_list_mismatch",
        ERROR,
        a,
        d,
        np.full(a.size, COL["new_confirmed"]),
        agg[a, d],
        line[a, d],
        lambda ar, dt, co, m, e: (
            f"{ar} reported {_fmt(m)} new confirmed on {dt} but the case "
            f"line list holds {_fmt(e)}; enter the missing cases or correct the count."
        ),
    )


def run_all(
    reports: DailyReports,
    as_of: Any,
    *,
    case_date: Any = None,
    case_area_code: Any = None,
) -> Flags:
    """Run every rule (in :data:`RULES` order) and return all findings.

    The line-list rule runs only when ``case_date`` and ``case_area_code`` are given.
    Rule parameters are the defaults of :mod:`warroom.analytics.parameters`; call the
    ``check_*`` functions directly to change them.
    """
    parts = [
        check_duplicates(reports),
        check_negative(reports),
        check_future_dates(reports, as_of),
        check_cumulative_decrease(reports),
        check_identity(reports),
        check_severity(reports),
        check_new_vs_cumulative(reports),
        check_children_sum(reports),
        check_stale(reports),
        check_outliers(reports),
        check_last_digit(reports),
        check_benford(reports),
    ]
    if (case_date is None) != (case_area_code is None):
        raise ValueError("case_date and case_area_code must be given together")
    if case_date is not None:
        parts.append(check_line_list(reports, case_date, case_area_code))
    return Flags.concat(parts)
