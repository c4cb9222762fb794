from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One accepted import of a file: what makes every import idempotent.

    The same file (same kind, same SHA-256) imported twice is recognised and adds nothing.
    """

    kind = models.CharField(_("kind"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], name="import_batch_once_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]} ({self.rows})"


class DailyStepRun(models.Model):
    """One step of the daily cycle for one day: done or failed, how long, what it did."""

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=64)
    status = models.CharField(_("status"), max_length=16)  # done | failed
    started_at = models.DateTimeField(_("started at"))
    seconds = models.FloatField(_("seconds"))
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("daily cycle step")
        verbose_name_plural = _("daily cycle steps")
        constraints = [
            models.UniqueConstraint(fields=["day", "step"], name="daily_step_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.step} {self.status}"


class ImportSlot(models.Model):
    """One import a user is running now: the per-user concurrency limit of imports.

    A user holds at most ``WARROOM_IMPORT_PER_USER`` slots (numbers 0..N-1); taking one
    is an INSERT that the unique constraint lets through or refuses, so the database, not
    the application, settles two requests racing for the last slot. A slot older than
    ``WARROOM_IMPORT_SLOT_SECONDS`` belongs to a killed worker and is taken back.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    slot = models.PositiveSmallIntegerField(_("slot"))
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("running import")
        verbose_name_plural = _("running imports")
        constraints = [
            models.UniqueConstraint(fields=["user", "slot"], name="import_slot_once_per_user")
        ]

    def __str__(self) -> str:
        return f"import slot {self.slot} of user {self.user_id}"
