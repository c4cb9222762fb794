"""Stored audit messages in the reader's language.

The log is sealed (every field of an entry is under its HMAC), so a stored message is
never rewritten: it stays in English as its writer formatted it. Each known form is listed
here once, as a gettext message with named placeholders; :func:`describe` reads an
entry's stored text back against these forms and answers it in the active language, the
placeholders' values carried over (codes of the logged model's choices, such as a status,
by their labels). A text of no known form is answered by a generic line naming the action
and the object (its stored text stays readable in the export, as written).

A writer that adds a new message adds its form here (and its zh_Hans translation); the
audit test walks every form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class Form:
    """One stored form: its template (a msgid) and, per placeholder, the logged model's
    field whose choices name the value (``status``: a status code shown by its label)."""

    template: str
    choices: Mapping[str, str]
    pattern: re.Pattern[str]


def _form(template: str, **choices: str) -> Form:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return Form(template, choices, re.compile(f"^{regex}$", re.S))


# The forms, as the writers format them (most specific first where two could match).
FORMS: tuple[Form, ...] = (
    _form(gettext_noop("viewed the ID number and phone of person #%(id)s")),
    _form(gettext_noop("phone of vulnerable resident %(id)s")),
    _form(gettext_noop("phone of medical-care request %(id)s")),
    _form(gettext_noop("caller of appeal %(number)s")),
    _form(gettext_noop("viewed personal data in audit entries %(entries)s and %(more)s more")),
    _form(gettext_noop("viewed personal data in audit entries %(entries)s")),
    _form(gettext_noop("%(user)s signed in")),
    _form(gettext_noop("%(user)s signed out")),
    _form(gettext_noop("failed sign-in as %(name)s")),
    _form(gettext_noop("platform day real time")),
    _form(gettext_noop("platform day %(day)s (%(label)s %(step)s/%(steps)s)")),
    _form(gettext_noop("platform day %(day)s")),
    _form(gettext_noop("clearance %(day)s: %(backlogs)s"), backlogs="{duty}"),
    _form(gettext_noop("line-list aggregates %(day)s")),
    _form(gettext_noop("quality %(day)s: %(found)s found, %(new)s new, %(resolved)s resolved")),
    _form(
        gettext_noop("certification recomputed for %(day)s: %(certified)s of %(n)s areas certified")
    ),
    _form(gettext_noop("%(code)s and %(n)s ancestors decertified on %(day)s: %(reason)s")),
    _form(gettext_noop("%(code)s reopened: %(n)s compounds open")),
    _form(gettext_noop("proposal #%(id)s: %(placed)s placed, %(refused)s refused")),
    _form(gettext_noop("appeal %(number)s escalated to %(code)s")),
    _form(gettext_noop("%(n)s appeals filed")),
    _form(gettext_noop("%(n)s appeals escalated")),
    _form(gettext_noop("%(n)s appeals answered")),
    _form(gettext_noop("%(n)s appeals called back")),
    _form(
        gettext_noop(
            "%(kind)s: %(rows)s results, %(positive)s positive (%(new)s new suspected) "
            "from %(file)s"
        )
    ),
    _form(gettext_noop("level %(old)s -> %(new)s: %(reason)s"), old="level", new="level"),
    _form(gettext_noop("%(plant)s %(tonnes)s t/day from %(day)s")),
    _form(gettext_noop("#%(duplicate)s merged into #%(keep)s")),
    _form(gettext_noop("person #%(id)s: %(note)s")),
    _form(gettext_noop("receipt %(item)s %(quantity)s at %(place)s")),
    _form(gettext_noop("transfer %(item)s %(quantity)s %(source)s→%(target)s")),
    _form(gettext_noop("issue %(item)s %(quantity)s at %(place)s")),
    _form(gettext_noop("count at %(place)s")),
    _form(gettext_noop("donation %(id)s accepted")),
    _form(gettext_noop("allocation %(id)s confirmed")),
    _form(
        gettext_noop(
            "%(kind)s: %(created)s created, %(updated)s updated, %(transitions)s transitions "
            "from %(file)s"
        )
    ),
    _form(
        gettext_noop(
            "%(kind)s: %(created)s created, %(updated)s updated, %(changes)s capacity changes "
            "from %(file)s"
        )
    ),
    _form(gettext_noop("%(kind)s: %(created)s created, %(updated)s updated from %(file)s")),
    _form(gettext_noop("%(kind)s: %(created)s created, %(updated)s updated")),
    _form(gettext_noop("%(kind)s: %(n)s treatment records from %(file)s")),
    _form(gettext_noop("%(kind)s: %(n)s inspections, %(tasks)s rectification tasks from %(file)s")),
    _form(gettext_noop("%(kind)s: %(n)s closure statuses from %(file)s")),
    _form(gettext_noop("waste generated: %(n)s rows from %(file)s")),
    _form(gettext_noop("waste disposed: %(n)s rows from %(file)s")),
    _form(gettext_noop("%(n)s movements from %(file)s")),
    _form(gettext_noop("severity")),
    _form(gettext_noop("%(way)s: %(source)s → %(target)s"), source="bed_type", target="bed_type"),
    # Actions whose message is one value (a code of the model's choices, or a note).
    _form(gettext_noop("isolation: %(isolation)s"), isolation="isolation"),
    _form(gettext_noop("outcome: %(outcome)s"), outcome="outcome"),
    _form(gettext_noop("note: %(note)s")),
)
# The stored text of these actions is one value; it is read as "<prefix><value>".
PREFIXES = {"isolate": "isolation: ", "end": "outcome: ", "place": "note: "}

# Transitions are stored as "source → target (reason)" steps joined by "; ".
TRANSITION_STEP = re.compile(r"^(?P<source>\S+) → (?P<target>\S+)(?: \((?P<reason>.*)\))?$", re.S)


@cache
def _choices(object_type: str, field: str) -> dict[str, Any]:
    try:
        model = apps.get_model(object_type)
        return {str(k): v for k, v in model._meta.get_field(field).flatchoices}
    except (LookupError, ValueError, AttributeError, TypeError, FieldDoesNotExist):
        return {}


def _label(object_type: str, field: str, code: str) -> str:
    label = _choices(object_type, field).get(code)
    return str(label) if label is not None else code


# Where an act came from (``ActingContext.source``), by its name.
SOURCES = {
    "web": gettext_noop("web"),
    "api": gettext_noop("API"),
    "cli": gettext_noop("command line"),
    "system": gettext_noop("system"),
    "twin": gettext_noop("digital twin"),
    "daily": gettext_noop("daily cycle"),
    "job": gettext_noop("background job"),
}


def source_label(source: str) -> str:
    """An entry's source in the reader's language (the stored code otherwise)."""
    return gettext(SOURCES[source]) if source in SOURCES else source


def object_type_label(object_type: str) -> str:
    """The logged model's name in the reader's language (the stored label otherwise)."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _transitions(object_type: str, text: str) -> str | None:
    steps = []
    for part in text.split("; "):
        m = TRANSITION_STEP.match(part)
        if m is None:
            return None
        source = "∅" if m["source"] == "∅" else _label(object_type, "status", m["source"])
        step = gettext("%(source)s → %(target)s") % {
            "source": source,
            "target": _label(object_type, "status", m["target"]),
        }
        if m["reason"]:
            step += gettext(" (%(reason)s)") % {"reason": m["reason"]}
        steps.append(step)
    return "; ".join(steps)


# A stored mapping of codes to counts, as Python writes a dict: "{'admit': 5, 'treat': 0}".
_MAPPING = re.compile(r"^\{(?:'[^']*': -?\d+(?:, )?)*\}$")
_PAIR = re.compile(r"'([^']*)': (-?\d+)")


def _value(object_type: str, field: str, text: str) -> str:
    """A placeholder's value in the reader's language: a code by its label (``field``), or,
    for ``{field}``, a stored mapping of codes to counts as "label count" pairs."""
    if field.startswith("{") and field.endswith("}"):
        if not _MAPPING.match(text):
            return text
        return " · ".join(
            f"{_label(object_type, field[1:-1], code)} {count}"
            for code, count in _PAIR.findall(text)
        )
    return _label(object_type, field, text)


def _known(action: str, object_type: str, text: str) -> str | None:
    if action == "transition":
        return _transitions(object_type, text)
    text = PREFIXES.get(action, "") + text
    for form in FORMS:
        m = form.pattern.match(text)
        if m is not None:
            values = {
                k: _value(object_type, form.choices[k], v) if k in form.choices else v
                for k, v in m.groupdict().items()
            }
            return gettext(form.template) % values
    return None


def describe(entry: Any) -> str:
    """The entry's stored message in the active language (``""`` for an entry with none)."""
    text = entry.message or ""
    if not text:
        return ""
    known = _known(entry.action, entry.object_type, text)
    if known is not None:
        return known
    label = getattr(entry, "action_label", entry.action)
    return gettext("%(action)s: %(object)s %(id)s (recorded text kept in the export)") % {
        "action": label,
        "object": object_type_label(entry.object_type),
        "id": f"#{entry.object_id}" if entry.object_id else "",
    }
