"""Shared helpers for the benchmark scripts: one database per run, medians, a report line."""

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

    name = "warroom_bench"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    return env


def run_child(script: str, kind: str, *args: str) -> None:
    """Run ``script`` again in a child process against a fresh database of ``kind``."""
    env = database_env(kind)
    env["DJANGO_SETTINGS_MODULE"] = "warroom.settings"
    env["PYTHONPATH"] = str(ROOT)
    subprocess.run([sys.executable, script, "--child", kind, *args], env=env, check=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
