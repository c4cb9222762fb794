"""The scheduled daily cycle: when it runs and for which day (`warroom daily --watch`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from warroom.core.daily import next_scheduled_run, parse_cutoff, watch


def _at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_midnight_cutoff_computes_the_day_just_ended() -> None:
    at, day = next_scheduled_run(_at(2020, 2, 1, 10, 0), "24:00")
    assert (timezone.localtime(at), day) == (_at(2020, 2, 2, 0, 0), dt.date(2020, 2, 1))


def test_evening_cutoff_runs_the_same_day_then_the_next() -> None:
    assert next_scheduled_run(_at(2020, 2, 1, 19, 59), "20:00")[1] == dt.date(2020, 2, 1)
    at, day = next_scheduled_run(_at(2020, 2, 1, 20, 0), "20:00")
    assert (timezone.localtime(at), day) == (_at(2020, 2, 2, 20, 0), dt.date(2020, 2, 2))


@pytest.mark.parametrize("text", ["24:01", "25:00", "7:00", "07:60", "noon", ""])
def test_a_bad_cutoff_is_refused_with_its_value(text: str) -> None:
    with pytest.raises(ValueError, match="cut-off"):
        parse_cutoff(text)


@given(
    now=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    hours=st.integers(0, 24),
    minutes=st.integers(0, 59),
)
def test_the_next_run_is_the_first_cutoff_after_now(
    now: dt.datetime, hours: int, minutes: int
) -> None:
    minutes = 0 if hours == 24 else minutes
    cutoff = f"{hours:02d}:{minutes:02d}"
    aware = timezone.make_aware(now)
    at, day = next_scheduled_run(aware, cutoff)
    # after now, within a day, exactly at the day's cut-off ...
    assert aware < at <= aware + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
    assert at - start == dt.timedelta(hours=hours, minutes=minutes)
    # ... and no earlier cut-off was still to come
    earlier = timezone.make_aware(
        dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0))
        + dt.timedelta(hours=hours, minutes=minutes)
    )
    assert earlier <= aware


def test_watch_sleeps_until_each_cutoff_and_runs_that_day() -> None:
    clock = [_at(2020, 2, 1, 23, 0)]
    slept: list[float] = []
    ran: list[tuple[dt.date, dt.datetime]] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += dt.timedelta(seconds=seconds)

    def run(day: dt.date) -> None:
        ran.append((day, clock[0]))
        clock[0] += dt.timedelta(minutes=3)  # the cycle takes a while

    watch(run, cutoff="24:00", now=lambda: clock[0], sleep=sleep, runs=2)
    assert ran == [
        (dt.date(2020, 2, 1), _at(2020, 2, 2, 0, 0)),
        (dt.date(2020, 2, 2), _at(2020, 2, 3, 0, 0)),
    ]
    assert max(slept) <= 60  # wakes every minute (a clock change is noticed)
