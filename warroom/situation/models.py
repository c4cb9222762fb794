"""The situation of an area on a day, as the daily cycle computed it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core.scoping import RestrictedManager


class Situation(models.Model):
    """Phases, Rt, forecast and the three quantities of one area on one day.

    ``payload`` is the whole analysis (JSON, see ``services.analyse``); ``inputs_hash``
    is the hash of the series it was computed from, so a recompute on the same data is
    recognisably the same.
    """

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)
    inputs_hash = models.CharField(_("inputs hash"), max_length=64)
    payload = models.JSONField(_("payload"))

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("situation")
        verbose_name_plural = _("situations")
        constraints = [
            models.UniqueConstraint(fields=["area", "day"], name="situation_once_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="situation_day_idx")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}"


class Briefing(models.Model):
    """The daily briefing (每日动态通报) of one area on one day, as the daily cycle wrote it.

    ``payload`` holds the numbers (the situation room's panels, :func:`selectors.room`),
    ``html`` the document rendered from them in Chinese, archived as sent.
    """

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    generated_at = models.DateTimeField(_("generated at"))
    inputs_hash = models.CharField(_("inputs hash"), max_length=64)
    payload = models.JSONField(_("payload"))
    html = models.TextField(_("HTML"))
    # An issued briefing is never overwritten (DESIGN §3.2): a recomputation with other
    # numbers is the next revision; the one it replaces is kept as a BriefingRevision.
    # ``changes``: [[figure, before, after], ...] against the previous revision;
    # ``reason``: why it was recomputed ({"files": [...], "count": n}).
    revision = models.PositiveIntegerField(_("revision"), default=1)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.JSONField(_("reason"), default=dict, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        constraints = [
            models.UniqueConstraint(fields=["area", "day"], name="briefing_once_per_day")
        ]

    def __str__(self) -> str:
        return f"briefing {self.area_id} {self.day}"


class BriefingRevision(models.Model):
    """An earlier revision of a day's briefing, kept as it was issued."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    revision = models.PositiveIntegerField(_("revision"))
    generated_at = models.DateTimeField(_("generated at"))
    inputs_hash = models.CharField(_("inputs hash"), max_length=64)
    payload = models.JSONField(_("payload"))
    html = models.TextField(_("HTML"))
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.JSONField(_("reason"), default=dict, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("briefing revision")
        verbose_name_plural = _("briefing revisions")
        ordering = ["day", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "day", "revision"], name="briefing_revision_once"
            )
        ]

    def __str__(self) -> str:
        return f"briefing {self.area_id} {self.day} r{self.revision}"


class Decision(AuditedModel):
    """A decision of the stand-up meeting (碰头例会) of one area on one day.

    A decision that someone must carry out opens a task (:mod:`warroom.tasks`, source
    kind "meeting"); the task stays on the next days' agendas until it is verified.
    """

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    text = models.TextField(_("decision"))
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        indexes = [models.Index(fields=["area", "day"], name="situation_decision_day")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}: {self.text[:40]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "situation:standup", kwargs={"area_code": self.area.code, "day": self.day.isoformat()}
        )


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SeriesImport(models.Model):
    """An analyst's import of a published daily series, and the cycle run over its days.

    The rows are imported at once (all or nothing); the daily cycle then runs for every
    imported day, oldest first, which takes a while: ``days_done`` is the progress the
    page shows. A worker claims the job with a conditional UPDATE (queued → running).
    """

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    days = models.JSONField(_("days"), default=list)  # ISO dates, oldest first
    days_done = models.PositiveIntegerField(_("days done"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("series import")
        verbose_name_plural = _("series imports")

    def __str__(self) -> str:
        return f"series import {self.pk} {self.filename}"

    @property
    def percent(self) -> int:
        return round(100 * self.days_done / len(self.days)) if self.days else 100
