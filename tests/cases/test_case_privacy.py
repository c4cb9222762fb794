"""Personal data: masked without ``personal_data``, audited when shown, aggregates only for
analysts, a grid worker sees his own compound's residents."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, resident_id
from warroom.accounts.services import do_create_token, do_create_user
from warroom.audit.models import AuditEntry
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db
ID = resident_id(1)


def _user(name, role, area):
    return do_create_user(name, role=role, area_code=area, password=PASSWORD, actor=SYSTEM)


def test_roles_with_personal_data_see_it_unmasked_and_each_view_is_audited(
    cases_world, officer, client
):
    patient = cases_world["patient"]
    client.force_login(officer)
    page = client.get(f"/cases/people/{patient.pk}/").content.decode()
    assert ID in page and "13812345678" in page
    views = AuditEntry.objects.filter(action="view_personal", object_id=str(patient.pk))
    assert views.count() == 1 and views.get().actor_name == "officer_a"


def test_roles_without_it_see_masked_values_and_nothing_is_logged(cases_world, city, client):
    hotline = _user("hotline", "hotline_operator", "9901")
    patient = cases_world["patient"]
    client.force_login(hotline)
    page = client.get(f"/cases/people/{patient.pk}/").content.decode()
    assert ID not in page and "13812345678" not in page
    assert f"{ID[:4]}**********{ID[-4:]}" in page and "138****5678" in page
    assert not AuditEntry.objects.filter(action="view_personal").exists()
    listing = client.get("/cases/").content.decode()
    assert "138****5678" in listing and "13812345678" not in listing


def test_api_masks_the_same_way(cases_world, city, client):
    hotline = _user("hotline", "hotline_operator", "9901")
    _, token = do_create_token(hotline, name="t", actor=SYSTEM)
    patient = cases_world["patient"]
    body = client.get(
        f"/api/cases/people/{patient.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert body["id_number"] == f"{ID[:4]}**********{ID[-4:]}" and body["masked"] is True


def test_analysts_see_aggregates_only(cases_world, analyst, client):
    patient = cases_world["patient"]
    client.force_login(analyst)
    assert client.get(f"/cases/people/{patient.pk}/").status_code == 404
    assert client.get("/cases/tracing/").status_code == 404
    index = client.get("/cases/").content.decode()
    assert "受害小区病人" not in index and 'data-status="admitted">1<' in index
    assert client.get("/cases/clearance/9901/").status_code == 200
    _, token = do_create_token(analyst, name="t", actor=SYSTEM)
    api = client.get(f"/api/cases/people/{patient.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 404


def test_a_grid_worker_sees_only_his_own_compounds_residents(cases_world, city, client):
    from warroom.cases import services

    other = services.do_register_person(
        name="甲二居民", home=city["990101001001002"], actor=SYSTEM, id_number=resident_id(9)
    )
    grid = _user("grid", "grid_worker", "990101001001001")
    client.force_login(grid)
    assert client.get(f"/cases/people/{cases_world['patient'].pk}/").status_code == 200
    assert client.get(f"/cases/people/{other.pk}/").status_code == 404
    assert "甲二居民" not in client.get("/cases/?area=990101001001001").content.decode()


def test_api_lists_are_masked_for_everyone_and_paginated(cases_world, officer, client):
    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    body = client.get("/api/cases/people?limit=1", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["count"] == 2 and len(body["items"]) == 1
    listed = client.get("/api/cases/people", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    patient = next(p for p in listed["items"] if p["name"] == "受害小区病人")
    assert patient["id_number"] == f"{ID[:4]}**********{ID[-4:]}"
    assert patient["phone"] == "138****5678" and patient["home_code"] == "990101001001001"
    assert not AuditEntry.objects.filter(action="view_personal").exists()
