"""Sign-in, lock-out, password change, API tokens, and creating users from the CLI."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from typer.testing import CliRunner

from tests.conftest import PASSWORD
from warroom.accounts.models import User
from warroom.accounts.services import authenticate_token, do_create_token, do_revoke_token
from warroom.audit.models import AuditEntry
from warroom.cli import app
from warroom.core.context import SYSTEM

pytestmark = pytest.mark.django_db


def _sign_in(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_signing_in_leads_to_ones_own_area(client, officer):
    response = _sign_in(client, "officer_a", PASSWORD)
    assert response.status_code == 302
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/situation/"
    areas = client.get("/areas/", follow=True)
    assert areas.redirect_chain[-1][0] == "/areas/990101/"
    assert AuditEntry.objects.filter(action="sign_in", actor_name="officer_a").exists()


@override_settings(WARROOM_LOCKOUT_ATTEMPTS=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, officer):
    for _ in range(3):
        assert _sign_in(client, "officer_a", "wrong").status_code == 200
    officer.refresh_from_db()
    assert officer.is_locked
    refused = _sign_in(client, "officer_a", PASSWORD)
    assert refused.status_code == 200
    assert "locked" in refused.content.decode() or "锁定" in refused.content.decode()


@override_settings(WARROOM_LOCKOUT_ATTEMPTS=3)
def test_a_success_resets_the_failure_count(client, officer):
    _sign_in(client, "officer_a", "wrong")
    _sign_in(client, "officer_a", "wrong")
    assert _sign_in(client, "officer_a", PASSWORD).status_code == 302
    officer.refresh_from_db()
    assert officer.failed_logins == 0 and not officer.is_locked


def test_password_change(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-9",
            "new_password2": "a-new-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("a-new-long-passphrase-9")


def test_tokens_are_stored_hashed_and_can_be_revoked(officer):
    token, secret = do_create_token(officer, name="hospital", actor=SYSTEM)
    assert secret.split("_", 2)[2] not in token.key_hash
    assert authenticate_token(secret) == officer
    assert authenticate_token(secret + "x") is None
    assert authenticate_token("garbage") is None
    do_revoke_token(token, actor=SYSTEM)
    assert authenticate_token(secret) is None


def test_the_api_accepts_a_token_and_refuses_without(client, officer):
    _, secret = do_create_token(officer, name="lab", actor=SYSTEM)
    ok = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.status_code == 200 and ok.json()["area_code"] == "990101"
    anonymous = client.get("/api/me")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"


def test_createuser_from_the_cli(city):
    result = CliRunner().invoke(
        app,
        [
            "createuser",
            "li",
            "--role",
            "street_officer",
            "--area",
            "990101001",
            "--password",
            "a-long-passphrase-1",
        ],
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="li")
    assert (user.role, user.area.code) == ("street_officer", "990101001")
    bad = CliRunner().invoke(
        app,
        [
            "createuser",
            "wang",
            "--role",
            "emperor",
            "--area",
            "9901",
            "--password",
            "a-long-passphrase-1",
        ],
    )
    assert bad.exit_code == 2 and "unknown role" in bad.output


def test_a_weak_password_is_refused(city):
    result = CliRunner().invoke(
        app, ["createuser", "zhao", "--role", "analyst", "--area", "9901", "--password", "123"]
    )
    assert result.exit_code == 2
    assert not User.objects.filter(username="zhao").exists()
