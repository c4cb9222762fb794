"""The full-scale demo (the whole city, 12.3 M residents, 90 days) on SQLite and PostgreSQL.

Two figures per database, each against a fresh database, as a user runs them:

1. **Time to serving** — ``warroom demo`` (serve; the outbreak fed in the background by the
   worker): seconds from the command to the first answer of the dashboard's address.
   Target <= 60 s. The bench then lets the worker feed a few days and reads the job's
   progress (what the banner and the job page show), and stops the server.
2. **All 90 days** — ``warroom demo --no-serve``: the wall time, split into set-up
   (database, city, facilities, users), simulation, ingest (the import services and the
   platform's dispatch) and the daily cycle, as the feed job records them. Target
   <= 10 minutes on 2 cores.

Memory: the resident memory of every process of the run (the command, the worker and the
server; sampled each second, summed) — target <= 4 GB at the peak.

Peer: the same figures measured before issue 21 (1,308 s on SQLite, 2,070 s on
PostgreSQL, docs/performance.md), printed as a ratio.

A run takes many minutes; one run per figure. Each day's log line goes to
``$TMPDIR/bench-full-demo-<db>.log``.

    python bench/bench_full_demo.py                          # both databases, both figures
    python bench/bench_full_demo.py --dbs sqlite --days 20   # a quick look
    python bench/bench_full_demo.py --only serve             # time to serving only
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, database_env, finish, target, tree_rss_bytes

WARROOM = str(Path(sys.executable).with_name("warroom"))
# Before issue 21 (the full-scale demo, 90 days, --no-serve, quiet 2-core machine).
BEFORE = {"sqlite": 1308.0, "postgres": 2070.0}


class RssSampler:
    """The peak summed RSS of a process tree, sampled every ``every`` seconds."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))

    def close(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def job_state(env: dict[str, str]) -> dict[str, object]:
    """The demo feed job's row (status, done/total, result) read in a child process."""
    code = (
        "import json, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        "'warroom.settings'); django.setup();"
        "from warroom.core.models import Job;"
        "j = Job.objects.filter(name='demo-feed').order_by('-pk').first();"
        "print(json.dumps(None if j is None else {'status': j.status, 'done': j.done,"
        " 'total': j.total, 'result': j.result, 'error': j.error,"
        " 'seconds': (j.finished_at - j.started_at).total_seconds()"
        " if j.finished_at and j.started_at else None}, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    state: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1]) or {}
    return state


def serving(kind: str, scale: float, watch: float) -> None:
    env = _env(kind)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.gettempdir()) / f"bench-full-demo-{kind}-serve.log"
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [WARROOM, "demo", "--port", str(port), "--scale", str(scale)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        rss = RssSampler(proc.pid)
        try:
            up = None
            while up is None and proc.poll() is None and time.perf_counter() - start < 600:
                try:
                    with urllib.request.urlopen(url, timeout=5):
                        up = time.perf_counter() - start
                except OSError:
                    time.sleep(0.5)
            if up is None:
                sys.exit(f"[{kind}] the demo never served (see {log})")
            print(
                f"[{kind}] time to serving (scale {scale:g}): {up:.1f} s "
                + target(f"[{kind}] time to serving", up, 60, "s"),
                flush=True,
            )
            time.sleep(watch)  # let the worker feed some days while serving
            state = job_state(env)
            print(
                f"[{kind}]   after {watch:.0f} s of serving: feed job {state.get('status')}, "
                f"day {state.get('done')}/{state.get('total')}; last day "
                f"{json.dumps((state.get('result') or {}), default=str)[:300]}",
                flush=True,
            )
        finally:
            os.killpg(proc.pid, 15)  # the server and its worker (our own process group)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
            # Nothing of the run may outlive the bench: a worker left feeding the outbreak
            # would load every figure measured after this one.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            peak = rss.close()
    print(f"[{kind}]   peak memory while serving and feeding: {peak / 2**30:.2f} GB", flush=True)


def full_run(kind: str, scale: float, days: int | None) -> None:
    env = _env(kind)
    log = Path(tempfile.gettempdir()) / f"bench-full-demo-{kind}.log"
    args = [WARROOM, "demo", "--no-serve", "--scale", str(scale)]
    if days:
        args += ["--days", str(days)]
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        rss = RssSampler(proc.pid)
        code = proc.wait()
        peak = rss.close()
    total = time.perf_counter() - start
    if code:
        sys.exit(f"[{kind}] warroom demo --no-serve failed ({code}), see {log}")
    state = job_state(env)
    result = state.get("result") or {}
    assert isinstance(result, dict)
    seconds = result.get("seconds") or {}
    job_seconds = float(state.get("seconds") or 0.0)
    setup = total - job_seconds
    other = job_seconds - sum(seconds.values())
    n = result.get("days")
    label = f"[{kind}] {n} days at scale {scale:g}"
    full = scale == 1.0 and not days
    print(
        f"{label}: {total:.0f} s = set-up {setup:.0f} + simulation "
        f"{seconds.get('simulation', 0):.0f} + ingest {seconds.get('ingest', 0):.0f} + daily "
        f"cycle {seconds.get('cycle', 0):.0f} + other {other:.0f} s"
        + (" " + target(f"{label} total", total, 600, "s") if full else ""),
        flush=True,
    )
    print(
        f"[{kind}]   fed {result.get('people', 0):,} people, {result.get('line_rows', 0):,} "
        f"line-list rows, {result.get('samples', 0):,} samples, "
        f"{result.get('results', 0):,} results, {result.get('admissions', 0):,} admissions",
        flush=True,
    )
    if full:
        print(
            f"[{kind}]   peer (before issue 21): {BEFORE[kind]:.0f} s; now "
            f"x{BEFORE[kind] / total:.2f} faster",
            flush=True,
        )
    print(
        f"[{kind}]   peak memory (all processes): {peak / 2**30:.2f} GB "
        + target(f"[{kind}] peak memory", peak / 2**30, 4, "GB"),
        flush=True,
    )


def _env(kind: str) -> dict[str, str]:
    env = database_env(kind)
    env["DJANGO_SETTINGS_MODULE"] = "warroom.settings"
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--only", choices=["serve", "run"], default=None)
    parser.add_argument("--watch", type=float, default=30.0, help="seconds served after up")
    opts = parser.parse_args()
    for kind in opts.dbs.split(","):
        if opts.only in (None, "serve"):
            serving(kind, opts.scale, opts.watch)
        if opts.only in (None, "run"):
            full_run(kind, opts.scale, opts.days)


if __name__ == "__main__":
    main()
    finish()
