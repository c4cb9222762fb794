"""Another district sees nothing but the public status; the API is idempotent."""

from __future__ import annotations

import json

import pytest

from warroom.accounts.services import do_create_token
from warroom.appeals.models import Appeal, Channel
from warroom.appeals.services import do_file_appeal
from warroom.core.context import SYSTEM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
VICTIM = "990101001001001"


def _victim(city):
    return do_file_appeal(
        channel=Channel.HOTLINE,
        text="受害小区需要送药",
        area=city[VICTIM],
        caller_name="李四",
        caller_phone="13700000000",
        actor=SYSTEM,
    )


def test_an_operator_of_another_district_sees_only_the_public_status(city, operator_b, client):
    appeal = _victim(city)
    client.force_login(operator_b)
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404
    assert (
        client.post(f"/appeals/{appeal.pk}/", {"action": "answer", "reply": "x"}).status_code == 404
    )
    board = client.get("/appeals/").content.decode()
    assert appeal.number not in board
    _, token = do_create_token(operator_b, name="t", actor=SYSTEM)
    api = client.get(f"/api/appeals/{appeal.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 404
    status = client.get(f"/appeals/public/status/?number={appeal.number}").content.decode()
    assert appeal.number in status
    assert "李四" not in status and "13700000000" not in status and "受害小区" not in status


def test_the_operator_screen_is_the_hotline_operators_home(city, operator_user, client):
    client.force_login(operator_user)
    assert client.get("/")["Location"] == "/appeals/operator/"
    proposed = client.post(
        "/appeals/operator/",
        {"action": "propose", "text": "我母亲的胰岛素已经断了，血糖很高", "place": "受害小区"},
    ).content.decode()
    assert 'value="medicine" selected' in proposed and VICTIM in proposed
    filed = client.post(
        "/appeals/operator/",
        {
            "action": "file",
            "text": "我母亲的胰岛素已经断了，血糖很高",
            "compound_code": VICTIM,
            "name": "赵六",
            "phone": "13600000000",
            "category": "medicine",
            "urgency": "immediate",
        },
    )
    assert filed.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.triaged and appeal.channel == "hotline" and appeal.area.code == VICTIM


def test_the_api_files_once_per_idempotency_key(city, operator_user, client):
    _, token = do_create_token(operator_user, name="monitor", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "weibo-42"}
    body = json.dumps({"text": "网传小区水源被污染", "channel": "social", "compound_code": VICTIM})
    first = client.post("/api/appeals/", body, content_type="application/json", **headers)
    again = client.post("/api/appeals/", body, content_type="application/json", **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Appeal.objects.count() == 1
    assert "caller_phone" not in first.json()
