"""Simplified Chinese by default, English on request, every string translated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_every_string_is_translated_and_compiled():
    result = subprocess.run(
        [sys.executable, "scripts/messages.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_are_in_chinese_by_default(client, officer):
    client.force_login(officer)
    page = client.get("/areas/990101/").content.decode()
    assert "疫情防控指挥平台" in page and "下级区划" in page and 'lang="zh-CN"' in page


def test_switching_to_english(client, officer):
    client.force_login(officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/areas/990101/").content.decode()
    assert "Epidemic command platform" in page and "Subdivisions" in page and "District A" in page


def test_numbers_are_formatted_for_each_language(client, hq):
    client.force_login(hq)
    zh = client.get("/areas/9901/").content.decode()
    assert 'data-testid="population">1,000<' in zh
    from django.utils import translation

    from warroom.web.templatetags.humanize_zh import num

    with translation.override("zh-hans"):
        assert num(12_326_518) == "1,232.65万"
        assert num(None) == "—"
    with translation.override("en"):
        assert num(12_326_518) == "12,326,518"
