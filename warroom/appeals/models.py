"""Citizen appeals (网上群众诉求, 12345), handled around the clock (24小时值守).

An appeal comes in by the public web form, the hotline operator's screen or the API of a
machine source; gets a number the citizen follows on a public status page; is triaged
(category, urgency: a classifier proposes, a person confirms), routed to the responsible
area and unit with a deadline, escalated up the area tree when the deadline passes,
answered, called back for satisfaction and reopened when the citizen is unsatisfied.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core import personal, words
from warroom.core.scoping import RestrictedManager


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    HOTLINE = "hotline", _("Hotline 12345")
    API = "api", _("Machine source (API)")
    SOCIAL = "social", _("Social media")


class Category(models.TextChoices):
    ADMISSION = "admission", _("Admission or bed request")
    MEDICINE = "medicine", _("Medicine")
    GROCERIES = "groceries", _("Groceries and prices")
    TRANSPORT = "transport", _("Transport")
    COMPLAINT = "complaint", _("Complaint about staff")
    RUMOUR = "rumour", _("Rumour report")
    DATA_ERROR = "data_error", _("Data error")
    PSYCHOLOGICAL = "psychological", _("Psychological help")
    AFTERMATH = "aftermath", _("Aftermath and bereavement")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    ROUTINE = "routine", _("Routine")


class AppealStatus(models.TextChoices):
    HELD = "held", _("Held for review")
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected as spam")


OPEN_STATUSES = (AppealStatus.RECEIVED, AppealStatus.ASSIGNED)

# The unit that answers each category at its responsible level.
UNITS: dict[Any, Any] = {
    Category.ADMISSION: _("Medical treatment and dispatch"),
    Category.MEDICINE: _("Community services (medicine)"),
    Category.GROCERIES: _("Community services (supplies and prices)"),
    Category.TRANSPORT: _("Transport group"),
    Category.COMPLAINT: _("Supervision"),
    Category.RUMOUR: _("Publicity (rebuttals)"),
    Category.DATA_ERROR: _("Epidemic data team"),
    Category.PSYCHOLOGICAL: _("Psychological aid"),
    Category.AFTERMATH: _("Civil affairs (aftermath)"),
    Category.OTHER: _("Community office"),
}


CALLER_PHONE = personal.PersonalField("appeals", personal.mask_phone, audited=True)
CALLER_PLACE = personal.PersonalField("appeals", personal.mask_text, audited=True)


class Appeal(AuditedModel):
    """One citizen appeal. Scoped by the place (``area``): every level above it sees it."""

    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "caller_name": personal.NAME,
        # Whoever handles appeals calls the citizen back: the caller's phone and place are
        # unmasked by ``appeals`` (audited), not by ``personal_data`` (docs/appeals.md).
        "caller_phone": CALLER_PHONE,
        "place_text": CALLER_PLACE,
    }

    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    caller_name = models.CharField(_("caller"), max_length=64, blank=True)
    caller_phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    place_text = models.CharField(_("place as given"), max_length=200, blank=True)
    # The resolved place (a compound where known, else the smallest area known; the city
    # when nothing is known): the scope of the appeal.
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="appeals", verbose_name=_("place")
    )
    text = models.TextField(_("text"))
    terms = models.TextField(_("terms"), blank=True)  # jieba words, space-separated
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    proposed_category = models.CharField(_("proposed category"), max_length=16, blank=True)
    proposed_urgency = models.CharField(_("proposed urgency"), max_length=16, blank=True)
    confidence = models.FloatField(_("confidence"), default=0.0)
    triaged = models.BooleanField(_("triaged by a person"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.RECEIVED
    )
    held_reason = models.CharField(_("held because"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    # Who must answer: the area at the level responsible (an ancestor of the place or the
    # place itself), moved up by escalation; and the unit there.
    assigned_area = models.ForeignKey(
        "geo.Area",
        on_delete=models.PROTECT,
        related_name="assigned_appeals",
        verbose_name=_("responsible area"),
    )
    unit = models.CharField(_("unit"), max_length=64, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Links into the platform.
    person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    medical_request = models.ForeignKey(
        "services.MedicalRequest",
        verbose_name=_("medical request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    group_order = models.ForeignKey(
        "services.GroupOrder",
        verbose_name=_("group order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rebuttal = models.ForeignKey(
        "appeals.Rebuttal",
        verbose_name=_("rebuttal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="appeal_open_deadline")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="appeal_source_ref_once",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="appeal_satisfaction_1_5",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unit_label(self) -> object:
        return UNITS.get(self.unit, self.unit)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < timezone.now()


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    HELD = "held", _("Held for review")
    RELEASED = "released", _("Released from review")
    TRIAGED = "triaged", _("Triaged")
    REASSIGNED = "reassigned", _("Reassigned")
    ESCALATED = "escalated", _("Escalated")
    LINKED = "linked", _("Linked")
    ANSWERED = "answered", _("Answered")
    CALLBACK = "callback", _("Callback")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Marked duplicate")
    REJECTED = "rejected", _("Rejected as spam")


class AppealEvent(models.Model):
    """The history of an appeal (append-only; the audit log has the field changes)."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A note the platform wrote (a link made, a triage's labels, an escalation), as its
    # words (warroom.core.words); a person's own note (a reason, a callback) has none.
    note_words = models.JSONField(_("note (words)"), null=True, blank=True, editable=False)
    to_area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("to area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    note_shown = words.Shown("note")

    scope_path = "appeal__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"


class Rebuttal(AuditedModel):
    """A published rebuttal of a rumour (辟谣), public on the rebuttals page."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="rebuttals", verbose_name=_("area")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("rebuttal"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("rebuttal")
        verbose_name_plural = _("rebuttals")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class DutyShift(AuditedModel):
    """A shift of the 24-hour duty roster (24小时值守) of an area's appeals desk."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("area")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="duty_shifts",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    desk = models.CharField(_("desk"), max_length=64, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_at:%Y-%m-%d %H:%M}"


class IntakeCounter(models.Model):
    """Public submissions per client address and minute (the rate limit, in the database:
    shared by every server process, settled by a conditional UPDATE)."""

    client = models.CharField(_("client"), max_length=64)
    window = models.BigIntegerField(_("time window"))  # minutes since the epoch
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("intake counter")
        verbose_name_plural = _("intake counters")
        constraints = [
            models.UniqueConstraint(fields=["client", "window"], name="intake_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.window}: {self.count}"
