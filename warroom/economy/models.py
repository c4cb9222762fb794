"""Zones and levels (分区分级): risk levels by area, grids and rosters, businesses and their
resumption, point-to-point transport and outbound checkpoints. See docs/zones.md."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core import personal, words
from warroom.core.scoping import RestrictedManager


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class AreaRiskLevel(models.Model):
    """One area's risk level on one day: computed by the rule, possibly overridden by HQ."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    computed = models.CharField(_("computed level"), max_length=8, choices=RiskLevel.choices)
    clause = models.CharField(_("rule clause"), max_length=32)
    basis = models.JSONField(_("basis"), default=dict)
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("risk level")
        verbose_name_plural = _("risk levels")
        constraints = [
            models.UniqueConstraint(fields=["area", "date"], name="risk_level_once_per_day")
        ]
        indexes = [models.Index(fields=["date", "level"], name="risk_level_date_idx")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.date} {self.level}"


# --- grids and people sent down (网格化, 干部下沉) --------------------------------------


class Grid(AuditedModel):
    """A grid unit (网格) under a compound: a few buildings and their households."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="grids", verbose_name=_("compound")
    )
    name = models.CharField(_("name"), max_length=100)
    households = models.PositiveIntegerField(_("households"), default=0)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="grid_name_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_area_path(self) -> str:
        return self.area.path


class Duty(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    CADRE = "cadre", _("Cadre sent down")
    VOLUNTEER = "volunteer", _("Volunteer")


class Assignment(AuditedModel):
    """One person on the roster of a compound (and grid): who, from which unit, since when."""

    # The name of who is on duty is posted at the gate; the phone is personal.
    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {"phone": personal.PHONE}

    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    duty = models.CharField(_("duty"), max_length=16, choices=Duty.choices)
    from_unit = models.CharField(_("sent from"), max_length=200, blank=True)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["area", "duty", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.duty})"

    @property
    def audit_area_path(self) -> str:
        return self.area.path


# --- businesses (复工复产) -------------------------------------------------------------


class BusinessCategory(models.TextChoices):
    ESSENTIAL_SUPPLY = "essential_supply", _("Essential supply")
    PUBLIC_UTILITY = "public_utility", _("Public utility")
    MEDICAL_PRODUCTION = "medical_production", _("Medical production")
    EXPORT = "export", _("Export")
    OTHER = "other", _("Other")


class BusinessSize(models.TextChoices):
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class BusinessCensus(models.Model):
    """How many businesses a street has by sector (the twin's ``businesses.csv``): the
    denominator of the resumption shares for businesses not (yet) in the registry."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(_("category"), max_length=24, choices=BusinessCategory.choices)
    count = models.PositiveIntegerField(_("businesses"))

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("business census")
        verbose_name_plural = _("business census")
        constraints = [
            models.UniqueConstraint(fields=["area", "category"], name="census_once_per_sector")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.category} {self.count}"


class Business(AuditedModel):
    """A registered business (市场主体) that may apply to resume work."""

    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "contact_phone": personal.PHONE,
    }

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True)
    category = models.CharField(_("category"), max_length=24, choices=BusinessCategory.choices)
    size = models.CharField(_("size"), max_length=8, choices=BusinessSize.choices)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="businesses", verbose_name=_("location")
    )
    workforce = models.PositiveIntegerField(_("workforce"))
    # Workers by home area code: {"420102": 30, ...} (where they must come from).
    workforce_home = models.JSONField(_("workforce by home area"), default=dict, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="business_credit_code_once",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_area_path(self) -> str:
        return self.area.path


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    CONDITIONAL = "conditional", _("Approved with conditions")
    REFUSED = "refused", _("Refused")
    SUSPENDED = "suspended", _("Suspended")


class ResumptionApplication(AuditedModel):
    """A business's application to resume (复工申请) with its prevention plan and workforce."""

    business = models.ForeignKey(
        Business, verbose_name=_("business"), on_delete=models.CASCADE, related_name="applications"
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    plan = models.JSONField(_("prevention plan"), default=dict)
    workers = models.PositiveIntegerField(_("workers returning"))
    workers_blocked = models.PositiveIntegerField(_("workers not cleared"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default="pending"
    )
    level_at_decision = models.CharField(_("risk level at decision"), max_length=8, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # A reason the platform wrote (a suspension), as its words (warroom.core.words); a
    # reason an officer typed has none.
    reason_words = models.JSONField(_("reason (words)"), null=True, blank=True, editable=False)
    conditions = models.TextField(_("conditions"), blank=True)
    # Conditions the rules set (with an officer's own, as typed), as their words.
    conditions_words = models.JSONField(
        _("conditions (words)"), null=True, blank=True, editable=False
    )
    reason_shown = words.Shown("reason")
    conditions_shown = words.Shown("conditions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_path = "business__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("resumption application")
        verbose_name_plural = _("resumption applications")
        ordering = ["-applied_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.business_id} {self.status}"

    @property
    def audit_area_path(self) -> str:
        return self.business.area.path


# --- point-to-point transport (点对点) and outbound checkpoints -----------------------


class TravellerKind(models.TextChoices):
    RETURNING_WORKER = "returning_worker", _("Returning worker")
    STRANDED = "stranded", _("Stranded in the city")


class TransportStatus(models.TextChoices):
    PENDING = "pending", _("Pending health check")
    CLEARED = "cleared", _("Cleared to travel")
    REFUSED = "refused", _("Refused")
    SEATED = "seated", _("On a trip")
    ARRIVED = "arrived", _("Arrived")


class TransportRequest(AuditedModel):
    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "name": personal.NAME,
        "id_number": personal.ID_NUMBER,
        "phone": personal.PHONE,
    }

    kind = models.CharField(_("kind"), max_length=20, choices=TravellerKind.choices)
    name = models.CharField(_("name"), max_length=64)
    id_number = models.CharField(_("ID number"), max_length=32)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("staying in")
    )
    origin = models.CharField(_("from"), max_length=100)
    destination = models.CharField(_("to"), max_length=100)
    wanted = models.DateField(_("wanted on"))
    status = models.CharField(
        _("status"), max_length=16, choices=TransportStatus.choices, default="pending"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The refusal's reason, as its words (warroom.core.words).
    reason_words = models.JSONField(_("reason (words)"), null=True, blank=True, editable=False)
    reason_shown = words.Shown("reason")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("transport request")
        verbose_name_plural = _("transport requests")
        ordering = ["wanted", "pk"]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}"

    @property
    def audit_area_path(self) -> str:
        return self.area.path


class Trip(AuditedModel):
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("organised by")
    )
    origin = models.CharField(_("from"), max_length=100)
    destination = models.CharField(_("to"), max_length=100)
    date = models.DateField(_("date"))
    vehicle = models.CharField(_("vehicle"), max_length=32, blank=True)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["-date", "pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.origin} → {self.destination}"

    @property
    def audit_area_path(self) -> str:
        return self.area.path


class Seat(models.Model):
    """One traveller on one trip's manifest; a request sits on at most one trip."""

    trip = models.ForeignKey(
        Trip, verbose_name=_("trip"), on_delete=models.CASCADE, related_name="seats"
    )
    request = models.OneToOneField(
        TransportRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="seat"
    )

    scope_path = "trip__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")

    def __str__(self) -> str:
        return f"{self.trip_id}:{self.request_id}"


class CheckpointRecord(AuditedModel):
    """An outbound checkpoint's day (外防输出): vehicles and people checked, turned back."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    checkpoint = models.CharField(_("checkpoint"), max_length=100)
    date = models.DateField(_("date"))
    vehicles = models.PositiveIntegerField(_("vehicles checked"), default=0)
    people = models.PositiveIntegerField(_("people checked"), default=0)
    turned_back = models.PositiveIntegerField(_("turned back"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("checkpoint record")
        verbose_name_plural = _("checkpoint records")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "checkpoint", "date"], name="checkpoint_once_per_day"
            )
        ]
        ordering = ["-date", "checkpoint"]

    def __str__(self) -> str:
        return f"{self.checkpoint} {self.date}"

    @property
    def audit_area_path(self) -> str:
        return self.area.path
