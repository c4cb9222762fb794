"""The supervision API: a visit's finding through evidence and verification, flags raised
and resolved, accountability for the entitled only, rates, signals, risks, phase plans —
and another district's officer refused (404) on every object."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from warroom.accounts.services import do_create_token
from warroom.core.context import SYSTEM
from warroom.core.today import today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"


class Api:
    def __init__(self, client, user):
        self.client = client
        token = do_create_token(user, name="t", actor=SYSTEM)[1]
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path, **params):
        return self.client.get(f"/api/supervision{path}", params, **self.auth)

    def post(self, path, body=None):
        return self.client.post(
            f"/api/supervision{path}",
            json.dumps(body or {}),
            content_type="application/json",
            **self.auth,
        )


def test_the_supervision_api_walks_a_finding_flags_records_rates_signals_and_plans(
    city, hq, officer, outsider, supervisor, grid_worker, client
):
    from warroom.situation.models import Situation
    from warroom.supervision.models import RateDay, Signal
    from warroom.supervision.services import PlanLine, do_record_phase_plan

    sup, unit, head = Api(client, supervisor), Api(client, grid_worker), Api(client, hq)
    district, stranger = Api(client, officer), Api(client, outsider)
    day = today()

    # A special place registered, inspected unannounced with its own checklist.
    place = sup.post(
        "/places",
        {"code": "CH-9", "name": "甲一养老院", "kind": "care_home", "area_code": VICTIM},
    )
    assert place.status_code == 201, place.content
    place_id = place.json()["id"]
    items = sup.get("/checklists", kind="care_home").json()["items"]
    assert {i["code"] for i in items} >= {"staff"}
    results = {i["code"]: {"passed": i["code"] != "staff", "note": "未轮换"} for i in items}
    visit = sup.post(
        f"/places/{place_id}/visits",
        {"date": day.isoformat(), "announced": False, "results": results, "owner": "grid_a"},
    )
    assert visit.status_code == 201, visit.content
    body = visit.json()
    assert body["passed"] is False and body["announced"] is False
    [finding] = body["findings"]
    assert finding["task"]["owner"] == "grid_a" and finding["closed"] is False
    listed = sup.get("/places", kind="care_home").json()["items"]
    assert [(p["code"], p["last_visit"]) for p in listed] == [("CH-9", day.isoformat())]
    assert sup.get(f"/places/{place_id}").json()["visits"][0]["id"] == body["id"]
    # The unit answers with evidence; the submitter cannot verify; someone else closes it.
    fid = finding["id"]
    sent = unit.post(f"/findings/{fid}/evidence", {"evidence_text": "已轮换隔离"})
    assert sent.json()["task"]["status"] == "submitted"
    assert unit.post(f"/findings/{fid}/verify").status_code in (403, 409, 422)
    assert (
        head.post(f"/findings/{fid}/reopen", {"reason": "无照片"}).json()["task"]["reopened_count"]
        == 1
    )
    unit.post(f"/findings/{fid}/evidence", {"evidence_text": "照片已附"})
    assert head.post(f"/findings/{fid}/verify").json()["closed"] is True
    assert sup.get("/findings", open_only=True).json()["items"] == []
    assert sup.get(f"/visits/{body['id']}").json()["findings"][0]["closed"] is True

    # A flag raised by the supervisor becomes the district's task; it can be resolved.
    raised = sup.post(
        "/flags",
        {"area_code": "990101", "day": day.isoformat(), "message": "确诊数与医院记录不符"},
    )
    assert raised.status_code == 201, raised.content
    flag = raised.json()
    assert flag["source"] == "supervision" and flag["task_id"] and flag["task_status"] == "open"
    assert [f["id"] for f in sup.get("/flags", status="open").json()["items"]] == [flag["id"]]
    assert (
        district.post(f"/flags/{flag['id']}/resolve", {"note": "已更正"}).json()["status"]
        == "resolved"
    )
    assert sup.get("/flags", status="open").json()["count"] == 0

    # Accountability: the entitled record and read; a district officer gets 404 everywhere.
    made = sup.post(
        "/accountability",
        {
            "area_code": "990101",
            "subject": "张某",
            "decision": "warning",
            "grounds": "瞒报",
            "authority": "市纪委",
            "decided_on": day.isoformat(),
            "finding_ids": [fid],
            "flag_ids": [flag["id"]],
        },
    )
    assert made.status_code == 201, made.content
    record = made.json()
    assert record["finding_ids"] == [fid] and record["flag_ids"] == [flag["id"]]
    assert [r["id"] for r in head.get("/accountability").json()["items"]] == [record["id"]]
    for who in (district, stranger):
        assert who.get("/accountability").status_code == 404
        assert who.get(f"/accountability/{record['id']}").status_code == 404
        refused = who.post("/accountability", {**record, "area_code": "990101"})
        assert refused.status_code in (404, 422) and "张某" not in refused.content.decode()

    # Rates from the stored counts (hand-computed), and a target.
    counts = {"confirmed": 4, "admitted": 3, "deaths": 1, "cured": 1, "ever_mild": 2}
    RateDay.objects.create(area=city["9901"], day=day, counts=counts)
    assert (
        head.post(
            "/rates/targets", {"area_code": "9901", "metric": "admission", "value": 0.9}
        ).status_code
        == 201
    )
    rates = {m["metric"]: m for m in head.get("/rates").json()["metrics"]}
    assert rates["admission"]["value"] == 0.75 and rates["admission"]["meets"] is False
    assert rates["fatality"]["value"] == 0.25 and rates["fatality"]["target"] is None
    assert sup.get("/rates", area="990101", date=day.isoformat()).json()["metrics"] == []
    # The same through the CLI (`warroom supervision rates`, `... flags list`).
    from typer.testing import CliRunner

    from warroom.cli import app

    shown = CliRunner().invoke(app, ["supervision", "rates"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "admission" in shown.output and "75.0%" in shown.output and "3 / 4" in shown.output
    listed = CliRunner().invoke(
        app, ["supervision", "flags", "list", "--status", "all"], env={"COLUMNS": "200"}
    )
    assert listed.exit_code == 0, listed.output
    assert f"{flag['task_id']} open" in listed.output and "resolved" in listed.output

    # Signals: listed, handled once; the four risks.
    signal = Signal.objects.create(
        name="waiting_over_24h", area=city["990101"], day=day, value=3, threshold=1, message="3"
    )
    assert [s["id"] for s in district.get("/signals", date=day.isoformat()).json()["items"]] == [
        signal.pk
    ]
    assert district.post(f"/signals/{signal.pk}/handled").json()["status"] == "handled"
    assert district.post(f"/signals/{signal.pk}/handled").status_code == 409
    assert len(head.get("/risks").json()) == 4

    # Phase plans: listed, one, and the current one once the phase is declared.
    plan = do_record_phase_plan(
        city["9901"],
        phase="MIDDLE",
        phase_start=day - dt.timedelta(days=3),
        summary="五个重点",
        lines=[PlanLine("key_task", "应收尽收", officer, day + dt.timedelta(days=5))],
        actor=hq,
    )
    assert head.get("/plans/current").status_code == 404
    Situation.objects.create(
        area=city["9901"],
        day=day,
        inputs_hash="x",
        payload={"phase": {"declared": "MIDDLE", "start": plan.phase_start.isoformat()}},
    )
    current = head.get("/plans/current").json()
    assert current["id"] == plan.pk and current["total"] == 1 and current["done"] == 0
    assert [p["id"] for p in head.get("/plans").json()["items"]] == [plan.pk]

    # Another district's officer: every object is 404, whatever the method.
    objects = [
        f"/places/{place_id}",
        f"/places/{place_id}/visits",
        f"/visits/{body['id']}",
        f"/findings/{fid}",
        f"/findings/{fid}/evidence",
        f"/findings/{fid}/verify",
        f"/findings/{fid}/reopen",
        f"/flags/{flag['id']}",
        f"/flags/{flag['id']}/resolve",
        f"/accountability/{record['id']}",
        f"/signals/{signal.pk}/handled",
        f"/plans/{plan.pk}",
    ]
    for path in objects:
        assert stranger.get(path).status_code in (404, 405), path
        assert stranger.post(path, {"note": "x"}).status_code in (404, 405), path
    for path in ("/places", "/visits", "/findings", "/flags", "/signals", "/plans"):
        assert stranger.get(path).json()["count"] == 0, path
    assert stranger.post("/places/999999/visits", {}).status_code == 404
