"""What every section of case management shares: the fields a transition writes, the
row builder for transitions, who acted.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

from typing import Any

from warroom.cases.models import (
    TransitionRecord,
)
from warroom.core.bulk import builder

# Fields a transition may change (written by the conditional UPDATE).
STATE_FIELDS = (
    "status",
    "category",
    "status_since",
    "category_since",
    "confirmed_at",
    "admitted_at",
    "severity",
    "isolation",
    "isolated_at",
    "isolation_until",
    "facility",
    "facility_area",
    "next_test_due",
    "test_schedule",
)
PROFILE_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "home",
    "workplace",
    "vulnerability",
)

# Built by the ten thousand by the importers (core.bulk.builder: no per-field descriptors).
new_transition = builder(TransitionRecord)


def _actor_name(actor: Any) -> str:
    return getattr(actor, "username", "") or "system"


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None)
