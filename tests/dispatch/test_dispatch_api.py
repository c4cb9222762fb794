"""The dispatch API with a token: waiting list, propose, confirm some, refuse, place,
transfer, end; a facility reports admissions and discharges, retries safely."""

from __future__ import annotations

import json

import pytest

from warroom.accounts.services import do_create_token
from warroom.beds.models import BedPool
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, dispatcher):
    _, secret = do_create_token(dispatcher, name="dispatch desk", actor=SYSTEM)

    def call(method: str, url: str, body: object | None = None, token: str = secret):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/dispatch{url}", **kwargs)

    return call


def test_waiting_propose_confirm_some_and_refuse(api, facilities, make_person, english):
    a = make_person("confirmed", severity="critical")
    b = make_person("contact")
    c = make_person("suspected")
    waiting = api("get", "/waiting").json()
    assert waiting["total"] == 3 and waiting["by_need"] == {
        "critical": 1,
        "suspected": 1,
        "contact": 1,
    }
    assert [p["person_id"] for p in waiting["people"]] == [a.pk, c.pk, b.pk]
    proposal = api("post", "/proposals").json()
    assert proposal["placed"] == 3
    detail = api("get", f"/proposals/{proposal['id']}").json()
    lines = {ln["person_id"]: ln for ln in detail["lines"]}
    assert lines[a.pk]["facility_code"] == "DA1" and "ICU" in lines[a.pk]["reason"]
    refused = api("post", f"/lines/{lines[b.pk]['id']}/refuse", {"note": "family isolates at home"})
    assert refused.status_code == 200 and refused.json()["refusal"] == "dispatcher"
    done = api("post", f"/proposals/{proposal['id']}/confirm", {"line_ids": [lines[a.pk]["id"]]})
    assert done.status_code == 200, done.content
    assert done.json()["confirmed"] == 1
    rest = api("post", f"/proposals/{proposal['id']}/confirm", {"all": True}).json()
    assert [p["person_id"] for p in rest["placements"]] == [c.pk]
    assert BedPool.objects.get(facility=facilities["QA1"]).occupied == 1


def test_place_transfer_end_by_api(api, facilities, make_person):
    from warroom.cases.services import do_set_severity

    p = make_person("confirmed", severity="mild")
    placed = api("post", f"/people/{p.pk}/place", {"facility_code": "SA1", "bed_type": "SHELTER"})
    assert placed.status_code == 200, placed.content
    p.refresh_from_db()
    do_set_severity(p, "critical", actor=SYSTEM)
    moved = api(
        "post",
        f"/placements/{placed.json()['id']}/transfer",
        {"facility_code": "DA1", "bed_type": "ICU", "note": "worsened"},
    )
    assert moved.status_code == 200 and moved.json()["transferred_from_id"] == placed.json()["id"]
    full = api(
        "post",
        f"/people/{make_person('confirmed', severity='critical').pk}/place",
        {"facility_code": "DA1", "bed_type": "ICU"},
    )
    assert full.status_code == 200
    none_left = make_person("confirmed", severity="critical")
    refused = api(
        "post", f"/people/{none_left.pk}/place", {"facility_code": "DA1", "bed_type": "ICU"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "no_beds_free"
    ended = api("post", f"/placements/{moved.json()['id']}/end", {"outcome": "discharged"})
    assert ended.status_code == 200 and ended.json()["outcome"] == "discharged"
    history = api("get", f"/people/{p.pk}/placements").json()
    assert [h["outcome"] for h in history] == ["discharged", "transferred"]
    occupants = api("get", "/facilities/DA1/occupants").json()
    assert len(occupants) == 2


def test_a_facility_reports_admissions_and_discharges_all_or_nothing(api, facilities, make_person):
    a = make_person("confirmed", severity="mild")
    b = make_person("confirmed", severity="mild")
    c = make_person("contact")
    bad = api(
        "post",
        "/facilities/SA1/moves",
        {
            "admissions": [
                {"person_id": a.pk, "bed_type": "SHELTER"},
                {"person_id": c.pk, "bed_type": "SHELTER"},
            ]
        },
    )
    assert bad.status_code == 422  # a contact never takes a shelter bed: nothing admitted
    assert BedPool.objects.get(facility=facilities["SA1"]).occupied == 0
    body = {
        "admissions": [
            {"person_id": a.pk, "bed_type": "SHELTER"},
            {"person_id": b.pk, "bed_type": "SHELTER"},
        ]
    }
    first = api("post", "/facilities/SA1/moves", body)
    again = api("post", "/facilities/SA1/moves", body)
    assert first.status_code == again.status_code == 200
    assert [x["id"] for x in first.json()["admitted"]] == [
        x["id"] for x in again.json()["admitted"]
    ]
    assert BedPool.objects.get(facility=facilities["SA1"]).occupied == 2
    out = {"discharges": [{"person_id": a.pk, "outcome": "discharged"}]}
    assert api("post", "/facilities/SA1/moves", out).status_code == 200
    assert api("post", "/facilities/SA1/moves", out).status_code == 200  # a retry
    assert BedPool.objects.get(facility=facilities["SA1"]).occupied == 1


def test_roles_without_dispatch_and_other_districts_are_refused(
    client, facilities, make_person, analyst, outsider
):
    person = make_person("confirmed")
    _, analyst_token = do_create_token(analyst, name="a", actor=SYSTEM)
    r = client.get("/api/dispatch/waiting", HTTP_AUTHORIZATION=f"Bearer {analyst_token}")
    assert r.status_code == 403
    _, outsider_token = do_create_token(outsider, name="o", actor=SYSTEM)
    r = client.post(
        f"/api/dispatch/people/{person.pk}/place",
        data=json.dumps({"facility_code": "SB1", "bed_type": "SHELTER"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {outsider_token}",
    )
    assert r.status_code == 404
