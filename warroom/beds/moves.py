"""Beds taken and given back between a facility's reports: the bridge from dispatch to a
past day's free beds (valid time).

A report sets a facility's census at the moment it is received; between reports the live
pool moves with every placement that starts (a bed taken) or ends (a bed given back).
A past day's occupied beds are therefore the latest report's census plus the moves after
it up to the day's cut-off, not the report alone (which forgets the day's dispatch) and
not today's pools. Beds know no people: dispatch registers a provider here (in its
AppConfig.ready)::

    from warroom.beds.moves import register_moves_provider

    def moves(since, day):  # -> {(facility_id, bed_type): beds taken net}
        ...

    register_moves_provider(moves)

``since`` maps each (facility id, bed type) to the moment of its latest report, or None
for a pair that has not reported (its moves count from the start: the people in it at
the cut-off). ``day``: the moves up to that day's cut-off count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Key = tuple[int, str]
MovesProvider = Callable[[dict[Key, dt.datetime | None], dt.date], dict[Key, int]]

_PROVIDERS: list[MovesProvider] = []


def register_moves_provider(fn: MovesProvider) -> None:
    """Add a source of bed moves (idempotent: the same function is kept once)."""
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)


def unregister_moves_provider(fn: MovesProvider) -> None:
    if fn in _PROVIDERS:
        _PROVIDERS.remove(fn)


def moves_since(since: dict[Key, dt.datetime | None], day: dt.date) -> dict[Key, int]:
    """Net beds taken per (facility id, bed type) after ``since[key]`` and up to ``day``'s
    cut-off, summed over the providers (none registered: no move)."""
    total: dict[Key, int] = {}
    if not since:
        return total
    for provider in _PROVIDERS:
        for key, n in provider(since, day).items():
            if key in since:
                total[key] = total.get(key, 0) + int(n)
    return total
