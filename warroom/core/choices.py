"""Labelled string enumerations for model choices, visible to mypy.

Django's ``TextChoices`` is opaque to mypy without the Django stubs (its members look
like tuples), so the apps use this small equivalent: members are ``str``, carry a
lazy ``label``, and the class offers ``choices()`` and ``values()`` for model fields.
"""

from __future__ import annotations

import enum
from typing import Any


class LabelledChoices(enum.StrEnum):
    label: Any

    def __new__(cls, value: str, label: Any = None) -> LabelledChoices:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]
