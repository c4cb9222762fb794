"""Words the platform stores, in the reader's language — one door.

A sentence the platform writes into a record (a signal's message, a task it opens, a
step's reason, a notification) is read later by people of either language. Formatted at
writing time it would be in whatever language the writer's thread had active (the daily
cycle, an import, a request), so it is stored as :class:`Worded`: the message id (the
English msgid, marked with ``gettext_noop`` at the call site so that ``make messages``
extracts it) and its values, as JSON in the record's ``<field>_words`` column. It is
rendered when read, in the reader's language (:func:`render`, :func:`shown`, a model's
``<field>_shown`` attribute declared with :class:`Shown`).

A value is a number, a text (a user's free text, a code: shown as it is), a nested
:class:`Worded` (a label of a choice: its msgid, see :func:`label`) or :class:`Names`
(an area's name in each language, see :func:`area_name`).

The record's text column keeps the sentence rendered in the platform's default language
(``LANGUAGE_CODE``), whatever the writer's: searches, the admin and older readers see a
stable text, and a record written before its words were stored (``<field>_words`` null)
is shown as its text, as it was written. User-entered free text has no words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop, trans_real

Value = Any  # int | float | str | Worded | Names


@dataclass(frozen=True)
class Names:
    """A name given in each language (an area's ``name_zh`` and ``name_en``); the reader's
    language picks one, Chinese when there is no English."""

    zh: str
    en: str = ""

    def in_language(self, language: str) -> str:
        return self.en if language.startswith("en") and self.en else self.zh


@dataclass(frozen=True)
class Worded:
    """A sentence as a message id (English msgid) and its values."""

    msgid: str
    values: Mapping[str, Value] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The form stored in a ``<field>_words`` column (and answered by the API)."""
        out: dict[str, Any] = {"id": self.msgid}
        if self.values:
            values = self.values
            if _plain(values):  # (an import's row: numbers and texts, taken as they are)
                out["values"] = dict(values)
            else:
                out["values"] = {k: _value_json(v) for k, v in values.items()}
        return out

    @classmethod
    def from_json(cls, data: Any) -> Worded | None:
        """The stored form read back (None for a record with no words)."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        values = data.get("values") or {}
        return cls(data["id"], {k: _value_from_json(v) for k, v in values.items()})

    def __str__(self) -> str:
        return render(self)


def say(msgid: str, **values: Value) -> Worded:
    """A sentence to store: ``say(gettext_noop("%(area)s: %(n)s waiting."), area=..., n=3)``."""
    return Worded(msgid, values)


# Parts put together: sentences one after another, items of a list (Chinese: 、).
SENTENCES = gettext_noop("%(first)s %(then)s")
ITEMS = gettext_noop("%(first)s, %(then)s")


def joined(parts: Sequence[Worded | str], msgid: str = SENTENCES) -> Worded | str:
    """Sentences (or, with ``ITEMS``, the items of a list) put together as one text to
    store, each part rendered in the reader's language: nested ``msgid`` words; a single
    part is itself, no part an empty text."""
    if not parts:
        return ""
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = Worded(msgid, {"first": part, "then": out})
    return out


def label(lazy: Any) -> Worded:
    """A lazily translated label (a choice's ``.label``, a ``gettext_lazy`` constant) as its
    msgid, so that it is translated with the sentence that holds it."""
    if isinstance(lazy, Worded):
        return lazy
    with translation.override(None):  # no catalogue: a lazy text gives its msgid
        return Worded(str(lazy))


def area_name(area: Any) -> Names:
    """An area's name in both languages (shown in the reader's)."""
    return Names(area.name_zh, area.name_en or "")


def _value_json(value: Value) -> Any:
    if isinstance(value, Worded):
        return value.as_json()
    if isinstance(value, Names):
        return {"names": {"zh": value.zh, "en": value.en}}
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)  # a date, a Decimal: as it is formatted


def _value_from_json(data: Any) -> Value:
    if isinstance(data, dict):
        if "names" in data:
            names = data["names"] or {}
            return Names(str(names.get("zh", "")), str(names.get("en", "")))
        return Worded.from_json(data) or ""
    return data


def _render_value(value: Value, language: str) -> Any:
    if isinstance(value, Worded):
        return _render(value, language)
    if isinstance(value, Names):
        return value.in_language(language)
    return value


@functools.lru_cache(maxsize=4096)
def _template(language: str, msgid: str) -> str:
    """``msgid`` in ``language``'s catalogue, read without activating the language (an
    import renders one reason per row: no activation per row)."""
    if not settings.USE_I18N:
        return msgid
    return str(trans_real.translation(language).gettext(msgid))


_PLAIN = frozenset({int, float, str})


def _plain(values: Mapping[str, Value]) -> bool:
    return all(type(v) in _PLAIN for v in values.values())


def _render(worded: Worded, language: str) -> str:
    template = _template(language, worded.msgid)
    values = worded.values
    if not _plain(values):
        values = {k: _render_value(v, language) for k, v in values.items()}
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        # A catalogue out of step with the stored values: the message id itself.
        try:
            return worded.msgid % values
        except (KeyError, ValueError, TypeError):
            return worded.msgid


def render(worded: Worded, language: str | None = None) -> str:
    """The sentence in ``language`` (the active language by default)."""
    return _render(worded, language or translation.get_language() or settings.LANGUAGE_CODE)


def stored_text(worded: Worded | str, max_length: int | None = None) -> str:
    """The text to keep in the record's text column: the sentence in the platform's default
    language, whatever the writer's (a plain text as it is)."""
    text = worded if isinstance(worded, str) else render(worded, settings.LANGUAGE_CODE)
    return text[:max_length] if max_length is not None else text


def words_of(worded: Worded | str) -> dict[str, Any] | None:
    """The value of a ``<field>_words`` column: None for a plain (user's) text."""
    return worded.as_json() if isinstance(worded, Worded) else None


def shown(text: str, words: Any, language: str | None = None) -> str:
    """A stored field in the reader's language: its words rendered, or, for a record
    without words (user text, or written before words were stored), its text as it is."""
    worded = Worded.from_json(words)
    return text if worded is None else render(worded, language)


class Shown:
    """A model attribute: the field ``name`` in the active language (``message_shown =
    Shown("message")`` reads ``message`` and ``message_words``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return shown(getattr(obj, self.name), getattr(obj, f"{self.name}_words", None))


# --- records written before their words were stored --------------------------------------


@functools.lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(
        re.escape(p.replace("%%", "%")) if i % 2 == 0 else f"(?P<{p}>.+?)"
        for i, p in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.S)


def parse(
    text: str,
    msgids: Sequence[str],
    languages: Sequence[str] = ("en", "zh-hans"),
    names: Mapping[str, Names] | None = None,
) -> Worded | None:
    """A stored text read back as the words of one of ``msgids``, as any of ``languages``
    formats it (the data migrations' reading of texts written before words were stored),
    or None if none matches. A value is kept as the text it was (a whole number as a
    number); a value named ``area`` found in ``names`` (names in Chinese) becomes the
    area's :class:`Names`. Messages whose values were labels keep the label as written."""
    for msgid in msgids:
        for language in languages:
            m = _pattern(_template(language, msgid)).match(text)
            if m is None:
                continue
            values: dict[str, Value] = {}
            for key, value in m.groupdict().items():
                if key == "area" and names is not None and value in names:
                    values[key] = names[value]
                else:
                    number = value.isdigit() and len(value) < 16 and str(int(value)) == value
                    values[key] = int(value) if number else value
            return Worded(msgid, values)
    return None


def fill_words(
    model: Any,
    field: str,
    msgids: Sequence[str],
    *,
    among: Any = None,
    names: Mapping[str, Names] | None = None,
    batch: int = 2000,
) -> int:
    """A data migration's step: the rows of ``model`` (a historical model) whose ``field``
    has no words yet and reads as one of ``msgids`` (:func:`parse`) get their words; the
    others keep their text, shown as written. ``among``: a ``Q`` narrowing the rows read.
    Returns how many rows were given words."""
    words_field = f"{field}_words"
    rows = model.objects.filter(**{f"{words_field}__isnull": True}).exclude(**{field: ""})
    if among is not None:
        rows = rows.filter(among)
    done, changed = 0, []
    for pk, text in rows.order_by().values_list("pk", field).iterator(chunk_size=batch):
        worded = parse(text, msgids, names=names)
        if worded is None:
            continue
        changed.append(model(pk=pk, **{words_field: worded.as_json()}))
        if len(changed) >= batch:
            model.objects.bulk_update(changed, [words_field])
            done, changed = done + len(changed), []
    if changed:
        model.objects.bulk_update(changed, [words_field])
        done += len(changed)
    return done


def area_names(apps: Any) -> dict[str, Names]:
    """Every area's names by its Chinese name (for :func:`fill_words`)."""
    area = apps.get_model("geo", "Area")
    return {zh: Names(zh, en or "") for zh, en in area.objects.values_list("name_zh", "name_en")}


# --- texts stored as they were written, recognised -------------------------------------------

_NAMED_ONLY = re.compile(r"%(?!\(\w+\)s|%)")  # any placeholder but %(name)s (and %%)
_LITERAL = 6  # a message whose own text is shorter matches too much to tell


def _once_each(template: str) -> bool:
    names = re.findall(r"%\((\w+)\)s", template)
    return len(names) == len(set(names))


@functools.lru_cache(maxsize=4)
def _catalogue_index(
    language: str,
) -> tuple[dict[str, str], tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]]:
    """The catalogue's messages: the fixed ones by their text in either language, and the
    ones with values (``%(name)s`` only, enough text of their own), the most specific
    first."""
    catalog = trans_real.translation(language)._catalog
    fixed: dict[str, str] = {}
    with_values: list[tuple[str, str]] = []  # (msgid, msgstr)
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid or "\x04" in msgid:
            continue  # a plural form, a message with a context, the header
        if "%" not in msgid:
            fixed.setdefault(msgid, msgid)
            fixed.setdefault(str(msgstr), msgid)
        elif not _NAMED_ONLY.search(msgid) and _once_each(msgid) and _once_each(str(msgstr)):
            literal = re.sub(r"%\(\w+\)s", "", msgid)
            if len(literal.strip()) >= _LITERAL:
                with_values.append((msgid, str(msgstr)))
    with_values.sort(key=lambda m: -len(re.sub(r"%\(\w+\)s", "", m[0])))
    compiled = tuple(
        (msgid, tuple(_pattern.__wrapped__(t) for t in dict.fromkeys((msgid, msgstr)) if t))
        for msgid, msgstr in with_values
    )
    return fixed, compiled


def recognise(text: str, language: str = "zh-hans") -> Worded | None:
    """A text the platform stored as it was written (a message rendered in its writer's
    language: English or ``language``), read back as the words of the catalogue's message
    it is, or None. For the few records whose writers render before storing (an import's
    row reasons, a job's error): shown then in the reader's language."""
    if not text or not settings.USE_I18N:
        return None
    fixed, with_values = _catalogue_index(language)
    msgid = fixed.get(text)
    if msgid is not None:
        return Worded(msgid)
    for msgid, patterns in with_values:
        for pattern in patterns:
            m = pattern.match(text)
            if m is not None:
                values: dict[str, Value] = {}
                for key, value in m.groupdict().items():
                    number = value.isdigit() and len(value) < 16 and str(int(value)) == value
                    values[key] = int(value) if number else value
                return Worded(msgid, values)
    return None
