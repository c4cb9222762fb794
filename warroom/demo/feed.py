"""Feed the twin's outbreak into the platform, day by day, through the real import path.

Each simulated day goes in as the offices of a city would send it — files through the
importers that users have (validated, all or nothing, idempotent), nothing written behind
the services' back:

1. the districts' line list, morning (``cases.imports.do_import_line_list``): close
   contacts traced (05:00, quarantined at home, linked to their index case), severity
   changes and outcomes (06:00: died, discharged, cured at home, contacts released),
   fever-clinic visits and suspected cases (08:00);
2. the labs' file (``do_import_results``): results due today after the lab's delay
   (10:00) and today's samples (12:00, pending); the platform's own rules confirm, rule
   out and exclude people from the results;
3. the line list, afternoon: the day's confirmed cases with their severity (10:30; a
   no-op where the results already confirmed them), febrile patients sent home
   untested (11:00) and — unless the platform places people itself (``dispatcher``) —
   the day's placements (18:00: admissions of confirmed cases, suspected cases and
   contacts moved into quarantine sites); then the hospitals' treatment roll (every
   admitted patient's record of the day, ``do_import_treatments``);
4. with the line lists, the facilities' bed reports (occupied beds by type at the
   cut-off, ``beds.imports.do_import_bed_reports``: the bed balance of a past day and the
   stores' needs read them); the city's and districts' daily reports (DESIGN §4, planted
   faults included, ``do_import_daily_reports``); and the files nothing else of the day
   reads — the day's six-in-place inspections of compounds
   (``communities.imports.do_import_inspections``; a failed item's rectification is owned
   by the feed's actor), the supplies and the medical waste (:mod:`warroom.demo.logistics`)
   and the citizens' appeals (:mod:`warroom.appeals.feed`) — which on PostgreSQL go in
   beside the treatment roll and the reports (:func:`warroom.core.aside.beside`); then the
   daily cycle for the day (``run_daily_cycle``), whose certification turns compounds
   green as the outbreak recedes.

People carry stable external ids: a valid resident ID number made from the person's
number in his age band and sex (:func:`external_id`; distinct for every person up to the
whole city and beyond), samples a stable lab and sample code, so a day fed twice is the
same files twice and adds nothing.

Placement (issue #4 item 4, DESIGN §5): with ``dispatcher=None`` the twin places its
waiting people by its own policy and the feed reports the admissions. With a
``dispatcher`` — a callable ``(day) -> [(person external id, facility code, bed type), ...]``
that
places people *in the platform* and returns what it placed — the feed hands those
placements to the twin (``Simulation.place``), so the twin's waiting list is the
platform's: people the platform does not place keep waiting and keep infecting their
household.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warroom.appeals.feed import feed_day_appeals
from warroom.beds.imports import do_import_bed_reports
from warroom.beds.models import Facility
from warroom.cases.identity import make_resident_id
from warroom.cases.imports import do_import_line_list, do_import_results, do_import_treatments
from warroom.communities.checklists import SIX_IN_PLACE
from warroom.communities.imports import do_import_inspections
from warroom.communities.services import active_checklist
from warroom.core.aside import beside
from warroom.core.daily import run_daily_cycle
from warroom.demo.logistics import feed_logistics
from warroom.exports import csv_writer  # user text as text (OWASP CSV injection)
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table
from warroom.twin import records as R
from warroom.twin.records import REPORT_FIELDS, DayRecords
from warroom.twin.scenario import load_scenario
from warroom.twin.sim import Simulation

log = logging.getLogger(__name__)

FEED_LEVELS = ("city", "district")
# (person external id, facility code, bed type) placed by the platform on the day
Dispatcher = Callable[[dt.date], Sequence[tuple[str, str, str]]]

LINE_LIST_HEADER = [
    "name",
    "id_number",
    "sex",
    "home_code",
    "category",
    "reported_at",
    "severity",
    "index_id_number",
    "exposure_date",
    "setting",
    "status",
    "facility",
    "isolation",
]
TREATMENTS_HEADER = ["id_number", "date"]
RESULTS_HEADER = ["id_number", "lab", "sample_code", "kind", "taken_at", "reported_at", "result"]
INSPECTIONS_HEADER = ["area_code", "date", "kind", "failed_items", "owner"]
BED_REPORT_HEADER = ["facility_code", "date", "bed_type", "occupied"]

# The hour of the day each kind of record is reported at (the twin's order within a day).
AT_CONTACTS, AT_OUTCOMES, AT_VISITS = "05:00", "06:00", "08:00"
AT_RESULTS, AT_CONFIRMED, AT_SENT_HOME, AT_SAMPLES, AT_PLACED = (
    "10:00",
    "10:30",
    "11:00",
    "12:00",
    "18:00",
)
# Birth dates by age band (records.AGE_BAND_NAMES), for ages in 2020: first and last day.
_BAND_BORN = (
    (dt.date(2006, 1, 1), dt.date(2019, 12, 31)),  # 0-14
    (dt.date(1961, 1, 1), dt.date(2005, 12, 31)),  # 15-59
    (dt.date(1956, 1, 1), dt.date(1960, 12, 31)),  # 60-64
    (dt.date(1900, 1, 1), dt.date(1955, 12, 31)),  # 65+
)
# Sequences per birth date for one sex (the sequence's last digit is odd for a man).
_PER_DAY = 500
ID_CAPACITY: tuple[int, ...] = tuple(
    ((last - first).days + 1) * _PER_DAY for first, last in _BAND_BORN
)
"""How many people of one age band and one sex get distinct ids: even the smallest (60-64,
913,500) exceeds all of that band's people in the whole city (5.2 % of 12.3 M), so a
person known twice (a contact traced again) still finds room."""
_CATEGORY = {R.FEBRILE: "febrile", R.SUSPECTED: "suspected", R.CONFIRMED: "confirmed"}
_CATEGORY[R.CONTACT] = "contact"


def external_id(number: int, district_code: str, age_band: int, sex: str) -> str:
    """The twin person's resident ID number: valid (GB 11643), and distinct for distinct
    ``(number, age_band, sex)``.

    ``number`` is the person's number among the known people of his age band and sex
    (0, 1, 2, ...: :class:`TwinLineLists` counts them). Region = the home district; birth
    date = the band's first day + ``number // 500`` days (within the band's years);
    sequence = ``2 * (number % 500)`` (+1 for a man: the sex digit is odd). The bands'
    birth years do not overlap, so no two people share an id; a number past the band's
    :data:`ID_CAPACITY` raises ``ValueError`` rather than repeat one.
    """
    if not 0 <= number < ID_CAPACITY[age_band]:
        raise ValueError(
            f"person number {number} is beyond the {ID_CAPACITY[age_band]:,} distinct ids "
            f"of age band {R.AGE_BAND_NAMES[age_band]}"
        )
    born = _BAND_BORN[age_band][0] + dt.timedelta(days=number // _PER_DAY)
    return make_resident_id(district_code, born, 2 * (number % _PER_DAY) + (sex == "M"))


@dataclass
class DayFed:
    """What one simulated day fed into the platform."""

    date: dt.date
    people: int = 0  # new people registered
    line_rows: int = 0
    samples: int = 0
    results: int = 0
    contacts: int = 0
    admissions: int = 0
    treatments: int = 0
    reports: int = 0
    bed_reports: int = 0
    inspections: int = 0
    placed_by_platform: int = 0
    replayed: bool = False  # already in the platform: simulated again, nothing imported
    seconds: dict[str, float] = field(default_factory=dict)  # simulation, ingest, cycle

    @property
    def rows(self) -> int:
        """Rows of the day's files (line lists, labs, treatment roll, reports, beds, ...)."""
        return (
            self.line_rows
            + self.samples
            + self.results
            + self.treatments
            + self.reports
            + self.bed_reports
            + self.inspections
        )


@dataclass
class FeedReport:
    days: int = 0
    rows: int = 0  # aggregate report rows
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    people: int = 0
    line_rows: int = 0
    samples: int = 0
    results: int = 0
    contacts: int = 0
    admissions: int = 0
    treatments: int = 0
    bed_reports: int = 0
    inspections: int = 0
    placed_by_platform: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: {"simulation": 0.0, "ingest": 0.0, "cycle": 0.0}
    )

    def add(self, fed: DayFed) -> None:
        self.days += 1
        self.rows += fed.reports
        self.first_day = self.first_day or fed.date
        self.last_day = fed.date
        for name in (
            "people",
            "line_rows",
            "samples",
            "results",
            "contacts",
            "admissions",
            "treatments",
            "bed_reports",
            "inspections",
        ):
            setattr(self, name, getattr(self, name) + getattr(fed, name))
        self.placed_by_platform += fed.placed_by_platform


def bed_report_rows(sim: Simulation, day: dt.date, known: set[str]) -> list[list[str]]:
    """The facilities' bed report at the day's cut-off: occupied beds of every type they hold.

    Only the facilities the platform has (``known`` codes) report. The platform's capacity
    history closes a closing facility's beds at once while the
    twin empties them as patients leave: a facility with more patients than beds reports
    every bed taken (what the bed balance counts anyway).
    """
    rows = []
    when = day.isoformat()
    for i, facility in enumerate(sim.facilities):
        if facility.code not in known:
            continue
        for t, bed_type in enumerate(R.NEED_NAMES):
            capacity = int(sim.capacity[i, t])
            if capacity > 0:
                taken = min(int(sim.occupied[i, t]), capacity)
                rows.append([facility.code, when, bed_type, str(taken)])
    return rows


def inspection_rows(sim: Simulation, rec: DayRecords, owner: str) -> list[list[str]]:
    """The day's six-in-place inspections as rows of the communities' inspection import.

    The twin names a failed item by its category (``records.SIX_IN_PLACE_NAMES``); the
    row names the active checklist's item of that category.
    """
    if not rec.inspections.size:
        return []
    items: dict[str, str] = {}
    for item in active_checklist(SIX_IN_PLACE).items.order_by("order"):
        items.setdefault(item.category, item.code)  # the first item of each category
    day = rec.date.isoformat()
    rows = []
    for patch, failed in zip(
        rec.inspections["patch"].tolist(), rec.inspections["failed_item"].tolist(), strict=True
    ):
        code = items[R.SIX_IN_PLACE_NAMES[failed]] if failed >= 0 else ""
        rows.append([str(sim.patch_codes[patch]), day, SIX_IN_PLACE, code, owner if code else ""])
    return rows


def report_csv(rec: DayRecords, codes: np.ndarray, keep: np.ndarray) -> bytes:
    """The day's reports of the kept areas as a district would send them (§4 CSV)."""
    rows = rec.report[np.isin(rec.report["area"], keep)]
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(["date", "area_code", *REPORT_FIELDS])
    for row in rows:
        writer.writerow(
            [rec.date.isoformat(), codes[row["area"]], *(int(row[f]) for f in REPORT_FIELDS)]
        )
    return buf.getvalue().encode("utf-8")


def _csv(header: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


class TwinLineLists:
    """Turns the twin's records into the line-list and lab files offices would send.

    Keeps what a district office knows of its people from earlier days: each person's
    ID number and home, his category (from the events), and when each sample was taken.
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.patch_codes = np.asarray(sim.patch_codes)
        self.facility_codes = [f.code for f in sim.facilities]
        self.facility_index = {code: i for i, code in enumerate(self.facility_codes)}
        self.id_of: dict[int, str] = {}
        self.person_of: dict[str, int] = {}
        self.home_of: dict[int, str] = {}
        self.sex_of: dict[int, str] = {}
        self.category: dict[int, int] = {}
        self.taken: dict[int, dt.date] = {}
        self.admitted: set[int] = set()  # confirmed cases in a hospital bed
        self._known: Counter[tuple[int, str]] = Counter()  # people per (age band, sex)

    # -- people -----------------------------------------------------------------------
    def register(self, people: np.ndarray) -> None:
        for pid, patch, band, sex in zip(
            people["person_id"].tolist(),
            people["patch"].tolist(),
            people["age_band"].tolist(),
            people["sex"].tolist(),
            strict=True,
        ):
            if pid in self.id_of:
                continue
            home = str(self.patch_codes[patch])
            # Numbered in the order they become known (the simulation is deterministic,
            # and the feed always starts at its first day, so the ids are stable).
            nth = self._known[band, sex]
            self._known[band, sex] += 1
            number = external_id(nth, home[:6], band, sex)
            self.id_of[pid] = number
            self.person_of[number] = pid
            self.home_of[pid] = home
            self.sex_of[pid] = sex

    def _row(
        self,
        pid: int,
        category: str,
        at: str,
        *,
        severity: str = "",
        index: int = -1,
        exposure: str = "",
        setting: str = "",
        status: str = "",
        facility: str = "",
        isolation: str = "",
    ) -> list[str]:
        return [
            f"孪生居民{pid:07d}",
            self.id_of[pid],
            self.sex_of[pid],
            self.home_of[pid],
            category,
            at,
            severity,
            self.id_of[index] if index >= 0 else "",
            exposure,
            setting,
            status,
            facility,
            isolation,
        ]

    # -- the day's files ------------------------------------------------------------
    def morning(self, rec: DayRecords) -> list[list[str]]:
        """Contacts traced, severity changes, outcomes, fever-clinic visits, suspected."""
        day = rec.date.isoformat()
        rows: list[list[str]] = []
        c = rec.contacts
        for pid, index, household in zip(
            c["person_id"].tolist(),
            c["index_person_id"].tolist(),
            c["household"].tolist(),
            strict=True,
        ):
            rows.append(
                self._row(
                    pid,
                    "contact",
                    f"{day} {AT_CONTACTS}",
                    index=index,
                    exposure=day,
                    setting="household" if household else "other",
                    status="quarantined",
                    isolation="home",
                )
            )
            self.category[pid] = R.CONTACT
        ev = rec.events
        for kind, name in ((R.EV_SEVERE, "severe"), (R.EV_CRITICAL, "critical")):
            for pid in ev["person_id"][ev["event"] == kind].tolist():
                rows.append(self._row(pid, "confirmed", f"{day} {AT_OUTCOMES}", severity=name))
        o = rec.outcomes
        for pid, outcome, fac in zip(
            o["person_id"].tolist(), o["outcome"].tolist(), o["facility_id"].tolist(), strict=True
        ):
            at = f"{day} {AT_OUTCOMES}"
            self.admitted.discard(pid)
            if outcome == R.RELEASED_Q:
                rows.append(self._row(pid, "contact", at, status="released"))
            else:
                status = "died" if outcome == R.DIED else "discharged"
                facility = self.facility_codes[fac] if fac >= 0 else ""
                rows.append(self._row(pid, "confirmed", at, status=status, facility=facility))
        for kind, category in ((R.EV_FEBRILE, R.FEBRILE), (R.EV_SUSPECTED, R.SUSPECTED)):
            for pid in ev["person_id"][ev["event"] == kind].tolist():
                rows.append(self._row(pid, _CATEGORY[category], f"{day} {AT_VISITS}"))
                self.category[pid] = category
        return rows

    def lab(self, rec: DayRecords) -> list[list[str]]:
        """Results due today (after the lab's delay), then today's samples (pending)."""
        day = rec.date.isoformat()
        rows: list[list[str]] = []
        r = rec.results
        for test, pid, positive in zip(
            r["test_id"].tolist(), r["person_id"].tolist(), r["positive"].tolist(), strict=True
        ):
            taken = self.taken.pop(test)
            rows.append(
                [
                    self.id_of[pid],
                    self._lab_of(pid),
                    f"T{test:09d}",
                    "nucleic_acid",
                    f"{taken.isoformat()} {AT_SAMPLES}",
                    f"{day} {AT_RESULTS}",
                    "positive" if positive else "negative",
                ]
            )
        s = rec.samples
        for test, pid in zip(s["test_id"].tolist(), s["person_id"].tolist(), strict=True):
            self.taken[test] = rec.date
            rows.append(
                [
                    self.id_of[pid],
                    self._lab_of(pid),
                    f"T{test:09d}",
                    "nucleic_acid",
                    f"{day} {AT_SAMPLES}",
                    "",
                    "",
                ]
            )
        return rows

    def _lab_of(self, pid: int) -> str:
        return f"孪生城市检测中心{self.home_of[pid][:6]}"

    def afternoon(self, rec: DayRecords) -> list[list[str]]:
        """The day's confirmed cases with their severity; febrile patients sent home."""
        day = rec.date.isoformat()
        rows: list[list[str]] = []
        ev = rec.events
        confirmed = ev["person_id"][ev["event"] == R.EV_CONFIRMED]
        severity = self.sim.current_severity(confirmed)
        for pid, sev in zip(confirmed.tolist(), severity.tolist(), strict=True):
            rows.append(
                self._row(
                    pid,
                    "confirmed",
                    f"{day} {AT_CONFIRMED}",
                    severity=R.SEVERITY_NAMES[sev] if sev >= 0 else "",
                )
            )
            self.category[pid] = R.CONFIRMED
        tested = set(rec.results["person_id"].tolist())
        for pid in ev["person_id"][ev["event"] == R.EV_RULED_OUT].tolist():
            if pid not in tested:  # the results rule out the others, by the platform's rules
                rows.append(self._row(pid, "febrile", f"{day} {AT_SENT_HOME}", status="ruled_out"))
        return rows

    def placements(self, rec: DayRecords) -> list[list[str]]:
        """The day's admissions (confirmed) and moves into quarantine (others)."""
        day = rec.date.isoformat()
        rows: list[list[str]] = []
        a = rec.admissions
        for pid, fac, bed in zip(
            a["person_id"].tolist(), a["facility_id"].tolist(), a["bed_type"].tolist(), strict=True
        ):
            code = self.facility_codes[fac]
            at = f"{day} {AT_PLACED}"
            category = self.category.get(pid, R.CONFIRMED)
            if category == R.CONFIRMED:
                rows.append(self._row(pid, "confirmed", at, status="admitted", facility=code))
            else:
                isolation = "quarantine" if bed == 4 else "hospital"
                rows.append(
                    self._row(pid, _CATEGORY[category], at, facility=code, isolation=isolation)
                )
        return rows

    def admit(self, rec: DayRecords) -> None:
        """Note the day's admissions of confirmed cases (the platform's or the twin's)."""
        a = rec.admissions
        for pid in a["person_id"].tolist():
            if self.category.get(pid, R.CONFIRMED) == R.CONFIRMED:
                self.admitted.add(pid)

    def treatments(self, rec: DayRecords) -> list[list[str]]:
        """The hospitals' treatment roll: every admitted patient has his day's record."""
        day = rec.date.isoformat()
        return [[self.id_of[pid], day] for pid in sorted(self.admitted)]

    def twin_placements(
        self, placed: Sequence[tuple[str, str, str]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The platform's placements (external id, facility code, bed type) as the twin's ids."""
        ids = np.empty((len(placed), 3), dtype=np.int64)
        for k, (number, code, bed_type) in enumerate(placed):
            if number not in self.person_of:
                raise ValueError(f"the dispatcher placed {number}, who is not a twin person")
            if code not in self.facility_index:
                raise ValueError(f"the dispatcher placed someone in {code!r}, no twin facility")
            if bed_type not in R.NEED_NAMES:
                raise ValueError(f"the dispatcher placed someone in a {bed_type!r} bed")
            ids[k] = (
                self.person_of[number],
                self.facility_index[code],
                R.NEED_NAMES.index(bed_type),
            )
        return ids[:, 0], ids[:, 1], ids[:, 2]


def _import(
    kind: str,
    header: list[str],
    rows: list[list[str]],
    name: str,
    actor: Any,
    *,
    replay: bool = False,
) -> int:
    if replay or not rows:
        return len(rows)
    table = read_table(_csv(header, rows), filename=name)
    if kind == "results":
        do_import_results(table, actor=actor)
    elif kind == "inspections":
        do_import_inspections(table, actor=actor)
    elif kind == "beds":
        do_import_bed_reports(table, actor=actor)
    elif kind == "treatments":
        do_import_treatments(table, actor=actor)
    else:
        do_import_line_list(table, actor=actor)
    return len(rows)


def _feed_aside(
    inspections: list[list[str]],
    rec: Any,
    codes: np.ndarray,
    *,
    day: dt.date,
    stem: str,
    facility_codes: list[str] | None,
    actor: Any,
    replay: bool,
) -> int:
    """The day's inspections of compounds, supplies and waste (with the line lists:
    ``facility_codes``) and citizens' appeals; returns the inspection rows."""
    fed = _import(
        "inspections",
        INSPECTIONS_HEADER,
        inspections,
        f"{stem}-inspections.csv",
        actor,
        replay=replay,
    )
    if replay:  # a replayed day was fed whole before
        return fed
    if facility_codes is not None:
        feed_logistics(rec, actor=actor, stem=stem, facility_codes=facility_codes)
    feed_day_appeals(rec.appeals, codes, day, actor=actor)  # the citizens' appeals
    return fed


def _join_quietly(aside: Any) -> None:
    """Wait for the work beside; its own error, if any, logged (the caller's is raised)."""
    try:
        aside.join()
    except Exception:
        log.exception("the day's files beside the cases failed too")


def feed_business_census(sim: Simulation, actor: Any) -> int:
    """The twin's businesses per street and sector (its ``businesses.csv``) into the
    census that the resumption dashboard divides by (warroom.economy)."""
    from warroom.economy.services import do_import_census
    from warroom.twin.population import BUSINESS_SECTORS

    b = sim.city.businesses
    codes = sim.area_codes
    rows = [
        {"street_code": codes[int(i)], **{s: int(b[k, j]) for j, s in enumerate(BUSINESS_SECTORS)}}
        for k, i in enumerate(sim.city.business_street)
    ]
    return do_import_census(rows, actor=actor)


def do_feed_twin(
    scenario: str = "wuhan-2020",
    *,
    actor: Any,
    scale: float = 1.0,
    days: int | None = None,
    seed: int | None = None,
    line_lists: bool = True,
    cycle: bool = True,
    dispatcher: Dispatcher | None = None,
    on_day: Callable[[DayFed], None] | None = None,
    sim: Simulation | None = None,
    fed_before: int = 0,
    on_open: Callable[[dt.date], None] | None = None,
) -> FeedReport:
    """Run ``scenario`` and feed every day into the platform (see the module docstring).

    ``line_lists=False`` feeds the aggregate reports only; ``cycle=False`` skips the daily
    cycle (a what-if that needs only the line lists). ``sim`` runs a simulation
    made by the caller (a what-if's policy or parameters) instead of ``scenario``.

    ``fed_before`` (resuming a feed that stopped, e.g. its worker killed): the first
    ``fed_before`` days are already in the platform. They are simulated again (the twin is
    deterministic; the ``dispatcher`` must then return the placements the platform made on
    those days, as :func:`warroom.demo.dispatch.platform_dispatcher` does) and their files
    built (the offices' memory of their people), but nothing is imported and no cycle
    runs; ``on_day`` sees them with ``replayed=True``.

    ``on_open(day)`` is called when a day opens, before anything of it is imported: an
    exercise moves the platform's today to that day there, so that the day's files are not
    "in the future" for the import rules.
    """
    if sim is None:
        changes: dict[str, Any] = {"scale": scale}
        if days is not None:
            changes["days"] = days
        if seed is not None:
            changes["seed"] = seed
        sim = Simulation(load_scenario(scenario).with_overrides(**changes))
    if sim.t != 0:
        raise ValueError("the feed starts a simulation from its first day")
    name = sim.scenario.name
    codes = np.asarray(sim.area_codes)
    keep = np.flatnonzero(np.isin(np.asarray(sim.city.area_level), FEED_LEVELS))
    lists = TwinLineLists(sim)
    platform_facilities = set(Facility.objects.values_list("code", flat=True))
    feed_business_census(sim, actor)
    report = FeedReport()
    clock = report.seconds
    for _ in range(sim.t, sim.scenario.days):
        t0 = time.perf_counter()
        replay = sim.t < fed_before
        before = dict(clock)
        sim.open_day()
        early = sim.records_before_placement()
        day = early.date
        fed = DayFed(day, replayed=replay)
        if on_open is not None and not replay:
            on_open(day)
        stem = f"twin-{name}-{day}"
        t1 = time.perf_counter()
        clock["simulation"] += t1 - t0
        afternoon: list[list[str]] = []
        if line_lists:
            lists.register(early.people)
            fed.people = int(early.people.size)
            fed.contacts = int(early.contacts.size)
            morning = lists.morning(early)
            lab = lists.lab(early)
            afternoon = lists.afternoon(early)
            fed.line_rows += _import(
                "line", LINE_LIST_HEADER, morning, f"{stem}-am.csv", actor, replay=replay
            )
            fed.samples, fed.results = int(early.samples.size), int(early.results.size)
            _import("results", RESULTS_HEADER, lab, f"{stem}-lab.csv", actor, replay=replay)
        t2 = time.perf_counter()
        clock["ingest"] += t2 - t1
        if dispatcher is not None:
            if line_lists:
                fed.line_rows += _import(
                    "line", LINE_LIST_HEADER, afternoon, f"{stem}-pm.csv", actor, replay=replay
                )
                afternoon = []
            placed = list(dispatcher(day))
            t3 = time.perf_counter()
            clock["ingest"] += t3 - t2
            persons, facilities, bed_types = lists.twin_placements(placed)
            if persons.size:
                sim.place(persons, facilities, bed_types)
            fed.placed_by_platform = int(persons.size)
            t2 = time.perf_counter()
            rec = sim.close_day()
        else:
            sim.place_by_policy()
            rec = sim.close_day()
        t3 = time.perf_counter()
        clock["simulation"] += t3 - t2
        if line_lists:  # (what the stores' file reads: each facility's need)
            fed.bed_reports = _import(
                "beds",
                BED_REPORT_HEADER,
                bed_report_rows(sim, day, platform_facilities),
                f"{stem}-beds.csv",
                actor,
                replay=replay,
            )
        # The compounds', the stores' and the citizens' files of the day: what they write
        # no other file of the day reads, nor do they read what the others write (the
        # cases, the reports; the stores read the bed reports, in before them). On
        # PostgreSQL they go in beside those, on a connection of their own; elsewhere
        # first, one after the other.
        aside = beside(
            functools.partial(
                _feed_aside,
                inspection_rows(sim, rec, actor.get_username()) if line_lists else [],
                rec,
                codes,
                day=day,
                stem=stem,
                facility_codes=lists.facility_codes if line_lists else None,
                actor=actor,
                replay=replay,
            ),
            name="feed-aside",
        )
        try:
            if line_lists:
                fed.admissions = int(rec.admissions.size)
                if dispatcher is None:
                    afternoon += lists.placements(rec)
                fed.line_rows += _import(
                    "line", LINE_LIST_HEADER, afternoon, f"{stem}-pm.csv", actor, replay=replay
                )
                lists.admit(rec)
                fed.treatments = _import(
                    "treatments",
                    TREATMENTS_HEADER,
                    lists.treatments(rec),
                    f"{stem}-treat.csv",
                    actor,
                    replay=replay,
                )
            if not replay:
                table = read_table(report_csv(rec, codes, keep), filename=f"{stem}.csv")
                fed.reports = do_import_daily_reports(table, actor=actor).rows
        except BaseException:
            _join_quietly(aside)  # nothing runs on behind a failed day
            raise
        fed.inspections = aside.join()
        t4 = time.perf_counter()
        clock["ingest"] += t4 - t3
        if cycle and not replay:
            run_daily_cycle(day, actor=actor)
        clock["cycle"] += time.perf_counter() - t4
        fed.seconds = {k: clock[k] - before[k] for k in clock}
        if not replay:
            report.add(fed)
        if on_day is not None:
            on_day(fed)
    return report
