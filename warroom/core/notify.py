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
from django.utils import timezone
from django.utils.module_loading import import_string

from warroom.core import bulk
from warroom.core.scoping import lineage_paths
from warroom.core.words import Worded, stored_text, words_of

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
    return recipients_by_area([area], capability)[area.pk]


def recipients_by_area(areas: Iterable[Any], capability: str) -> dict[Any, list[Any]]:
    """:func:`recipients` of several areas (by their pk), the users read in one query:
    for a batch notifying many areas at once (the day's escalated appeals)."""
    from django.contrib.auth import get_user_model

    lineages = {area.pk: set(lineage_paths(area.path)) for area in areas}
    if not lineages:
        return {}
    wanted = set().union(*lineages.values())
    users = get_user_model().objects.filter(is_active=True, area__path__in=sorted(wanted))
    able = [u for u in users.select_related("area") if u.can(capability)]
    return {pk: [u for u in able if u.area.path in paths] for pk, paths in lineages.items()}


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    title: Worded | str,
    body: Worded | str = "",
    link: str = "",
) -> int:
    """Notify each user once (in-app now; e-mail and SMS after the transaction commits).

    A title or body the platform words (:func:`warroom.core.words.say`) is stored as its
    words and shown in the reader's language; e-mail and SMS carry it in the language
    active when it was written, as before (a user has no language of his own)."""
    return notify_each([(users, kind, title, body, link)])


NOTIFICATION_FIELDS = (
    "user",
    "kind",
    "title",
    "body",
    "title_words",
    "body_words",
    "link",
    "created_at",
)


# users, kind, title, body, link
Message = tuple[Iterable[Any], str, "Worded | str", "Worded | str", str]


def notify_each(messages: Iterable[Message]) -> int:
    """Several notifications (e.g. one per escalated appeal) as :func:`notify` sends each,
    written in one INSERT; returns how many were written."""
    from warroom.core.models import Notification

    rows: list[tuple[Any, ...]] = []
    deliveries = []
    now = timezone.now()  # (the rows' created_at: auto_now_add, set by the one INSERT)
    for users, kind, worded_title, worded_body, link in messages:
        people = {u.pk: u for u in users if u is not None and getattr(u, "pk", None)}
        if not people:
            continue
        title, body = stored_text(worded_title, 200), stored_text(worded_body)
        title_words, body_words = (
            bulk.json_text(words_of(worded_title)),
            bulk.json_text(words_of(worded_body)),
        )
        rows += [(pk, kind, title, body, title_words, body_words, link[:500], now) for pk in people]
        mail_to = [u.email for u in people.values() if u.email]
        phones = [p for u in people.values() if (p := getattr(u, "phone", ""))]
        if mail_to or phones:  # (in the language active when the message was written)
            deliveries.append(
                (kind, str(worded_title)[:200], str(worded_body), link, mail_to, phones)
            )
    if not rows:
        return 0
    # Plain tuples, no model instance per row: an escalation notifies every user above
    # each appeal's area (thousands of rows a day at the city's scale).
    bulk.insert_tuples(Notification, NOTIFICATION_FIELDS, rows)

    def deliver() -> None:
        gateway = sms_gateway() if any(d[5] for d in deliveries) else None
        for kind, title, body, link, mail_to, phones in deliveries:
            if mail_to:
                try:
                    send_mail(title, f"{body}\n\n{link}".strip(), None, mail_to)
                except Exception:  # a mail server down must not undo the work that notified
                    log.exception("notification mail failed (%s)", kind)
            for phone in phones:
                try:
                    gateway.send(phone, title)  # type: ignore[union-attr]
                except Exception:
                    log.exception("notification SMS failed (%s)", kind)

    if deliveries:
        transaction.on_commit(deliver)
    return len(rows)


def unread(user: Any) -> Any:
    """The user's own unread notifications, newest first (nobody reads another's)."""
    from warroom.core.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")
