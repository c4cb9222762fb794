"""Sign-in with lock-out after repeated failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from warroom.accounts.models import User


class LockoutBackend(ModelBackend):
    """Django's password check, refused while the account is locked.

    ``WARROOM_LOCKOUT_ATTEMPTS`` consecutive failures lock the account for
    ``WARROOM_LOCKOUT_MINUTES``. The counter moves by conditional UPDATEs, so concurrent
    attempts are counted by the database, not lost between read and write.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = User.objects.filter(username=username).only("id", "locked_until").first()
        if user is not None and user.is_locked:
            # As long as a password check, so that time does not tell a locked account
            # from a wrong password or an unknown username (Django hashes for those too).
            User().set_password(password)
            return None
        result = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        if result is not None:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return result  # type: ignore[return-value]
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        until = timezone.now() + timedelta(minutes=settings.WARROOM_LOCKOUT_MINUTES)
        User.objects.filter(
            pk=user.pk, failed_logins__gte=settings.WARROOM_LOCKOUT_ATTEMPTS
        ).update(locked_until=until, failed_logins=0)
        return None
