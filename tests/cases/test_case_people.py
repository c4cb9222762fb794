"""Registering, duplicates, merging, contacts and tracing, the graph, the person API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.accounts.services import do_create_token
from warroom.audit.models import AuditEntry
from warroom.cases import selectors, services
from warroom.cases.models import ContactLink, Person, Sample, TransitionRecord
from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db
A1, A2 = "990101001001001", "990101001001002"


def test_a_known_id_number_is_a_conflict_naming_the_existing_record(city, officer):
    first = services.do_register_person(
        name="张三", home=city[A1], actor=officer, id_number=resident_id(1)
    )
    with pytest.raises(Conflict) as caught:
        services.do_register_person(
            name="张三（重复）", home=city[A2], actor=officer, id_number=resident_id(1).lower()
        )
    assert caught.value.code == "duplicate" and f"#{first.pk}" in caught.value.message
    assert caught.value.details == {"person_id": first.pk}
    assert Person.objects.count() == 1


def test_bad_identity_or_a_home_that_is_not_a_compound_is_refused(city, officer, english):
    with pytest.raises(InvalidInput, match="check digit"):
        services.do_register_person(
            name="x",
            home=city[A1],
            actor=officer,
            id_number=resident_id(1)[:-1] + "0"
            if not resident_id(1).endswith("0")
            else resident_id(1)[:-1] + "1",
        )
    with pytest.raises(InvalidInput, match="phone"):
        services.do_register_person(name="x", home=city[A1], actor=officer, phone="12345")
    with pytest.raises(InvalidInput, match="compound"):
        services.do_register_person(name="x", home=city["990101"], actor=officer)
    passport = services.do_register_person(
        name="Smith", home=city[A1], actor=officer, id_type="passport", id_number="E1234567"
    )
    assert passport.id_number == "E1234567"


def test_merge_moves_the_records_and_keeps_the_history(city, officer):
    keep = services.do_register_person(
        name="李四", home=city[A1], actor=officer, id_number=resident_id(2)
    )
    dup = services.do_register_person(
        name="李四", home=city[A1], actor=officer, phone="13900001111", category="suspected"
    )
    services.do_record_sample(dup, kind="nucleic_acid", lab="L", code="m1", actor=officer)
    case = services.do_register_person(
        name="病例", home=city[A1], actor=officer, category="confirmed"
    )
    services.do_add_contact(
        case, keep, exposure_date=timezone.localdate(), setting="work", actor=officer
    )
    services.do_merge_people(Person.objects.get(pk=keep.pk), dup, actor=officer)
    merged = Person.objects.get(pk=keep.pk)
    assert merged.phone == "13900001111" and merged.status == "contact"  # kept its own state
    assert Sample.objects.get().person_id == keep.pk
    assert TransitionRecord.objects.filter(person=keep).count() == 2
    gone = Person.objects.get(pk=dup.pk)
    assert gone.merged_into_id == keep.pk and gone.status == ""
    assert AuditEntry.objects.filter(action="merge").count() == 2
    assert not selectors.visible_people(officer).filter(pk=dup.pk).exists()


def test_contacts_of_a_confirmed_case_are_listed_for_tracing_within_24_hours(city, officer, client):
    case = services.do_register_person(
        name="指示病例", home=city[A1], actor=officer, category="suspected"
    )
    contact = services.do_register_person(name="密接甲", home=city[A2], actor=officer)
    link = services.do_add_contact(
        case, contact, exposure_date=timezone.localdate(), setting="household", actor=officer
    )
    assert link.entered and Person.objects.get(pk=contact.pk).status == "contact"
    assert selectors.tracing_list(officer) == []  # the index is not confirmed yet
    services.do_transition_person(Person.objects.get(pk=case.pk), "confirmed", actor=officer)
    (row,) = selectors.tracing_list(officer)
    confirmed_at = Person.objects.get(pk=case.pk).confirmed_at
    assert row["deadline"] == confirmed_at + dt.timedelta(hours=24) and not row["overdue"]
    late = selectors.tracing_list(officer, now=timezone.now() + dt.timedelta(hours=25))
    assert late[0]["overdue"]
    client.force_login(officer)
    assert "密接甲" in client.get("/cases/tracing/").content.decode()
    services.do_isolate_person(
        Person.objects.get(pk=contact.pk), "quarantine", facility="隔离点", actor=officer
    )
    assert selectors.tracing_list(officer) == []


def test_the_graph_page_draws_chains_and_clusters(city, officer, client):
    people = [
        services.do_register_person(
            name=f"p{i}", home=city[A1], actor=officer, category="confirmed" if i == 0 else None
        )
        for i in range(5)
    ]
    day = timezone.localdate()
    for a, b in ((0, 1), (1, 2), (3, 4)):
        ContactLink.objects.create(
            case=people[a], contact=people[b], exposure_date=day, setting="work"
        )
    data = selectors.transmission_clusters(officer, city["990101"])
    assert [c["size"] for c in data["clusters"]] == [3, 2] and data["links"] == 3
    first, second = data["clusters"]
    assert first["key"] == people[0].pk and first["confirmed"] == 1 and first["links"] == 2
    assert second["key"] == people[3].pk and second["confirmed"] == 0
    by_confirmed = selectors.transmission_clusters(officer, city["990101"], sort="confirmed")
    assert [c["key"] for c in by_confirmed["clusters"]] == [people[0].pk, people[3].pk]
    # One cluster's graph: its people and links only, the legend clear of the drawing.
    graph = selectors.cluster_graph(officer, city["990101"], people[3].pk)
    series = graph["option"]["series"][0]
    assert sorted(n["id"] for n in series["data"]) == sorted(str(p.pk) for p in people[3:])
    assert len(series["links"]) == 1 and graph["size"] == 2
    assert series["left"] >= 150 and graph["option"]["legend"][0]["left"] < series["left"]
    assert selectors.cluster_graph(officer, city["990101"], people[1].pk) is None  # not a key
    client.force_login(officer)
    html = client.get("/cases/graph/990101/").content.decode()
    assert 'data-chart="option"' in html and "&quot;type&quot;: &quot;graph&quot;" in html
    assert f'data-cluster="{people[0].pk}"' in html and f'data-cluster="{people[3].pk}"' in html
    html = client.get(f"/cases/graph/990101/?cluster={people[3].pk}").content.decode()
    assert f"&quot;id&quot;: &quot;{people[4].pk}&quot;" in html
    assert f"&quot;id&quot;: &quot;{people[0].pk}&quot;" not in html
    assert client.get(f"/cases/graph/990101/?cluster={people[1].pk}").status_code == 404
    assert client.get("/cases/graph/990101/?sort=nope").status_code == 404
    for hostile in ("²", "1e3", "-1", "9" * 30):
        assert client.get(f"/cases/graph/990101/?cluster={hostile}").status_code in (400, 404)
    assert client.get("/cases/graph/990101/?page=9999").status_code == 200  # the last page


def test_the_api_registers_moves_and_refuses_an_illegal_step(city, officer, client):
    _, token = do_create_token(officer, name="hospital", actor=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = client.post(
        "/api/cases/people",
        {"name": "王五", "home_code": A1, "id_number": resident_id(5), "category": "confirmed"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    assert created.json()["id_number"] == resident_id(5)  # the officer may see it
    illegal = client.post(
        f"/api/cases/people/{pid}/transitions",
        {"target": "released"},
        content_type="application/json",
        **auth,
    )
    assert illegal.status_code == 409
    body = illegal.json()
    assert body["code"] == "illegal_transition"
    assert body["details"] == {
        "current": "confirmed",
        "allowed": ["admitted", "died", "discharged"],
    }
    moved = client.post(
        f"/api/cases/people/{pid}/transitions",
        {"target": "admitted", "facility": "火神山医院", "severity": "critical"},
        content_type="application/json",
        **auth,
    )
    assert moved.status_code == 200 and moved.json()["status"] == "admitted"
    steps = client.get(f"/api/cases/people/{pid}/transitions", **auth).json()
    assert [s["target"] for s in steps] == ["confirmed", "admitted"]
    dup = client.post(
        "/api/cases/people",
        {"name": "王五", "home_code": A1, "id_number": resident_id(5)},
        content_type="application/json",
        **auth,
    )
    assert dup.status_code == 409 and json.loads(dup.content)["details"] == {"person_id": pid}


def test_bad_input_is_a_422_never_a_500(city, officer, client):
    _, token = do_create_token(officer, name="hospital", actor=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    person = services.do_register_person(
        name="x", home=city[A1], actor=officer, category="confirmed"
    )
    for body in (
        {"name": "长" * 101, "home_code": A1},
        {"name": "x", "home_code": A1, "sex": "Z"},
        {"name": "x", "home_code": A1, "vulnerability": ["rich"]},
        {"name": "x", "home_code": A1, "category": "sick"},
        {"name": "x", "home_code": A1, "id_type": "passport", "id_number": "P" * 40},
    ):
        response = client.post("/api/cases/people", body, content_type="application/json", **auth)
        assert response.status_code == 422, (body, response.content)
    for body in ({"target": "admitted", "facility": "H", "severity": "dying"}, {"target": "?"}):
        response = client.post(
            f"/api/cases/people/{person.pk}/transitions",
            body,
            content_type="application/json",
            **auth,
        )
        assert response.status_code in (409, 422), (body, response.content)
    sample = client.post(
        f"/api/cases/people/{person.pk}/samples",
        {"kind": "nucleic_acid", "code": "c" * 65},
        content_type="application/json",
        **auth,
    )
    assert sample.status_code == 422
