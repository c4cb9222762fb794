from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Every refused sign-in answers the same words: a wrong password, an unknown username
    and a locked account look alike, so the form tells no one which usernames exist (the
    backend takes the same time for each, too)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is not correct, or the account is locked after "
            "%(attempts)d failed sign-ins; a locked account opens again after %(minutes)d "
            "minutes."
        ),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "attempts": settings.WARROOM_LOCKOUT_ATTEMPTS,
                "minutes": settings.WARROOM_LOCKOUT_MINUTES,
            },
        )
