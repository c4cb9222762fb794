"""The four-phase method (DESIGN §3.1): bands, declared phases, CLEARED, direction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from warroom.analytics.phases import (
    MISSING,
    NO_DAY,
    UNDECLARED,
    UNKNOWN,
    Direction,
    Phase,
    band_of,
    classify_phases,
    next_band,
    trend_direction,
)

# One representative count per band, and the band boundaries.
REP = {Phase.TAIL: 5, Phase.LOW: 50, Phase.MIDDLE: 500, Phase.HIGH: 2000}


def test_band_boundaries_are_exactly_those_of_the_design() -> None:
    counts = [0, 9, 10, 99, 100, 999, 1000, 25000, np.nan]
    expected = [0, 0, 1, 1, 2, 2, 3, 3, MISSING]
    assert band_of(counts).tolist() == expected


def test_a_phase_is_declared_on_the_kth_day_with_the_run_start_retrospectively() -> None:
    series = [50, 50, 50, 500, 500, 500, 500, 50, 500]
    tl = classify_phases(series)
    assert tl.phase_names() == ["", "", "LOW", "LOW", "LOW", "MIDDLE", "MIDDLE", "MIDDLE", "MIDDLE"]
    assert tl.phase_start[5] == 3 and tl.declared_on[5] == 5
    assert tl.phase_start[2] == 0 and tl.declared_on[2] == 2
    assert tl.days_in_phase.tolist() == [0, 0, 3, 4, 5, 3, 4, 5, 6]


def test_a_two_day_spike_does_not_flip_the_phase_but_three_days_do() -> None:
    two = classify_phases([500] * 5 + [1500] * 2 + [500] * 3)
    assert set(two.phase_names()[2:]) == {"MIDDLE"}
    three = classify_phases([500] * 5 + [1500] * 3 + [500] * 3)
    assert three.phase_names()[7] == "HIGH" and three.phase_start[7] == 5
    assert three.phase_names()[10] == "MIDDLE" and three.phase_start[10] == 8


def test_a_missing_day_breaks_a_run_and_is_not_read_as_zero() -> None:
    tl = classify_phases([50, 50, 50, 500, 500, np.nan, 500, 500, 500])
    assert tl.phase_names()[:8] == ["", "", "LOW", "LOW", "LOW", "LOW", "LOW", "LOW"]
    assert tl.phase_names()[8] == "MIDDLE" and tl.phase_start[8] == 6
    assert tl.band[5] == MISSING
    # Thirteen zeros around a missing day are not fourteen zero days.
    tail = [5, 5, 5] + [0] * 7 + [np.nan] + [0] * 7
    assert "CLEARED" not in classify_phases(tail).phase_names()
    filled = [5, 5, 5] + [0] * 15
    assert classify_phases(filled).phase_names()[-1] == "CLEARED"


def test_cleared_after_fourteen_zero_days_and_ended_by_a_case() -> None:
    series = [20, 20, 20, 3, 3, 3] + [0] * 14 + [0, 0, 2, 0, 0, 0]
    tl = classify_phases(series)
    names = tl.phase_names()
    assert names[18] == "TAIL" and names[19] == "CLEARED"
    assert tl.phase_start[19] == 6 and tl.declared_on[19] == 19
    assert names[22] == "TAIL" and tl.phase_start[22] == 22 and tl.declared_on[22] == 22
    assert names[-1] == "TAIL"
    custom = classify_phases(series, cleared_days=5)
    assert custom.phase_names()[10] == "CLEARED"


def test_direction_is_the_week_on_week_ratio_with_a_tolerance() -> None:
    flat = [10.0] * 14
    assert trend_direction(flat).tolist() == [UNKNOWN] * 13 + [Direction.FLAT]
    up = [10.0] * 7 + [12.0] * 7  # +20 %
    assert trend_direction(up)[-1] == Direction.RISING
    down = [10.0] * 7 + [8.5] * 7  # -15 %
    assert trend_direction(down)[-1] == Direction.FALLING
    slight = [10.0] * 7 + [10.5] * 7  # +5 %, within 10 %
    assert trend_direction(slight)[-1] == Direction.FLAT
    assert trend_direction([0.0] * 7 + [1.0] + [0.0] * 6)[-1] == Direction.RISING
    assert trend_direction([0.0] * 14)[-1] == Direction.FLAT
    gap = [10.0] * 3 + [np.nan] + [10.0] * 10
    assert trend_direction(gap)[-1] == UNKNOWN


def test_next_band_from_the_log_linear_trend() -> None:
    growth = 0.1
    series = 50 * np.exp(growth * np.arange(-13, 1)) - 1  # log(n + 1) exactly linear
    nb = next_band(series, Phase.LOW)
    assert nb is not None and nb.phase == Phase.MIDDLE
    # 50 e^{0.1 d} - 1 >= 100  <=>  d >= 10 ln(101/50) = 7.03 -> day 8
    assert nb.days_ahead == 8
    assert abs(nb.daily_growth - growth) < 1e-9
    falling = 5 * np.exp(-0.2 * np.arange(-13, 1)) - 1 + 1e-12
    nb = next_band(np.maximum(falling, 0), Phase.TAIL, cleared_days=14)
    assert nb is not None and nb.phase == Phase.CLEARED
    # Zero days already at the end count towards CLEARED.
    ending = np.r_[np.full(7, 4.0), np.full(3, 1.0), np.zeros(4)]
    nb = next_band(ending, Phase.TAIL, cleared_days=14)
    assert nb is not None and nb.phase == Phase.CLEARED and nb.days_ahead == 10
    assert next_band([500.0] * 14, Phase.MIDDLE) is None
    assert next_band([2000 * 1.1**d for d in range(14)], Phase.HIGH) is None
    assert next_band([np.nan] * 10 + [1.0] * 4, Phase.TAIL) is None


counts_strategy = st.lists(
    st.one_of(st.sampled_from([0, 3, 9, 10, 50, 99, 100, 500, 999, 1000, 3000]), st.just(np.nan)),
    min_size=1,
    max_size=80,
)


@given(counts_strategy, st.integers(1, 5), st.integers(1, 20))
@settings(max_examples=300, deadline=None)
def test_every_change_is_backed_by_its_rule(counts: list[float], k: int, c: int) -> None:
    tl = classify_phases(counts, confirm_days=k, cleared_days=c)
    values = np.asarray(counts, dtype=float)
    prev = UNDECLARED
    for t in range(values.size):
        ph = int(tl.phase[t])
        if ph != prev:
            assert tl.declared_on[t] == t
            start = int(tl.phase_start[t])
            if ph == Phase.CLEARED:
                assert t - start + 1 >= c and np.all(values[start : t + 1] == 0)
            elif prev == Phase.CLEARED:
                assert ph == Phase.TAIL and values[t] > 0 and start == t
            else:
                # k observed days, all in the new band, and the start opens that run.
                assert t - k + 1 >= 0
                assert np.all(tl.band[t - k + 1 : t + 1] == ph)
                assert np.all(tl.band[start : t + 1] == ph)
                assert start == 0 or tl.band[start - 1] != ph
        else:
            assert t == 0 or tl.declared_on[t] == tl.declared_on[t - 1]
        if ph == Phase.CLEARED:
            seen = values[int(tl.phase_start[t]) : t + 1]
            assert np.all(seen[~np.isnan(seen)] == 0)
        if ph == UNDECLARED:
            assert tl.phase_start[t] == NO_DAY
        prev = ph


@given(
    st.sampled_from([Phase.TAIL, Phase.LOW, Phase.MIDDLE, Phase.HIGH]),
    st.integers(3, 10),
    st.lists(st.sampled_from([1, 50, 500, 5000, np.nan]), min_size=1, max_size=2),
    st.integers(0, 10),
)
@settings(max_examples=300, deadline=None)
def test_a_spike_shorter_than_k_never_changes_the_declared_phase(
    base: Phase, before: int, spike: list[float], after: int
) -> None:
    k = 3
    series = [REP[base]] * before + spike + [REP[base]] * after
    tl = classify_phases(series, confirm_days=k)
    assert np.all(tl.phase[k - 1 :] == base)
    assert np.all(tl.phase_start[k - 1 :] == 0)


@given(counts_strategy)
@settings(max_examples=200, deadline=None)
def test_missing_days_are_never_read_as_zero(counts: list[float]) -> None:
    values = np.asarray(counts, dtype=float)
    assume(np.isnan(values).any())
    tl = classify_phases(values)
    # Every CLEARED run counts only observed zeros: c of them in a row before it.
    for t in np.flatnonzero(
        (tl.phase == Phase.CLEARED) & (tl.declared_on == np.arange(values.size))
    ):
        run = values[t - tl.cleared_days + 1 : t + 1]
        assert run.size == tl.cleared_days and np.all(run == 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confirm_days": 0}, "confirm_days must be"),
        ({"cleared_days": 1.5}, "cleared_days must be"),
        ({"flat_tolerance": 1.5}, "tolerance must be"),
    ],
)
def test_bad_parameters_are_value_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classify_phases([1, 2, 3], **kwargs)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="counts >= 0"):
        classify_phases([1, -2, 3])


def test_the_bands_are_a_city_setting() -> None:
    # A city a tenth of Wuhan's size: LOW from 1, MIDDLE from 10, HIGH from 100 a day.
    from warroom.analytics.phases import band_of, classify_phases

    counts = np.array([0, 5, 50, 500, 5000, 500], dtype=float)
    assert band_of(counts).tolist() == [0, 0, 1, 2, 3, 2]
    assert band_of(counts, bands=(1, 10, 100)).tolist() == [0, 1, 2, 3, 3, 3]
    tl = classify_phases([150.0] * 5, bands=(1, 10, 100), confirm_days=2)
    assert tl.phase_names()[-1] == "HIGH"
    for bad in ((10, 10, 100), (0, 10, 100), (1, 10), (1.5, 10, 100)):
        with pytest.raises(ValueError, match="bands must be"):
            band_of(counts, bands=bad)  # type: ignore[arg-type]
