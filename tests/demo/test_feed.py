"""The demo: the twin's outbreak fed into the platform through the import path."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.write_paths import direct_writes, direct_writes_in
from warroom.accounts.models import User
from warroom.beds.imports import do_load_demo_facilities
from warroom.beds.models import BedPool, BedReport, Facility
from warroom.beds.selectors import balance_on
from warroom.cases.clearance import do_compute_clearance
from warroom.cases.models import (
    ClearanceRevision,
    ClearanceRun,
    ClearanceSnapshot,
    ContactLink,
    Person,
    Sample,
    TransitionRecord,
)
from warroom.core.models import DailyStepRun, ImportBatch
from warroom.demo import feed as feed_module
from warroom.demo.dispatch import platform_dispatcher
from warroom.demo.feed import DayFed, TwinLineLists, do_feed_twin, external_id
from warroom.dispatch.models import Placement, Proposal
from warroom.geo.models import Area
from warroom.geo.services import do_load_demo_city
from warroom.situation.models import Situation
from warroom.surveillance.models import DailyReport, Source
from warroom.surveillance.services import line_list_figures
from warroom.twin import records as R
from warroom.twin.scenario import load_scenario
from warroom.twin.sim import Simulation

pytestmark = pytest.mark.django_db
SCALE = 0.02


@pytest.fixture(autouse=True)
def _no_appeals(settings):
    """The feeds of this module file no citizens' appeals.

    No test here asserts an appeal, and none of what they assert can change with one: the
    twin draws its appeals from their own random stream (records only) and dispatch, beds,
    cases, reports and the daily cycle's other steps never read appeals. Filing them through
    the intake service was most of these feeds' time (3,280 appeals for the dispatcher
    seam's 60 days, 1,250 for the same-seed pair). The appeals' feed has its own tests
    (tests/appeals/test_feed.py); the role walk and the demo job's tests feed them.
    """
    settings.WARROOM_DEMO_APPEALS_PER_DAY = 0


@pytest.fixture
def demo_city():
    from warroom.cli import ensure_demo_users

    do_load_demo_city()
    ensure_demo_users()
    return User.objects.get(username="hq")


def _sim(days: int, scale: float = SCALE) -> Simulation:
    return Simulation(load_scenario("wuhan-2020").with_overrides(scale=scale, days=days))


def _wipe() -> None:
    """Back to a platform without the outbreak (the city, facilities and users stay)."""
    Placement.objects.all().delete()
    Proposal.objects.all().delete()
    BedPool.objects.all().delete()
    Person.objects.all().delete()
    for model in (
        ClearanceSnapshot,
        ClearanceRun,
        ClearanceRevision,
        DailyReport,
        DailyStepRun,
        ImportBatch,
    ):
        model.objects.all().delete()
    # The logistics and the appeals the feed filed (warroom/demo/logistics.py, appeals).
    from warroom.appeals.models import Appeal
    from warroom.supplies.models import Balance, LedgerHead, Lot, Movement, StockAlert
    from warroom.waste.models import Disposed, Generated, WasteDay

    for model in (Disposed, Generated, WasteDay, StockAlert, Movement, Balance, Lot, Appeal):
        model.objects.all().delete()
    LedgerHead.objects.all().delete()


def _state() -> dict[str, object]:
    return {
        "people": dict(
            Person.objects.values_list("id_number", "status").order_by("id_number").distinct()
        ),
        "severity": Counter(Person.objects.values_list("severity", flat=True)),
        "isolation": Counter(Person.objects.values_list("isolation", "facility")),
        "steps": Counter(TransitionRecord.objects.values_list("source", "target")),
        "samples": Counter(Sample.objects.values_list("result", flat=True)),
        "contacts": ContactLink.objects.count(),
        "clearance": sorted(
            ClearanceSnapshot.objects.values_list(
                "area__code", "date", "duty", "total", "under_24h", "from_24_to_48h", "over_48h"
            )
        ),
    }


def test_the_twin_feeds_reports_and_the_daily_cycle(demo_city):
    days: list[DayFed] = []
    report = do_feed_twin(actor=demo_city, scale=SCALE, days=12, on_day=days.append)
    assert report.days == 12 and days[0].date == dt.date(2020, 1, 1)
    assert days[-1].date == dt.date(2020, 1, 12)
    # The city and its 15 reporting units, every day, imported as district files are.
    assert DailyReport.objects.filter(source=Source.REPORT).count() == 16 * 12
    assert ImportBatch.objects.filter(kind="surveillance-daily").count() == 12
    assert DailyStepRun.objects.filter(step="situation.analytics", status="done").count() == 12
    assert DailyStepRun.objects.filter(step="economy.levels", status="done").count() == 12
    assert Situation.objects.filter(day=dt.date(2020, 1, 12), area__code="4201").exists()
    # ... and the line lists: every fever-clinic visitor is a person of the platform.
    assert Person.objects.count() == report.people == sum(d.people for d in days) > 0
    assert ImportBatch.objects.filter(kind="cases-line-list").count() >= 12


def test_the_platform_counts_what_the_twin_recorded(demo_city):
    sim = _sim(36)
    fed = do_feed_twin(actor=demo_city, sim=sim, cycle=False)
    cum_confirmed, cum_deaths, cum_discharged = (int(x) for x in sim.cum.sum(axis=1))
    assert cum_confirmed > 50  # the outbreak is visible at this scale by 5 Feb
    # The twin's businesses are the census the resumption dashboard divides by.
    from warroom.economy.models import BusinessCensus

    census = sum(BusinessCensus.objects.values_list("count", flat=True))
    assert census == int(sim.city.businesses.sum()) > 0
    steps = TransitionRecord.objects
    assert Person.objects.count() == sim.per.n == fed.people
    assert steps.filter(target="confirmed").values("person").distinct().count() == cum_confirmed
    assert steps.filter(target="died").count() == cum_deaths
    assert steps.filter(target="discharged").count() == cum_discharged
    assert Sample.objects.count() == fed.samples
    assert Sample.objects.exclude(result="").count() == fed.results
    assert ContactLink.objects.count() == fed.contacts > 0
    assert steps.filter(target="admitted").count() > 0
    # the hospitals' roll: every patient in a bed has the day's treatment record
    last = sim.date - dt.timedelta(days=1)
    admitted = Person.objects.filter(status="admitted")
    assert admitted.exists() and not admitted.exclude(treatments__date=last).exists()
    # The line list's own aggregates (what surveillance reconciles) agree with the twin's.
    ids, values, names = line_list_figures(sim.date - dt.timedelta(days=1))
    city = int(np.searchsorted(ids, Area.objects.get(code="4201").pk))
    figures = dict(zip(names, values[city].tolist(), strict=True))
    assert figures["cum_confirmed"] == cum_confirmed
    assert figures["cum_deaths"] == cum_deaths
    assert figures["cum_discharged"] == cum_discharged


def test_the_same_seed_gives_the_same_platform(demo_city):
    last = dt.date(2020, 1, 30)
    states = []
    for _ in range(2):
        do_feed_twin(actor=demo_city, scale=SCALE, days=30, cycle=False)
        do_compute_clearance(last, actor=demo_city)
        states.append(_state())
        _wipe()
    assert states[0]["clearance"], "no backlog at all: the comparison would be empty"
    assert states[0] == states[1]


def test_feeding_again_adds_nothing(demo_city):
    do_feed_twin(actor=demo_city, scale=SCALE, days=26, cycle=False)
    before = (
        _state(),
        ImportBatch.objects.count(),
        DailyReport.objects.count(),
        TransitionRecord.objects.count(),
    )
    do_feed_twin(actor=demo_city, scale=SCALE, days=26, cycle=False)
    after = (
        _state(),
        ImportBatch.objects.count(),
        DailyReport.objects.count(),
        TransitionRecord.objects.count(),
    )
    assert after == before


def _people(pids: np.ndarray, bands: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    people = np.zeros(pids.size, dtype=R.PERSON)
    people["person_id"], people["age_band"], people["sex"] = pids, bands, sexes
    return people


def _lists() -> TwinLineLists:
    return TwinLineLists(SimpleNamespace(patch_codes=["420102001001001"], facilities=[]))


def test_people_of_a_whole_city_get_distinct_ids() -> None:
    """Issue 13 defect 6: person 1,643,500 (60-64) took the id of person 0 (15-59)."""
    lists = _lists()
    rng = np.random.default_rng(6)
    # Two blocks of person ids 1,643,500 apart (the old collision), then ids up to past
    # the whole city (12.3 M people), every band and sex mixed.
    pids = np.concatenate(
        [np.arange(20_000), 1_643_500 + np.arange(20_000), rng.choice(13_000_000, 60_000)]
    )
    pids = np.unique(pids)
    lists.register(_people(pids, rng.integers(0, 4, pids.size), rng.choice(["M", "F"], pids.size)))
    ids = list(lists.id_of.values())
    assert len(ids) == pids.size and len(set(ids)) == len(ids)
    assert lists.id_of[0] != lists.id_of[1_643_500]
    assert {lists.person_of[i] for i in ids} == set(pids.tolist())


@settings(max_examples=300, deadline=None)
@given(
    band=st.integers(0, 3),
    sex=st.sampled_from("MF"),
    data=st.data(),
)
def test_an_id_gives_back_its_number_band_and_sex(band: int, sex: str, data) -> None:
    """external_id is one-to-one over its whole range: the id decodes to its inputs."""
    from warroom.cases.identity import birth_date_of, sex_of, validate_resident_id

    number = data.draw(st.integers(0, feed_module.ID_CAPACITY[band] - 1))
    rid = external_id(number, "420111", band, sex)
    assert validate_resident_id(rid) == rid and sex_of(rid) == sex and rid[:6] == "420111"
    born = birth_date_of(rid)
    [decoded_band] = [b for b, (lo, hi) in enumerate(feed_module._BAND_BORN) if lo <= born <= hi]
    first = feed_module._BAND_BORN[decoded_band][0]
    assert decoded_band == band
    assert (born - first).days * 500 + int(rid[14:17]) // 2 == number
    with pytest.raises(ValueError, match="beyond"):
        external_id(feed_module.ID_CAPACITY[band], "420111", band, sex)


def test_every_age_band_has_ids_for_the_whole_city() -> None:
    from warroom.twin.population import AGE_SHARES

    city = 12_326_518
    for band, share in enumerate(AGE_SHARES):
        # the ids of one sex alone suffice for every person of the band
        assert feed_module.ID_CAPACITY[band] >= share * city


def test_the_feed_writes_only_through_the_services() -> None:
    """No module of the demo writes to the database itself: no save/create/delete, no
    bulk_create/bulk_update, no QuerySet.update, no raw SQL (issue 21)."""
    assert direct_writes_in(Path(feed_module.__file__).parent) == {}


@pytest.mark.parametrize(
    "line",
    [
        "Person.objects.filter(pk=1).update(status='x')",
        "Person.objects.all().delete()",
        "Person.objects.bulk_update(people, ['status'])",
        "qs.update(version=2)",
        "Sample.objects.create(code='S1')",
        "person.save()",
        "from django.db import connection",
        "with connection.cursor() as cursor: cursor.execute('SELECT 1')",
        "django.db.connection.cursor()",
        "c.executemany('INSERT INTO cases_sample (code) VALUES (%s)', rows)",
        "sql = 'UPDATE cases_person SET status = %s'",
        "Person.objects.raw('SELECT * FROM cases_person')",
        "from django.db.models.expressions import RawSQL",
    ],
)
def test_the_write_check_catches_each_kind_of_direct_write(line: str) -> None:
    assert direct_writes(line), line


def test_the_write_check_leaves_reads_and_dicts_alone() -> None:
    source = (
        "counts = {}\ncounts.update(a=1)\nseen = set()\nseen.update([1])\n"
        "rows = list(Person.objects.filter(pk__in=[1]).values_list('pk', flat=True))\n"
        "text = 'updated the line list'\n"
    )
    assert direct_writes(source) == []


# --- the dispatcher seam (issue #4, feedback) ---------------------------------------------


def test_the_platform_places_the_twins_waiting_people_and_no_beds_is_worse(demo_city):
    do_load_demo_facilities(scale=SCALE)
    days = 60  # to 29 Feb: the untreated die, the waiting infect their households
    with_beds = _sim(days)
    fed = do_feed_twin(
        actor=demo_city, sim=with_beds, cycle=False, dispatcher=platform_dispatcher(demo_city)
    )
    placed = fed.placed_by_platform
    assert placed > 20
    # The twin placed exactly what the platform's dispatch confirmed ...
    assert Placement.objects.count() == placed == fed.admissions
    assert TransitionRecord.objects.filter(target="admitted").count() > 20
    # ... and at the end both hold the same people in the same beds.
    pools = {
        (code, t): n
        for code, t, n in BedPool.objects.values_list("facility__code", "bed_type", "occupied")
        if n
    }
    twin = {
        (f.code, R.NEED_NAMES[b]): int(with_beds.occupied[i, b])
        for i, f in enumerate(with_beds.facilities)
        for b in range(len(R.NEED_NAMES))
        if with_beds.occupied[i, b]
    }
    assert pools == twin and sum(twin.values()) > 0
    open_now = Placement.objects.filter(ended_at__isnull=True).count()
    assert open_now == sum(twin.values())
    # The facilities' bed reports of the last day: the bed balance of that (past) day
    # counts the beds the twin holds.
    last = with_beds.date - dt.timedelta(days=1)
    assert fed.bed_reports == BedReport.objects.count() > 0
    assert BedReport.objects.filter(date=last).exists()
    balance = balance_on(last)
    assert sum(r.occupied for r in balance.rows) == sum(twin.values())
    assert DailyReport.objects.filter(source=Source.REPORT, area__code="4201").count() == days
    # The supplies (warroom/demo/logistics.py): every facility with patients keeps its own
    # store, topped up by its district's warehouse; on the last day, three weeks after the
    # city started to receive more than it uses (10 February), none is under the stock-out
    # alert's line, nor is any warehouse. (The facilities once held nothing: every one of
    # them was alerted for every item, every day.)
    from warroom.core.context import SYSTEM
    from warroom.supplies import selectors as supplies
    from warroom.supplies.services import city_root

    wards = supplies.days_left(SYSTEM, city_root(), last)
    assert len({r["facility"].pk for r in wards}) > 3
    assert min(r["days_left"] for r in wards) >= supplies.ALERT_DAYS
    warehouses = supplies.warehouse_days_left(last)
    assert warehouses and min(r["days_left"] for r in warehouses) >= supplies.ALERT_DAYS
    # Without beds: the same twin whose dispatcher never places anyone. The platform plays
    # no part in that run (the feed only tells the twin whom the platform placed), so the
    # twin runs alone: open the day, place nobody, close it — what the feed does with an
    # empty dispatcher, without importing 60 days into the platform a second time.
    no_beds = _sim(days)
    for _ in range(days):
        no_beds.open_day()
        assert no_beds.close_day().admissions.size == 0
    # Waiting confirmed cases infect their household, and the untreated die more often.
    infections, deaths = (
        (with_beds.inf.n, no_beds.inf.n),
        (
            int(with_beds.cum[1].sum()),
            int(no_beds.cum[1].sum()),
        ),
    )
    print(f"\ninfections with beds, without: {infections}; deaths: {deaths}")
    assert infections[1] > 1.05 * infections[0]
    assert deaths[1] > deaths[0]


def test_the_demo_command_prepares_everything(tmp_path):
    from typer.testing import CliRunner

    from warroom.cli import app

    result = CliRunner().invoke(app, ["demo", "--no-serve", "--days", "3", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    assert "fed 3 days" in result.output and "warroom-demo" in result.output
    assert Facility.objects.count() == 300 and Person.objects.count() > 0


# --- inspections and certification ----------------------------------------------------------


def test_the_twins_inspections_certify_the_compounds_without_cases(demo_city):
    from warroom.communities.models import CertificationStatus, Inspection
    from warroom.tasks.models import Task

    sim = Simulation(
        load_scenario("wuhan-2020").with_overrides(
            scale=0.01,
            days=8,
            inspection_start=dt.date(2020, 1, 3),
            inspection_days=2,
            inspection_fail_share=0.02,
            reinspect_days=3,
        )
    )
    _first, failed_item, _again = sim._inspection_plan
    failures = int((failed_item >= 0).sum())
    assert failures > 0
    fed = do_feed_twin(actor=demo_city, sim=sim)
    # every compound and village once, the failed ones again three days later
    assert fed.inspections == Inspection.objects.count() == sim.n_patch + failures
    assert Inspection.objects.filter(passed=False).count() == failures
    rectify = Task.objects.filter(source_kind="inspection")
    assert rectify.count() == rectify.filter(owner=demo_city).count() == failures  # one item each
    assert Inspection.objects.filter(passed=False).values("area").distinct().count() == failures
    # Compounds without a case in 14 days and a passing inspection are certified; the city
    # is not (it had cases).
    last = CertificationStatus.objects.filter(date=dt.date(2020, 1, 8))
    compounds = last.filter(level="compound")
    assert compounds.filter(status="certified").count() > 0.9 * compounds.count()
    assert last.get(level="city").status == "not_certified"
    # A compound that failed on its visit is certified only after its re-inspection.
    failed_area = Inspection.objects.filter(passed=False).order_by("date").first()
    assert failed_area is not None
    before = CertificationStatus.objects.get(area=failed_area.area, date=failed_area.date)
    assert before.status == "not_certified"
