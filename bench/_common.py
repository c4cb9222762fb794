"""Shared helpers for the benchmark scripts: one database per run, medians, a report line.

Every bench states its targets through :func:`target` and ends with :func:`finish`, which
exits 1 if one was missed (in a child process too: :func:`run_child` passes the miss on),
so that ``make bench`` fails when a bench misses.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def median_ms(fn: Callable[[], object], *, repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def database_env(kind: str) -> dict[str, str]:
    """Environment for a fresh database of ``kind`` ("sqlite" or "postgres")."""
    env = dict(os.environ)
    if kind == "sqlite":
        env["WARROOM_DATA_DIR"] = tempfile.mkdtemp(prefix="warroom-bench-")
        env.pop("DATABASE_URL", None)
        return env
    import psycopg

    # One database per bench run; BENCH_PG_DB names it (sessions sharing a server each
    # use their own, since a run drops it first).
    name = os.environ.get("BENCH_PG_DB", "warroom_bench")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    return env


MISSED_EXIT = 1  # a bench's exit status when it missed a target
_missed: list[str] = []


def target(what: str, value: float, limit: float, unit: str = "", *, at_least: bool = False) -> str:
    """Check ``value`` against its target (at most ``limit``, or at least with
    ``at_least``); record a miss; return the report's "(target <= 2 s: OK)" text."""
    ok = value >= limit if at_least else value <= limit
    sign = ">=" if at_least else "<="
    if not ok:
        _missed.append(f"{what}: {value:g} {unit} (target {sign} {limit:g} {unit})".strip())
    return f"(target {sign} {limit:g}{' ' + unit if unit else ''}: {'OK' if ok else 'MISSED'})"


def finish() -> None:
    """End the bench: exit :data:`MISSED_EXIT` if a target was missed."""
    if _missed:
        print("MISSED " + "; ".join(_missed))
        sys.exit(MISSED_EXIT)


def run_child(script: str, kind: str, *args: str) -> None:
    """Run ``script`` again in a child process against a fresh database of ``kind``.

    A child that missed a target (exit :data:`MISSED_EXIT`) counts as a miss here; any
    other failure raises."""
    env = database_env(kind)
    env["DJANGO_SETTINGS_MODULE"] = "warroom.settings"
    env["PYTHONPATH"] = str(ROOT)
    args_ = [sys.executable, script, "--child", kind, *args]
    run_script(args_, env, f"{Path(script).name} [{kind}]")


def run_script(args: list[str], env: dict[str, str], label: str) -> None:
    """Run a bench's child process; its missed target is a miss here, other failures raise."""
    done = subprocess.run(args, env=env)
    if done.returncode == MISSED_EXIT:
        _missed.append(f"{label} missed a target")
    elif done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, done.args)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def tree_rss_bytes(pid: int) -> int:
    """The resident memory of process ``pid`` and all its descendants now (Linux /proc;
    a sum of RSS, so shared pages count once per process: an upper bound)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def pid_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far (Linux /proc; NaN if absent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
