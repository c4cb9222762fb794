"""Inspections: every item answered, failed items become rectification tasks; bad input refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warroom.communities.models import ChecklistKind, Inspection
from warroom.communities.services import (
    ItemResult,
    active_checklist,
    do_publish_checklist,
    do_record_inspection,
)
from warroom.core.context import SYSTEM
from warroom.core.errors import Forbidden, InvalidInput, NotFound
from warroom.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"


def answers(failed: tuple[str, ...] = ()) -> dict[str, ItemResult]:
    items = active_checklist(ChecklistKind.SIX_IN_PLACE).items.all()
    return {i.code: ItemResult(i.code not in failed, "note") for i in items}


def test_failed_items_become_rectification_tasks(city, inspector, grid_worker):
    today = timezone.localdate()
    inspection = do_record_inspection(
        city[VICTIM],
        kind=ChecklistKind.SIX_IN_PLACE,
        date=today,
        results=answers(failed=("dis", "sup")),
        owner=grid_worker,
        deadline=today + dt.timedelta(days=2),
        actor=inspector,
    )
    assert not inspection.passed and inspection.inspector_level == "street"
    tasks = Task.objects.filter(source_kind="inspection").order_by("pk")
    assert [t.owner for t in tasks] == [grid_worker, grid_worker]
    assert {t.source.item.code for t in tasks} == {"dis", "sup"}
    assert all(t.area.code == VICTIM for t in tasks)
    assert "消杀到位" in tasks[0].title
    assert tasks[0].source.get_absolute_url() == f"/communities/inspections/{inspection.pk}/"


def test_a_missing_item_is_refused_with_the_items_named(city, inspector):
    results = answers()
    del results["scr"]
    with pytest.raises(InvalidInput, match="items missing: scr") as exc:
        do_record_inspection(
            city[VICTIM],
            kind=ChecklistKind.SIX_IN_PLACE,
            date=timezone.localdate(),
            results=results,
            actor=inspector,
        )
    assert exc.value.details == {"missing": ["scr"], "unknown": []}
    assert not Inspection.objects.exists()


def test_a_date_in_the_future_is_refused(city, inspector):
    with pytest.raises(InvalidInput, match="in the future"):
        do_record_inspection(
            city[VICTIM],
            kind=ChecklistKind.SIX_IN_PLACE,
            date=timezone.localdate() + dt.timedelta(days=1),
            results=answers(),
            actor=inspector,
        )


def test_an_area_outside_the_jurisdiction_is_not_found(city, outsider):
    with pytest.raises(NotFound):
        do_record_inspection(
            city[VICTIM],
            kind=ChecklistKind.SIX_IN_PLACE,
            date=timezone.localdate(),
            results=answers(),
            actor=outsider,
        )


def test_a_failed_item_needs_an_owner_and_inspectors_are_street_level_or_above(
    city, inspector, grid_worker, analyst
):
    with pytest.raises(InvalidInput, match="owner"):
        do_record_inspection(
            city[VICTIM],
            kind=ChecklistKind.SIX_IN_PLACE,
            date=timezone.localdate(),
            results=answers(failed=("pub",)),
            actor=inspector,
        )
    for who in (grid_worker, analyst):
        with pytest.raises(Forbidden):
            do_record_inspection(
                city[VICTIM],
                kind=ChecklistKind.SIX_IN_PLACE,
                date=timezone.localdate(),
                results=answers(),
                actor=who,
            )


def test_only_compounds_are_inspected(city, inspector):
    with pytest.raises(InvalidInput, match="compounds"):
        do_record_inspection(
            city["990101001001"],
            kind=ChecklistKind.SIX_IN_PLACE,
            date=timezone.localdate(),
            results=answers(),
            actor=inspector,
        )


def test_a_new_checklist_version_keeps_old_inspections(city, hq, inspector):
    old = do_record_inspection(
        city[VICTIM],
        kind=ChecklistKind.FOUR_STRICT,
        date=timezone.localdate(),
        results={
            i.code: ItemResult(True)
            for i in active_checklist(ChecklistKind.FOUR_STRICT).items.all()
        },
        actor=inspector,
    )
    v2 = do_publish_checklist(
        ChecklistKind.FOUR_STRICT, [("only", "entry", "唯一一项", "The only item")], actor=hq
    )
    assert v2.version == 2 and active_checklist(ChecklistKind.FOUR_STRICT) == v2
    assert old.checklist.version == 1 and old.results.count() == 8
    with pytest.raises(Forbidden):
        do_publish_checklist(ChecklistKind.FOUR_STRICT, [("x", "y", "z", "")], actor=inspector)


def test_the_form_refuses_a_missing_item_with_a_clear_error(client, city, inspector):
    client.force_login(inspector)
    page = client.get(f"/communities/areas/{VICTIM}/inspect/")
    assert page.status_code == 200 and 'name="item_pub"' in page.content.decode()
    data = {"date": timezone.localdate().isoformat(), "kind": "six_in_place"}
    data.update({f"item_{c}": "pass" for c in ("pub", "clo", "scr", "dis", "sup")})
    response = client.post(f"/communities/areas/{VICTIM}/inspect/", data)
    assert response.status_code == 422
    assert "缺少检查项：org" in response.content.decode()
    data["item_org"] = "pass"
    response = client.post(f"/communities/areas/{VICTIM}/inspect/", data)
    assert response.status_code == 302
    assert Inspection.objects.get().passed


def test_the_api_refuses_bad_input_with_json(client, city, inspector):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(inspector, name="t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "results": {c: {"passed": True} for c in ("pub", "clo", "scr", "dis", "sup", "org")},
    }
    url = f"/api/communities/areas/{VICTIM}/inspections"
    r = client.post(url, body, content_type="application/json", **headers)
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    body["date"] = timezone.localdate().isoformat()
    body["results"]["pub"] = {"passed": False, "note": "no posters"}
    body["owner"] = "inspector_a1"
    r = client.post(url, body, content_type="application/json", **headers)
    assert r.status_code == 201, r.content
    result = {x["item"]: x for x in r.json()["results"]}
    assert result["pub"]["task_id"] is not None and result["clo"]["task_id"] is None
