"""The records the twin emits, day by day: typed NumPy structured arrays.

A day's output is one :class:`DayRecords` (frozen). Each field is a structured array
of one record type below (one row per record); dates are ``datetime64[D]``, ids are
integers, enumerations are small integers whose names are in the ``*_NAMES`` tuples.
A platform feeder pushes them through its services table by table; ``person_id`` links
everything about one person, ``index_person_id`` links a contact to the case that
named it (transmission chains), ``facility_id`` refers to
:class:`~warroom.twin.facilities.Facility`.
``patch`` is an index into :attr:`Simulation.patch_codes` (the area code of the
compound or village where the person lives).

Everything is recorded as operations would see it, except the columns prefixed
``true_`` (the twin's ground truth, for evaluating the platform's analytics).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np

from warroom.analytics.vocabulary import BED_TYPES, REPORT_COLUMNS

CATEGORY_NAMES = ("NONE", "FEBRILE", "SUSPECTED", "CONFIRMED", "CONTACT")
NONE, FEBRILE, SUSPECTED, CONFIRMED, CONTACT = range(5)
EVENT_NAMES = (
    "FEBRILE_VISIT",  # came to a fever clinic: enters FEBRILE
    "SUSPECTED",  # marked suspected (CT, epidemiological link)
    "CONFIRMED",  # positive test
    "CONTACT",  # traced as a close contact
    "RULED_OUT",  # febrile or suspected ruled out (negative tests / clinical)
    "RELEASED",  # contact released after quarantine
    "SEVERE",  # confirmed case became severe
    "CRITICAL",  # confirmed case became critical
)
(
    EV_FEBRILE,
    EV_SUSPECTED,
    EV_CONFIRMED,
    EV_CONTACT,
    EV_RULED_OUT,
    EV_RELEASED,
    EV_SEVERE,
    EV_CRITICAL,
) = range(8)
OUTCOME_NAMES = ("DISCHARGED", "DIED", "RELEASED", "RECOVERED_AT_HOME")
DISCHARGED, DIED, RELEASED_Q, RECOVERED_AT_HOME = range(4)
NEED_NAMES = BED_TYPES  # a need is the lowest bed type that will do
SEVERITY_NAMES = ("asymptomatic", "mild", "moderate", "severe", "critical")
APPEAL_NAMES = ("ADMISSION", "MEDICINE", "GROCERIES", "PRICES", "COMPLAINT", "RUMOUR", "OTHER")
CHANNEL_NAMES = ("HOTLINE_12345", "ONLINE")
SUPPLY_NAMES = (
    "protective_suit",
    "n95_mask",
    "surgical_mask",
    "goggles",
    "gloves_pair",
    "test_kit",
    "swab",
)
AGE_BAND_NAMES = ("0-14", "15-59", "60-64", "65+")
# The "six in place" (六个到位) of the epidemic-free standard (DESIGN §3.6), in the order
# of the platform's checklist categories.
SIX_IN_PLACE_NAMES = (
    "publicity",
    "closure",
    "screening",
    "disinfection",
    "supplies",
    "organisation",
)

PERSON = np.dtype(
    [
        ("person_id", "i8"),
        ("patch", "i4"),
        ("age_band", "i1"),
        ("sex", "U1"),
        ("entry_category", "i1"),  # CATEGORY_NAMES: how the person became known
        ("true_infected", "?"),
        ("true_severity", "i1"),  # SEVERITY_NAMES, -1 if not infected
        ("true_infection_date", "M8[D]"),  # NaT if not infected
        ("true_infector_person_id", "i8"),  # -1 if unknown to operations (never a person)
    ]
)
EVENT = np.dtype([("date", "M8[D]"), ("person_id", "i8"), ("event", "i1"), ("patch", "i4")])
SAMPLE = np.dtype(
    [
        ("test_id", "i8"),
        ("person_id", "i8"),
        ("sampled", "M8[D]"),
        ("result_due", "M8[D]"),  # the lab's delay: the result arrives that day
        ("reason", "i1"),  # CATEGORY_NAMES of the person when sampled
    ]
)
RESULT = np.dtype([("test_id", "i8"), ("person_id", "i8"), ("date", "M8[D]"), ("positive", "?")])
CONTACT_LINK = np.dtype(
    [
        ("person_id", "i8"),  # the contact
        ("index_person_id", "i8"),  # the confirmed case who named them
        ("date", "M8[D]"),
        ("patch", "i4"),
        ("household", "?"),  # same compound as the index case
        ("true_infected_by_index", "?"),
    ]
)
WAITING = np.dtype(
    [
        ("person_id", "i8"),
        ("category", "i1"),  # CATEGORY_NAMES
        ("need", "i1"),  # NEED_NAMES: the lowest bed type that will do
        ("patch", "i4"),
        ("since", "M8[D]"),
        ("wait_days", "i4"),
    ]
)
ADMISSION = np.dtype(
    [
        ("date", "M8[D]"),
        ("person_id", "i8"),
        ("facility_id", "i4"),
        ("bed_type", "i1"),  # NEED_NAMES
        ("need", "i1"),
        ("wait_days", "i4"),
    ]
)
OUTCOME = np.dtype(
    [
        ("date", "M8[D]"),
        ("person_id", "i8"),
        ("outcome", "i1"),  # OUTCOME_NAMES
        ("facility_id", "i4"),  # -1 at home
        ("patch", "i4"),
    ]
)
APPEAL = np.dtype(
    [
        ("appeal_id", "i8"),
        ("date", "M8[D]"),
        ("patch", "i4"),
        ("kind", "i1"),  # APPEAL_NAMES
        ("channel", "i1"),  # CHANNEL_NAMES
        ("person_id", "i8"),  # -1 unless about a known person (admission requests)
    ]
)
SUPPLY = np.dtype([("date", "M8[D]"), ("district_code", "U6"), ("item", "i1"), ("quantity", "i8")])
WASTE = np.dtype(
    [("date", "M8[D]"), ("district_code", "U6"), ("facility_id", "i4"), ("tonnes", "f8")]
)
INSPECTION = np.dtype(
    [
        ("date", "M8[D]"),
        ("patch", "i4"),  # the compound or village inspected
        ("failed_item", "i1"),  # SIX_IN_PLACE_NAMES, -1 when every item passed
    ]
)
REPORT_FIELDS = REPORT_COLUMNS  # the DESIGN §4 report's count columns
REPORT = np.dtype([("area", "i4")] + [(f, "i8") for f in REPORT_FIELDS])


@dataclass(frozen=True)
class DayRecords:
    """Everything that happened on one simulated day (cut-off 24:00).

    ``report`` is the DESIGN §4 daily aggregate of every area (``area`` indexes
    :attr:`Simulation.area_codes`), as reported (planted faults applied);
    ``true_report`` is the same without faults. ``waiting`` is the waiting list at the
    cut-off, after the day's placements.
    """

    date: dt.date
    people: np.ndarray  # PERSON: people who became known today
    events: np.ndarray  # EVENT
    samples: np.ndarray  # SAMPLE
    results: np.ndarray  # RESULT
    contacts: np.ndarray  # CONTACT_LINK
    waiting: np.ndarray  # WAITING
    admissions: np.ndarray  # ADMISSION
    outcomes: np.ndarray  # OUTCOME
    appeals: np.ndarray  # APPEAL
    supplies: np.ndarray  # SUPPLY
    waste: np.ndarray  # WASTE
    inspections: np.ndarray  # INSPECTION
    report: np.ndarray  # REPORT, as reported
    true_report: np.ndarray  # REPORT, ground truth
    true_new_infections: int

    def tables(self) -> dict[str, np.ndarray]:
        """The record tables by name (everything but the date and the truth scalars)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
