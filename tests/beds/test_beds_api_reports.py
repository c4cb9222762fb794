"""Facilities report occupancy through the API with a token; retries are harmless."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warroom.accounts.services import do_create_token
from warroom.beds.models import BedReport
from warroom.beds.services import do_record_capacity_change
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db
URL = "/api/beds/facilities/SA1/reports"


@pytest.fixture
def token(officer):
    return do_create_token(officer, name="hospital", actor=SYSTEM)[1]


def _post(client, token, body, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_report_is_an_upsert_per_facility_day_and_type(client, shelter, token):
    body = {"date": "2020-02-10", "beds": [{"bed_type": "SHELTER", "occupied": 60}]}
    first = _post(client, token, body)
    assert first.status_code == 200, first.content
    assert first.json() == [
        {
            "facility_code": "SA1",
            "date": "2020-02-10",
            "bed_type": "SHELTER",
            "occupied": 60,
            "free": 40,
            "capacity": 100,
            "created": True,
        }
    ]
    body["beds"][0]["occupied"] = 75
    second = _post(client, token, body)
    assert second.json()[0]["created"] is False
    assert BedReport.objects.get().occupied == 75


def test_an_idempotency_key_replays_the_first_answer(client, shelter, token):
    body = {"date": "2020-02-10", "beds": [{"bed_type": "SHELTER", "occupied": 60}]}
    first = _post(client, token, body, key="k-1")
    again = _post(client, token, body, key="k-1")
    assert again.status_code == 200 and again.json() == first.json()
    other = _post(client, token, {**body, "date": "2020-02-11"}, key="k-1")
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    assert BedReport.objects.count() == 1


def test_more_occupied_than_capacity_is_refused_clearly(client, shelter, token):
    body = {"date": "2020-02-10", "beds": [{"bed_type": "SHELTER", "occupied": 101}]}
    response = _post(client, token, body)
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "over_capacity"
    assert "has 100 SHELTER beds on 2020-02-10; 101 occupied" in data["message"]
    assert data["details"] == {"capacity": 100, "occupied": 101}
    assert BedReport.objects.count() == 0


def test_bad_bodies_and_other_districts_answer_json(client, shelter, outsider, token):
    bad = _post(client, token, {"date": "2020-02-10", "beds": [{"bed_type": "ICU", "occupied": 1}]})
    assert bad.status_code == 422 and "has no ICU beds" in bad.json()["message"]
    invalid = _post(client, token, {"date": "not a date", "beds": []})
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid"
    stranger = do_create_token(outsider, name="b", actor=SYSTEM)[1]
    body = {"date": "2020-02-10", "beds": [{"bed_type": "SHELTER", "occupied": 1}]}
    assert _post(client, stranger, body).status_code == 404


def test_dispatch_reserves_and_releases_through_the_api(client, make_facility, token):
    f = make_facility("SB", "SHELTER")
    today = timezone.localdate()
    do_record_capacity_change(
        f,
        bed_type="SHELTER",
        kind="opening",
        delta=3,
        effective=today - dt.timedelta(days=1),
        actor=SYSTEM,
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = "/api/beds/facilities/SB/reservations"
    body = {"bed_type": "SHELTER", "beds": 2}
    ok = client.post(url, body, content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["free_after"] == 1
    refused = client.post(
        url, {"bed_type": "SHELTER", "beds": 2}, content_type="application/json", **auth
    )
    assert refused.status_code == 409 and refused.json()["details"]["free"] == 1
    released = client.post(f"/api/beds/reservations/{ok.json()['id']}/release", **auth)
    assert released.json()["released"] is True


def test_a_read_only_token_may_not_report(client, shelter, analyst):
    token = do_create_token(analyst, name="ro", actor=SYSTEM)[1]
    body = {"date": "2020-02-10", "beds": [{"bed_type": "SHELTER", "occupied": 1}]}
    response = _post(client, token, body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not BedReport.objects.exists()


def test_out_of_range_ids_and_odd_codes_are_not_found(client, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    huge = client.post(f"/api/beds/reservations/{2**70}/release", **auth)
    assert huge.status_code == 404 and huge.json()["code"] == "not_found"
    assert client.get("/api/beds/facilities/a%00b", **auth).status_code == 404
    # A control character in a query value is refused at the edge, naming the parameter.
    nul = client.get("/api/beds/facilities?q=a%00b", **auth)
    assert nul.status_code == 422 and nul.json()["message"].startswith("q:")
