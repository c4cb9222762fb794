"""The digital twin: a synthetic Wuhan-scale city and a stochastic outbreak (DESIGN §5).

NumPy/SciPy only; no Django, no database (an import-linter contract keeps it so).

Modules
-------
``city``         the area tree (``build_demo_city``: city → districts → streets →
                 communities/villages → compounds), as the platform loads it.
``population``   what the outbreak needs of it (``build_city_model``): households, ages,
                 vulnerable residents per compound/village, businesses per street.
``facilities``   hospitals, shelter hospitals, quarantine sites and their beds by type,
                 with opening dates (``build_facilities``, ``capacity_history``).
``parameters``   epidemiological and operational parameters, each with its source.
``scenario``     TOML scenarios (``load_scenario("wuhan-2020")``), dated switchable inputs.
``sim``          the simulator (``Simulation``) and placement policies.
``records``      the typed records a day emits (``DayRecords``, NumPy structured dtypes).
``runner``       ``run_scenario`` → ``RunResult`` (records, city series).
``report``       city series, milestones (interim phase helper), comparison metrics.
``export``       CSV files of a run (``write_run``) and its digest.
``cli``          ``warroom twin run | compare | scenarios`` (Typer ``app``).

A platform feeder drives it day by day::

    sim = Simulation(load_scenario("wuhan-2020"))
    while sim.t < sim.scenario.days:
        waiting = sim.open_day()          # records.WAITING: who needs which bed type
        so_far = sim.records_before_placement()  # the day's line lists, before placement
        free = sim.free_beds()            # (n_facilities, 5) free beds by BED_TYPES
        persons, facilities = my_allocator(waiting, free, sim.facilities)
        sim.place(persons, facilities)    # the platform's decisions feed back in
        day = sim.close_day()             # records.DayRecords: push table by table

or lets the twin place people itself: ``sim.step()`` (or ``sim.place_by_policy()``
between the two) with a ``PlacementPolicy`` (default ``NearestFreeBedPolicy``).
``sim.facilities[i].code`` is the platform's facility code (``warroom.twin.facilities``
is the one generator of the demo facilities). ``warroom.demo.feed`` is the platform's
feeder.
"""

from warroom.twin.records import DayRecords
from warroom.twin.runner import RunResult, run_scenario
from warroom.twin.scenario import Scenario, load_scenario
from warroom.twin.sim import (
    NearestFreeBedPolicy,
    NoPlacementPolicy,
    PlacementPolicy,
    PlacementView,
    Simulation,
)

__all__ = [
    "DayRecords",
    "NearestFreeBedPolicy",
    "NoPlacementPolicy",
    "PlacementPolicy",
    "PlacementView",
    "RunResult",
    "Scenario",
    "Simulation",
    "load_scenario",
    "run_scenario",
]
