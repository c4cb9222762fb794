"""Every response carries a Content-Security-Policy; no page needs inline script.

The browser tests (tests/browser.py) fail on any resource the policy blocks, on the real
pages; these check the header on every kind of response and that no template carries an
inline script or event handler that the policy would block.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import warroom

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d for d in (p.strip() for p in policy.split(";")) if d}


def test_every_kind_of_response_carries_the_policy(client, hq):
    urls = ["/accounts/login/", "/no/such/page/", "/api/docs", "/api/openapi.json", "/api/me"]
    client.force_login(hq)
    urls += ["/situation/", "/admin/", "/static/warroom/warroom.css"]
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        d = _directives(response)
        assert d["script-src"] == "script-src 'self'", url
        assert "'unsafe-inline'" not in d["script-src"] and "'unsafe-eval'" not in d["script-src"]
        assert d["frame-ancestors"] == "frame-ancestors 'none'" and "object-src" in d


def test_the_api_docs_come_from_the_platform_not_a_cdn(client):
    page = client.get("/api/docs").content.decode()
    assert "cdn." not in page and "/static/ninja/" in page


INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+=", re.I)


def test_no_template_has_inline_script_or_event_handlers():
    root = Path(warroom.__file__).parent
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        for n, line in enumerate(template.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(root)}:{n}: {line.strip()[:80]}")
    assert not offenders, "inline script is blocked by the policy:\n" + "\n".join(offenders)
