"""Settings come from the environment and fail fast on bad values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from warroom.core.env import ConfigError, env_bool, env_int


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "WARROOM_DEBUG",
            "SECRET_KEY",
            "WARROOM_PRODUCTION",
            "WARROOM_AUDIT_KEY",
            "WARROOM_AUDIT_KEY_FILE",
            "WARROOM_DATA_DIR",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", "import warroom.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_bad_values_are_refused_with_the_variables_name(monkeypatch):
    monkeypatch.setenv("DEBUG", "ture")
    with pytest.raises(ConfigError, match="DEBUG='ture'"):
        env_bool("DEBUG", False)
    monkeypatch.setenv("WORKERS", "many")
    with pytest.raises(ConfigError, match="WORKERS"):
        env_int("WORKERS", 1)


def test_production_refuses_the_development_secret_key():
    result = _load_settings(WARROOM_PRODUCTION="1", DEBUG="0")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _load_settings(WARROOM_PRODUCTION="1", WARROOM_DEBUG="1", SECRET_KEY="x" * 50)
    assert result.returncode != 0 and "WARROOM_DEBUG" in result.stderr


def test_production_starts_with_a_real_key():
    result = _load_settings(WARROOM_PRODUCTION="1", SECRET_KEY="k" * 50, WARROOM_AUDIT_KEY="a" * 40)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_the_audit_key(tmp_path):
    result = _load_settings(
        WARROOM_PRODUCTION="1", SECRET_KEY="k" * 50, WARROOM_DATA_DIR=str(tmp_path)
    )
    assert result.returncode != 0 and "audit key" in result.stderr
    (tmp_path / "audit.key").write_text("ab" * 32 + "\n")  # `warroom audit rotate-key`
    ok = _load_settings(WARROOM_PRODUCTION="1", SECRET_KEY="k" * 50, WARROOM_DATA_DIR=str(tmp_path))
    assert ok.returncode == 0, ok.stderr


def test_a_short_audit_key_is_refused():
    result = _load_settings(WARROOM_AUDIT_KEY="short")
    assert result.returncode != 0 and "WARROOM_AUDIT_KEY" in result.stderr


def test_an_unknown_database_is_refused():
    result = _load_settings(DATABASE_URL="mysql://u@localhost/db")
    assert result.returncode != 0 and "unsupported database" in result.stderr


def test_the_embedded_database_is_sqlite_in_wal_mode(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env = {**clean, "WARROOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "warroom.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "wal", result.stderr
    assert (tmp_path / "warroom.sqlite3").exists()


def test_the_phase_bands_are_validated_at_start_up(monkeypatch):
    from warroom.core.env import env_increasing_ints

    monkeypatch.setenv("WARROOM_PHASE_BANDS", "1, 10, 100")
    assert env_increasing_ints("WARROOM_PHASE_BANDS", (10, 100, 1000), count=3) == (1, 10, 100)
    for bad in ("10,100", "10,5,1000", "0,10,100", "ten,100,1000"):
        monkeypatch.setenv("WARROOM_PHASE_BANDS", bad)
        with pytest.raises(ConfigError, match="WARROOM_PHASE_BANDS"):
            env_increasing_ints("WARROOM_PHASE_BANDS", (10, 100, 1000), count=3)
    result = _load_settings(WARROOM_PHASE_BANDS="100,10,1")
    assert result.returncode != 0 and "WARROOM_PHASE_BANDS" in result.stderr
