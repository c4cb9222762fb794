"""Migration operations for a change of labels only, without re-rendering the models.

Django's ``AlterField`` and ``AlterModelOptions`` re-render, in the migration's state, the
model and every model related to it (``ProjectState.reload_model``): for a model with a
key to the areas or the users, nearly all of the platform's models. The migrations that
only named the fields and models for people (``*_verbose_names``: 257 operations) cost
about 30 s of the 54 s of ``migrate`` on an empty PostgreSQL database (docs/performance.md),
every time one is created (the demo's set-up, before it serves, and every test database)
— all of it Python, none SQL.

:class:`RelabelField` and :class:`RelabelModel` are those two operations. When the change
is one of labels only (a field's ``verbose_name`` or ``help_text``; a model's
``verbose_name``, ``verbose_name_plural``), the model state is changed but the rendered
models are left as they are: a label changes no column and no query, and a later
operation that needs the model renders it again from its state, labels included. Any
other change is carried out exactly as by the operation it extends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import migrations

FIELD_LABELS = frozenset({"verbose_name", "help_text"})
MODEL_LABELS = frozenset({"verbose_name", "verbose_name_plural"})


@contextmanager
def _unrendered(state: Any) -> Iterator[None]:
    """``state`` seen as not rendered: ``reload_model`` re-renders nothing meanwhile."""
    apps = state.__dict__.pop("apps", None)
    try:
        yield
    finally:
        if apps is not None:
            state.__dict__["apps"] = apps


def _but_labels(field: Any) -> tuple[Any, ...]:
    _name, path, args, kwargs = field.deconstruct()
    return path, args, {k: v for k, v in kwargs.items() if k not in FIELD_LABELS}


class RelabelField(migrations.AlterField):
    """``AlterField`` that re-renders nothing when only the field's labels change."""

    def _labels_only(self, app_label: str, state: Any) -> bool:
        model = state.models.get((app_label, self.model_name_lower))
        old = None if model is None else model.fields.get(self.name)
        return (
            old is not None
            and self.preserve_default
            and _but_labels(old) == _but_labels(self.field)
        )

    def state_forwards(self, app_label: str, state: Any) -> None:
        if not self._labels_only(app_label, state):
            super().state_forwards(app_label, state)
            return
        with _unrendered(state):
            super().state_forwards(app_label, state)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not self._labels_only(app_label, from_state):  # (labels: no SQL)
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class RelabelModel(migrations.AlterModelOptions):
    """``AlterModelOptions`` that re-renders nothing when only the model's names change."""

    def state_forwards(self, app_label: str, state: Any) -> None:
        old = state.models[app_label, self.name_lower].options
        changed = {key for key in self.ALTER_OPTION_KEYS if old.get(key) != self.options.get(key)}
        if not changed <= MODEL_LABELS:
            super().state_forwards(app_label, state)
            return
        with _unrendered(state):
            super().state_forwards(app_label, state)
