"""Personal data on screen: one rule and one set of masking functions (DESIGN §4).

Person-level data (names of people in the line list, of vulnerable residents) needs the
``people`` capability; ID numbers, phones and birth dates need ``personal_data`` on top.
Whoever lacks the capability sees the value masked. A model declares its personal fields
in ``personal_fields`` (attribute name → :class:`PersonalField`); the person pages, the
API schemas, the audit log and the back office all mask through :func:`mask_record` or
the ``mask_*`` functions here, so the rule cannot differ from one screen to the next.
Showing a ``personal_data`` value unmasked is itself an audited act: the caller records a
``view_personal`` event (``warroom.audit.services.record_event``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def mask_id(value: str) -> str:
    """4201**********1234: the region and the last four kept, the rest (the birth date) hidden."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_birth_date(value: str) -> str:
    """****-**-**: a birth date says as much as the middle of an ID number."""
    return "****-**-**" if value else ""


def mask_name(value: str) -> str:
    """张**: the family name kept, the given name hidden."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""


def mask_text(value: str) -> str:
    """A free text about a person (an address): hidden whole."""
    return "***" if value else ""


@dataclass(frozen=True)
class PersonalField:
    """A field of personal data: the capability that unmasks it and how it is masked.

    ``audited``: showing it in clear is an audited act and a list masks it unless asked
    (every ``personal_data`` field; a field another capability unmasks says so itself,
    e.g. an appeal's caller phone, unmasked by ``appeals``).
    """

    capability: str
    mask: Callable[[str], str]
    audited: bool = False

    @property
    def sensitive(self) -> bool:
        return self.audited or self.capability == "personal_data"


ID_NUMBER = PersonalField("personal_data", mask_id)
PHONE = PersonalField("personal_data", mask_phone)
BIRTH_DATE = PersonalField("personal_data", mask_birth_date)
ADDRESS = PersonalField("personal_data", mask_text)
NAME = PersonalField("people", mask_name)


def may_see(user: Any, capability: str) -> bool:
    return bool(user is not None and user.is_authenticated and user.can(capability))


@dataclass(frozen=True)
class Masked:
    """A record as ``user`` may see it; ``unmasked`` names the ``personal_data`` fields
    shown in clear (what the caller must audit)."""

    data: dict[str, Any]
    masked: tuple[str, ...]
    unmasked: tuple[str, ...]


def mask_record(
    fields: Mapping[str, PersonalField],
    data: Mapping[str, Any],
    user: Any,
    *,
    unmask: bool = True,
) -> Masked:
    """``data`` (field name → value) with every personal field ``user`` may not see masked.

    ``unmask=False`` masks the ``personal_data`` fields even for a user who may see them
    (a list, the back office): he asks for the clear value on purpose, and that view is
    audited. Names (``people``) are shown to whoever may see people.
    """
    out = dict(data)
    masked: list[str] = []
    unmasked: list[str] = []
    for name, spec in fields.items():
        value = out.get(name)
        if value in (None, ""):
            continue
        clear_on_request = spec.sensitive
        if may_see(user, spec.capability) and (unmask or not clear_on_request):
            if clear_on_request:
                unmasked.append(name)
            continue
        out[name] = spec.mask(str(value))
        masked.append(name)
    return Masked(out, tuple(masked), tuple(unmasked))
