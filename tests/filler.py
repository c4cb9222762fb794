"""Fill requests from the project's own descriptions: API bodies from the OpenAPI schema,
web forms from the page. Shared by the walks over every URL (the outsider test, the
provenance test), so a new endpoint is exercised without editing them.

A field that names an object takes its value from ``refs``: District A's objects
(:func:`victim_refs`) or objects that exist nowhere (:data:`MISSING_REFS`).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

from django.utils import timezone

VICTIM_CODE = "990101001001001"  # 受害小区, in District A
VICTIM_FACILITY = "VF001"  # 受害小区方舱医院, in the victim compound
VICTIM_WAREHOUSE = "WH-受害"  # District A's supplies warehouse
VICTIM_PLANT = "WP-受害"  # District A's waste disposal plant


def _today() -> str:
    return timezone.localdate().isoformat()


def victim_refs(officer: Any) -> dict[str, Any]:
    """Field values naming District A's objects (the fixture's victims)."""
    from warroom.cases.models import Person

    person = Person.objects.restrict(officer).order_by("pk").first()
    return {
        "area_code": VICTIM_CODE,
        "compound_code": VICTIM_CODE,
        "home_code": VICTIM_CODE,
        "home": VICTIM_CODE,
        "area": VICTIM_CODE,
        "code": VICTIM_CODE,
        "district_code": "990101",
        "facility_code": VICTIM_FACILITY,
        "facility": VICTIM_FACILITY,
        "warehouse": VICTIM_WAREHOUSE,
        "plant_code": VICTIM_PLANT,
        "place_code": "VICTIM-PLACE",
        "owner": "officer_a",
        "caretaker": "officer_a",
        "caretaker_user": str(officer.pk),
        "username": "officer_a",
        "person_id": person.pk,
        "person": str(person.pk),
    }


# The same fields naming objects that exist nowhere: the answer must be the same.
MISSING_REFS: dict[str, Any] = {
    "area_code": "990101009999999",
    "compound_code": "990101009999999",
    "home_code": "990101009999999",
    "home": "990101009999999",
    "area": "990101009999999",
    "code": "990101009999999",
    "district_code": "990109",
    "facility_code": "NOPE01",
    "facility": "NOPE01",
    "warehouse": "WH-NOPE",
    "plant_code": "WP-NOPE",
    "place_code": "NOPE-PLACE",
    "owner": "ghost",
    "caretaker": "ghost",
    "caretaker_user": "999999",
    "username": "ghost",
    "person_id": 999999,
    "person": "999999",
}


def _value(name: str, kind: str, refs: dict[str, Any]) -> Any:
    """A plausible value for a field: a reference from ``refs``, else by name, else type."""
    if name in refs:
        return refs[name]
    by_name: dict[str, Any] = {
        "date": _today(),
        "day": _today(),
        "deadline": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "bed_type": "SHELTER",
        "direction": "out",
        "purpose": "medical",
        "item": "米",
        "unit": "kg",
        "approve": True,
        "results": {},
        "items": [{"item": "米", "name": "米", "quantity": 1, "unit": "kg", "unit_price": 5}],
        "vulnerability": [],
        "line_ids": None,
        "kind": "elderly_alone",
        "category": "suspected",
        "status": "open",
        "phone": "13812345678",
        "duty_phone": "13812345678",
        "birth_date": "1980-01-01",
        "taken_at": timezone.now().isoformat(),
        "reported_at": timezone.now().isoformat(),
        "received_at": timezone.now().isoformat(),
        "severity": "moderate",
        "outcome": "discharged",
        "rows": [],
        "beds": [{"bed_type": "SHELTER", "occupied": 1, "capacity": 50}],
        "id_number": "",
        "id_type": "resident_id",
    }
    if name in by_name:
        return by_name[name]
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
        kind, f"walk {name}"
    )


def _body(schema: dict, components: dict, refs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    body: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type") or next(
            (a.get("type") for a in prop.get("anyOf", []) if a.get("type") != "null"), "string"
        )
        if "enum" in prop:
            body[name] = prop["enum"][0]
        elif prop.get("format") == "date":
            body[name] = _today()
        else:
            body[name] = _value(name, kind, refs)
    return body


def api_bodies(refs: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(method, path pattern): JSON body} for every API operation that takes JSON."""
    from warroom.api import api

    schema = api.get_openapi_schema()
    bodies = {}
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            content = op.get("requestBody", {}).get("content", {})
            if method == "get":
                continue
            if "application/json" in content:
                bodies[(method, path)] = _body(
                    content["application/json"]["schema"],
                    schema["components"]["schemas"],
                    refs,
                )
            elif not content:
                bodies[(method, path)] = {}
    return bodies


class Forms(HTMLParser):
    """The POST forms of a page: (action, {field: value}), filled where empty."""

    def __init__(self, refs: dict[str, Any]) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, Any]]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._refs = refs

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.forms.append((a.get("action", ""), {}))
            else:
                self.forms.append(("", {"__get__": True}))
            return
        if not self.forms or "__get__" in self.forms[-1][1] or not a.get("name"):
            return
        fields = self.forms[-1][1]
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in fields:
                    fields[name] = a.get("value", "on")
            elif kind == "file":
                return
            elif name in self._refs and kind != "hidden":
                fields[name] = str(self._refs[name])
            elif a.get("value"):
                fields[name] = a["value"]
            elif kind == "date":
                fields[name] = _today()
            elif kind == "number":
                fields[name] = "1"
            else:
                fields[name] = str(_value(name, "string", self._refs))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            if a.get("value") and (self._select not in fields or "selected" in a):
                fields[self._select] = a["value"]
        elif tag == "textarea":
            self._textarea = name
            fields[name] = "walk"

    def close(self) -> None:
        super().close()
        for _action, fields in self.forms:  # a reference wins over the page's own choice
            for name in list(fields):
                if name in self._refs and name != "csrfmiddlewaretoken":
                    fields[name] = str(self._refs[name])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def matches(pattern: str, url: str) -> bool:
    """Whether ``url`` is an instance of the OpenAPI path ``pattern``."""
    regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(pattern))
    return re.fullmatch(regex, url) is not None


def parse_forms(html: str, refs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The page's POST forms as (action, fields)."""
    parser = Forms(refs)
    parser.feed(html)
    parser.close()
    return [(action, fields) for action, fields in parser.forms if "__get__" not in fields]
