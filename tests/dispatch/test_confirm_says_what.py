"""Confirming a proposal says what it confirms; nothing is ever implied by the body.

A partial confirmation once became a total one: a body that was not exactly
``application/json`` (text/plain, form-encoded), an empty body, ``null`` or ``[null]`` was
read as ``{}``, which meant "all lines". Now a body that cannot be read is refused (415 or
400), one that does not say what to confirm is refused (422), and in every refusal nothing
is placed. "All" is said explicitly: ``{"all": true}`` on the API, the "all" button on the
page, ``--all`` in the terminal.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from warroom.accounts.services import do_create_token
from warroom.cli import app
from warroom.core.context import SYSTEM
from warroom.dispatch.models import Placement, ProposalLine
from warroom.dispatch.services import do_propose

pytestmark = pytest.mark.django_db

# (content type, raw body, expected status): every way a body can fail to say "these lines".
ONE = "__ONE__"  # replaced by one proposed line's id
HOSTILE_BODIES = [
    ("text/plain", '{"line_ids": [__ONE__]}', 415),
    ("application/x-www-form-urlencoded", "line_ids=__ONE__", 415),
    ("multipart/form-data; boundary=x", "--x--", 415),
    ("", "", 415),
    ("application/json; charset=latin-1", '{"line_ids": [__ONE__]}', 415),
    ("application/json", "", 415),  # the test client sends no content type with no body
    ("application/json", "   ", 400),
    ("application/json", "{", 400),
    ("application/json", b'{"note": "\xff\xfe"}', 400),
    ("application/json", "[" * 5000 + "]" * 5000, 400),
    ("application/json", "null", 422),
    ("application/json", "[null]", 422),
    ("application/json", "[]", 422),
    ("application/json", '"all"', 422),
    ("application/json", "true", 422),
    ("application/json", "{}", 422),
    ("application/json", '{"all": false}', 422),
    ("application/json", '{"all": null}', 422),
    ("application/json", '{"line_ids": null}', 422),
    ("application/json", '{"line_ids": []}', 422),
    ("application/json", '{"line_ids": [null]}', 422),
    ("application/json", '{"lines": [__ONE__]}', 422),
    ("application/json", '{"all": true, "line_ids": [__ONE__]}', 422),
    ("application/json", '{"line_ids": [99999999999999999999999]}', 422),
    ("application/json", '{"line_ids": [1e999]}', 422),
]


@pytest.fixture
def proposal(facilities, make_person, dispatcher):
    for severity in ("critical", "mild", "mild"):
        make_person("confirmed", severity=severity)
    make_person("contact")
    found = do_propose(actor=dispatcher)
    assert found.lines.filter(state="proposed").count() == 4
    return found


@pytest.fixture
def post(client, dispatcher):
    _, secret = do_create_token(dispatcher, name="desk", actor=SYSTEM)

    def call(url: str, body: str | bytes, content_type: str):
        return client.generic(
            "POST",
            url,
            body.encode() if isinstance(body, str) else body,
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    return call


def _nothing_confirmed(proposal) -> bool:
    return (
        not Placement.objects.exists()
        and ProposalLine.objects.filter(proposal=proposal, state="proposed").count() == 4
    )


def test_a_body_that_does_not_say_which_lines_confirms_nothing(post, proposal):
    one = proposal.lines.order_by("pk").first().pk
    for content_type, body, status in HOSTILE_BODIES:
        if isinstance(body, str):
            body = body.replace(ONE, str(one))
        response = post(f"/api/dispatch/proposals/{proposal.pk}/confirm", body, content_type)
        assert response.status_code == status, (content_type, body[:40], response.content)
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["message"]
        assert _nothing_confirmed(proposal), (content_type, body[:40])


def test_the_reason_names_what_is_wrong(post, proposal):
    url = f"/api/dispatch/proposals/{proposal.pk}/confirm"
    assert "application/json" in post(url, "{}", "text/plain").json()["message"]
    assert "UTF-8" in post(url, b"{\xff}", "application/json").json()["message"]
    empty = json.dumps(post(url, "{}", "application/json").json())
    assert "line_ids" in empty and "all" in empty
    huge = post(url, '{"line_ids": [1, 99999999999999999999999]}', "application/json").json()
    assert "line_ids[1]" in huge["message"]


def test_some_lines_confirm_only_those_and_all_confirms_the_rest(post, proposal):
    url = f"/api/dispatch/proposals/{proposal.pk}/confirm"
    one = proposal.lines.order_by("pk").first().pk
    some = post(url, json.dumps({"line_ids": [one]}), "application/json; charset=utf-8")
    assert some.status_code == 200 and some.json()["confirmed"] == 1
    assert Placement.objects.count() == 1
    rest = post(url, json.dumps({"all": True}), "application/json")
    assert rest.status_code == 200 and rest.json()["confirmed"] == 3


def test_the_page_confirms_all_only_from_the_all_button(client, dispatcher, proposal):
    client.force_login(dispatcher)
    url = f"/dispatch/proposals/{proposal.pk}/confirm/"
    one = proposal.lines.order_by("pk").first().pk
    for form in ({}, {"line": one}, {"which": "some", "line": one}, {"which": "selected"}):
        assert client.post(url, form).status_code == 302
        assert _nothing_confirmed(proposal), form
    client.post(url, {"which": "selected", "line": [one, "99999999999999999999999"]})
    assert Placement.objects.count() == 1
    client.post(url, {"which": "all"})
    assert Placement.objects.count() == 4


def test_the_terminal_says_all_or_names_lines(proposal):
    runner = CliRunner()
    bare = runner.invoke(app, ["dispatch", "confirm", str(proposal.pk)])
    assert bare.exit_code == 2 and "--all" in bare.output
    assert _nothing_confirmed(proposal)
    one = proposal.lines.order_by("pk").first().pk
    both = runner.invoke(
        app, ["dispatch", "confirm", str(proposal.pk), "--all", "--line", str(one)]
    )
    assert both.exit_code == 2 and _nothing_confirmed(proposal)
    some = runner.invoke(app, ["dispatch", "confirm", str(proposal.pk), "--line", str(one)])
    assert some.exit_code == 0 and "confirmed 1 placements" in some.output
    rest = runner.invoke(app, ["dispatch", "confirm", str(proposal.pk), "--all"])
    assert rest.exit_code == 0 and "confirmed 3 placements" in rest.output
