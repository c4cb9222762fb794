"""As each of the twelve demo roles on a fed database (issue 16):

- the home shows that role's work, with data;
- every page the role may open renders in zh-Hans without English (an allow-list for
  codes, units and proper names; the data's own Latin proper names) and without a 500;
  the admin index names its sections in Chinese.
"""

from __future__ import annotations

import collections

import pytest
from django.test import Client

from tests.roles.conftest import feed_demo
from tests.roles.walk import data_words, english_words, pages, visible_text

pytestmark = pytest.mark.django_db
# The admin shows stored rows as written (field values, enum codes, JSON) and field
# labels of models without a Chinese verbose_name, inside Django's own (translated) chrome:
# checked for 500s only. The audit log is checked: its stored cells (an object's name, the
# before/after) are marked ``data-stored`` and left out; its chrome and descriptions are not.
RAW = ("/admin/",)


def test_the_check_leaves_out_stored_text_only():
    html = (
        "<p>审计 <small data-stored>Area <b>one</b><br> Wuhan</small> Chrome<br>"
        '<span translate="no">raw <i>x</i></span> <span title="Tip">after</span></p>'
    )
    assert visible_text(html).split() == ["审计", "Chrome", "Tip", "after"]


def test_every_page_as_every_role_is_chinese():
    from warroom.accounts.models import User
    from warroom.beds.models import Facility
    from warroom.cli import DEMO_PASSWORD, DEMO_USERS

    fed = feed_demo()
    day = fed["last_day"].isoformat()
    problems: dict[str, list[str]] = collections.defaultdict(list)
    allowed = data_words()
    for username, _role, _area in DEMO_USERS:
        user = User.objects.get(username=username)
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert client.login(username=username, password=DEMO_PASSWORD)
        facility = (
            Facility.objects.restrict(user).order_by("code").values_list("code", flat=True).first()
        )
        for url in pages(user, day=day, facility=facility):
            r = client.get(url)
            if r.status_code >= 500:
                problems[username].append(f"{url}: {r.status_code}")
                continue
            if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
                continue
            if url.startswith(RAW):
                continue
            words = english_words(visible_text(r.content.decode()), allowed)
            if words:
                problems[username].append(f"{url}: {sorted(set(words))[:40]}")
    report = "\n".join(f"{u}: {line}" for u, lines in problems.items() for line in lines)
    print(report)
    assert not problems, report
    # The admin's sections by their Chinese names (the apps' verbose names).
    from django.apps import apps
    from django.utils import translation

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username="hq", password=DEMO_PASSWORD)
    index = client.get("/admin/").content.decode()
    with translation.override("zh-hans"):
        for label in ("communities", "services", "tasks"):
            name = str(apps.get_app_config(label).verbose_name)
            assert not english_words(name), name
            assert name in index, name
