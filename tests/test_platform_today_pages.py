"""The platform's today reaches the pages, and a date filter survives the redirects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_clearance_redirect_keeps_the_date(client, officer):
    c = _client(client, officer)
    r = c.get("/cases/clearance/?date=2020-02-12")
    assert r.status_code == 302
    assert r["Location"] == "/cases/clearance/990101/?date=2020-02-12"
    r = c.get("/areas/?date=2020-02-12")
    assert r["Location"].endswith("?date=2020-02-12")


def test_the_standup_opens_on_the_asked_or_the_platforms_day(client, officer):
    c = _client(client, officer)
    r = c.get("/situation/standup/?day=2020-02-12")
    assert r["Location"] == "/situation/standup/990101/2020-02-12/"
    with override_settings(WARROOM_TODAY="2020-03-01"):
        r = c.get("/situation/standup/")
    assert r["Location"] == "/situation/standup/990101/2020-03-01/"


@override_settings(WARROOM_TODAY="2020-02-03")
def test_default_dates_are_the_platforms(client, officer):
    from warroom.beds.services import pool_day
    from warroom.core.today import now

    assert pool_day() == dt.date(2020, 2, 3)
    assert now().date() == dt.date(2020, 2, 3)
    page = _client(client, officer).get("/communities/areas/990101001001001/inspect/")
    assert page.status_code == 200
    assert b'value="2020-02-03"' in page.content
