"""Walk every page of the project as one user: each URL pattern, its parameters filled with
objects that user may see (the pattern is skipped when he sees none), GET only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from django.apps import apps
from django.urls import get_resolver

from tests.test_outsider_access import VICTIM_PARAMS, walk

# Patterns that are no page: the admin's catch-all, downloads, the API, htmx fragments.
SKIP = re.compile(
    r"^(admin/\(\?P<url>|api/|i18n/|accounts/logout|.*\.(xlsx|csv|pdf|docx|json|<str:fmt>)$"
    r"|.*/download/$|tasks/<int:task_id>/evidence/)"
)
OBJECT_PARAMS = {
    **VICTIM_PARAMS,
    "person_id": ("cases", "person"),
    "sample_id": ("cases", "sample"),
    "reservation_id": ("beds", "bedreservation"),
}


def _latest(user, app_label: str, model_name: str):
    model = apps.get_model(app_label, model_name)
    manager = model._default_manager
    qs = manager.restrict(user) if hasattr(manager, "restrict") else manager.none()
    return qs.order_by("pk").last()


def pages(user, *, day: str, facility: str | None) -> Iterator[str]:
    """Every GET page ``user`` may open, parameters filled from what he sees."""
    for route in walk(get_resolver().url_patterns):
        if SKIP.match(route):
            continue
        if "(?P<app_label>" in route:
            if user.can("admin"):
                for label in re.search(r"\(\?P<app_label>([^)]*)\)", route).group(1).split("|"):
                    yield "/admin/" + label + "/"
            continue
        if route.startswith("admin/") and not user.can("admin"):
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values: dict[str, str] = {}
        admin_model = re.match(r"admin/(\w+)/(\w+)/<", route)
        for name in params:
            if name in ("code", "area_code"):
                values[name] = user.area.code
            elif name == "day":
                values[name] = day
            elif name == "object_id" and admin_model:
                obj = _latest(user, *admin_model.groups())
                if obj is None:
                    break
                values[name] = str(obj.pk)
            elif name == "facility_code":
                if facility is None:
                    break
                values[name] = facility
            elif name in OBJECT_PARAMS:
                obj = _latest(user, *OBJECT_PARAMS[name])
                if obj is None:
                    break
                values[name] = str(obj.pk)
            elif name == "content_type_id":
                break
        else:
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: v[m.group(1)], route)


class _Text(HTMLParser):
    """The text a reader sees: no script, style or pre (JSON of the audit log), plus the
    placeholders, titles, labels and button values; nor the text inside an element marked
    ``data-stored`` or ``translate="no"`` (stored records shown as written: an object's
    name, the before/after of the audit log), so the chrome around them is still checked."""

    HIDDEN = {"script", "style", "pre", "code", "template"}
    VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._stored: list[str] = []  # the open elements since a stored one began

    def handle_starttag(self, tag, attrs):
        if self._stored:
            if tag not in self.VOID:
                self._stored.append(tag)
            return
        named = dict(attrs)
        if "data-stored" in named or named.get("translate") == "no":
            if tag not in self.VOID:
                self._stored.append(tag)
            return
        if tag in self.HIDDEN:
            self._hidden += 1
        for k, v in attrs:
            if k in ("placeholder", "title", "aria-label", "alt") and v:
                self.parts.append(v)

    def handle_endtag(self, tag):
        if self._stored:
            if tag in self._stored:  # close up to the matching tag (forgiving HTML)
                while self._stored.pop() != tag:
                    pass
            return
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and not self._stored:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


# Words that may stay in Latin letters in the Chinese interface: codes, units, formats,
# proper names and the language switch.
ALLOWED = {
    "warroom",
    "English",
    "Rt",
    "ICU",
    "CSV",
    "Excel",
    "PDF",
    "Word",
    "HTML",
    "API",
    "UTF",
    "GBK",
    "BOM",
    "JSON",
    "SHA",
    "HMAC",
    "km",
    "ID",
    "GB",
    "CT",
    "PCR",
    "IgM",
    "IgG",
    "EpiEstim",
    "R",
    "OpenAPI",
    "Swagger",
    "GeoJSON",
    "ECharts",
    "htmx",
    "SMS",
    "MB",
    "KB",
    "xlsx",
    "csv",
    "docx",
    "pdf",
    "html",
    "wuhan",
    "Wuhan",
    "SARS",
    "CoV",
    "COVID",
    "nCoV",
    "hq",
    "analyst",
    "dispatcher",
    "district",
    "district2",
    "street",
    "community",
    "grid",
    "hotline",
    "logistics",
    "supervisor",
    "auditor",
    "admin",
    "web",
    "api",
    "cli",
    "system",
    "Lab",
    "Asia",
    "Shanghai",
    "UTC",
    "AM",
    "PM",
    "No",
}
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’._-]*")
HEX = re.compile(r"[a-f0-9]{3,}")  # a fragment of a hash (the audit chain, the anchor)


def data_words() -> set[str]:
    """Proper names and sources the data holds in Latin letters (the demo facilities'
    names and sources, the areas' English names): data, not the interface."""
    from warroom.beds.models import Facility
    from warroom.geo.models import Area

    words: set[str] = set()
    for row in Facility.objects.values_list("name", "source", "notes"):
        for text in row:
            words.update(WORD.findall(text or ""))
    for name in Area.objects.exclude(name_en="").values_list("name_en", flat=True):
        words.update(WORD.findall(name))
    return words


def english_words(text: str, allowed: set[str] = frozenset()) -> list[str]:
    """Latin words of three letters or more that are not on the allow-list. A code is not
    a word: anything with a digit, ``_`` or ``.`` (``area_code``, ``beds.bedreport``,
    ``420102``), a hash fragment, a lowercase hyphenated kind (``cases-line-list``)."""
    out = []
    for w in WORD.findall(text):
        w = w.strip("'’.-")
        if len(w) < 3 or w in ALLOWED or w in allowed or w.isupper():
            continue
        if any(c.isdigit() for c in w) or "_" in w or "." in w or HEX.fullmatch(w):
            continue
        if "-" in w and w.islower():
            continue
        out.append(w)
    return out
