"""Accountability records are seen only by those entitled; an outsider sees nothing (404)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from warroom.core.errors import NotFound
from warroom.supervision.selectors import get_record, records
from warroom.supervision.services import do_record_accountability

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def record(city, supervisor):
    return do_record_accountability(
        area=city["990101"],
        subject="张某",
        position="甲一社区书记",
        decision="removal",
        grounds="瞒报疫情数据",
        authority="市纪委监委",
        decided_on=timezone.localdate(),
        actor=supervisor,
    )


def test_the_entitled_see_the_record(record, supervisor, hq, client):
    assert list(records(hq)) == [record]
    client.force_login(supervisor)
    assert client.get(f"/supervision/accountability/{record.pk}/").status_code == 200
    page = client.get("/supervision/accountability/")
    assert "张某" in page.content.decode()


@pytest.mark.parametrize("who", ["officer", "outsider", "outsider_supervisor", "analyst"])
def test_an_outsider_sees_nothing(record, who, request, client):
    user = request.getfixturevalue(who)
    assert list(records(user)) == []
    with pytest.raises(NotFound):
        get_record(user, record.pk)
    client.force_login(user)
    assert client.get(f"/supervision/accountability/{record.pk}/").status_code == 404
    listing = client.get("/supervision/accountability/")
    assert listing.status_code == 404 or "张某" not in listing.content.decode()


def test_only_the_entitled_record(city, officer):
    with pytest.raises(NotFound):
        do_record_accountability(
            area=city["990101"],
            subject="x",
            decision="warning",
            grounds="g",
            authority="a",
            decided_on=timezone.localdate(),
            actor=officer,
        )


def test_a_record_links_the_findings_and_flags_that_led_to_it(city, supervisor):
    from warroom.surveillance.models import QualityFlag

    day = timezone.localdate()
    flag = QualityFlag.objects.create(
        rule="benford",
        area=city["990101"],
        day=day,
        severity="warning",
        message="m",
        detected_on=day,
    )
    rec = do_record_accountability(
        area=city["990101"],
        subject="李某",
        decision="promotion",
        grounds="火线提拔",
        authority="市委组织部",
        decided_on=day,
        flags=[flag],
        actor=supervisor,
    )
    assert list(rec.flags.all()) == [flag]
