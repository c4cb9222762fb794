"""Who is waiting for a bed: the bridge from case management to the bed balance.

Beds do not know about people; case management does. It registers a provider here (in
its AppConfig.ready)::

    from warroom.beds.waiting import register_waiting_provider

    def waiting_counts(day):  # -> {(area_id, bed_type): people waiting at the day's cut-off}
        ...

    register_waiting_provider(waiting_counts)

``area_id`` may be any area (a compound, a street...): the bed balance rolls it up to its
district. ``bed_type`` is the type the person needs (``"ICU"``, ``"SEVERE"``,
``"GENERAL"``, ``"SHELTER"``, ``"QUARANTINE"``). With no provider registered the bed
balance is *unknown*, shown as "no case data", never as zero waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol


class WaitingProvider(Protocol):
    def __call__(self, day: dt.date) -> dict[tuple[int, str], int]: ...


_PROVIDERS: list[Callable[[dt.date], dict[tuple[int, str], int]]] = []


def register_waiting_provider(fn: Callable[[dt.date], dict[tuple[int, str], int]]) -> None:
    """Add a source of waiting people (idempotent: the same function is kept once)."""
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)


def unregister_waiting_provider(fn: Callable[[dt.date], dict[tuple[int, str], int]]) -> None:
    if fn in _PROVIDERS:
        _PROVIDERS.remove(fn)


def has_case_data() -> bool:
    return bool(_PROVIDERS)


def waiting_counts(day: dt.date) -> dict[tuple[int, str], int] | None:
    """Everyone waiting on ``day`` by (area id, bed type), summed over providers; None if none."""
    if not _PROVIDERS:
        return None
    total: dict[tuple[int, str], int] = {}
    for provider in _PROVIDERS:
        for key, n in provider(day).items():
            if n < 0:
                raise ValueError(f"waiting provider {provider!r} gave a negative count for {key}")
            total[key] = total.get(key, 0) + int(n)
    return total
