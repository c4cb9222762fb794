"""Each role's home shows that role's work, with data, on the fed demo (issue 16)."""

from __future__ import annotations

import pytest

from tests.roles.conftest import feed_demo

pytestmark = pytest.mark.django_db


def test_each_role_lands_on_its_work(client):
    from warroom.cli import DEMO_PASSWORD, DEMO_USERS

    feed_demo()
    for username, role, _area in DEMO_USERS:
        assert client.login(username=username, password=DEMO_PASSWORD)
        r = client.get("/", follow=True)
        assert r.status_code == 200, username
        html = r.content.decode()
        if role in ("hq_leader", "district_officer"):
            assert 'data-testid="phase"' in html, username
        else:
            assert 'data-testid="home-title"' in html, username
            assert 'data-testid="next-steps"' in html, username
        client.logout()
