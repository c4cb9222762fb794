"""Bed balance: free beds minus waiting people, and the day beds start to wait for patients."""

from __future__ import annotations

import datetime as dt

import pytest

from warroom.beds import selectors
from warroom.beds.models import BedBalance
from warroom.beds.services import do_record_capacity_change, do_report_occupancy
from warroom.beds.waiting import register_waiting_provider, unregister_waiting_provider
from warroom.core.context import SYSTEM
from warroom.core.daily import run_daily_cycle

pytestmark = pytest.mark.django_db
D0 = dt.date(2020, 2, 1)
DAYS = [D0 + dt.timedelta(days=i) for i in range(4)]
# Hand-built: District A's shelter (100 beds) and District B's quarantine site (50 rooms).
SHELTER_OCCUPIED = [90, 95, 80, 85]  # free 10, 5, 20, 15
SHELTER_WAITING = [25, 10, 15, 5]  # balance -15, -5, +5, +10
QUARANTINE_OCCUPIED = [20, 20, 20, 20]  # free 30
QUARANTINE_WAITING = [40, 0, 0, 0]  # balance -10, 30, 30, 30


@pytest.fixture
def hand_built(shelter, make_facility, city):
    q = make_facility("QB1", "QUARANTINE", area="990102", name="乙区隔离点")
    do_record_capacity_change(
        q, bed_type="QUARANTINE", kind="opening", delta=50, effective=D0, actor=SYSTEM
    )
    for i, day in enumerate(DAYS):
        do_report_occupancy(
            shelter, day=day, bed_type="SHELTER", occupied=SHELTER_OCCUPIED[i], actor=SYSTEM
        )
        do_report_occupancy(
            q, day=day, bed_type="QUARANTINE", occupied=QUARANTINE_OCCUPIED[i], actor=SYSTEM
        )
    victim, other = city["990101001001001"].pk, city["990102001001001"].pk

    def waiting(day: dt.date) -> dict[tuple[int, str], int]:
        i = DAYS.index(day)
        return {
            (victim, "SHELTER"): SHELTER_WAITING[i],
            (other, "QUARANTINE"): QUARANTINE_WAITING[i],
        }

    register_waiting_provider(waiting)
    yield waiting
    unregister_waiting_provider(waiting)


def _cycle() -> None:
    for day in DAYS:
        run_daily_cycle(day, only=["beds.pools", "beds.balance"], force=True)


def test_balance_per_district_and_type_and_the_day_beds_wait(hand_built, hq):
    _cycle()
    rows = {
        (r.day, r.area.code, r.bed_type): (r.free, r.waiting, r.balance)
        for r in BedBalance.objects.select_related("area")
    }
    assert rows[(DAYS[0], "990101", "SHELTER")] == (10, 25, -15)
    assert rows[(DAYS[1], "990101", "SHELTER")] == (5, 10, -5)
    assert rows[(DAYS[2], "990101", "SHELTER")] == (20, 15, 5)
    assert rows[(DAYS[0], "990102", "QUARANTINE")] == (30, 40, -10)
    days, series = selectors.balance_history(hq, DAYS[0], DAYS[-1])
    assert series["SHELTER"] == [-15, -5, 5, 10] and series["QUARANTINE"] == [-10, 30, 30, 30]
    assert selectors.beds_wait_since(days, series) == DAYS[2]


def test_the_daily_step_is_idempotent(hand_built):
    _cycle()
    first = sorted(BedBalance.objects.values_list("day", "area_id", "bed_type", "balance"))
    _cycle()
    assert sorted(BedBalance.objects.values_list("day", "area_id", "bed_type", "balance")) == first


def test_each_district_sees_its_own_balance(hand_built, officer):
    _cycle()
    days, series = selectors.balance_history(officer, DAYS[0], DAYS[-1])
    assert series["QUARANTINE"] == [0, 0, 0, 0]  # District B's site is not his
    assert selectors.beds_wait_since(days, series) == DAYS[2]


def test_the_page_shows_the_date_beds_wait_for_patients(hand_built, client, hq):
    _cycle()
    client.force_login(hq)
    page = client.get(f"/beds/balance/?date={DAYS[-1]}").content.decode()
    assert "自 2020-02-03 起床等人" in page and 'data-chart="option"' in page


def test_without_case_data_the_page_says_so_rather_than_zero(
    shelter, client, hq, no_waiting_provider
):
    run_daily_cycle(D0, only=["beds.pools", "beds.balance"])
    row = BedBalance.objects.get()
    assert (row.free, row.waiting, row.balance) == (100, None, None)
    client.force_login(hq)
    page = client.get(f"/beds/balance/?date={D0}").content.decode()
    assert 'data-testid="no-case-data"' in page and "无病例数据" in page
    api = client.get(f"/api/beds/balance?date={D0}").json()
    assert api["case_data"] is False and api["rows"][0]["waiting"] is None


def test_the_balance_reads_each_latest_report_as_occupied_on_gives_it(hand_built, officer):
    """The bed balance and the supplies' need per facility read the latest reports' census
    and time (``census_on``) without loading them as models: the same report per facility
    and bed type as ``occupied_on`` (the latest within the week, the day itself included),
    for the city and a district, all facilities or some."""
    from warroom.beds.models import Facility

    ids = sorted(Facility.objects.values_list("pk", flat=True))
    for user in (SYSTEM, officer):
        for day in [D0 - dt.timedelta(days=1), *DAYS, DAYS[-1] + dt.timedelta(days=8)]:
            for facility_ids in (None, ids, ids[:1], []):
                latest = selectors.occupied_on(day, user=user, facility_ids=facility_ids)
                assert selectors.census_on(day, user=user, facility_ids=facility_ids) == {
                    k: selectors.Census(r.occupied, r.reported_at) for k, r in latest.items()
                }
            assert bool(selectors.occupied_on(day, user=user)) == (
                D0 <= day <= DAYS[-1] + dt.timedelta(days=6)
            )
