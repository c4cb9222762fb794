"""Run a scenario to the end and keep what the reports need."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warroom.twin.records import DayRecords
from warroom.twin.report import CitySeries, Milestones, milestones
from warroom.twin.scenario import Scenario
from warroom.twin.sim import PlacementPolicy, Simulation


@dataclass(frozen=True)
class RunResult:
    """A finished run: its simulation (for the facilities and codes), records and series."""

    simulation: Simulation
    days: list[DayRecords]
    series: CitySeries

    @property
    def milestones(self) -> Milestones:
        return milestones(self.series, self.simulation.scenario.scale)


def run_scenario(
    scenario: Scenario,
    *,
    policy: PlacementPolicy | None = None,
    on_day: Callable[[DayRecords], None] | None = None,
) -> RunResult:
    """Run ``scenario`` day by day; ``on_day`` sees each day's records (a progress bar)."""
    sim = Simulation(scenario, policy=policy)
    days: list[DayRecords] = []
    beds: list[tuple[int, int]] = []
    for _ in range(scenario.days):
        rec = sim.step()
        days.append(rec)
        beds.append((int(sim.capacity.sum()), int(sim.free_beds().sum())))
        if on_day is not None:
            on_day(rec)
    return RunResult(sim, days, CitySeries.from_days(days, beds))
