"""Audit for free: an operational model inherits :class:`AuditedModel`.

Every ``save()`` and ``delete()`` of such a model writes an audit entry (who, when, from
where, before, after) in the same transaction, whoever calls it: a service, the admin, a
command. Bulk writes bypass ``save()``; their services log one entry per batch with
:func:`warroom.audit.services.record_batch` instead.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of ``obj``, JSON-ready (what the audit log keeps)."""
    return _snapshot_of(
        type(obj), tuple(f.value_from_object(obj) for f in obj._meta.concrete_fields)
    )


def _snapshot_of(model: type[models.Model], values: tuple[Any, ...]) -> dict[str, Any]:
    """:func:`snapshot` of an instance of ``model`` loaded with ``values`` (one per concrete
    field, in order), as it was loaded."""
    out = {}
    for index, name in _audited_fields(model):
        value = values[index]
        out[name] = value if type(value) in _PLAIN else _jsonable(value)
    return out


# Values the snapshot keeps as they are (most of them): no conversion looked for.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_AUDITED: dict[type[models.Model], tuple[tuple[int, str], ...]] = {}


def _audited_fields(model: type[models.Model]) -> tuple[tuple[int, str], ...]:
    """The (position among the concrete fields, attname) of ``model``'s audited fields:
    all but those marked ``audit_exclude`` (on the field, or named on the model). Made
    once a model (an appeal's 40 fields were sifted for each of 5,000 snapshots a day)."""
    found = _AUDITED.get(model)
    if found is None:
        excluded = getattr(model, "audit_exclude", ())
        found = tuple(
            (index, field.attname)
            for index, field in enumerate(model._meta.concrete_fields)
            if not getattr(field, "audit_exclude", False) and field.name not in excluded
        )
        _AUDITED[model] = found
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return "<binary>"
    return value


class AuditedModel(models.Model):
    audit_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        from warroom.audit.services import record

        creating = self._state.adding
        with transaction.atomic():
            before = None if creating else self._loaded_snapshot()
            if not creating and before is None:
                before = self._stored_snapshot()
            super().save(*args, **kwargs)
            after = snapshot(self)
            if before is None:
                record("create", self, before=None, after=after)
            elif before != after:
                record("update", self, before=before, after=after)
        self._audit_before = after
        self._audit_loaded = None

    def _loaded_snapshot(self) -> dict[str, Any] | None:
        """The snapshot as loaded (or as last saved); None when loaded partially."""
        before: dict[str, Any] | None = getattr(self, "_audit_before", None)
        if before is None:
            loaded = getattr(self, "_audit_loaded", None)
            if loaded is not None:
                before = _snapshot_of(type(self), loaded)
        return before

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from warroom.audit.services import record

        before = snapshot(self)
        with transaction.atomic():
            record("delete", self, before=before, after=None)
            return super().delete(*args, **kwargs)

    @property
    def audit_area_path(self) -> str:
        """The area path of this record, so that auditors see their own subtree."""
        area = getattr(self, "area", None)
        return getattr(area, "path", "") if area is not None else ""

    def _stored_snapshot(self) -> dict[str, Any] | None:
        stored = type(self)._base_manager.filter(pk=self.pk).first()
        return snapshot(stored) if stored is not None else None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        # The values as loaded (one per concrete field, in order), kept as they came: the
        # snapshot is made of them only if the instance is saved (most loaded rows are only
        # read — a page, the daily cycle's 4,000 bed reports — and a snapshot of each on
        # loading cost as much as the loading). A partial load (only()/defer()) is
        # snapshotted from the database when saved.
        instance._audit_before = None
        instance._audit_loaded = None if instance.get_deferred_fields() else tuple(values)
        return instance
