"""Sign-ins, sign-outs and failed attempts go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from warroom.audit.services import record_event


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(
        "sign_in",
        object_type="accounts.user",
        object_id=str(user.pk),
        area_path=user.area_path,
        message=f"{user.username} signed in",
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(
            "sign_out",
            object_type="accounts.user",
            object_id=str(user.pk),
            area_path=user.area_path,
            message=f"{user.username} signed out",
        )


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    name = str(credentials.get("username", ""))[:150]
    record_event(
        "sign_in_failed", object_type="accounts.user", message=f"failed sign-in as {name!r}"
    )
