"""Shared runs for the twin's tests (each run once per session: they cost seconds)."""

from __future__ import annotations

import functools

import pytest

from warroom.twin.runner import RunResult, run_scenario
from warroom.twin.scenario import load_scenario


@functools.cache
def cached_run(
    name: str, scale: float, seed: int | None = None, days: int | None = None, **changes: object
) -> RunResult:
    sc = load_scenario(name)
    over: dict[str, object] = {"scale": scale, **changes}
    if seed is not None:
        over["seed"] = seed
    if days is not None:
        over["days"] = days
    return run_scenario(sc.with_overrides(**over))


@pytest.fixture(scope="session")
def small_run() -> RunResult:
    """wuhan-2020 at 5 % of the population, 60 days."""
    return cached_run("wuhan-2020", 0.05, days=60)
