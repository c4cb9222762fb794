from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warroom.core import words
from warroom.core.scoping import RestrictedManager


class ImportBatch(models.Model):
    """One accepted import of a file or API batch: what makes every import idempotent.

    Written only by :func:`warroom.core.imports.finish_import`. ``sha256`` is the batch's
    key (the file's SHA-256, or an API batch's key); ``scope`` the jurisdiction it was
    imported in (the actor's area path, empty for the system): the same key is "already
    imported" only along one line of jurisdiction (``warroom.core.imports``).
    """

    kind = models.CharField(_("kind"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scope = models.CharField(_("scope"), max_length=512, blank=True, default="")
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope", "sha256"], name="import_batch_once_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]} ({self.rows})"


class DailyStepRun(models.Model):
    """One step of the daily cycle for one day: done or failed, how long, what it did."""

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=64)
    status = models.CharField(_("status"), max_length=16)  # done | failed | stale
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


class Job(models.Model):
    """One piece of long work on the durable queue (``warroom.core.jobs``).

    A worker claims a job with a conditional UPDATE and holds it by a lease that its
    heartbeat extends; a job whose worker died (lease past) is claimed again by the next
    worker. ``lease_token`` names the holder: a late write from a worker that lost its
    lease changes nothing. Visible to who started it and to users above its area.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(_("job"), max_length=200)
    label = models.CharField(_("label"), max_length=255, blank=True)
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    payload = models.BinaryField(_("payload"), null=True, blank=True)  # an uploaded file, if any
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("max attempts"), default=3)
    run_after = models.DateTimeField(_("run after"))
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    lease_token = models.CharField(_("lease token"), max_length=32, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    output = models.BinaryField(
        _("output"), null=True, blank=True
    )  # a file the job made (an export)
    error = models.TextField(_("error"), blank=True)
    # The error as its words (warroom.core.words) where the platform wrote it (a refusal
    # of the job's service, a job that could not run): shown in the reader's language.
    error_words = models.JSONField(_("error (words)"), null=True, blank=True, editable=False)
    area_path = models.CharField(_("area path"), max_length=512, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_path = "area_path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["status", "run_after"], name="core_job_claim_idx")]

    error_shown = words.Shown("error")

    def __str__(self) -> str:
        return f"job {self.pk} {self.name} {self.status}"

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportSlot(models.Model):
    """One import a user is running now: the per-user concurrency limit of imports.

    A user holds at most ``WARROOM_IMPORT_PER_USER`` slots (numbers 0..N-1); taking one
    is an INSERT that the unique constraint lets through or refuses, so the database, not
    the application, settles two requests racing for the last slot. A slot older than
    ``WARROOM_IMPORT_SLOT_SECONDS`` belongs to a killed worker and is taken back.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
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


class PlatformDay(models.Model):
    """The platform's "today" when it is not the wall clock: an exercise or a replay.

    One row at most (``id`` 1), written only by :mod:`warroom.core.today`. ``day`` empty
    means real time. ``label``/``step``/``steps`` describe a running exercise for the
    banner ("演练：第 23/90 天").
    """

    day = models.DateField(_("day"), null=True, blank=True)
    label = models.CharField(_("exercise"), max_length=100, blank=True)
    step = models.PositiveIntegerField(_("exercise day"), null=True, blank=True)
    steps = models.PositiveIntegerField(_("exercise days"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("platform day")
        verbose_name_plural = _("platform days")

    def __str__(self) -> str:
        return self.day.isoformat() if self.day else "real time"


# The kinds warroom.core.notify is called with, by their names (an unknown kind reads "Other").
NOTIFICATION_KINDS = {
    "task": _("Task"),
    "signal": _("Signal"),
    "escalation": _("Escalation"),
    "level_rose": _("Risk level rose"),
    "appeal_assigned": _("Appeal assigned"),
    "appeal_escalated": _("Appeal escalated"),
}


class Notification(models.Model):
    """A message to one user: a task, an escalation, a signal. Written by warroom.core.notify."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # The title and body as their words (warroom.core.words), shown in the reader's language.
    title_words = models.JSONField(_("title (words)"), null=True, blank=True, editable=False)
    body_words = models.JSONField(_("body (words)"), null=True, blank=True, editable=False)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    title_shown = words.Shown("title")
    body_shown = words.Shown("body")

    scope_path = "user__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return str(NOTIFICATION_KINDS.get(self.kind, _("Other")))
