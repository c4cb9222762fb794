"""Two users change the same person at once: one wins, the other gets a Conflict (409).

Two threads, each with its own database connection, both load version 1 and both send a
conditional UPDATE. On PostgreSQL the race is real (the loser's UPDATE waits for the
winner's row lock, then finds the version changed). SQLite has one writer at a time and
its in-memory test database cannot queue writers, so there the updates are serialised by
a lock: the conditional UPDATE still decides, which is what this checks.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import resident_id
from warroom.accounts.services import do_create_token
from warroom.cases import services
from warroom.cases.models import Person
from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_connections_one_wins_the_other_gets_a_conflict(city, officer):
    person = services.do_register_person(
        name="同时修改", home=city["990101001001001"], actor=officer, id_number=resident_id(3)
    )
    barrier = threading.Barrier(2)
    serial = threading.Lock() if connection.vendor == "sqlite" else None
    outcomes: dict[str, str] = {}

    def edit(label: str, phone: str) -> None:
        try:
            mine = Person.objects.get(pk=person.pk)  # this thread's own connection
            barrier.wait(timeout=10)
            if serial is not None:
                serial.acquire()
            try:
                services.do_update_person(
                    mine, {"phone": phone}, expected_version=mine.version, actor=officer
                )
                outcomes[label] = "won"
            except Conflict as exc:
                outcomes[label] = f"conflict:{exc.code}:{exc.status}"
            finally:
                if serial is not None:
                    serial.release()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=("a", "13900000001")),
        threading.Thread(target=edit, args=("b", "13900000002")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict:stale:409", "won"]
    stored = Person.objects.get(pk=person.pk)
    assert stored.version == 2
    winner = "13900000001" if outcomes["a"] == "won" else "13900000002"
    assert stored.phone == winner


def test_the_api_answers_409_to_a_stale_version(city, officer, client):
    person = services.do_register_person(
        name="旧版本", home=city["990101001001001"], actor=officer, id_number=resident_id(4)
    )
    _, token = do_create_token(officer, name="t", actor=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/cases/people/{person.pk}"
    ok = client.patch(
        url, {"version": 1, "workplace": "A"}, content_type="application/json", **auth
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        url, {"version": 1, "workplace": "B"}, content_type="application/json", **auth
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
