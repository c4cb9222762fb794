"""A refused sign-in tells no one which usernames exist.

The lock-out message once named the lock ("This account is locked ... after 10:15") while
an unknown username got the usual "wrong password" words: trying names told which exist.
Now a wrong password, an unknown username and a locked account (even with the right
password) answer the same words, in both languages.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _refusal(client, username: str, password: str, language: str) -> str:
    response = client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200, "the sign-in was not refused"
    return " ".join(response.context["form"].non_field_errors())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@override_settings(WARROOM_LOCKOUT_ATTEMPTS=3)
def test_unknown_wrong_and_locked_answer_alike(client, officer, hq, language):
    unknown = _refusal(client, "nobody_by_this_name", "wrong", language)
    wrong = _refusal(client, hq.username, "wrong", language)
    for _ in range(3):
        _refusal(client, officer.username, "wrong", language)
    officer.refresh_from_db()
    assert officer.is_locked
    locked_right = _refusal(client, officer.username, PASSWORD, language)
    locked_wrong = _refusal(client, officer.username, "wrong", language)
    assert unknown == wrong == locked_right == locked_wrong
    assert unknown  # and it still says what may have happened
    assert ("锁定" in unknown) == (language == "zh-hans")
    assert ("locked" in unknown) == (language == "en")
