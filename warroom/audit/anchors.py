"""The chain's head, anchored outside the database.

The daily cycle appends the head of the day (sequence number and hash) to an append-only
file, ``WARROOM_AUDIT_ANCHOR_FILE`` (default ``<WARROOM_DATA_DIR>/audit-anchors.log``), and
the daily briefing prints it. Someone who holds only the database can move the head row
back after deleting the tail, or rewrite a stretch of the chain with its hashes; neither
survives a comparison with an anchor written before: the anchored entry is gone, or its
hash differs. ``warroom audit verify --anchors FILE`` makes that comparison.

One line per anchor, JSON: ``{"day", "seq", "hash", "at", "key_id", "seal"}``; ``seal`` is
an HMAC of the other fields under the audit key, so an anchor line cannot be forged by
someone without the key either.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warroom.audit.keys import keyring
from warroom.audit.models import AuditHead


@dataclass(frozen=True)
class Anchor:
    day: str
    seq: int
    hash: str
    at: str
    key_id: str
    seal: str
    line: int = 0

    def text(self) -> str:
        return "\x1f".join([self.day, str(self.seq), self.hash, self.at, self.key_id])

    @property
    def short(self) -> str:
        """How the briefing prints it: the entry's number and the start of its hash."""
        return f"#{self.seq} {self.hash[:16]}"


def anchor_file() -> Path:
    return Path(settings.WARROOM_AUDIT_ANCHOR_FILE)


def do_write_anchor(day: dt.date, *, path: Path | None = None) -> Anchor:
    """Append the chain's current head to the anchor file, for ``day``.

    The head is read under its row lock, so no entry is half-written; the line is written
    with O_APPEND and synced, so earlier lines are never rewritten.
    """
    path = path or anchor_file()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        key = keyring().current
        unsealed = Anchor(
            day=day.isoformat(),
            seq=head.seq,
            hash=head.hash,
            at=timezone.now().isoformat(timespec="seconds"),
            key_id=key.key_id,
            seal="",
        )
    anchor = replace(unsealed, seal=key.seal(unsealed.text()))
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {k: v for k, v in anchor.__dict__.items() if k != "line"}, separators=(",", ":")
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return anchor


def read_anchors(path: Path) -> tuple[list[Anchor], list[str]]:
    """The anchors of a file and the problems of its lines (unreadable, forged)."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    ring = keyring()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data: dict[str, Any] = json.loads(raw)
            anchor = Anchor(
                day=str(data["day"]),
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                at=str(data["at"]),
                key_id=str(data["key_id"]),
                seal=str(data["seal"]),
                line=number,
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"{path}, line {number}: not an anchor")
            continue
        key = ring.get(anchor.key_id)
        if key is None:
            problems.append(
                f"{path}, line {number}: sealed with key {anchor.key_id}, which is not known"
            )
        elif key.seal(anchor.text()) != anchor.seal:
            problems.append(f"{path}, line {number}: the anchor was altered (its seal is wrong)")
            continue
        anchors.append(anchor)
    return anchors, problems


def latest_anchor(day: dt.date, *, path: Path | None = None) -> Anchor | None:
    """The last anchor written for ``day`` (what the briefing prints), or None."""
    path = path or anchor_file()
    if not path.exists():
        return None
    anchors, _ = read_anchors(path)
    found = [a for a in anchors if a.day == day.isoformat()]
    return found[-1] if found else None


def anchor_step(day: dt.date) -> str:
    anchor = do_write_anchor(day)
    return f"audit head {anchor.short} anchored in {anchor_file().name}"
