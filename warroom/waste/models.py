"""Medical waste (医疗废物, 日产日清): what each facility and district generates, what the
plants collect and dispose of, the plants' capacity history, the day's balance."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core.choices import LabelledChoices
from warroom.core.scoping import RestrictedManager


class WasteKind(LabelledChoices):
    """The five categories of the national catalogue (《医疗废物分类目录》)."""

    INFECTIOUS = "infectious", _("Infectious")
    SHARPS = "sharps", _("Sharps")
    PATHOLOGICAL = "pathological", _("Pathological")
    PHARMACEUTICAL = "pharmaceutical", _("Pharmaceutical")
    CHEMICAL = "chemical", _("Chemical")


class Plant(AuditedModel):
    """A disposal plant (incinerator, mobile unit, co-processing kiln)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    operator = models.CharField(_("operator"), max_length=200, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    source = models.TextField(_("source"), blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("disposal plant")
        verbose_name_plural = _("disposal plants")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PlantCapacity(models.Model):
    """From ``effective`` on, the plant disposes of at most this many tonnes a day (a
    history: a change is a new row)."""

    plant = models.ForeignKey(
        Plant, verbose_name=_("plant"), on_delete=models.CASCADE, related_name="capacities"
    )
    effective = models.DateField(_("from"))
    tonnes_per_day = models.DecimalField(_("tonnes per day"), max_digits=10, decimal_places=3)
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope_path = "plant__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("plant capacity")
        verbose_name_plural = _("plant capacities")
        constraints = [
            models.UniqueConstraint(
                fields=["plant", "effective"], name="waste_capacity_once_a_day"
            ),
            models.CheckConstraint(condition=Q(tonnes_per_day__gte=0), name="waste_capacity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.effective}: {self.tonnes_per_day}"


class Generated(models.Model):
    """Tonnes of one kind generated on a day by one source: a facility (``source_code`` its
    code) or the district's other producers (clinics, communities: ``source_code`` empty)."""

    day = models.DateField(_("date"))
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "beds.Facility", verbose_name=_("facility"), null=True, blank=True, on_delete=models.PROTECT
    )
    source_code = models.CharField(_("source code"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=WasteKind.choices())
    tonnes = models.DecimalField(_("tonnes"), max_digits=12, decimal_places=4)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("waste generated")
        verbose_name_plural = _("waste generated records")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area", "source_code", "kind"], name="waste_generated_once"
            ),
            models.CheckConstraint(condition=Q(tonnes__gte=0), name="waste_generated_gte_0"),
        ]
        indexes = [models.Index(fields=["area", "source_code", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.source_code or self.area_id}: {self.tonnes}"


class Disposed(models.Model):
    """Tonnes collected from one source on a day and disposed of by one plant."""

    day = models.DateField(_("date"))
    plant = models.ForeignKey(
        Plant, verbose_name=_("plant"), on_delete=models.PROTECT, related_name="disposals"
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "beds.Facility", verbose_name=_("facility"), null=True, blank=True, on_delete=models.PROTECT
    )
    source_code = models.CharField(_("source code"), max_length=32, blank=True)
    tonnes = models.DecimalField(_("tonnes"), max_digits=12, decimal_places=4)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("waste disposed")
        verbose_name_plural = _("waste disposed records")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "plant", "area", "source_code"], name="waste_disposed_once"
            ),
            models.CheckConstraint(condition=Q(tonnes__gt=0), name="waste_disposed_gt_0"),
        ]
        indexes = [models.Index(fields=["area", "source_code", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.plant_id}: {self.tonnes}"


class WasteDay(models.Model):
    """The daily cycle's balance of one area (a district, or the city) on one day."""

    day = models.DateField(_("day"))
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    generated = models.FloatField(_("generated"))
    disposed = models.FloatField(_("disposed"))
    backlog = models.FloatField(_("backlog"))
    over_48h = models.FloatField(_("over 48 h"))
    sources_over_48h = models.PositiveIntegerField(_("sources over 48 h"), default=0)
    capacity = models.FloatField(_("capacity"), null=True)
    plant_load = models.FloatField(_("plant load"), null=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("waste day")
        verbose_name_plural = _("waste days")
        constraints = [models.UniqueConstraint(fields=["day", "area"], name="waste_day_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.area_id}: {self.backlog}"
