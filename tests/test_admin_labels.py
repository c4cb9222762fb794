"""The back office's words (issue 16): every app, model, field and choice of warroom has a
name in each language, Chinese in zh-Hans and English in en; no database needed.

The every-role walk (tests/roles) renders the admin's pages on a fed demo; this checks the
names the walk can miss (a choice no row holds, a model no role may open)."""

from __future__ import annotations

import re

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from tests.roles.walk import english_words, visible_text

HAN = re.compile(r"[\u4e00-\u9fff]")


def _names() -> list[tuple[str, object]]:
    """(where, name) for every app, model, field and choice label of warroom."""
    out: list[tuple[str, object]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("warroom"):
            continue
        out.append((config.label, config.verbose_name))
        for model in config.get_models():
            opts = model._meta
            out.append((opts.label, opts.verbose_name))
            out.append((opts.label + " (plural)", opts.verbose_name_plural))
            for field in opts.get_fields():
                if isinstance(field, GenericForeignKey) or field.auto_created:
                    continue
                out.append((f"{opts.label}.{field.name}", field.verbose_name))
                for value, label in field.flatchoices or ():
                    out.append((f"{opts.label}.{field.name}={value}", label))
    return out


def test_every_name_is_translatable_and_chinese_in_zh_hans():
    names = _names()
    assert len(names) > 1000, len(names)
    unmarked = [where for where, name in names if not isinstance(name, Promise)]
    assert not unmarked, f"not gettext_lazy: {unmarked}"
    with translation.override("zh-hans"):
        english = [
            f"{where}: {name}"
            for where, name in names
            if not HAN.search(str(name)) and english_words(str(name))
        ]
    assert not english, "\n".join(english)


def test_every_name_is_english_in_en():
    with translation.override("en"):
        # English words, the Chinese term in brackets allowed ("Six in place (六个到位)")
        chinese = [
            f"{where}: {name}"
            for where, name in _names()
            if HAN.search(str(name)) and not re.search(r"[A-Za-z]{3,}", str(name))
        ]
    assert not chinese, "\n".join(chinese)


def test_stored_values_are_marked_and_labels_are_not(hq):
    """The back office's area list: the values are marked ``data-stored``, the labels and
    the codes' names are the interface's (checked)."""
    from warroom.geo.models import Area

    area = Area.objects.filter(level="district").order_by("code").first()
    Area.objects.filter(pk=area.pk).update(kind="functional_zone", name_en="District Zed")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(hq)
    page = client.get("/admin/geo/area/").content.decode()
    assert "功能区" in page and ">functional_zone<" not in page  # the kind by its name
    assert "<span data-stored>District Zed</span>" in page  # the English name is data
    text = visible_text(page)
    assert "District Zed" not in text and not english_words(text), english_words(text)
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(hq)
    page = english.get("/admin/geo/area/").content.decode()
    assert "Functional zone" in page  # the same code by its English name
