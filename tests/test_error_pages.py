"""Secure by default: no debug pages, errors in the house style, JSON under /api/.

DEBUG once defaulted to on unless WARROOM_PRODUCTION=1: a 500 showed a traceback with
local variables, and any unknown URL, even signed out, listed every URL pattern. Now DEBUG
is on only with WARROOM_DEBUG=1, ``warroom serve`` / ``warroom demo`` run without it, and
403/404/500 answer a page in the user's language (JSON with a stable code under /api/).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import path

from tests.test_settings_env import _load_settings

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("secret local value 4242")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("api/boom-outside-ninja/", _boom),
]
handler403 = "warroom.web.errors.permission_denied"
handler404 = "warroom.web.errors.page_not_found"
handler500 = "warroom.web.errors.server_error"


def _debug_of(**env: str) -> str:
    code = "import warroom.settings as s; print(s.DEBUG)"
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "WARROOM_DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_unless_a_developer_asks_for_it_by_name():
    assert _debug_of() == "False"
    assert _debug_of(DEBUG="1") == "False"  # the old, generic variable no longer turns it on
    assert _debug_of(WARROOM_DEBUG="1") == "True"


def test_production_refuses_the_development_flag():
    result = _load_settings(WARROOM_PRODUCTION="1", WARROOM_DEBUG="1", SECRET_KEY="x" * 50)
    assert result.returncode != 0 and "WARROOM_DEBUG" in result.stderr


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_unknown_page_signed_out_lists_no_urls(client, language):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-page"' in body and "warroom.css" in body
    assert "Using the URLconf" not in body and "api/" not in body and "admin/" not in body
    assert ("没有这个页面" in body) == (language == "zh-hans")
    assert ("There is no such page" in body) == (language == "en")


def test_an_unknown_api_path_answers_json(client):
    for url in ("/api/no/such/endpoint", "/api/dispatch/nothing/here", "/api/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"code": "not_found", "message": response.json()["message"]}


@override_settings(ROOT_URLCONF="tests.test_error_pages")
def test_a_500_shows_no_traceback_and_a_403_is_a_page(client):
    client.raise_request_exception = False
    page = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 500
    body = page.content.decode()
    assert "secret local value" not in body and "Traceback" not in body
    assert "it has been logged" in body
    api = client.get("/api/boom-outside-ninja/")
    assert api.status_code == 500 and api.json()["code"] == "internal_error"
    assert "secret" not in api.content.decode()
    forbidden = client.get("/forbidden/")
    assert forbidden.status_code == 403 and 'data-status="403"' in forbidden.content.decode()


def test_static_files_are_served_without_debug(client):
    from django.conf import settings

    assert settings.DEBUG is False
    from django.test import Client

    response = Client().get("/static/warroom/warroom.css")
    assert response.status_code == 200
