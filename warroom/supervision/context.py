"""The nav's unread count and whether the accountability link is shown."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from warroom.core.notify import unread

    return {
        "unread_count": unread(user).count(),
        "may_account": user.can("accountability"),
    }
