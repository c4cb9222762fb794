"""Writing and verifying the audit log. The only code that inserts audit entries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from warroom.audit.keys import AuditKey, AuditKeyMissing, keyring
from warroom.audit.models import AuditEntry, AuditHead
from warroom.core.context import current

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    if data is None:
        return ""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _sealed_text(e: AuditEntry) -> str:
    fields = [
        str(e.seq),
        e.ts.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        str(e.actor_id or ""),
        e.actor_name,
        e.source,
        e.ip,
        e.request_id,
        e.action,
        e.object_type,
        e.object_id,
        e.object_repr,
        e.area_path,
        e.before,
        e.after,
        e.message,
        e.prev_hash,
    ]
    return "\x1f".join(fields)


def legacy_entry_hash(e: AuditEntry) -> str:
    """The unkeyed SHA-256 of the entries written before the chain was keyed."""
    return hashlib.sha256(_sealed_text(e).encode("utf-8")).hexdigest()


def entry_hash(e: AuditEntry, key: AuditKey | None = None) -> str:
    """The entry's seal: HMAC-SHA256 under its key (the key id is sealed too); an entry
    without a key id is a legacy one, hashed as it was written."""
    if not e.key_id:
        return legacy_entry_hash(e)
    key = key or keyring().get(e.key_id)
    if key is None:
        raise AuditKeyMissing(f"entry {e.seq} was sealed with key {e.key_id}, which is not known")
    return key.seal(_sealed_text(e) + "\x1f" + e.key_id)


def _root_path() -> str:
    from warroom.geo.models import Area

    path = Area.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True)
    return path.first() or ""


def _append(
    *,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    area_path: str,
    before: str,
    after: str,
    message: str,
    actor: Any = None,
) -> AuditEntry:
    ctx = current()
    actor = actor if actor is not None else ctx.resolve_actor()
    if not area_path:
        area_path = getattr(actor, "area_path", "") or _root_path()
    key = keyring().current
    # No savepoint inside the caller's transaction: an error here fails the whole change
    # anyway, and the chain head's lock is held one round trip less (SAVEPOINT/RELEASE).
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            ts=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "")
            or ("system" if actor is None else str(actor)),
            source=ctx.source,
            ip=ctx.ip or "",
            request_id=ctx.request_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            area_path=area_path,
            before=before,
            after=after,
            message=message,
            prev_hash=head.hash,
            key_id=key.key_id,
        )
        entry.hash = entry_hash(entry, key)
        entry.save(force_insert=True)
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def record(
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    message: str = "",
) -> AuditEntry:
    """Log one change of one record (create, update, delete) with before and after."""
    return _append(
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj),
        area_path=getattr(obj, "audit_area_path", "") or "",
        before=canonical(before),
        after=canonical(after),
        message=message,
    )


def record_batch(
    *,
    object_type: str,
    rows: int,
    sha256: str,
    area_path: str = "",
    message: str = "",
    details: dict[str, Any] | None = None,
    action: str = "import",
) -> AuditEntry:
    """Log a bulk write as one entry: its row count and the file's hash."""
    payload = {"rows": rows, "sha256": sha256, **(details or {})}
    return _append(
        action=action,
        object_type=object_type,
        object_id=sha256[:16],
        object_repr=f"{rows} rows",
        area_path=area_path,
        before="",
        after=canonical(payload),
        message=message,
    )


def record_event(
    action: str, *, object_type: str, object_id: str = "", area_path: str = "", message: str = ""
) -> AuditEntry:
    """Log an event that is not a row change (a sign-in, a view of personal data...)."""
    return _append(
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=message[:200],
        area_path=area_path,
        before="",
        after="",
        message=message,
    )


@dataclass
class VerifyResult:
    checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, progress: Any = None, anchors: Path | None = None) -> VerifyResult:
    """Recompute the whole chain and report every break, in order.

    Each entry's seal is checked under its key; an unkeyed (legacy) entry is accepted only
    before the first keyed one. With ``anchors`` (a file the daily cycle appends to), every
    anchored entry must still be there with the anchored hash: this is what detects a tail
    deleted with the head moved back, or a stretch rewritten and re-hashed.
    """
    from warroom.audit.anchors import read_anchors

    result = VerifyResult()
    anchored: dict[int, list[Any]] = {}
    if anchors is not None:
        listed, problems = read_anchors(anchors)
        result.problems.extend(problems)
        result.anchors = len(listed)
        for anchor in listed:
            anchored.setdefault(anchor.seq, []).append(anchor)
    head = AuditHead.objects.filter(pk=1).first()
    expected_seq, prev, keyed = 1, GENESIS, False
    for e in _iter_entries():
        if e.seq != expected_seq:
            result.problems.append(
                f"entries {expected_seq}..{e.seq - 1} are missing (deleted)"
                if e.seq > expected_seq
                else f"entry {e.seq} is out of order"
            )
        if e.prev_hash != prev:
            result.problems.append(f"entry {e.seq}: its link to the previous entry is broken")
        if e.key_id:
            keyed = True
            try:
                sealed = entry_hash(e) == e.hash
            except AuditKeyMissing as exc:
                result.problems.append(exc.message)
                sealed = True
            if not sealed:
                result.problems.append(
                    f"entry {e.seq}: its content was altered after it was written"
                )
        elif keyed:
            result.problems.append(
                f"entry {e.seq}: unkeyed after keyed entries (rewritten without the key)"
            )
        elif legacy_entry_hash(e) != e.hash:
            result.problems.append(f"entry {e.seq}: its content was altered after it was written")
        for anchor in anchored.get(e.seq, ()):
            if anchor.hash != e.hash:
                result.problems.append(
                    f"entry {e.seq} differs from the anchor of {anchor.day} "
                    f"(anchor line {anchor.line}): the log was rewritten"
                )
        prev, expected_seq = e.hash, e.seq + 1
        result.checked += 1
        if progress is not None:
            progress()
    last_seq = expected_seq - 1
    beyond = [a for seq, found in anchored.items() if seq > last_seq for a in found]
    for anchor in beyond[:1] + beyond[-1:] if len(beyond) > 1 else beyond:
        result.problems.append(
            f"the log ends at entry {last_seq} but the anchor of {anchor.day} "
            f"(anchor line {anchor.line}) records entry {anchor.seq}: entries were deleted"
        )
    if head is not None:
        result.head_seq, result.head_hash = head.seq, head.hash
        if head.seq != last_seq or head.hash != prev:
            result.problems.append(
                f"the log ends at entry {last_seq} but its head says {head.seq}: "
                "entries at the end were deleted, or the head was altered"
            )
    elif last_seq:
        result.problems.append("the chain's head row is missing")
    return result


def _iter_entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
