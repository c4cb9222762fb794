"""Notifications — one door: in-app, e-mail, SMS for tasks, escalations and signals.

``notify(users, kind=..., title=..., body=..., link=...)`` writes one in-app
:class:`~warroom.core.models.Notification` per user, in the caller's transaction, and
after commit sends e-mail (Django's mail; the console backend in the demo) to users with
an address and an SMS through the configured gateway (``WARROOM_SMS_GATEWAY``, a dotted
path to a class with ``send(phone, text)``; the default only logs) to users with a phone.
``recipients(area, capability)`` is who is responsible for an area: the active users whose
jurisdiction contains it and who hold the capability.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger("warroom.notify")


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsGateway:
    """The default gateway: writes the message to the log (no operator contracted)."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


def sms_gateway() -> SmsGateway:
    path = getattr(settings, "WARROOM_SMS_GATEWAY", "") or ""
    return import_string(path)() if path else LoggingSmsGateway()  # type: ignore[no-any-return]


def recipients(area: Any, capability: str) -> list[Any]:
    """Active users whose area is ``area`` or an ancestor, holding ``capability``."""
    from django.contrib.auth import get_user_model

    path = area.path
    prefixes = {path[: i + 1] for i, c in enumerate(path) if c == "/" and i > 0}
    users = get_user_model().objects.filter(is_active=True, area__path__in=prefixes)
    return [u for u in users.select_related("area") if u.can(capability)]


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
) -> int:
    """Notify each user once (in-app now; e-mail and SMS after the transaction commits)."""
    from warroom.core.models import Notification

    people = {u.pk: u for u in users if u is not None and getattr(u, "pk", None)}
    if not people:
        return 0
    Notification.objects.bulk_create(
        [
            Notification(user=u, kind=kind, title=title[:200], body=body, link=link[:500])
            for u in people.values()
        ]
    )
    mail_to = [u.email for u in people.values() if u.email]
    phones = [p for u in people.values() if (p := getattr(u, "phone", ""))]

    def deliver() -> None:
        if mail_to:
            try:
                send_mail(title, f"{body}\n\n{link}".strip(), None, mail_to)
            except Exception:  # a mail server down must not undo the work that notified
                log.exception("notification mail failed (%s)", kind)
        gateway = sms_gateway()
        for phone in phones:
            try:
                gateway.send(phone, title)
            except Exception:
                log.exception("notification SMS failed (%s)", kind)

    transaction.on_commit(deliver)
    return len(people)


def unread(user: Any) -> Any:
    """The user's own unread notifications, newest first (nobody reads another's)."""
    from warroom.core.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")
