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
    placeholders, titles, labels and button values."""

    HIDDEN = {"script", "style", "pre", "code", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        for k, v in attrs:
            if k in ("placeholder", "title", "aria-label", "alt") and v:
                self.parts.append(v)
            if k == "value" and tag in ("button",) and v:
                pass

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
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
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")


def english_words(text: str) -> list[str]:
    """Latin words of three letters or more that are not on the allow-list (an area code
    like 420102, a username or an ID number are not words)."""
    return [w for w in WORD.findall(text) if w not in ALLOWED and not w.isupper()]
