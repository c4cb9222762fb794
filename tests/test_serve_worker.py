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


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:\tZ") for line in status)
    except FileNotFoundError:
        return False


def test_a_sigterm_to_the_server_stops_its_worker_too(tmp_path):
    """A service manager's stop (SIGTERM to the server's process alone): the worker it
    started stops with it, not left running (it went on feeding the demo's outbreak)."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["WARROOM_DATA_DIR"] = str(tmp_path)  # the child's own SQLite database
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from warroom.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not children and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
            with open(f"/proc/{server.pid}/task/{server.pid}/children") as f:
                children = [int(pid) for pid in f.read().split()]
        assert children, "the server started no worker"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) is not None
        deadline = time.monotonic() + 40
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children), "the worker outlived its server"
    finally:
        for pid in [server.pid, *children]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        server.wait()


def test_a_worker_whose_server_was_killed_stops(tmp_path):
    """``kill -9`` of the server (no ``finally`` runs): the worker it started sees its
    parent gone and stops by itself, not left running without a server."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["WARROOM_DATA_DIR"] = str(tmp_path)
    # A stand-in for the server: starts the worker as serve does, says its pid, then waits.
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from warroom import cli; p = cli._start_worker_process(); "
            "print(p.pid, flush=True); time.sleep(600)",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    worker = 0
    try:
        assert server.stdout is not None
        worker = int(server.stdout.readline())
        time.sleep(2)  # the worker is up (or still starting: either way it must stop)
        assert _alive(worker)
        server.kill()
        server.wait()
        deadline = time.monotonic() + 60
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the worker outlived its killed server"
    finally:
        if server.poll() is None:
            server.kill()
        if worker and _alive(worker):
            os.kill(worker, signal.SIGKILL)
        server.wait()
