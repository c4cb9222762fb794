from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from warroom.accounts.models import User


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "This account is locked after repeated failed sign-ins. Try again after %(until)s."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            user = User.objects.filter(username=username).only("locked_until").first()
            if user is not None and user.is_locked:
                until = formats.time_format(timezone.localtime(user.locked_until), "H:i")
                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked", params={"until": until}
                )
        return super().clean()
