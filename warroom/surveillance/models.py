"""Daily aggregates per area: reported by districts, or computed from the line list."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.cases.choices import LabelledChoices
from warroom.core.scoping import RestrictedManager

# The DESIGN §4 daily aggregate report, in its order (after date and area_code).
FIGURES = [
    "new_confirmed",
    "new_suspected",
    "new_febrile",
    "new_contacts",
    "new_deaths",
    "new_discharged",
    "cum_confirmed",
    "cum_deaths",
    "cum_discharged",
    "under_treatment",
    "severe",
    "critical",
]


class Source(LabelledChoices):
    REPORT = "report", _("District report")
    LINE_LIST = "line_list", _("Line list")


class DailyReport(AuditedModel):
    """One area's figures for one day from one source. Unknown figures are NULL, never 0."""

    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+")
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
        return f"{self.area_id} {self.date} {self.source}"

    def figures(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in FIGURES}
