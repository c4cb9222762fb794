"""`warroom serve` (and so the demo) runs a job worker in a process of its own."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_serve_starts_a_worker_process_beside_the_web_server_and_stops_it(monkeypatch, tmp_path):
    # The child's own database: a file in tmp_path. Without DATABASE_URL, or the PostgreSQL
    # pass's worker would connect to the pass's *named* database (not the test database) and
    # claim whatever jobs wait there.
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import waitress

    from warroom import cli

    seen = {}

    def fake_serve(application, **kwargs):  # the web server: look at the worker, then stop
        seen["worker"] = process = started[0]
        seen["alive"] = process.poll() is None

    started: list = []
    real_start = cli._start_worker_process

    def start():
        process = real_start()
        started.append(process)
        return process

    monkeypatch.setattr(waitress, "serve", fake_serve)
    monkeypatch.setattr(cli, "_migrate", lambda: None)
    monkeypatch.setattr(cli, "_start_worker_process", start)
    cli.serve(host="127.0.0.1", port=0, threads=1, worker=True)
    process = seen["worker"]
    assert seen["alive"] and process.pid != __import__("os").getpid()
    assert process.poll() is not None  # stopped with the server


def test_serve_without_a_worker_starts_none(monkeypatch):
    import waitress

    from warroom import cli

    monkeypatch.setattr(waitress, "serve", lambda application, **kwargs: None)
    monkeypatch.setattr(cli, "_migrate", lambda: None)
    monkeypatch.setattr(cli, "_start_worker_process", lambda: pytest.fail("a worker started"))
    cli.serve(host="127.0.0.1", port=0, threads=1, worker=False)
