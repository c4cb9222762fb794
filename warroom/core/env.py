"""Typed settings from the environment, failing fast on bad values.

Every setting warroom reads from the environment goes through one of these helpers, so a
typo in a deployment (``DEBUG=ture``) stops the process at start-up with a message that
names the variable, instead of silently running with a default.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting in the environment is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def env_increasing_ints(name: str, default: tuple[int, ...], *, count: int) -> tuple[int, ...]:
    """``count`` strictly increasing integers >= 1, comma-separated (e.g. ``10,100,1000``)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        values = tuple(int(item) for item in raw.split(","))
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a comma-separated list of integers") from None
    if len(values) != count:
        raise ConfigError(f"{name}={raw!r} must hold {count} integers, got {len(values)}")
    if values[0] < 1 or any(b <= a for a, b in itertools.pairwise(values)):
        raise ConfigError(f"{name}={raw!r} must be strictly increasing integers >= 1")
    return values


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default
