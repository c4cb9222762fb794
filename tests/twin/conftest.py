"""Shared runs for the twin's tests (each run once per session: they cost seconds)."""

from __future__ import annotations

import pytest

from tests.twin.runs import cached_run
from warroom.twin.runner import RunResult


@pytest.fixture(scope="session")
def small_run() -> RunResult:
    """wuhan-2020 at 5 % of the population, 60 days."""
    return cached_run("wuhan-2020", 0.05, days=60)
