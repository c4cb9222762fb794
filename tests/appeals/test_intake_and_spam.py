"""The public form: numbered, never lost; spam signs and floods held, not dropped."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.urls import reverse

from warroom.appeals.models import Appeal, AppealEvent, AppealStatus, Channel
from warroom.appeals.views import _SALT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/appeals/public/"


def _ticket(age: float = 30.0) -> str:
    return signing.dumps(str(time.time() - age), salt=_SALT)


def _post(client, text, *, ip="203.0.113.7", ticket=None, **extra):
    body = {"text": text, "place": "甲区 受害小区 3栋", "ticket": ticket or _ticket(), **extra}
    return client.post(URL, body, REMOTE_ADDR=ip)


def test_a_citizen_files_without_an_account_and_follows_the_number(
    client, city, django_assert_max_num_queries
):
    page = client.get(URL)
    assert page.status_code == 200 and 'name="ticket"' in page.content.decode()
    response = _post(client, "我父亲确诊了一直没有床位，呼吸困难", name="张三", phone="13800138000")
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.WEB and appeal.status == AppealStatus.RECEIVED
    assert appeal.area.code == "990101001001001"  # the place resolved to the compound
    assert appeal.category == "admission" and not appeal.triaged  # proposed, not confirmed
    assert appeal.assigned_area.code == "990101"  # beds: the district's dispatch
    assert appeal.deadline is not None
    status = client.get(response["Location"]).content.decode()
    assert appeal.number in status
    # The intake is O(1) statements whatever the tree or the queue: the rate counter, the
    # place's lineage, the earlier appeals, then one transaction: the appeal, its events,
    # its audit entry (head locked, entry, head moved; no savepoint).
    from warroom.audit.models import AuditEntry

    audited = AuditEntry.objects.filter(object_type="appeals.appeal").count()
    with django_assert_max_num_queries(10):
        again = _post(client, "降压药只剩两天的量了，药店关门了", phone="13800138000")
    assert again.status_code == 302
    second = Appeal.objects.exclude(pk=appeal.pk).get()
    assert second.repeat_of == appeal  # the same phone: linked in that one query
    assert list(AppealEvent.objects.filter(appeal=second).values_list("kind", flat=True)) == [
        "received"
    ]
    assert AuditEntry.objects.filter(object_type="appeals.appeal").count() == audited + 1
    for personal in ("张三", "13800138000", "受害小区", "床位"):
        assert personal not in status  # no name, phone, place or text on the public page


def test_spam_signs_hold_the_appeal_for_review_instead_of_dropping_it(client, city, hq):
    _post(client, "honeypot filled", website="http://spam.example")
    _post(client, "sent in one second", ticket=_ticket(age=0.5))
    _post(client, "a forged ticket", ticket="forged")
    held = Appeal.objects.filter(status=AppealStatus.HELD)
    assert sorted(held.values_list("held_reason", flat=True)) == [
        "honeypot",
        "too_fast",
        "too_fast",
    ]
    assert all(a.area.code == "9901" for a in held)  # not routed into any district
    # A person releases a genuine one into the queue, with a deadline from now.
    from warroom.appeals.services import do_release_appeal

    genuine = held.get(text="sent in one second")
    released = do_release_appeal(genuine, actor=hq)
    assert released.status == AppealStatus.RECEIVED and released.deadline is not None
    assert released.area.code == "990101001001001"


def test_a_flood_is_refused_above_the_ceiling_and_other_citizens_get_through(
    client, city, settings
):
    settings.WARROOM_APPEAL_RATE = 5
    settings.WARROOM_APPEAL_HOLD = 8
    answers = [_post(client, f"flood {i}", ip="198.51.100.1").status_code for i in range(12)]
    assert answers.count(302) == 8 and answers.count(429) == 4
    assert answers[:8] == [302] * 8
    flood = Appeal.objects.filter(text__startswith="flood")
    assert flood.filter(status=AppealStatus.RECEIVED).count() == 5
    assert flood.filter(status=AppealStatus.HELD, held_reason="rate_limit").count() == 3
    # Every accepted appeal stored exactly once; the refused ones not at all.
    assert sorted(flood.values_list("text", flat=True)) == sorted(f"flood {i}" for i in range(8))
    # Legitimate citizens on other addresses during the flood: all received.
    for i in range(5):
        assert _post(client, f"邻居 {i} 需要买药", ip=f"192.0.2.{i + 1}").status_code == 302
    assert Appeal.objects.filter(text__startswith="邻居", status=AppealStatus.RECEIVED).count() == 5


def test_a_bad_phone_keeps_what_the_citizen_typed(client, city):
    response = _post(client, "需要送药", phone="not a phone")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<ul class="messages">' in text and "notaphone" in text and "需要送药" in text
    assert not Appeal.objects.exists()


def test_the_public_pages_are_in_both_languages(client, city):
    client.cookies["django_language"] = "zh-hans"
    assert "告诉我们" in client.get(URL).content.decode()
    client.cookies["django_language"] = "en"
    assert "Tell us what you need" in client.get(URL).content.decode()
    assert client.get(reverse("appeals:public_status") + "?number=123").status_code == 200
