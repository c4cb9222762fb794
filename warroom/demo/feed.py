"""Feed the twin's outbreak into the platform, day by day, through the real import path.

Each simulated day, the city's and districts' daily reports (DESIGN §4, as the twin's
reporters produced them, planted faults included) are imported exactly as a district's
file would be (``do_import_daily_reports``: validated, all or nothing, idempotent), then
the daily cycle runs for that day. Nothing is written behind the services' back.

Today this feeds the aggregate reports; the line lists (people, tests, contacts,
admissions through the dispatch) follow as case management and beds take them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from warroom.core.daily import run_daily_cycle
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table
from warroom.twin.records import REPORT_FIELDS, DayRecords
from warroom.twin.scenario import load_scenario
from warroom.twin.sim import Simulation

FEED_LEVELS = ("city", "district")


@dataclass
class FeedReport:
    days: int = 0
    rows: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def report_csv(rec: DayRecords, codes: np.ndarray, keep: np.ndarray) -> bytes:
    """The day's reports of the kept areas as a district would send them (§4 CSV)."""
    rows = rec.report[np.isin(rec.report["area"], keep)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["date", "area_code", *REPORT_FIELDS])
    for row in rows:
        writer.writerow(
            [rec.date.isoformat(), codes[row["area"]], *(int(row[f]) for f in REPORT_FIELDS)]
        )
    return buf.getvalue().encode("utf-8")


def do_feed_twin(
    scenario: str = "wuhan-2020",
    *,
    actor: Any,
    scale: float = 1.0,
    days: int | None = None,
    seed: int | None = None,
    on_day: Callable[[dt.date, int], None] | None = None,
) -> FeedReport:
    """Run ``scenario`` and feed every day into the platform (see the module docstring)."""
    changes: dict[str, Any] = {"scale": scale}
    if days is not None:
        changes["days"] = days
    if seed is not None:
        changes["seed"] = seed
    sim = Simulation(load_scenario(scenario).with_overrides(**changes))
    codes = np.asarray(sim.area_codes)
    keep = np.flatnonzero(np.isin(np.asarray(sim.city.area_level), FEED_LEVELS))
    report = FeedReport()
    for _ in range(sim.scenario.days):
        rec = sim.step()
        data = report_csv(rec, codes, keep)
        table = read_table(data, filename=f"twin-{scenario}-{rec.date}.csv")
        result = do_import_daily_reports(table, actor=actor)
        run_daily_cycle(rec.date, actor=actor)
        report.days += 1
        report.rows += result.rows
        report.first_day = report.first_day or rec.date
        report.last_day = rec.date
        if on_day is not None:
            on_day(rec.date, result.rows)
    return report
