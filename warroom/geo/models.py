"""The area tree: city → district → street → community → compound.

Stored as a materialised path (``/4201/420102/420102002/``): a subtree is one indexed
prefix query, ancestors one ``code IN (...)`` query, at any depth and size.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core.scoping import RestrictedManager


class Level(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")


# The finer kinds within a level (``Area.kind``, an open set read from the area import),
# named for people; a kind not named here is shown as stored.
KIND_LABELS = {
    "city": _("City"),
    "district": _("District"),
    "functional_zone": _("Functional zone"),
    "street": _("Street"),
    "township": _("Township"),
    "town": _("Town"),
    "other": _("Other"),
    "community": _("Community"),
    "village": _("Village"),
    "compound": _("Compound"),
}

LEVEL_ORDER = [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.COMPOUND]
DEPTH = {str(level): i for i, level in enumerate(LEVEL_ORDER)}


class Area(AuditedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # A finer kind within the level: district / functional_zone, street / township /
    # town / other, community / village.
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    polygon = models.JSONField(_("polygon (GeoJSON)"), null=True, blank=True)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo, not real data.")
    )
    path = models.CharField(_("path"), max_length=512, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)

    scope_path = "path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' under
            # any collation; other databases ignore the operator class.
            models.Index(
                fields=["path"], name="geo_area_path_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "path"], name="geo_area_level_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    @property
    def audit_area_path(self) -> str:
        return self.path

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("web:area", args=[self.code])

    def name(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @staticmethod
    def path_for(code: str, parent_path: str | None) -> str:
        return f"{parent_path or '/'}{code}/"

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.strip("/").split("/")[:-1] if c]
