"""Validation of a person's identity, text and home, shared by the form, the API and
the imports.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db.models import Q
from django.utils.translation import gettext as _

from warroom.cases.identity import validate_phone, validate_resident_id
from warroom.cases.models import (
    IdType,
    Person,
    Sex,
    Vulnerability,
)
from warroom.core.errors import Conflict, InvalidInput
from warroom.core.reasons import reason as translated_reason
from warroom.geo.models import Area

# --- validation -------------------------------------------------------------------------


def clean_identity(id_type: str, id_number: str, phone: str) -> tuple[str, str]:
    """Normalised (id_number, phone); ``InvalidInput`` naming the field otherwise."""
    if id_type not in IdType.values():
        raise InvalidInput(f"unknown ID type {id_type!r}", details={"field": "id_type"})
    number = id_number.strip().upper()
    if len(number) > 32:
        raise InvalidInput("ID number: at most 32 characters", details={"field": "id_number"})
    if number and id_type == IdType.RESIDENT:
        try:
            number = validate_resident_id(number)
        except ValueError as exc:
            raise InvalidInput(
                _("ID number: %(reason)s") % {"reason": translated_reason(exc)},
                details={"field": "id_number"},
            ) from None
    cleaned_phone = ""
    if phone.strip():
        try:
            cleaned_phone = validate_phone(phone)
        except ValueError as exc:
            raise InvalidInput(
                _("phone: %(reason)s") % {"reason": translated_reason(exc)},
                details={"field": "phone"},
            ) from None
    return number, cleaned_phone


def check_text(**values: str | None) -> None:
    """Refuse text longer than its column (a database error would be a 500 on PostgreSQL)."""
    for name, value in values.items():
        limit = _limit(name)
        if value is not None and limit is not None and len(value) > limit:
            raise InvalidInput(f"{name}: at most {limit} characters", details={"field": name})


_PERSON_TEXT = {"name", "workplace", "facility"}
_LIMITS = {"lab": 200, "code": 64}


@functools.cache
def _limit(name: str) -> int | None:
    """A text's column size, looked up once (every state change checks its facility)."""
    return Person._meta.get_field(name).max_length if name in _PERSON_TEXT else _LIMITS[name]


def check_choices(*, sex: str | None = None, vulnerability: Sequence[str] = ()) -> None:
    if sex is not None and sex not in Sex.values():
        raise InvalidInput(f"unknown sex {sex!r}", details={"field": "sex"})
    unknown = set(vulnerability) - set(Vulnerability.values())
    if unknown:
        raise InvalidInput(
            f"unknown vulnerability {', '.join(sorted(unknown))}",
            details={"field": "vulnerability"},
        )


# Where people live: a compound, or a village (a community of kind "village", which has
# no compounds below it).
HOME_AREAS = Q(level="compound") | Q(level="community", kind="village")


def is_home_area(area: Area) -> bool:
    return area.level == "compound" or (area.level == "community" and area.kind == "village")


def require_compound(area: Area) -> None:
    if not is_home_area(area):
        raise InvalidInput(
            f"a person's home is a compound or a village; {area.code} is a {area.level}",
            details={"field": "home"},
        )


def duplicate_of(id_type: str, id_number: str, *, exclude: int | None = None) -> Person | None:
    if not id_number:
        return None
    qs = Person.objects.filter(id_type=id_type, id_number=id_number)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def _duplicate_error(existing: Person) -> Conflict:
    return Conflict(
        f"this ID number is already registered: person #{existing.pk}",
        code="duplicate",
        details={"person_id": existing.pk},
    )
