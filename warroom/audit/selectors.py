"""Reading the audit log with permission: one's subtree, personal data masked.

An entry's before and after are snapshots of the record it logs; a person's snapshot holds
his ID number, phone and birth date. They are shown by the rule of the person pages
(:mod:`warroom.core.personal`): masked without the capability. Even with it they are
masked until the reader asks to see them (``unmask``), and that view is itself logged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from warroom.audit.messages import describe, object_type_label, source_label
from warroom.audit.models import AuditEntry
from warroom.audit.services import record_event
from warroom.core.personal import PersonalField, mask_record, may_see


def can_read_audit(user: Any) -> bool:
    return may_see(user, "audit")


def visible_entries(user: Any) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read: his subtree, none without the ``audit`` capability."""
    if not can_read_audit(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.restrict(user, "audit")


def personal_fields_of(object_type: str) -> Mapping[str, PersonalField]:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return getattr(model, "personal_fields", {})


@dataclass(frozen=True)
class ShownEntry:
    """An entry as its reader sees it."""

    entry: AuditEntry
    object_repr: str
    object_type: str  # the logged model's name in the reader's language
    source: str  # where the act came from, in the reader's language
    description: str  # the stored message in the reader's language
    before: str
    after: str
    masked: bool  # something was masked for this reader
    unmasked: bool  # personal data shown in clear (logged)


def _show(fields: Mapping[str, PersonalField], text: str, user: Any, unmask: bool) -> Any:
    if not text or not fields:
        return text, False, False
    try:
        data = json.loads(text)
    except ValueError:
        return text, False, False
    if not isinstance(data, dict):
        return text, False, False
    shown = mask_record(fields, data, user, unmask=unmask)
    return (
        json.dumps(shown.data, ensure_ascii=False, sort_keys=True, indent=1),
        bool(shown.masked),
        bool(shown.unmasked),
    )


def shown_entries(user: Any, entries: Iterable[AuditEntry], *, unmask: bool) -> list[ShownEntry]:
    """``entries`` with personal data masked for ``user``; ``unmask`` shows in clear what
    his role may see, and logs that view (one event naming the entries)."""
    out: list[ShownEntry] = []
    for e in entries:
        fields = personal_fields_of(e.object_type)
        before, masked_b, clear_b = _show(fields, e.before, user, unmask)
        after, masked_a, clear_a = _show(fields, e.after, user, unmask)
        name = fields.get("name") or fields.get("person")
        hide_repr = name is not None and not may_see(user, name.capability)
        # An event's object text is its (English) message: the description says it.
        event = e.object_repr == e.message[:200] and bool(e.message)
        out.append(
            ShownEntry(
                entry=e,
                object_repr="" if event else f"#{e.object_id}" if hide_repr else e.object_repr,
                object_type=object_type_label(e.object_type),
                source=source_label(e.source),
                description=describe(e),
                before=before,
                after=after,
                masked=masked_b or masked_a or hide_repr,
                unmasked=clear_b or clear_a,
            )
        )
    clear = [s.entry for s in out if s.unmasked]
    if clear:
        record_event(
            "view_personal",
            object_type="audit.auditentry",
            object_id=str(clear[0].seq),
            area_path=getattr(user, "area_path", ""),
            message="viewed personal data in audit entries "
            + ", ".join(f"#{e.seq}" for e in clear[:50])
            + (f" and {len(clear) - 50} more" if len(clear) > 50 else ""),
        )
    return out
