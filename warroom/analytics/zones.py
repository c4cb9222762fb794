"""Zones and levels (分区分级): the risk-level rule and the grouping of travellers into vehicles.

Pure (no Django). The risk rule is the national one of February 2020 (国务院应对新型冠状病毒
肺炎疫情联防联控机制《关于科学防治精准施策分区分级做好新冠肺炎疫情防控工作的指导意见》,
17 February 2020), applied to each district and street:

- **low** (低风险): no confirmed case, or none newly confirmed in the last 14 days;
- **medium** (中风险): newly confirmed cases in the last 14 days, and either at most 50
  cumulative confirmed cases, or more than 50 but no cluster in the last 14 days;
- **high** (高风险): more than 50 cumulative confirmed cases and a cluster in the last 14 days.

A cluster (聚集性疫情) is two or more confirmed cases within 14 days in one small place (a
household, a building site, a unit); the platform's smallest place is the compound, so a
compound with two or more confirmations in the window is a cluster. The 50 and the 14 and
the 2 are settings (a smaller city may lower the 50).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LOW, MEDIUM, HIGH = "low", "medium", "high"
LEVELS = (LOW, MEDIUM, HIGH)
RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}


@dataclass(frozen=True)
class RiskRule:
    cumulative: int = 50  # cumulative confirmed cases above which a cluster makes it high
    window_days: int = 14
    cluster_cases: int = 2  # confirmations in one compound within the window


@dataclass(frozen=True)
class RiskBasis:
    """What an area's level was computed from (stored with it, shown beside it)."""

    cumulative: int
    new_in_window: int
    clusters: int  # compounds with >= cluster_cases confirmations in the window

    def as_dict(self) -> dict[str, int]:
        return {
            "cumulative": self.cumulative,
            "new_in_window": self.new_in_window,
            "clusters": self.clusters,
        }


def risk_level(basis: RiskBasis, rule: RiskRule = RiskRule()) -> tuple[str, str]:
    """The level and the clause of the rule that decided it (a code the UI translates)."""
    if basis.cumulative <= 0 or basis.new_in_window <= 0:
        return LOW, "no_new_cases"
    if basis.cumulative > rule.cumulative and basis.clusters > 0:
        return HIGH, "many_cases_and_cluster"
    if basis.cumulative > rule.cumulative:
        return MEDIUM, "many_cases_no_cluster"
    return MEDIUM, "few_cases"


def higher(a: str, b: str) -> bool:
    """Whether level ``a`` is above level ``b``."""
    return RANK[a] > RANK[b]


@dataclass(frozen=True)
class Traveller:
    key: int
    origin: str
    destination: str


def group_into_vehicles(
    travellers: Iterable[Traveller], capacity: int
) -> list[tuple[str, str, list[int]]]:
    """Point-to-point (点对点): travellers grouped by (origin, destination) into full vehicles.

    Each group fills vehicles of ``capacity`` seats in the order given (first come, first
    seated); a vehicle never mixes routes. Returns (origin, destination, keys) per vehicle,
    routes sorted, so the same requests always give the same manifests.
    """
    if capacity < 1:
        raise ValueError("a vehicle has at least one seat")
    routes: dict[tuple[str, str], list[int]] = {}
    for t in travellers:
        routes.setdefault((t.origin, t.destination), []).append(t.key)
    vehicles: list[tuple[str, str, list[int]]] = []
    for (origin, destination), keys in sorted(routes.items()):
        for i in range(0, len(keys), capacity):
            vehicles.append((origin, destination, keys[i : i + capacity]))
    return vehicles


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction, or None when there is nothing to divide by."""
    return part / whole if whole else None


def roll_up(values: dict[str, tuple[int, int]], paths: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Sum (part, whole) pairs of leaves (keyed by their materialised path) into each of ``paths``.

    A leaf counts in every given path that is a prefix of its own: the exact roll-up used
    for closure coverage (a street's share is its compounds' closed over its compounds).
    """
    out = {p: (0, 0) for p in paths}
    for leaf, (part, whole) in values.items():
        for p in paths:
            if leaf.startswith(p):
                a, b = out[p]
                out[p] = (a + part, b + whole)
    return out
