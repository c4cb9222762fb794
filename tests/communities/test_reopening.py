"""Reopening (解封): conditions, approval by the level above, the log; closure history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import pass_six_in_place
from warroom.communities.models import ChecklistKind, ClosureStatus, Decision
from warroom.communities.services import (
    ItemResult,
    active_checklist,
    do_apply_reopening,
    do_decide_reopening,
    do_recompute_certification,
    do_record_inspection,
    do_set_closure,
    reopening_checks,
)
from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict, Forbidden
from warroom.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"


@pytest.fixture
def certified_city(city, hq, case_facts, settings):
    """Every unit certified for three days (the default minimum before reopening)."""
    settings.WARROOM_REOPEN_MIN_DAYS = 3
    today = timezone.localdate()
    for area in city.values():
        if area.level == "compound":
            pass_six_in_place(area, hq, today - dt.timedelta(days=5))
    for back in (2, 1, 0):
        do_recompute_certification(today - dt.timedelta(days=back), actor=hq)
    return today


def test_an_overdue_rectification_blocks_reopening(city, certified_city, inspector, grid_worker):
    victim = city[VICTIM]
    items = active_checklist(ChecklistKind.FOUR_STRICT).items.all()
    do_record_inspection(
        victim,
        kind=ChecklistKind.FOUR_STRICT,
        date=certified_city,
        results={i.code: ItemResult(i.code != "ent-1") for i in items},
        owner=grid_worker,
        actor=inspector,
    )
    Task.objects.update(deadline=timezone.now() - dt.timedelta(days=1))
    checks = reopening_checks(victim)
    assert checks["certified"] and checks["days_certified"] == 3
    assert checks["overdue_rectifications"] == 1 and not checks["ok"]
    with pytest.raises(Conflict, match="1 overdue rectification tasks") as exc:
        do_apply_reopening(victim, actor=grid_worker)
    assert exc.value.details["overdue_rectifications"] == 1


def test_a_unit_certified_too_recently_cannot_apply(city, certified_city, settings, grid_worker):
    settings.WARROOM_REOPEN_MIN_DAYS = 7
    with pytest.raises(Conflict, match="certified for 3 days, 7 needed"):
        do_apply_reopening(city[VICTIM], actor=grid_worker)


def test_the_level_above_approves_and_the_compound_opens(
    city, certified_city, grid_worker, inspector
):
    victim = city[VICTIM]
    do_set_closure(victim, "sealed", note="hard barrier", actor=grid_worker)
    app = do_apply_reopening(victim, note="ready", actor=grid_worker)
    assert app.status == Decision.PENDING and app.checks["ok"]
    with pytest.raises(Conflict, match="already pending"):
        do_apply_reopening(victim, actor=grid_worker)
    with pytest.raises(Forbidden, match="level above"):
        do_decide_reopening(app, approve=True, actor=grid_worker)  # the unit itself
    app = do_decide_reopening(app, approve=True, note="ok", actor=inspector)
    assert app.status == Decision.APPROVED and app.decided_by == inspector
    history = list(ClosureStatus.objects.filter(area=victim).order_by("since", "pk"))
    assert [c.status for c in history] == ["sealed", "open"]  # kept, never overwritten


def test_closure_pages_keep_history_and_record_passages(client, city, grid_worker):
    client.force_login(grid_worker)
    url = f"/communities/areas/{VICTIM}/closure/"
    client.post(url, {"action": "status", "status": "closed", "note": "one gate"})
    client.post(url, {"action": "status", "status": "sealed", "note": "barrier"})
    client.post(url, {"action": "entry_point", "name": "North gate", "duty_staff": "张三"})
    from warroom.communities.models import EntryPoint

    gate = EntryPoint.objects.get()
    client.post(
        url,
        {"action": "passage", "entry_point": gate.pk, "direction": "out", "purpose": "medical"},
    )
    page = client.get(url).content.decode()
    assert "North gate" in page and "张三" in page and "就医" in page
    assert ClosureStatus.objects.filter(area=city[VICTIM]).count() == 2


def test_gates_and_passages_through_the_api(client, city, grid_worker, outsider):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(grid_worker, name="t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.post(
        f"/api/communities/areas/{VICTIM}/entry-points",
        {"name": "南门", "duty_staff": "张三", "duty_phone": "13912345678"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 201, r.content
    gate = r.json()["id"]
    r = client.post(
        f"/api/communities/entry-points/{gate}/passages",
        {"direction": "out", "purpose": "shopping"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 422 and "shopping" in r.json()["message"]
    r = client.post(
        f"/api/communities/entry-points/{gate}/passages",
        {"direction": "out", "purpose": "medical", "person": "李先生"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 201 and r.json()["purpose"] == "medical"


def test_the_checklist_in_use_and_a_new_version_through_the_api(client, city, hq, officer):
    from warroom.accounts.services import do_create_token

    _, hq_token = do_create_token(hq, name="t", actor=SYSTEM)
    _, officer_token = do_create_token(officer, name="t", actor=SYSTEM)
    r = client.get(
        "/api/communities/checklists?kind=six_in_place",
        HTTP_AUTHORIZATION=f"Bearer {officer_token}",
    )
    assert r.json()["version"] == 1 and len(r.json()["items"]) == 6
    body = {
        "kind": "six_in_place",
        "items": [{"code": "pub", "category": "publicity", "text_zh": "宣传到位"}],
    }
    r = client.post(
        "/api/communities/checklists",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {officer_token}",
    )
    assert r.status_code == 403
    r = client.post(
        "/api/communities/checklists",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hq_token}",
    )
    assert r.status_code == 201 and r.json()["version"] == 2


def test_apply_and_decide_through_the_pages(client, city, certified_city, grid_worker, inspector):
    client.force_login(grid_worker)
    page = client.get(f"/communities/areas/{VICTIM}/").content.decode()
    assert "申请解封" in page
    response = client.post(f"/communities/areas/{VICTIM}/reopen/", {"note": "ready"})
    assert response.status_code == 302 and "/communities/reopening/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'value="approve"' not in page  # the unit does not decide for itself
    client.force_login(inspector)
    client.post(response["Location"], {"decision": "approve", "note": "ok"})
    page = client.get(response["Location"]).content.decode()
    assert "已批准" in page and "inspector_a1" in page
