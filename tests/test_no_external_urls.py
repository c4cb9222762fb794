"""No CDN, no external URL in any served HTML or JS (README, issue 16).

Every page of the project (walked as headquarters over the small city with case records)
and the API docs are read: no ``src``, ``href``, ``action``, ``srcset`` or CSS ``url()``
points to another host. Every script and stylesheet they load is opened from the static
files, following ES module imports: the platform's own scripts hold no http(s) URL at all;
third-party bundles (ECharts, htmx, Swagger UI) hold only the identifiers and links below,
which are never requested (XML namespaces, specification ids, licence and help links) —
the browser test of the twelve roles records every request and finds none leaving.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import PASSWORD
from tests.roles.walk import pages

pytestmark = pytest.mark.django_db

URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)<>]*""")
# In third-party bundles only: strings that are identifiers or links for people.
NEVER_REQUESTED = {
    "base",  # new URL(path, "http://base"): a placeholder base, never fetched
    "localhost",
    "www.quirksmode.org",
    "youmightnotneedjquery.com",
    "vladimirgorej.com",
    "redux.js.org",
    "spdx.org",
    "soundcloud.com",
    "www.w3.org",
    "w3.org",
    "www.apache.org",
    "github.com",
    "datatracker.ietf.org",
    "www.rfc-editor.org",
    "spec.openapis.org",
    "json-schema.org",
    "swagger.io",
    "validator.swagger.io",
    "twitter.com",
    "instagram.com",
    "www.tiktok.com",
    "tiktok.com",
    "www.youtube.com",
    "youtube.com",
    "facebook.com",
    "www.facebook.com",
    "linkedin.com",
    "www.linkedin.com",
    "example.com",
    "www.example.com",
    "petstore.swagger.io",
    "echarts.apache.org",
    "htmx.org",
    "tools.ietf.org",
    "developer.mozilla.org",
    "fb.me",
    "reactjs.org",
    "react.dev",
    "mths.be",
    "feross.org",
    "npms.io",
    "www.npmjs.com",
    "npmjs.com",
    "opensource.org",
    "www.openapis.org",
    "smartbear.com",
    "www.iana.org",
    "iana.org",
    "jsonapi.org",
    "xmlns.com",
    "purl.org",
    "stackoverflow.com",
    "bugs.chromium.org",
    "bugzilla.mozilla.org",
    "url.spec.whatwg.org",
    "html.spec.whatwg.org",
    "fetch.spec.whatwg.org",
    "infra.spec.whatwg.org",
    "tc39.es",
    "es5.github.io",
    "unicode.org",
    "www.unicode.org",
    "yaml.org",
}
SCHEMED = re.compile(r"https?://[A-Za-z0-9.-]+")
ATTRS = {"src", "href", "action", "srcset", "poster", "data", "formaction"}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.assets: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ATTRS and v:
                self.urls.append(v)
                if (tag == "script" and k == "src") or (tag == "link" and k == "href"):
                    self.assets.append(v)
        self._style = tag == "style"

    def handle_data(self, data):
        if self._style:
            self.urls += re.findall(r"url\(([^)]*)\)", data)


def _external(url: str) -> bool:
    url = url.strip("'\" ")
    if not (url.startswith(("http://", "https://", "//"))):
        return False
    return urlparse(url if "://" in url else "http:" + url).hostname not in ("testserver", None)


def _static_path(url: str) -> str | None:
    prefix = settings.STATIC_URL
    path = urlparse(url).path
    return path[len(prefix) :] if path.startswith(prefix) else None


def _hosts(text: str) -> set[str]:
    return {urlparse(u).hostname or "" for u in SCHEMED.findall(text)}


def _check_asset(rel: str, seen: set[str], problems: list[str]) -> None:
    if rel in seen:
        return
    seen.add(rel)
    found = finders.find(rel)
    assert found, f"the page loads {rel}, which no static finder holds"
    with open(found, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    own = rel.startswith("warroom/")
    for host in _hosts(text):
        if own or host not in NEVER_REQUESTED:
            problems.append(f"{rel}: a URL of {host}")
    if rel.endswith(".js"):  # follow the ES module imports
        for spec in re.findall(r"""(?:import|from)\s*\(?\s*["']([^"']+\.m?js)["']""", text):
            if spec.startswith("."):
                target = str(PurePosixPath(rel).parent / spec)
                parts: list[str] = []
                for p in target.split("/"):
                    if p == "..":
                        parts.pop()
                    elif p != ".":
                        parts.append(p)
                _check_asset("/".join(parts), seen, problems)
            elif _external(spec):
                problems.append(f"{rel}: imports {spec}")


def test_no_page_and_no_script_points_to_another_host(hq, cases_world):
    client = Client()
    assert client.login(username=hq.username, password=PASSWORD)
    problems: list[str] = []
    seen: set[str] = set()
    urls = [*pages(hq, day="2020-03-20", facility=None), "/api/docs", "/accounts/login/"]
    for url in urls:
        r = client.get(url)
        if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
            continue
        refs = _Refs()
        refs.feed(r.content.decode())
        problems += [f"{url}: {u}" for u in refs.urls if _external(u)]
        for asset in refs.assets:
            rel = _static_path(asset)
            if rel is not None:
                _check_asset(rel, seen, problems)
    assert "ninja/swagger-ui-bundle.js" in seen, "the API docs load Swagger UI from ninja"
    assert not problems, "\n".join(problems)
