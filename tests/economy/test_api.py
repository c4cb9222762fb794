"""The zones API: register, apply, decide, read the levels and the resumption (issue 20)."""

from __future__ import annotations

import json

import pytest

from warroom.core.context import SYSTEM
from warroom.core.today import today

pytestmark = pytest.mark.django_db


def _auth(user) -> dict:
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(user, name="t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _post(client, url, body, user):
    return client.post(url, json.dumps(body), content_type="application/json", **_auth(user))


def test_a_business_goes_through_the_api_and_outsiders_see_nothing(
    client, city, officer, inspector, outsider
):
    from warroom.economy.services import PLAN_ITEMS, do_compute_risk_levels

    do_compute_risk_levels(today(), actor=SYSTEM)
    r = _post(
        client,
        "/api/zones/businesses",
        {
            "location_code": "990101001001001",
            "name": "甲一药店",
            "category": "essential_supply",
            "size": "small",
            "workforce": 8,
        },
        officer,
    )
    assert r.status_code == 201, r.content
    business = r.json()["id"]
    r = _post(
        client,
        f"/api/zones/businesses/{business}/applications",
        {"plan": dict.fromkeys(PLAN_ITEMS, True), "workers": 6},
        officer,
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    app = r.json()["id"]
    # Another district's officer: the business and the application answer like missing ones.
    r = _post(client, f"/api/zones/applications/{app}/decision", {"approve": True}, outsider)
    assert r.status_code == 404
    r = _post(
        client,
        f"/api/zones/businesses/{business}/applications",
        {"plan": {}, "workers": 1},
        outsider,
    )
    assert r.status_code == 404
    r = _post(client, f"/api/zones/applications/{app}/decision", {"approve": True}, inspector)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.get("/api/zones/resumption", **_auth(officer))
    assert r.status_code == 200, r.content
    assert r.json()["totals"]["back"] == 1 and r.json()["totals"]["workers_back"] == 6
    r = client.get("/api/zones/resumption", **_auth(outsider))
    assert r.json()["totals"]["back"] == 0
    levels = client.get("/api/zones/levels?area=9901", **_auth(officer))
    assert levels.status_code == 404  # the city is above a district officer
    levels = client.get("/api/zones/levels", **_auth(officer)).json()
    assert {row["area_code"] for row in levels} == {"990101", "990101001"}
    assert all(row["level"] == "low" for row in levels)
