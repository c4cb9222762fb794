"""One definition per quantity, over the fed demo: every simulated day, the numbers the
headquarters reads from different places are the same people (issue 15, DESIGN §3.2–3.3).

The twin's 90 days at a small scale are fed through the import path with the platform as
the dispatcher; after each day:
- the clearance's isolate backlog = the people waiting for a quarantine room, and the
  admit backlog = the people waiting for a hospital bed (home isolation is not isolation);
- per bed type, the waiting people of the bed-balance page (computed for that past day),
  the dashboard, the day's briefing and the dispatch's waiting list are equal, and so
  are the free beds of the page, the dashboard and the briefing;
- right after the day's dispatch, nobody is left waiting while a bed he may take is free
  in a facility that takes admissions that day (observed: shelter beds stood empty while
  people waited, because dispatch read the shelter hospitals' present status "closed"
  instead of whether they took patients on the dispatched day).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any

import pytest
from django.db.models import Count

from warroom.accounts.models import User
from warroom.analytics.allocate import Need
from warroom.beds.imports import do_load_demo_facilities
from warroom.beds.models import BED_TYPE_ORDER, BedPool
from warroom.beds.selectors import balance_on, open_to_admissions
from warroom.beds.services import do_compute_bed_balance
from warroom.cases.clearance import do_compute_clearance
from warroom.cases.models import ClearanceRun, Person
from warroom.cases.waiting import BED_TYPE_OF_NEED, waiting_people
from warroom.core.context import SYSTEM
from warroom.demo.dispatch import platform_dispatcher
from warroom.demo.feed import do_feed_twin
from warroom.dispatch.models import Proposal
from warroom.geo.models import Area
from warroom.geo.services import do_load_demo_city
from warroom.situation import selectors
from warroom.situation.models import Briefing
from warroom.situation.services import do_generate_briefings

pytestmark = pytest.mark.django_db
SCALE = 0.002  # ~22,000 simulated people: every day of the outbreak, quickly
DAYS = 90
# Which bed types serve each need (never below it; above it when nothing else is free).
ALLOWED = {
    Need.CRITICAL: ("ICU",),
    Need.SEVERE: ("SEVERE", "ICU"),
    Need.CONFIRMED: ("SHELTER", "GENERAL", "SEVERE", "ICU"),
    Need.SUSPECTED: ("QUARANTINE",),
    Need.FEBRILE: ("QUARANTINE",),
    Need.CONTACT: ("QUARANTINE",),
}


def _by_type(counts: dict[int, int]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for need, n in counts.items():
        out[BED_TYPE_OF_NEED[need]] += n
    return {t: out.get(t, 0) for t in BED_TYPE_ORDER}


def _free_after_dispatch(day: dt.date) -> dict[str, int]:
    """Free beds per type in the live pools of the facilities taking patients on ``day``."""
    free: Counter[str] = Counter()
    for t, cap, occ in BedPool.objects.filter(facility__in=_open_facilities(day)).values_list(
        "bed_type", "capacity", "occupied"
    ):
        free[t] += max(cap - occ, 0)
    return dict(free)


def _open_facilities(day: dt.date) -> Any:
    from warroom.beds.models import Facility

    return Facility.objects.filter(open_to_admissions(day)).values("pk")


def test_every_fed_day_reads_one_picture(settings):
    from warroom.cli import ensure_demo_users

    # The citizens' appeals are not fed: the pictures compared here are beds and backlogs,
    # which no appeal changes (the twin's appeals are records of their own random stream).
    settings.WARROOM_DEMO_APPEALS_PER_DAY = 0

    started = time.perf_counter()
    do_load_demo_city()
    ensure_demo_users()
    hq = User.objects.get(username="hq")
    do_load_demo_facilities(scale=SCALE)
    city = Area.objects.get(depth=0)
    dispatch = platform_dispatcher(hq)
    problems: list[str] = []
    shelter_used = 0

    def dispatcher(day: dt.date) -> list[tuple[str, str, str]]:
        nonlocal shelter_used
        placed = list(dispatch(day))
        shelter_used += sum(1 for _p, _f, t in placed if t == "SHELTER")
        # Right after the dispatch: nobody waits while a bed he may take is free.
        proposal = Proposal.objects.order_by("-pk").first()
        assert proposal is not None
        left = Counter(
            proposal.lines.filter(state__in=("unplaced", "refused")).values_list("need", flat=True)
        )
        free = _free_after_dispatch(day)
        for need, n in left.items():
            usable = {t: free.get(t, 0) for t in ALLOWED[Need(need)] if free.get(t, 0)}
            if n and usable:
                problems.append(f"{day}: {n} of need {Need(need).name} wait, free {usable}")
        return placed

    def check(fed: Any) -> None:
        day = fed.date
        do_compute_bed_balance(day)
        do_compute_clearance(day, actor=SYSTEM)
        do_generate_briefings(day)
        run = ClearanceRun.objects.get(date=day)
        live = {
            r["need"]: r["n"]
            for r in waiting_people(Person.objects.all())
            .order_by()
            .values("need")
            .annotate(n=Count("pk"))
        }
        rooms = sum(live.get(n, 0) for n in (Need.SUSPECTED, Need.FEBRILE, Need.CONTACT))
        beds = sum(live.get(n, 0) for n in (Need.CRITICAL, Need.SEVERE, Need.CONFIRMED))
        city_backlog = run.params["city"]
        if city_backlog["isolate"] != rooms:
            problems.append(f"{day}: isolate backlog {city_backlog['isolate']}, rooms {rooms}")
        if city_backlog["admit"] != beds:
            problems.append(f"{day}: admit backlog {city_backlog['admit']}, beds {beds}")
        dispatch_list = _by_type(live)
        page = {t: v["waiting"] for t, v in balance_on(day).by_type().items()}
        panel = selectors.beds_panel(SYSTEM, city, day)["by_type"]
        dashboard = {t: 0 for t in BED_TYPE_ORDER} | {r["type"]: r["waiting"] for r in panel}
        stored = Briefing.objects.get(area=city, day=day).payload["beds"]["by_type"]
        briefing = {t: 0 for t in BED_TYPE_ORDER} | {r["type"]: r["waiting"] for r in stored}
        if not dispatch_list == page == dashboard == briefing:
            problems.append(
                f"{day}: dispatch {dispatch_list}, page {page}, dashboard {dashboard}, "
                f"briefing {briefing}"
            )
        free = (
            {t: v["free"] for t, v in balance_on(day).by_type().items() if v["capacity"]},
            {r["type"]: r["free"] for r in panel if r["capacity"]},
            {r["type"]: r["free"] for r in stored if r["capacity"]},
        )
        if not free[0] == free[1] == free[2]:
            problems.append(f"{day}: free beds page / dashboard / briefing {free}")

    report = do_feed_twin(
        actor=hq,
        scale=SCALE,
        days=DAYS,
        cycle=False,
        dispatcher=dispatcher,
        on_day=check,
    )
    elapsed = time.perf_counter() - started
    print(f"\n{DAYS} fed days at scale {SCALE}: {elapsed:.0f} s")
    assert report.days == DAYS
    assert not problems, "\n".join(problems[:20])
    assert shelter_used > 0  # the shelter hospitals took patients
