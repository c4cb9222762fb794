"""A user named in a form, an API body or a file is looked up in the actor's jurisdiction.

Another district's user answers exactly like a user who does not exist (defect 3 of
issue 13: the stand-up form told District B's officer that ``officer_a`` exists, "the
owner's jurisdiction does not cover this area", where a missing name got "no user").
Every surface that takes a user name is called twice by District B's officer, once
with District A's ``officer_a`` and once with ``ghost``: the two answers must be the
same but for the name.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from warroom.accounts.services import do_create_token
from warroom.core.errors import InvalidInput
from warroom.core.users import find_user, user_choices

pytestmark = pytest.mark.django_db

B_COMPOUND = "990102001001001"
NAMES = ("officer_a", "ghost")  # District A's user; nobody


def _messages(response) -> str:
    found = re.search(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
    return found.group(1) if found else ""


@pytest.fixture
def b_world(city, outsider):
    from warroom.communities.models import ChecklistKind
    from warroom.communities.services import active_checklist
    from warroom.services import services as care

    resident = care.do_register_vulnerable(
        city[B_COMPOUND], name="乙区居民", kind="elderly_alone", actor=outsider
    )
    item = active_checklist(ChecklistKind.SIX_IN_PLACE).items.order_by("order").first()
    _, token = do_create_token(outsider, name="b", actor=outsider)
    return {"resident": resident, "item": item.code, "token": token}


def _surfaces(b_world):
    """(name, call(client, username) -> comparable answer) for every user-naming surface."""
    today = timezone.localdate()
    deadline = (today + dt.timedelta(days=2)).isoformat()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {b_world['token']}"}

    def api(url, body):
        def call(client, name):
            r = client.post(url, json.dumps(body(name)), content_type="application/json", **auth)
            return r.status_code, r.content.decode()

        return call

    def standup(client, name):
        r = client.post(
            f"/situation/standup/990102/{today.isoformat()}/",
            {"text": "核查", "owner": name, "deadline": deadline},
            follow=True,
        )
        return r.status_code, _messages(r)

    def caretaker_page(client, name):
        from warroom.accounts.models import User

        pk = User.objects.get(username="officer_a").pk if name == "officer_a" else 999999
        r = client.post(
            f"/services/residents/{b_world['resident'].pk}/",
            {"action": "caretaker", "caretaker_user": pk},
            follow=True,
        )
        return r.status_code, _messages(r).replace(str(pk), name)

    def inspection_import(client, name):
        from warroom.communities.imports import do_import_inspections
        from warroom.tables import TableRejected, read_table

        csv = f"area_code,date,failed_items,owner\n{B_COMPOUND},{today},{b_world['item']},{name}\n"
        with pytest.raises(TableRejected) as refused:
            do_import_inspections(read_table(csv.encode(), filename="i.csv"), actor=client.actor)
        return [(e.row, e.column, e.reason) for e in refused.value.errors]

    return {
        "standup form": standup,
        "task API": api(
            "/api/tasks/",
            lambda n: {"title": "t", "area_code": B_COMPOUND, "owner": n, "deadline": deadline},
        ),
        "inspection API": api(
            f"/api/communities/areas/{B_COMPOUND}/inspections",
            lambda n: {
                "date": today.isoformat(),
                "results": {b_world["item"]: {"passed": False, "note": "x"}},
                "owner": n,
                "deadline": deadline,
            },
        ),
        "caretaker API": api(
            f"/api/services/residents/{b_world['resident'].pk}/caretaker",
            lambda n: {"username": n},
        ),
        "caretaker page": caretaker_page,
        "inspection import": inspection_import,
    }


def test_another_districts_user_answers_like_a_missing_one(b_world, officer, outsider, client):
    client.force_login(outsider)
    client.actor = outsider
    for surface, call in _surfaces(b_world).items():
        answers = [call(client, name) for name in NAMES]
        same = [
            json.dumps(a, ensure_ascii=False).replace(n, "NAME")
            for a, n in zip(answers, NAMES, strict=True)
        ]
        assert same[0] == same[1], f"{surface} tells officer_a from ghost: {answers}"
        assert "NAME" in same[0], f"{surface} refused without naming the user: {answers[0]}"


def test_the_lookup_finds_only_the_actors_users(officer, outsider, hq):
    assert find_user(hq, "officer_b") == outsider
    assert find_user(outsider, "officer_b") == outsider
    assert find_user(outsider, "") is None and find_user(outsider, pk="") is None
    for name in ("officer_a", "ghost"):
        with pytest.raises(InvalidInput) as refused:
            find_user(outsider, name)
        assert name in refused.value.message
    with pytest.raises(InvalidInput):
        find_user(outsider, pk=officer.pk)
    assert find_user(outsider, pk=str(outsider.pk)) == outsider
    from warroom.geo.models import Area

    assert officer not in user_choices(outsider, Area.objects.get(code=B_COMPOUND))
