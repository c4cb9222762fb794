"""Several workers race for a user's last import slot: the database lets exactly as many
through as the setting allows (issue 14, item 3: a per-user concurrency limit).

Threads with their own connections take slots at once. On PostgreSQL the race is real
(the unique constraint decides between concurrent INSERTs); SQLite's in-memory test
database cannot queue writers, so there the attempts are serialised by a lock and the
constraint still decides, which is what this checks.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import override_settings

from warroom.core.models import ImportSlot
from warroom.core.uploads import TooManyImports, import_slot

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_workers_racing_for_two_slots_two_win(officer):
    barrier = threading.Barrier(4)
    hold = threading.Event()
    serial = threading.Lock() if connection.vendor == "sqlite" else None
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            if serial is not None:
                serial.acquire()
            try:
                slot = import_slot(officer)
                slot.__enter__()
            except TooManyImports:
                outcomes.append("refused")
                return
            finally:
                if serial is not None:
                    serial.release()
            outcomes.append("running")
            hold.wait(timeout=10)
            if serial is not None:  # SQLite's shared test database: one writer at a time
                serial.acquire()
            try:
                slot.__exit__(None, None, None)
            finally:
                if serial is not None:
                    serial.release()
        finally:
            connections.close_all()

    with override_settings(WARROOM_IMPORT_PER_USER=2):
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for _ in range(100):
            if len(outcomes) == 4:
                break
            threading.Event().wait(0.05)
        assert ImportSlot.objects.filter(user=officer).count() == 2
        hold.set()
        for t in threads:
            t.join(timeout=30)
    assert sorted(outcomes) == ["refused", "refused", "running", "running"]
    assert not ImportSlot.objects.exists()
