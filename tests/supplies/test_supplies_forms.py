"""A form that names another district's place, facility or team is refused like a missing
one — the same message, nothing written — and never with a 404 (the page exists; only the
code typed into it is wrong). The lookups go through ``warroom.web.found.in_form``."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from warroom.supplies.models import AllocationPlan, MedicalTeam, Movement


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("code", ["WH-990101", "NO-SUCH-PLACE"])
def test_an_allocation_from_a_place_not_ones_own_is_refused_like_a_missing_one(
    client, outsider, warehouses, code
):
    client.force_login(outsider)
    response = client.post("/supplies/allocations/", {"warehouse": code, "days": "3"})
    assert response.status_code == 302
    assert _said(response) == [_said_for("Place not found.")]
    assert not AllocationPlan.objects.exists()


@pytest.mark.parametrize("to", ["WH-990101", "NO-SUCH-PLACE"])
def test_a_receipt_into_another_districts_warehouse_is_refused_and_books_nothing(
    client, outsider, warehouses, catalogue, to
):
    client.force_login(outsider)
    before = Movement.objects.count()
    response = client.post(
        "/supplies/",
        {"kind": "receipt", "item": "n95_mask", "quantity": "10", "to_place": to},
    )
    assert response.status_code == 302
    assert _said(response) == [_said_for("Place not found.")]
    assert Movement.objects.count() == before


def test_an_unknown_item_is_the_forms_refusal_not_a_404(client, officer, warehouses):
    client.force_login(officer)
    response = client.post(
        "/supplies/",
        {"kind": "receipt", "item": "no_such_item", "quantity": "10", "to_place": "WH-990101"},
    )
    assert response.status_code == 302
    assert len(_said(response)) == 1
    assert "no_such_item" in _said(response)[0]


@pytest.mark.parametrize("code", ["DA1", "NO-SUCH-FACILITY"])
def test_a_team_sent_to_another_districts_hospital_is_refused_like_a_missing_one(
    client, outsider, hospital, code
):
    assert hospital.code == "DA1"  # District A's hospital exists
    client.force_login(outsider)
    response = client.post(
        "/supplies/teams/",
        {"name": "某省医疗队", "origin": "某省", "size": "30", "hospital": code},
    )
    assert response.status_code == 302
    assert _said(response) == [_said_for("Facility not found.")]
    assert not MedicalTeam.objects.exists()


def _said_for(msgid: str) -> str:
    """The message as the test client's user reads it (the default language)."""
    from django.utils.translation import gettext

    return gettext(msgid)
