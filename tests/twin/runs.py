"""The twin's shared runs, each computed once per process (they cost seconds).

A module of its own, imported as ``tests.twin.runs``: a bare ``from conftest import ...``
picks whichever ``conftest`` pytest loaded last (tests/beds' when a run names both
directories on its command line) and fails to collect.
"""

from __future__ import annotations

import functools

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
