"""The audit chain's keys: kept outside the database, rotated, each with its id.

Every entry is sealed with HMAC-SHA256 under the current key, and records that key's id,
so someone who holds only the database can neither forge an entry nor re-hash an edited
one. Keys come from, in order:

- ``WARROOM_AUDIT_KEY`` (the current key, 32+ characters) and ``WARROOM_AUDIT_OLD_KEYS``
  (earlier keys, comma-separated, kept to verify the entries they sealed; the key file's
  keys, if it exists, are kept for verification too);
- otherwise the key file ``WARROOM_AUDIT_KEY_FILE`` (default ``<WARROOM_DATA_DIR>/audit.key``):
  one hex key per line, the last one current. In development it is created (mode 0600) on
  first use; in production (``WARROOM_PRODUCTION=1``) the settings refuse to start without
  a key. ``warroom audit rotate-key`` appends a new key to the file.

A key's id is derived from the key (the first 12 hex digits of a SHA-256 of it), so an id
names exactly one key and needs no bookkeeping.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from warroom.core.errors import WarroomError


class AuditKeyMissing(WarroomError):
    code = "audit_key_missing"
    status = 500


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes

    def seal(self, message: str) -> str:
        return hmac.new(self.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class KeyRing:
    current: AuditKey
    keys: dict[str, AuditKey]

    def get(self, key_id: str) -> AuditKey | None:
        return self.keys.get(key_id)


def key_id_of(secret: bytes) -> str:
    return hashlib.sha256(b"warroom-audit-key-id:" + secret).hexdigest()[:12]


def _key(secret: bytes) -> AuditKey:
    return AuditKey(key_id_of(secret), secret)


_RING: KeyRing | None = None


@receiver(setting_changed)
def _forget(**kwargs: object) -> None:
    global _RING
    if kwargs.get("setting") in {
        "WARROOM_AUDIT_KEY",
        "WARROOM_AUDIT_OLD_KEYS",
        "WARROOM_AUDIT_KEY_FILE",
        "PRODUCTION",
    }:
        _RING = None


def keyring() -> KeyRing:
    """The keys, loaded once per process (a settings change in a test reloads them)."""
    global _RING
    if _RING is None:
        _RING = _load()
    return _RING


def _load() -> KeyRing:
    env_key = getattr(settings, "WARROOM_AUDIT_KEY", "")
    if env_key:
        current = _key(env_key.encode("utf-8"))
        old = [_key(k.encode("utf-8")) for k in getattr(settings, "WARROOM_AUDIT_OLD_KEYS", [])]
        path = Path(settings.WARROOM_AUDIT_KEY_FILE)
        if path.exists():  # moved from the key file to the environment: keep those keys
            old = read_key_file(path) + old
        return KeyRing(current, {k.key_id: k for k in [*old, current]})
    path = Path(settings.WARROOM_AUDIT_KEY_FILE)
    if not path.exists():
        if getattr(settings, "PRODUCTION", False):
            raise AuditKeyMissing(
                "the audit log needs a key: set WARROOM_AUDIT_KEY or create the key file "
                f"{path} with `warroom audit rotate-key`"
            )
        append_new_key(path)
    keys = read_key_file(path)
    if not keys:
        raise AuditKeyMissing(f"the audit key file {path} holds no key")
    return KeyRing(keys[-1], {k.key_id: k for k in keys})


def read_key_file(path: Path) -> list[AuditKey]:
    keys = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            raise AuditKeyMissing(f"{path}, line {number}: not a hex key") from None
        if len(secret) < 32:
            raise AuditKeyMissing(f"{path}, line {number}: a key needs 32 bytes or more")
        keys.append(_key(secret))
    return keys


def append_new_key(path: Path) -> AuditKey:
    """Add a new random key to the key file (creating it 0600); it becomes the current one."""
    global _RING
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (secret.hex() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    _RING = None
    return _key(secret)
