"""Every URL, web and API, refuses hostile path and query values with a 4xx, never a 500.

Once, an id beyond 64 bits, a year-1 date, ``?days=10**9`` or a NUL character reached a
service and came back as a 500 (an overflow in the database driver or in date
arithmetic). The walk below covers every URL pattern of the project (so a new page is
covered without editing this file) with hostile values in the path and in the query
string, as the owner of the objects, and checks the class: never a 5xx; a value no
service can take is refused at the edge (core.edge) naming the parameter.
"""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver

from tests import test_outsider_access as outsider
from tests.test_outsider_access import NOT_ENDPOINTS, concrete_urls, walk
from warroom.accounts.services import do_create_token
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db
world = outsider.world  # the outsider walk's world: one object of every scoped model

# Query names the views and endpoints read (and a few they do not).
NAMES = [
    "area", "day", "date", "days", "page", "limit", "offset", "status", "q", "source",
    "scope", "level", "kind", "all", "percent", "since", "until", "mine", "overdue",
    "home", "next", "fmt", "zz",
]  # fmt: skip
# Values no service can take: refused at the edge whatever the parameter.
EDGE = ["99999999999999999999999", "0001-01-01", "9999-12-31T00:00:00+14:00", "2020-02-30", "\x00"]
# Values a view must answer sensibly (200, or a 4xx naming them), never with a 500.
ODD = ["1000000000", "-1", "1e309", "NaN", "' OR 1=1 --", "😷" * 300]
# Parameters that feed numbers or dates: also tried one at a time, so that a refusal of
# another parameter cannot hide a 500.
NUMERIC = ["day", "date", "days", "page", "limit", "offset", "percent"]


def _get(client, url: str, params: dict[str, str], token: str):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if url.startswith("/api/") else {}
    return client.get(url, params, **headers)


def test_hostile_query_values_never_answer_500(world, client):
    officer, _ = world
    _, token = do_create_token(officer, name="hostile", actor=SYSTEM)
    client.force_login(officer)
    urls = [url for url, _ in concrete_urls(officer)]
    assert len(urls) > 30
    refused = 0
    for url in urls:
        for value in EDGE:
            response = _get(client, url, dict.fromkeys(NAMES, value), token)
            assert response.status_code in (400, 422), (url, value, response.status_code)
            text = response.content.decode()
            assert "area:" in text or "day:" in text or "zz:" in text or "date:" in text, (
                url,
                value,
            )
            refused += 1
        for value in ODD:
            response = _get(client, url, dict.fromkeys(NAMES, value), token)
            assert response.status_code < 500, (url, value, response.content[:300])
        for name in NUMERIC:
            response = _get(client, url, {name: "1000000000"}, token)
            assert response.status_code < 500, (url, name, response.content[:300])
    assert refused > 150


def test_a_path_value_no_object_can_have_is_a_404(world, client):
    officer, _ = world
    _, token = do_create_token(officer, name="hostile", actor=SYSTEM)
    client.force_login(officer)
    checked = 0
    for route in walk(get_resolver().url_patterns):
        if route in NOT_ENDPOINTS or "(?P<" in route or "<" not in route:
            continue
        for value in ("99999999999999999999999", "%00"):
            url = "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)
            for method in ("get", "post"):
                response = getattr(client, method)(
                    url,
                    **(
                        {"HTTP_AUTHORIZATION": f"Bearer {token}"} if url.startswith("/api/") else {}
                    ),
                )
                assert response.status_code in (404, 405), (method, url, response.status_code)
                checked += 1
    assert checked > 100


# Bodies no endpoint can read or take: each is refused with a 4xx, by every endpoint.
HOSTILE_BODIES = [
    ("text/plain", b'{"note": "x"}'),
    ("application/x-www-form-urlencoded", b"note=x"),
    ("application/json", b'{"note": "\xff\xfe"}'),
    ("application/json", b'{"note": "x", "id": 99999999999999999999999}'),
    ("application/json", b'{"date": "0001-01-01", "day": "0001-01-01T00:00:00+14:00"}'),
    ("application/json", b"[" * 200 + b"]" * 200),
    ("application/json", b"{"),
]


def test_every_endpoint_refuses_a_hostile_body(world, client):
    officer, _ = world
    _, token = do_create_token(officer, name="hostile", actor=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    from warroom.api import api

    # The operations that take a JSON body, by the schema (a new one is covered as added).
    takes_json = [
        (re.compile(re.sub(r"\{\w+\}", "[^/]+", path) + "/?$"), method.upper())
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method, op in operations.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]
    checked = 0
    for url, _ in concrete_urls(officer):
        for method in ("POST", "PATCH"):
            if not any(p.match(url) and m == method for p, m in takes_json):
                continue
            for content_type, body in HOSTILE_BODIES:
                response = client.generic(method, url, body, content_type=content_type, **auth)
                assert response.status_code in (400, 403, 404, 405, 415, 422), (
                    method,
                    url,
                    content_type,
                    body[:40],
                    response.status_code,
                    response.content[:200],
                )
                checked += 1
    assert checked > 100
