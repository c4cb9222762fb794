"""Beds (宁可床等人，不能人等床): facilities, their capacity history, occupancy, bed balance.

- :class:`Facility`: a designated hospital, a shelter hospital or a quarantine site, in
  one area (its scope).
- :class:`CapacityChange`: the capacity history, append-only. Capacity of a facility and
  bed type on a day is the sum of the actual changes effective on or before that day;
  planned openings not yet realised are added to form the *schedule* the plan uses.
- :class:`BedReport`: the occupancy a facility reports per day and bed type (the latest
  report of the day wins).
- :class:`BedPool` and :class:`BedReservation`: the live counter of beds taken, the one
  place where "no bed is filled twice" is decided, by the database (see docs/beds.md).
- :class:`BedBalance`: the daily cycle's stored balance per district and bed type.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from warroom.analytics.vocabulary import BED_TYPES
from warroom.audit.mixins import AuditedModel
from warroom.core.scoping import RestrictedManager


class BedType(models.TextChoices):
    # The order is that of warroom.analytics.beds.BED_TYPES (the columns of its arrays).
    ICU = "ICU", _("ICU")
    SEVERE = "SEVERE", pgettext_lazy("bed type", "Severe")
    GENERAL = "GENERAL", _("General ward")
    SHELTER = "SHELTER", _("Shelter")
    QUARANTINE = "QUARANTINE", _("Quarantine room")


BED_TYPE_ORDER: tuple[str, ...] = BED_TYPES  # the choices above, in the analytics' order


class FacilityKind(models.TextChoices):
    DESIGNATED = "DESIGNATED", _("Designated hospital")
    SHELTER = "SHELTER", _("Shelter hospital")
    QUARANTINE = "QUARANTINE", _("Quarantine site")


# The bed types each kind of facility may hold.
KIND_BED_TYPES: dict[str, tuple[str, ...]] = {
    "DESIGNATED": ("ICU", "SEVERE", "GENERAL"),
    "SHELTER": ("SHELTER",),
    "QUARANTINE": ("QUARANTINE",),
}


class FacilityStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    OPEN = "open", _("Open")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


class Facility(AuditedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=FacilityKind.choices)
    operator = models.CharField(_("operator"), max_length=200, blank=True)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="facilities", verbose_name=_("area")
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    contact_name = models.CharField(
        pgettext_lazy("facility", "contact"), max_length=100, blank=True
    )
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FacilityStatus.choices, default=FacilityStatus.PREPARING
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closing_on = models.DateField(_("closing from"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    doctors = models.PositiveIntegerField(_("doctors"), null=True, blank=True)
    nurses = models.PositiveIntegerField(_("nurses"), null=True, blank=True)
    other_staff = models.PositiveIntegerField(_("other staff"), null=True, blank=True)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo, not real data.")
    )
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=F("opened_on")),
                name="beds_facility_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("beds:facility", args=[self.code])

    @property
    def bed_types(self) -> tuple[str, ...]:
        return KIND_BED_TYPES[self.kind]

    @property
    def staff(self) -> int | None:
        parts = [self.doctors, self.nurses, self.other_staff]
        return None if all(p is None for p in parts) else sum(p or 0 for p in parts)


# How an occupancy report came in (BedReport.source): the codes, by their names.
REPORT_SOURCES = {
    "web": pgettext_lazy("report source", "Web form"),
    "api": pgettext_lazy("report source", "API"),
    "import": pgettext_lazy("report source", "File import"),
}


# The notes warroom.twin.facilities writes on the demo's capacity changes, by their names.
TWIN_NOTES = {
    "beds: real total": _("Beds: the published total"),
    "beds: real": _("Beds: the published figure"),
    "synthetic": _("Synthetic (generated for the demo)"),
}


class ChangeKind(models.TextChoices):
    PLANNED = "planned", _("Planned opening")
    OPENING = "opening", _("Opening")
    CONVERSION = "conversion", _("Conversion")
    CLOSURE = "closure", pgettext_lazy("capacity change", "Closure")


class CapacityChange(AuditedModel):
    """One change of a facility's beds of one type, effective from a day. Never edited.

    ``delta`` is signed (+ opens, − closes). A planned opening counts in the schedule
    until an actual opening realises it (``realises``), then only the actual one counts.
    ``level`` keeps the level the planner gave, when the change was entered as one.
    """

    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="capacity_changes",
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    delta = models.IntegerField(_("change in beds"))
    level = models.PositiveIntegerField(_("new level"), null=True, blank=True)
    effective = models.DateField(_("effective from"))
    realises = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="realised_by",
        verbose_name=_("realises the planned opening"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    scope_path = "facility__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("capacity change")
        verbose_name_plural = _("capacity changes")
        ordering = ["effective", "pk"]
        indexes = [models.Index(fields=["effective", "kind"], name="beds_change_eff_kind_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="beds_change_not_zero"),
            models.CheckConstraint(
                condition=Q(realises__isnull=True) | Q(kind="opening"),
                name="beds_change_only_openings_realise",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.bed_type} {self.delta:+d} @ {self.effective}"

    @property
    def note_label(self) -> str:
        """The note a reader sees: the notes the twin writes (warroom.twin.facilities) are
        codes in English, shown by their names; a note a person typed is shown as typed."""
        return str(TWIN_NOTES.get(self.note, self.note))

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("the capacity history is append-only: record a new change instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("the capacity history is append-only: record a new change instead")

    @property
    def audit_area_path(self) -> str:
        return self.facility.area.path


class BedReport(AuditedModel):
    """A facility's occupancy of one bed type on one day; a later report replaces it."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="reports"
    )
    date = models.DateField(_("date"))
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    occupied = models.PositiveIntegerField(_("occupied"))
    free = models.PositiveIntegerField(_("free"))
    capacity = models.PositiveIntegerField(_("capacity on the day"))
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)
    source = models.CharField(_("source"), max_length=16, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    scope_path = "facility__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("bed report")
        verbose_name_plural = _("bed reports")
        ordering = ["-date", "facility_id", "bed_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "date", "bed_type"], name="beds_report_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(occupied__lte=F("capacity")), name="beds_report_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.date} {self.bed_type} {self.occupied}/{self.capacity}"

    @property
    def source_label(self) -> str:
        """How the report came in, by its name (``web``, ``api``, ``import`` are codes)."""
        return str(REPORT_SOURCES.get(self.source, self.source))

    @property
    def audit_area_path(self) -> str:
        return self.facility.area.path


class ReportSubmission(models.Model):
    """An API submission remembered by its ``Idempotency-Key``: a retry gets the same answer."""

    key = models.CharField(_("key"), max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bed report submission")
        verbose_name_plural = _("bed report submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="beds_submission_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class BedPool(models.Model):
    """The live count of beds of one type taken in one facility.

    The database refuses ``occupied > capacity`` (CHECK), and every taking is a
    conditional ``UPDATE ... SET occupied = occupied + n WHERE occupied + n <= capacity``:
    two dispatchers can never fill the same bed, whatever the application does.
    Reports set ``occupied`` to the facility's census; reservations and (next) placements
    move it by conditional updates in between. Audited per reservation, not per update.
    """

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="pools"
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    occupied = models.PositiveIntegerField(_("occupied"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "facility__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("bed pool")
        verbose_name_plural = _("bed pools")
        constraints = [
            models.UniqueConstraint(fields=["facility", "bed_type"], name="beds_pool_per_type"),
            models.CheckConstraint(
                condition=Q(occupied__lte=F("capacity")), name="beds_pool_never_overfilled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.bed_type} {self.occupied}/{self.capacity}"

    @property
    def free(self) -> int:
        return self.capacity - self.occupied


class BedReservation(AuditedModel):
    """Beds held for people on their way (next: one placement per person, see docs/beds.md)."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="reservations"
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    beds = models.PositiveIntegerField(_("beds"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    scope_path = "facility__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("bed reservation")
        verbose_name_plural = _("bed reservations")
        constraints = [models.CheckConstraint(condition=Q(beds__gt=0), name="beds_reserve_some")]

    def __str__(self) -> str:
        return f"{self.facility} {self.bed_type} ×{self.beds}"

    @property
    def audit_area_path(self) -> str:
        return self.facility.area.path


class BedBalance(models.Model):
    """The daily cycle's bed balance of one district and bed type on one day.

    ``waiting`` and ``balance`` are empty when no case data was available (never zero).
    """

    day = models.DateField(_("day"))
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    occupied = models.PositiveIntegerField(_("occupied"))
    free = models.IntegerField(_("free"))
    waiting = models.PositiveIntegerField(_("waiting"), null=True, blank=True)
    balance = models.IntegerField(_("balance"), null=True, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("bed balance")
        verbose_name_plural = _("bed balances")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area", "bed_type"], name="beds_balance_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.area_id} {self.bed_type} {self.balance}"
