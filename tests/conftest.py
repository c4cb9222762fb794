"""Shared fixtures: a small city and the test personas.

The personas (STYLE.md habit 8): headquarters, a district officer, an officer of
another district (the outsider who must be refused), a read-only analyst, an auditor.
"""

from __future__ import annotations

import os

import pytest

from tests import clock
from warroom.core.context import SYSTEM
from warroom.tables import read_table

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM in tests


def pytest_configure(config):
    """Start the faked wall clock of ``WARROOM_TEST_CLOCK`` (tests/clock.py), if any.

    The main process resolves "HH:MM zone" to one instant and passes it on, so that every
    xdist worker (they start later and inherit the environment) fakes the same instant.
    """
    when = clock.start()
    if when is not None:
        os.environ[clock.ENV] = when.isoformat()


def pytest_unconfigure(config):
    clock.stop()


# The suite's longest tests, longest first (seconds on CI's PostgreSQL pass, measured: see
# docs/performance.md "Test suite time"). pytest-xdist's `--dist load` with
# `--maxschedchunk 1` (Makefile) hands the tests to the two workers one at a time in this
# order, so a long test starts while the other worker still has the short ones to do,
# instead of starting last and leaving one core idle for its whole length.
LONGEST_FIRST = (
    "tests/demo/test_feed.py::test_the_platform_places_the_twins_waiting_people_and_no_beds_is_worse",
    "tests/demo/test_one_picture.py::test_every_fed_day_reads_one_picture",
    "tests/test_import_killed_anywhere.py::test_a_day_of_imports_killed_anywhere_leaves_whole_files_and_reruns_once",
    "tests/roles/test_every_role.py::test_every_role_on_one_fed_demo",
    "tests/dispatch/test_dispatch_concurrent.py::test_concurrent_confirmations_never_overfill_and_explain_every_refusal",
    "tests/supplies/test_supplies_concurrent_issues.py::test_six_processes_issuing_the_last_units_never_drive_stock_negative",
    "tests/test_jobs_killed_worker.py::test_a_worker_killed_mid_import_leaves_the_job_to_the_next_worker",
    "tests/test_jobs_killed_worker.py::test_three_workers_at_once_run_each_job_once",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The known-longest tests first, each within pytest-django's group.

    pytest-django's own sort (stable) runs again after ours, so its groups keep their order:
    plain database tests, then transactional ones (which empty the database, data
    migrations' rows included), then those without a database.
    """
    from pytest_django import plugin

    rank = {nodeid: i for i, nodeid in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid, len(rank)))
    plugin.pytest_collection_modifyitems(items)


def pytest_report_header(config):
    when = clock.parse_clock(os.environ.get(clock.ENV, ""))
    return f"wall clock: {'faked from ' + when.isoformat() if when else 'real'}"


SMALL_CITY_CSV = """code,parent_code,level,name_zh,name_en,population,lat,lon
9901,,city,测试市,Test City,1000,30.5,114.3
990101,9901,district,甲区,District A,600,30.6,114.3
990102,9901,district,乙区,District B,400,30.4,114.3
990101001,990101,street,甲一街道,A1 Street,600,30.6,114.31
990102001,990102,street,乙一街道,B1 Street,400,30.4,114.31
990101001001,990101001,community,甲一社区,A1 Community,600,30.6,114.32
990102001001,990102001,community,乙一社区,B1 Community,400,30.4,114.32
990101001001001,990101001001,compound,受害小区,Victim Compound,350,30.6,114.33
990101001001002,990101001001,compound,甲二小区,A2 Compound,250,30.6,114.34
990102001001001,990102001001,compound,乙一小区,B1 Compound,400,30.4,114.33
"""

PASSWORD = "correct-horse-battery-staple"
# The tests' password hasher: one PBKDF2 hash (Django's 1,000,000 iterations, the platform's
# hasher) costs 0.3 s on a quiet core and 1-2 s on CI's loaded ones, and the suite hashes
# thousands of times (every persona it creates, every sign-in it checks). What the tests
# prove of passwords (validation, lock-out, change, refusal words) does not depend on the
# hash's cost; the platform's settings keep Django's default hashers.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _platform_language():
    """Each test starts in the platform's default language (zh-Hans), as a worker, the CLI
    and a fresh request do. Django's LocaleMiddleware activates the reader's language in
    the thread and leaves it there after the response: a previous test's English request
    would otherwise decide in which language this test's services word what they store
    (a signal's message, a transition's reason), making tests depend on their order."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _postgres_flush_by_delete():
    """On PostgreSQL, empty the test database after a transactional test by DELETE, not TRUNCATE.

    pytest-django flushes after each transactional test; Django's flush is one ``TRUNCATE`` of
    all 117 tables, which makes and syncs new files for each (2.5-3.4 s on an empty database
    here, 6-10 s under CI's load; DELETE of the same tables: 0.06-0.11 s). Django's foreign
    keys are ``DEFERRABLE INITIALLY DEFERRED`` and the flush runs in one transaction, so the
    order of the DELETEs does not matter. Flushes that reset sequences or cascade keep
    Django's TRUNCATE; the child processes that flush (tests/test_import_killed_anywhere.py)
    run Django's own.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"DELETE FROM {self.quote_name(table)};" for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture
def city(db):
    from warroom.communities.checklists import ensure_default_checklists
    from warroom.communities.models import Checklist, ChecklistItem
    from warroom.geo.services import do_import_areas

    # A transactional test before this one may have flushed the migration's seed rows.
    ensure_default_checklists(Checklist, ChecklistItem)
    from warroom.supervision.checklists import ensure_default_checklists as supervision_lists
    from warroom.supervision.models import SupervisionChecklist, SupervisionItem

    supervision_lists(SupervisionChecklist, SupervisionItem)

    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    from warroom.geo.models import Area

    return {a.code: a for a in Area.objects.all()}


def _user(username: str, role: str, area: str):
    from warroom.accounts.services import do_create_user

    return do_create_user(username, role=role, area_code=area, password=PASSWORD, actor=SYSTEM)


@pytest.fixture
def hq(city):
    return _user("hq", "hq_leader", "9901")


@pytest.fixture
def officer(city):
    """A district officer of District A, the victim's district."""
    return _user("officer_a", "district_officer", "990101")


@pytest.fixture
def outsider(city):
    """A district officer of District B: must never see or change District A's data."""
    return _user("officer_b", "district_officer", "990102")


@pytest.fixture
def analyst(city):
    return _user("analyst", "analyst", "9901")


@pytest.fixture
def auditor(city):
    return _user("auditor", "auditor", "9901")


# --- communities: case facts, inspectors -------------------------------------------------


@pytest.fixture
def case_facts():
    """A case facts provider with test data: fill the dict {area id: CaseFacts}."""
    from warroom.communities import facts as registry

    previous = registry._provider
    facts: dict = {}
    registry.register_case_facts_provider(lambda as_of: dict(facts))
    yield facts
    registry.register_case_facts_provider(previous)


@pytest.fixture
def inspector(city):
    """A street officer of A1 Street: inspects its compounds."""
    return _user("inspector_a1", "street_officer", "990101001")


@pytest.fixture
def grid_worker(city):
    """A grid worker of the victim compound: owns its rectification tasks."""
    return _user("grid_a", "grid_worker", "990101001001001")


def pass_six_in_place(area, actor, date):
    """Record a six-in-place inspection of ``area`` with every item passed."""
    from warroom.communities.models import ChecklistKind
    from warroom.communities.services import ItemResult, active_checklist, do_record_inspection

    items = active_checklist(ChecklistKind.SIX_IN_PLACE).items.all()
    return do_record_inspection(
        area,
        kind=ChecklistKind.SIX_IN_PLACE,
        date=date,
        results={i.code: ItemResult(True) for i in items},
        actor=actor,
    )


@pytest.fixture
def english():
    """Service messages in English, so that tests can match them."""
    from django.utils import translation

    with translation.override("en"):
        yield


def resident_id(n: int, region: str = "420102", born: str = "1980-01-01") -> str:
    """A valid resident ID, distinct for each ``n`` (tests build people with it)."""
    import datetime as dt

    from warroom.cases.identity import make_resident_id

    day = dt.date.fromisoformat(born) + dt.timedelta(days=n // 1000)
    return make_resident_id(region, day, n % 1000)


@pytest.fixture
def cases_world(city, officer):
    """District A's case records: one of every scoped cases/surveillance model.

    A confirmed, admitted patient in the victim compound with a severity change, a
    treatment record, a sample and a contact; the day's clearance and line-list figures.
    """
    from django.utils import timezone

    from warroom.cases import services
    from warroom.cases.clearance import do_compute_clearance
    from warroom.surveillance.services import do_compute_daily_aggregates

    victim = city["990101001001001"]
    patient = services.do_register_person(
        name="受害小区病人",
        home=victim,
        actor=officer,
        id_number=resident_id(1),
        phone="13812345678",
        category="confirmed",
    )
    services.do_transition_person(
        patient, "admitted", actor=officer, facility="金银潭医院", severity="moderate"
    )
    services.do_set_severity(patient, "severe", actor=officer)
    services.do_record_treatment(patient, actor=officer, note="oxygen")
    services.do_record_sample(patient, kind="nucleic_acid", lab="Lab A", code="A-1", actor=officer)
    contact = services.do_register_person(
        name="受害小区密接", home=victim, actor=officer, id_number=resident_id(2)
    )
    services.do_add_contact(
        patient,
        contact,
        exposure_date=timezone.localdate(),
        setting="household",
        actor=officer,
    )
    do_compute_clearance(timezone.localdate(), actor=SYSTEM)  # the daily cycle computes it
    do_compute_daily_aggregates(timezone.localdate(), actor=officer)
    return {"patient": patient, "contact": contact}


def epidemic_csv(codes: tuple[str, ...] = ("9901", "990101"), *, skip: str = "2020-02-10") -> bytes:
    """A Wuhan-shaped daily report (synthetic) for the given areas, one day missing."""
    import datetime as dt
    import math

    lines = ["date,area_code,new_confirmed,cum_confirmed,cum_deaths,cum_discharged,under_treatment"]
    for code in codes:
        share = 1.0 if len(code) == 4 else 0.5
        cum = 0
        for i in range(70):
            day = dt.date(2020, 1, 15) + dt.timedelta(days=i)
            new = round(share * 2000 * math.exp(-(((i - 25) / 9.0) ** 2)))
            cum += new
            if day.isoformat() == skip:
                lines.append(f"{day},{code},,,,,")
                continue
            lines.append(f"{day},{code},{new},{cum},0,0,{cum}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def situation_world(city, hq):
    """Daily reports of the city and District A, their situation and briefings on 2020-03-20."""
    import datetime as dt

    from warroom.situation.services import do_compute_situation, do_generate_briefings
    from warroom.surveillance.services import do_import_daily_reports

    do_import_daily_reports(read_table(epidemic_csv(), filename="daily.csv"), actor=hq)
    do_compute_situation(dt.date(2020, 3, 20))
    do_generate_briefings(dt.date(2020, 3, 20))


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings, tmp_path_factory):
    """Each test anchors the audit chain in a file of its own, never in the developer's var/."""
    settings.WARROOM_AUDIT_ANCHOR_FILE = tmp_path_factory.mktemp("anchors") / "audit-anchors.log"
