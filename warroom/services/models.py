"""Services to residents behind sealed doors (软服务 "三字经"): 增品类、稳物价、优配送、
帮特困、保就医、真关爱.

- Vulnerable residents (帮特困, 真关爱) with their caretaker (包保联系人) and visits.
- Group orders of groceries and medicine per compound (增品类, 优配送).
- A price board of staples per district, with alerts (稳物价).
- Medical-care requests routed to a hospital and tracked to done (保就医).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core import personal
from warroom.core.scoping import RestrictedManager


class Vulnerability(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    DISABLED = "disabled", _("Disabled")
    DIALYSIS = "dialysis", _("Dialysis")
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy")
    PREGNANT = "pregnant", _("Pregnant")
    HARDSHIP = "hardship", _("In hardship")


class VulnerableResident(AuditedModel):
    # Masked on every screen for roles without the capability (warroom.core.personal).
    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "name": personal.NAME,
        "address": personal.ADDRESS,
        "phone": personal.PHONE,
        "caretaker_phone": personal.PHONE,
    }

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Vulnerability.choices)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="vulnerable", verbose_name=_("compound")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The caretaker (包保联系人): a user of the platform, or a named person with a phone.
    caretaker_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cared_for",
        verbose_name=_("caretaker (user)"),
    )
    caretaker_name = models.CharField(_("caretaker"), max_length=64, blank=True)
    caretaker_phone = models.CharField(_("caretaker phone"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("vulnerable resident")
        verbose_name_plural = _("vulnerable residents")
        ordering = ["area", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def has_caretaker(self) -> bool:
        return self.caretaker_user_id is not None or bool(self.caretaker_name)

    @property
    def caretaker_label(self) -> str:
        if self.caretaker_user_id is not None:
            user = self.caretaker_user
            return user.get_full_name() or user.username
        return self.caretaker_name


class Visit(AuditedModel):
    resident = models.ForeignKey(
        VulnerableResident,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visited by"), null=True, on_delete=models.SET_NULL
    )
    needs = models.TextField(_("needs found"), blank=True)
    note = models.TextField(_("note"), blank=True)

    scope_path = "resident__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.at:%Y-%m-%d}"

    @property
    def audit_area_path(self) -> str:
        return self.resident.area.path


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class GroupOrder(AuditedModel):
    """A compound's group order of groceries or medicine (团购)."""

    area = models.ForeignKey(
        "geo.Area",
        on_delete=models.PROTECT,
        related_name="group_orders",
        verbose_name=_("compound"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[("groceries", _("Groceries")), ("medicine", _("Medicine"))],
        default="groceries",
    )
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.ORDERED
    )
    ordered_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL
    )

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("group order")
        verbose_name_plural = _("group orders")
        ordering = ["-ordered_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.get_kind_display()} {self.ordered_at:%Y-%m-%d}"


class OrderItem(AuditedModel):
    order = models.ForeignKey(
        GroupOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="items"
    )
    name = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)

    scope_path = "order__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @property
    def audit_area_path(self) -> str:
        return self.order.area.path

    @property
    def amount(self):  # type: ignore[no-untyped-def]
        return self.quantity * self.unit_price


class PriceObservation(AuditedModel):
    """The price of a staple in a district on a day (the price board, 稳物价)."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="prices", verbose_name=_("district")
    )
    item = models.CharField(_("staple"), max_length=64)
    unit = models.CharField(_("unit"), max_length=16, default="kg")
    date = models.DateField(_("date"))
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
    )

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("price observation")
        verbose_name_plural = _("price observations")
        ordering = ["area", "item", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["area", "item", "date"], name="svc_price_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.date} {self.price}"


class CareKind(models.TextChoices):
    DIALYSIS = "dialysis", _("Dialysis")
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy")
    CHILDBIRTH = "childbirth", _("Childbirth")
    CHRONIC_MEDICINE = "chronic_medicine", _("Chronic medicine")


class CareStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ROUTED = "routed", _("Routed to a hospital")
    DONE = "done", _("Done")


class MedicalRequest(AuditedModel):
    """A resident's need of medical care under closure (保就医), tracked to done."""

    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "person": personal.NAME,
        "phone": personal.PHONE,
    }

    area = models.ForeignKey(
        "geo.Area",
        on_delete=models.PROTECT,
        related_name="medical_requests",
        verbose_name=_("compound"),
    )
    resident = models.ForeignKey(
        VulnerableResident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person = models.CharField(_("person"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    kind = models.CharField(_("care needed"), max_length=20, choices=CareKind.choices)
    hospital = models.CharField(_("hospital"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CareStatus.choices, default=CareStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("medical-care request")
        verbose_name_plural = _("medical-care requests")
        ordering = ["status", "-requested_at"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"
