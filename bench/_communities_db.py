"""A fresh database of its own for each communities benchmark run.

``_common.database_env`` names its PostgreSQL database ``warroom_bench``; benchmarks of
several branches run on the same server at once and would drop each other's database,
so these runs take a name of their own and drop it when done.
"""

from __future__ import annotations

import os
import sys

from _common import PG_ADMIN_URL, ROOT, database_env, run_script


def run_child_isolated(script: str, kind: str, *args: str) -> None:
    if kind != "postgres":
        env = database_env(kind)
    else:
        import psycopg

        name = f"warroom_bench_comm_{os.getpid()}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        env = dict(os.environ)
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    env["DJANGO_SETTINGS_MODULE"] = "warroom.settings"
    env["PYTHONPATH"] = str(ROOT)
    try:
        run_script([sys.executable, script, "--child", kind, *args], env, f"{script} [{kind}]")
    finally:
        if kind == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
