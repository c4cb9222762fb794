"""Tasks: work with an owner, a deadline, evidence and a verification by someone else.

Built once for every app that raises work: a failed inspection item (rectification, 整改),
a data-quality flag, a supervision finding, a stand-up decision. The raising object is
linked generically (``source``) and named by a kind string, so that a task outlives a
change of the app that raised it.

Lifecycle: open → submitted (with evidence) → verified, by another person with the
``verify`` capability; a verifier may instead reopen it (back to open, with a reason).
Overdue means open past its deadline.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core import words
from warroom.core.scoping import RestrictedQuerySet
from warroom.core.today import now as platform_now


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")


class TaskQuerySet(RestrictedQuerySet["Task"]):
    def pending(self) -> TaskQuerySet:
        """Not verified yet: open or waiting for verification."""
        return self.exclude(status=Status.VERIFIED)

    def overdue(self, now: Any = None) -> TaskQuerySet:
        """Open past the deadline (a submitted task waits for the verifier, not the owner)."""
        return self.filter(status=Status.OPEN, deadline__lt=now or platform_now())

    def of_source(self, obj: models.Model) -> TaskQuerySet:
        return self.filter(source_type=ContentType.objects.get_for_model(obj), source_id=obj.pk)


class TaskManager(models.Manager.from_queryset(TaskQuerySet)):  # type: ignore[misc]
    pass


def evidence_path(instance: Task, filename: str) -> str:
    return f"tasks/evidence/{timezone.now():%Y/%m}/{filename}"


# What raises tasks (``source_kind``), named for people.
SOURCE_LABELS = {
    "inspection": _("Inspection"),
    "quality": _("Data quality"),
    "meeting": _("Stand-up decision"),
    "supervision": _("Supervision"),
    "appeal": _("Appeal"),
    "supplies": _("Supplies"),
}


class Task(AuditedModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # A title and description the platform wrote, as their words (warroom.core.words):
    # shown in the reader's language; a person's own title or description has none.
    title_words = models.JSONField(_("title (words)"), null=True, blank=True, editable=False)
    description_words = models.JSONField(
        _("description (words)"), null=True, blank=True, editable=False
    )
    title_shown = words.Shown("title")
    description_shown = words.Shown("description")
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="tasks", verbose_name=_("area")
    )
    source_kind = models.CharField(
        _("source"), max_length=64, help_text=_("What raised it, e.g. inspection, quality")
    )
    source_type = models.ForeignKey(
        ContentType,
        verbose_name=_("source type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    evidence_text = models.TextField(_("evidence"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_path, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    last_reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    scope_path = "area__path"
    objects = TaskManager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="tasks_status_deadline_idx"),
            models.Index(fields=["source_type", "source_id"], name="tasks_source_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_label(self) -> str:
        """What raised the task, named for people (the stored kind otherwise)."""
        label = SOURCE_LABELS.get(self.source_kind)
        return str(label) if label is not None else self.source_kind

    @property
    def is_overdue(self) -> bool:
        return self.status == Status.OPEN and self.deadline < platform_now()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tasks:detail", args=[self.pk])
