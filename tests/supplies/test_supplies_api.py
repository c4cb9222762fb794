"""The supplies and waste API: each endpoint by District A's officer, and by District B's
(another district's objects answer 404 like missing ones, lists leave them out, writes
naming them are refused and write nothing). One world per test, walked end to end."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.supplies.conftest import D0
from warroom.accounts.services import do_create_token
from warroom.core.context import SYSTEM
from warroom.supplies.models import Donation, Movement

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client, user) -> None:
        self.client = client
        self.auth = {
            "HTTP_AUTHORIZATION": f"Bearer {do_create_token(user, name='t', actor=SYSTEM)[1]}"
        }

    def get(self, url: str, **params):
        return self.client.get(url, params, **self.auth)

    def post(self, url: str, body: dict | None = None, **headers):
        return self.client.post(
            url, json.dumps(body or {}), content_type="application/json", **self.auth, **headers
        )


def _rows(r) -> list:
    return r.json()["items"] if isinstance(r.json(), dict) else r.json()


def test_supplies_api_walks_the_ledger_donations_and_allocations(
    client, officer, outsider, hospital, warehouses
):
    a, b = Api(client, officer), Api(client, outsider)
    assert any(i["code"] == "n95_mask" for i in a.get("/api/supplies/items").json())
    day = D0.isoformat()
    rows = [
        {"date": day, "kind": "receipt", "item": "n95_mask", "quantity": 100,
         "to_place": "WH-990101", "source": "national", "reference": "R1"},
        {"date": day, "kind": "transfer", "item": "n95_mask", "quantity": 30,
         "from_place": "WH-990101", "to_place": "DA1"},
        {"date": day, "kind": "issue", "item": "n95_mask", "quantity": 5, "from_place": "DA1"},
    ]  # fmt: skip
    # Another district's places in a batch: refused row by row, nothing written.
    refused = b.post("/api/supplies/movements", {"rows": rows})
    assert refused.status_code == 422 and refused.json()["code"] == "rejected"
    assert not Movement.objects.exists()
    done = a.post("/api/supplies/movements", {"rows": rows}, HTTP_IDEMPOTENCY_KEY="k1")
    assert done.status_code == 200, done.content
    assert (done.json()["created"], done.json()["already_imported"]) == (3, False)
    again = a.post("/api/supplies/movements", {"rows": rows}, HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json()["already_imported"] and Movement.objects.count() == 3
    over = a.post("/api/supplies/movements", {"rows": [{**rows[2], "quantity": 26}]})
    assert over.status_code == 422 and "only 25 left" in json.dumps(over.json())

    # Balances: the one read, the list, a place's stock by lot, days left.
    one = a.get("/api/supplies/balance", item="n95_mask", place="WH-990101")
    assert one.json() == {"place": "WH-990101", "item": "n95_mask", "quantity": 70}
    assert b.get("/api/supplies/balance", item="n95_mask", place="WH-990101").status_code == 404
    listed = {
        (r["place"], r["item"]): r["quantity"] for r in _rows(a.get("/api/supplies/balances"))
    }
    assert listed == {("DA1", "n95_mask"): 25, ("WH-990101", "n95_mask"): 70}
    assert _rows(b.get("/api/supplies/balances")) == []
    assert b.get("/api/supplies/balances", area="990101").status_code == 404
    assert a.get("/api/supplies/places/WH-990101").json()["stock"][0]["quantity"] == 70
    assert b.get("/api/supplies/places/WH-990101").status_code == 404
    codes = {p["code"] for p in _rows(a.get("/api/supplies/places"))}
    assert {"WH-990101", "DA1"} <= codes and "WH-990102" not in codes
    assert "WH-990101" not in {p["code"] for p in _rows(b.get("/api/supplies/places"))}
    left = {(r["place"], r["item"]): r for r in a.get("/api/supplies/days-left", date=day).json()}
    assert left[("DA1", "n95_mask")]["stock"] == 25 and left[("DA1", "n95_mask")]["per_day"] > 0
    assert not any(r["place"] == "DA1" for r in b.get("/api/supplies/days-left", date=day).json())
    assert a.get("/api/supplies/alerts", date=day).status_code == 200
    assert b.get("/api/supplies/alerts", area="990101").status_code == 404
    moved = _rows(a.get("/api/supplies/movements", item="n95_mask"))
    assert [m["kind"] for m in moved] == ["issue", "transfer", "receipt"]
    assert _rows(b.get("/api/supplies/movements")) == []

    # A physical count books the difference.
    count = {"date": day, "lines": [{"item": "n95_mask", "counted": 20}], "note": "盘点"}
    assert b.post("/api/supplies/places/DA1/counts", count).status_code == 404
    counted = a.post("/api/supplies/places/DA1/counts", count)
    assert counted.json()["lines"][0]["book"] == 25
    assert a.get("/api/supplies/balance", item="n95_mask", place="DA1").json()["quantity"] == 20

    # Donations: registered, inspected once, published; another district sees none of it.
    gift = {"donor": "校友会", "donor_kind": "alumni", "form": "goods", "item": "n95_mask",
            "quantity": 40, "warehouse": "WH-990101", "received_on": day}  # fmt: skip
    assert b.post("/api/supplies/donations", {**gift, "area_code": "990101"}).status_code == 404
    assert b.post("/api/supplies/donations", gift).status_code == 404  # A's warehouse
    made = a.post("/api/supplies/donations", gift)
    assert made.status_code == 201 and made.json()["status"] == "received"
    url = f"/api/supplies/donations/{made.json()['id']}"
    assert b.get(url).status_code == 404
    assert b.post(url + "/inspect", {"accepted": True}).status_code == 404
    ok = a.post(url + "/inspect", {"accepted": True, "standard_met": "GB 19083-2010"})
    assert ok.json()["status"] == "accepted" and ok.json()["lot"].startswith("DON-")
    assert a.post(url + "/inspect", {"accepted": True}).status_code == 409
    assert (
        a.get("/api/supplies/balance", item="n95_mask", place="WH-990101").json()["quantity"] == 110
    )
    assert a.post(url + "/publish", {"published": True}).json()["published"]
    money = a.post(
        "/api/supplies/donations",
        {"donor": "楚商", "donor_kind": "entrepreneur", "form": "money", "amount": "500万"},
    )
    assert money.json()["amount_fen"] == 500_000_000
    assert len(_rows(a.get("/api/supplies/donations"))) == 2
    assert _rows(b.get("/api/supplies/donations")) == []
    assert Donation.objects.count() == 2

    # Allocations: proposed by need (ICU first), confirmed once; not by another district.
    plan = {"warehouse": "WH-990101", "date": day}
    assert b.post("/api/supplies/allocations", plan).status_code == 404
    proposed = a.post("/api/supplies/allocations", plan)
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    lines = [ln for ln in proposed.json()["lines"] if ln["item"] == "n95_mask"]
    assert lines and lines[0]["tier"] == 0 and all(ln["place"] == "DA1" for ln in lines)
    url = f"/api/supplies/allocations/{proposed.json()['id']}"
    assert b.get(url).status_code == 404 and b.post(url + "/confirm").status_code == 404
    assert _rows(b.get("/api/supplies/allocations")) == []
    assert a.post(url + "/confirm").json()["status"] == "confirmed"
    assert a.post(url + "/confirm").status_code == 409
    assert a.post(url + "/cancel").status_code == 409
    assert Movement.objects.filter(plan_id=proposed.json()["id"]).exists()


def test_waste_api_reports_balances_and_alerts_by_district(client, officer, outsider, city):
    from warroom.waste.services import do_create_plant

    do_create_plant("PA", "甲区焚烧厂", city["990101"], capacity=10, effective=D0, actor=SYSTEM)
    a, b = Api(client, officer), Api(client, outsider)
    day, later = D0.isoformat(), (D0 + dt.timedelta(days=3)).isoformat()
    gen = {"rows": [{"date": day, "area_code": "990101", "kind": "infectious", "tonnes": "8"}]}
    assert b.post("/api/waste/generated", gen).status_code == 422  # not B's district
    made = a.post("/api/waste/generated", gen, HTTP_IDEMPOTENCY_KEY="g1")
    assert made.json()["created"] == 1
    assert a.post("/api/waste/generated", gen, HTTP_IDEMPOTENCY_KEY="g1").json()["already_imported"]
    dis = {"rows": [{"date": day, "plant_code": "PA", "area_code": "990101", "tonnes": "5"}]}
    assert b.post("/api/waste/disposed", dis).status_code == 422
    assert a.post("/api/waste/disposed", dis).json()["created"] == 1
    too_much = {"rows": [{**dis["rows"][0], "date": later, "tonnes": "4"}]}
    assert a.post("/api/waste/disposed", too_much).status_code == 422  # only 3 t stored

    bal = a.get("/api/waste/balance", date=day).json()
    assert (bal["area"]["generated"], bal["area"]["disposed"], bal["area"]["backlog"]) == (8, 5, 3)
    assert bal["plants"][0]["load"] == 5 and bal["capacity"] == 10
    assert b.get("/api/waste/balance", area="990101").status_code == 404
    assert b.get("/api/waste/balance", date=day).json()["area"]["generated"] == 0
    alerts = a.get("/api/waste/alerts", date=later).json()
    assert [(x["area_code"], x["over_48h"]) for x in alerts] == [("990101", 3)]
    assert b.get("/api/waste/alerts", date=later).json() == []
    assert a.get("/api/waste/sources", date=day).json()[0]["backlog"] == 3
    assert b.get("/api/waste/sources", date=day).json() == []
    assert len(_rows(a.get("/api/waste/generated"))) == 1
    assert _rows(b.get("/api/waste/generated")) == _rows(b.get("/api/waste/disposed")) == []
    assert [p["code"] for p in a.get("/api/waste/plants", date=day).json()] == ["PA"]
    assert b.get("/api/waste/plants").json() == []
