"""Several dispatchers (separate processes, separate connections) confirm overlapping
proposals for the last free beds at once: no facility over capacity, nobody placed
twice, every refusal explained.

On PostgreSQL the processes share the test database; on SQLite (whose test database is
in memory, invisible to other processes) they share a database file built for the test.
Both run: SQLite serialises its writers, and must never over-fill either.
"""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connection

from tests.dispatch import _concurrent

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 6
BEDS = {"SHELTER": 5, "QUARANTINE": 4, "SEVERE": 2}  # the last free beds of each pool
PEOPLE = {"confirmed": 12, "contact": 9}  # more than the beds: every proposal overlaps


def _db_url(tmp_path) -> tuple[str, bool]:
    """The URL the worker processes use, and whether they must create the schema."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user, host = settings["USER"] or "postgres", settings["HOST"] or "127.0.0.1"
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        port = settings["PORT"] or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}", False
    name = str(settings["NAME"])
    if "memory" in name or name == ":memory:":
        return f"sqlite:///{tmp_path / 'concurrent.sqlite3'}", True
    return f"sqlite:///{name}", False


def test_concurrent_confirmations_never_overfill_and_explain_every_refusal(tmp_path):
    url, migrate = _db_url(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        proposals = pool.apply(
            _concurrent.build,
            (url,),
            {"migrate": migrate, "beds": BEDS, "people": PEOPLE, "proposals": PROCESSES},
        )
    with ctx.Manager() as manager:
        barrier = manager.Barrier(PROCESSES)
        with ctx.Pool(PROCESSES) as pool:
            results = pool.starmap(_concurrent.confirm, [(url, p, barrier) for p in proposals])
    with ctx.Pool(1) as pool:
        state = pool.apply(_concurrent.verify, (url,))

    assert not [r["error"] for r in results if "error" in r]
    # Every pool holds its 10 earlier patients plus exactly its placements, within capacity.
    for fid, bed_type, capacity, occupied in state["pools"]:
        assert occupied <= capacity, f"{bed_type} pool over-filled: {occupied}/{capacity}"
        assert occupied == 10 + state["open_by_pool"].get((fid, bed_type), 0)
    placed = sum(r["confirmed"] for r in results)
    # 12 confirmed for 5 shelter + 2 severe beds (mild may go above need), 9 contacts for 4 rooms
    assert placed == 5 + 2 + 4
    assert state["placed_twice"] == 0
    assert state["undecided"] == 0 and state["refused_without_reason"] == 0
    refused = [reason for r in results for reason in r["refused"]]
    assert len(refused) == PROCESSES * sum(PEOPLE.values()) - placed - _unplaced(proposals)
    assert all(code and message for code, message in refused)
    assert {code for code, _m in refused} <= {"placed", "no_bed", "not_waiting"}


def _unplaced(proposals: list[int]) -> int:
    """Lines that were never proposed (no bed in the proposal): not refusals."""
    # Each proposal saw the same beds: 11 placed lines, the rest 'no bed' lines.
    return len(proposals) * (sum(PEOPLE.values()) - 11)
