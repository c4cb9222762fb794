"""Daily aggregates per area: reported by districts, or computed from the line list."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core.choices import LabelledChoices
from warroom.core.scoping import RestrictedManager
from warroom.series.io import COUNT_NAMES

# The DESIGN §4 daily aggregate report, in its order (after date and area_code); the one
# list of its columns is warroom.series.io's.
FIGURES = list(COUNT_NAMES)


class Source(LabelledChoices):
    REPORT = "report", _("District report")
    LINE_LIST = "line_list", _("Line list")


class DailyReport(AuditedModel):
    """One area's figures for one day from one source. Unknown figures are NULL, never 0."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices())
    new_confirmed = models.PositiveIntegerField(_("new confirmed"), null=True, blank=True)
    new_suspected = models.PositiveIntegerField(_("new suspected"), null=True, blank=True)
    new_febrile = models.PositiveIntegerField(_("new febrile"), null=True, blank=True)
    new_contacts = models.PositiveIntegerField(_("new contacts"), null=True, blank=True)
    new_deaths = models.PositiveIntegerField(_("new deaths"), null=True, blank=True)
    new_discharged = models.PositiveIntegerField(_("new discharged"), null=True, blank=True)
    cum_confirmed = models.PositiveIntegerField(_("cumulative confirmed"), null=True, blank=True)
    cum_deaths = models.PositiveIntegerField(_("cumulative deaths"), null=True, blank=True)
    cum_discharged = models.PositiveIntegerField(_("cumulative discharged"), null=True, blank=True)
    under_treatment = models.PositiveIntegerField(_("under treatment"), null=True, blank=True)
    severe = models.PositiveIntegerField(_("severe"), null=True, blank=True)
    critical = models.PositiveIntegerField(_("critical"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "date", "source"], name="surveillance_report_once"
            )
        ]
        indexes = [models.Index(fields=["date", "source"], name="surveillance_date_source")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.date} {self.get_source_display()}"

    def figures(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in FIGURES}


class FlagStatus(LabelledChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class FlagSeverity(LabelledChoices):
    ERROR = "error", _("Error")
    WARNING = "warning", _("Warning")


class QualityFlag(AuditedModel):
    """One finding of a data-quality rule about one area, day and column (DESIGN §3.5).

    Generic on purpose: ``source`` names what raised it ("daily_report" for the rules of
    :mod:`warroom.analytics.quality` over the stored reports; a later source, such as
    supervision's risk signals, adds its own) and ``rule`` its stable id. The daily step
    refreshes the findings of its source and keeps the status a person gave them; a
    finding that is no longer found is resolved by the step ("no longer found").
    """

    source = models.CharField(_("source"), max_length=32, default="daily_report")
    rule = models.CharField(_("rule"), max_length=48)
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    column = models.CharField(_("column"), max_length=32, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=FlagSeverity.choices())
    measured = models.FloatField(_("measured"), null=True, blank=True)
    expected = models.FloatField(_("expected"), null=True, blank=True)
    message = models.TextField(_("message"))
    detected_on = models.DateField(_("detected on"))
    status = models.CharField(
        _("status"), max_length=16, choices=FlagStatus.choices(), default=FlagStatus.OPEN
    )
    status_note = models.CharField(_("note"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    @property
    def rule_label(self) -> str:
        """The rule's name in the reader's language."""
        from warroom.surveillance.findings import rule_label

        return rule_label(self.rule)

    @property
    def column_label(self) -> str:
        from warroom.surveillance.findings import column_label

        return column_label(self.column)

    @property
    def text(self) -> str:
        """The finding in the reader's language (the stored message is the analytics')."""
        from warroom.surveillance.findings import finding_text

        return finding_text(self)

    class Meta:
        verbose_name = _("quality flag")
        verbose_name_plural = _("quality flags")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "rule", "area", "day", "column"], name="quality_flag_once"
            )
        ]
        indexes = [models.Index(fields=["status", "day"], name="quality_flag_status_day")]

    def __str__(self) -> str:
        return f"{self.rule} {self.area_id} {self.day} {self.column}"
