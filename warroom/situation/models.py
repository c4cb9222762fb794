"""The situation of an area on a day, as the daily cycle computed it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from warroom.core.scoping import RestrictedManager


class Situation(models.Model):
    """Phases, Rt, forecast and the three quantities of one area on one day.

    ``payload`` is the whole analysis (JSON, see ``services.analyse``); ``inputs_hash``
    is the hash of the series it was computed from, so a recompute on the same data is
    recognisably the same.
    """

    area = models.ForeignKey("geo.Area", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)
    inputs_hash = models.CharField(max_length=64)
    payload = models.JSONField()

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
