"""The clearance cut-off and the quarantine rules come from settings, checked at start-up."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.utils import timezone

from warroom.cases.clearance import cutoff_for


def _load(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import warroom.settings"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WARROOM_CLEARANCE_CUTOFF", "25:00"),
        ("WARROOM_CLEARANCE_CUTOFF", "noon"),
        ("WARROOM_QUARANTINE_TEST_DAYS", "1,x"),
        ("WARROOM_QUARANTINE_TEST_DAYS", "1,15"),
        ("WARROOM_QUARANTINE_DAYS", "0"),
    ],
)
def test_bad_values_stop_the_start_naming_the_variable(name, value):
    result = _load(**{name: value})
    assert result.returncode != 0 and name in result.stderr


def test_the_cutoff_is_midnight_by_default_or_the_configured_time(settings):
    day = dt.date(2020, 2, 10)
    tz = timezone.get_current_timezone()
    assert cutoff_for(day) == dt.datetime(2020, 2, 11, 0, 0, tzinfo=tz)
    settings.WARROOM_CLEARANCE_CUTOFF = "18:00"
    assert cutoff_for(day) == dt.datetime(2020, 2, 10, 18, 0, tzinfo=tz)
