"""Work done on behalf of a user stays in his scope (issue 14, finding 10).

A district officer's import of his district's series used to re-run the city-wide cycle
with force, rewriting other districts' results and archived briefings; and he could
trigger the city-wide clearance recompute. Now whatever his action sets off leaves every
row outside his district byte-identical.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import epidemic_csv
from warroom.cases.models import ClearanceRun, ClearanceSnapshot
from warroom.core.daily import run_daily_cycle
from warroom.situation.models import Briefing, ImportStatus, Situation
from warroom.situation.services import do_import_series, run_series_import
from warroom.surveillance.services import do_import_daily_reports
from warroom.tables import read_table

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 3, 20)
DISTRICT_A = "990101"


def _outside_district_a() -> dict[str, list[tuple[object, ...]]]:
    """Every stored result outside District A, field by field."""
    return {
        "briefings": sorted(
            Briefing.objects.exclude(area__code__startswith=DISTRICT_A)
            .values_list("area__code", "day", "html", "payload", "inputs_hash", "generated_at")
            .order_by("pk")
        ),
        "situations": sorted(
            Situation.objects.exclude(area__code__startswith=DISTRICT_A)
            .values_list("area__code", "day", "payload", "inputs_hash")
            .order_by("pk")
        ),
        "clearance": sorted(
            ClearanceSnapshot.objects.exclude(area__code__startswith=DISTRICT_A).values_list(
                "area__code", "date", "duty", "total", "under_24h", "over_48h"
            )
        ),
        "clearance_runs": sorted(
            ClearanceRun.objects.values_list("date", "cutoff", "computed_at", "people")
        ),
    }


@pytest.fixture
def computed_city(city, hq):
    reports = epidemic_csv(("9901", "990101", "990102"))
    do_import_daily_reports(read_table(reports, filename="daily.csv"), actor=hq)
    run_daily_cycle(DAY, actor=hq)
    assert Briefing.objects.filter(day=DAY).count() == 3


def test_a_district_officers_series_import_leaves_other_districts_untouched(computed_city, officer):
    before = _outside_district_a()
    own_before = Briefing.objects.get(area__code=DISTRICT_A, day=DAY)
    corrected = epidemic_csv((DISTRICT_A,), skip="2020-03-19")  # a corrected series of his own
    job = do_import_series(read_table(corrected, filename="a.csv"), actor=officer)
    assert DAY.isoformat() in job.days
    job = run_series_import(job.pk)
    assert job.status == ImportStatus.DONE, job.message
    assert _outside_district_a() == before
    own_after = Briefing.objects.get(area__code=DISTRICT_A, day=DAY)
    assert own_after.inputs_hash != own_before.inputs_hash  # his own district was recomputed


def test_a_district_officer_cannot_recompute_the_city_wide_clearance(
    computed_city, officer, client
):
    before = _outside_district_a()
    client.force_login(officer)
    response = client.post("/cases/clearance/compute/")
    assert response.status_code == 404
    assert _outside_district_a() == before


def test_headquarters_still_recomputes_the_city_wide_clearance(computed_city, hq, client):
    client.force_login(hq)
    assert client.post("/cases/clearance/compute/").status_code == 302
