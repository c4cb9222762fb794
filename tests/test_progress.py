"""Progress of long commands: a bar on a terminal, else one log line per step (issue 21)."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from warroom.core.progress import StepProgress, clock


def test_progress_off_a_terminal_is_one_line_per_day_with_rates():
    out = io.StringIO()
    with StepProgress(3, label="demo", out=out) as progress:
        progress.step("2020-01-01", rows=1000, seconds=2.0, parts={"ingest": 1.5})
        progress.step("2020-01-02", rows=0, seconds=0.0)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[demo] day 1/3 2020-01-01 · 1,000 rows in 2.0 s (500 rows/s)")
    assert "ingest 1.5 s" in lines[0] and "left ~" in lines[0] and "RSS" in lines[0]
    assert lines[1].startswith("[demo] day 2/3 2020-01-02 · elapsed")


@given(st.floats(min_value=0, max_value=10**6, allow_nan=False))
def test_the_clock_reads_back_as_the_seconds_rounded(seconds):
    parts = [int(p) for p in clock(seconds).split(":")]
    value = 0
    for p in parts:
        value = value * 60 + p
    assert value == round(seconds)
    assert all(p < 60 for p in parts[1:])
