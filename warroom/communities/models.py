"""Closed management, inspections, epidemic-free certification and reopening.

- Closure (封闭管理): each compound's status is a history of rows, never overwritten; the
  current status is the latest row.
- Inspections (四严, 六个到位): checklists with versioned items; a failed item becomes a
  rectification task (``warroom.tasks``).
- Certification (无疫情, DESIGN §3.6): one row per area per day with the reasons for a
  unit that is not certified; a log of every change of status.
- Reopening (解封): a certified unit applies, the level above decides.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core import personal, words
from warroom.core.scoping import RestrictedManager
from warroom.geo.models import Level

# --- closure --------------------------------------------------------------------------


class Closure(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed (managed entry)")
    SEALED = "sealed", _("Sealed by hard barrier")


class ClosureStatus(AuditedModel):
    """One change of a compound's closure status; the latest row is the current one."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="closures", verbose_name=_("area")
    )
    status = models.CharField(_("closure"), max_length=16, choices=Closure.choices)
    since = models.DateTimeField(_("since"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # A note the platform wrote (a reopening), as its words (warroom.core.words); an
    # officer's own note has none.
    note_words = models.JSONField(_("note (words)"), null=True, blank=True, editable=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note_shown = words.Shown("note")

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("closure status")
        verbose_name_plural = _("closure statuses")
        ordering = ["area", "-since", "-pk"]
        indexes = [models.Index(fields=["area", "since"], name="comm_closure_area_since_idx")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.status} {self.since:%Y-%m-%d %H:%M}"


class EntryPoint(AuditedModel):
    """A gate of a closed compound and who is on duty there."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="entry_points", verbose_name=_("area")
    )
    name = models.CharField(_("name"), max_length=100)
    duty_staff = models.CharField(_("duty staff"), max_length=200, blank=True)
    duty_phone = models.CharField(_("duty phone"), max_length=32, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("entry point")
        verbose_name_plural = _("entry points")
        ordering = ["area", "name"]

    def __str__(self) -> str:
        return self.name


class Purpose(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    SUPPLY = "supply", _("Supplies")
    ESSENTIAL_WORK = "essential_work", _("Essential work")
    OTHER = "other", _("Other")


class GatePass(AuditedModel):
    """A household's pass through its compound's gates (出入证): for whom, what for, how long.

    Under 全部封闭管理 one member of a household went out for supplies every few days with
    such a pass; the gate keeper checks it at each passage (``EntryExitRecord.pass_check``).
    """

    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {"holder": personal.NAME}

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="gate_passes", verbose_name=_("compound")
    )
    number = models.CharField(_("pass number"), max_length=32, unique=True)
    household = models.CharField(_("household"), max_length=100)
    holder = models.CharField(_("holder"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("gate pass")
        verbose_name_plural = _("gate passes")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def audit_area_path(self) -> str:
        return self.area.path


class PassCheck(models.TextChoices):
    NONE = "", _("No pass shown")
    VALID = "valid", _("Valid pass")
    EXPIRED = "expired", _("Pass not valid on this day")
    REVOKED = "revoked", _("Pass revoked")
    UNKNOWN = "unknown", _("Unknown pass number")
    ELSEWHERE = "elsewhere", _("Pass of another compound")


class EntryExitRecord(AuditedModel):
    """One passage through a gate, by purpose (严管人员出入)."""

    entry_point = models.ForeignKey(
        EntryPoint, on_delete=models.PROTECT, related_name="records", verbose_name=_("entry point")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    direction = models.CharField(
        _("direction"), max_length=3, choices=[("in", _("In")), ("out", _("Out"))]
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    person = models.CharField(_("person"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    gate_pass = models.ForeignKey(
        GatePass,
        verbose_name=_("gate pass"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="passages",
    )
    pass_check = models.CharField(
        _("pass check"), max_length=16, choices=PassCheck.choices, blank=True, default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path = "entry_point__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("entry/exit record")
        verbose_name_plural = _("entry/exit records")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.direction} {self.purpose} {self.at:%Y-%m-%d %H:%M}"

    @property
    def audit_area_path(self) -> str:
        return self.entry_point.area.path


# --- inspections ----------------------------------------------------------------------


class ChecklistKind(models.TextChoices):
    FOUR_STRICT = "four_strict", _("Four strict rules (四严)")
    SIX_IN_PLACE = "six_in_place", _("Six in place (六个到位)")


class Checklist(AuditedModel):
    """One version of a checklist. A new version is a new row; inspections keep theirs."""

    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistKind.choices)
    version = models.PositiveIntegerField(_("version"))
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="comm_checklist_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ChecklistItem(AuditedModel):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("code"), max_length=32)
    # The rule or "in place" area the item belongs to (e.g. publicity, closure).
    category = models.CharField(_("category"), max_length=32)
    text_zh = models.CharField(_("Chinese text"), max_length=300)
    text_en = models.CharField(_("English text"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="comm_item_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text_zh}"

    def text(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.text_en:
            return self.text_en
        return self.text_zh


class Inspection(AuditedModel):
    """One inspection of a compound against one checklist version."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("area")
    )
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistKind.choices)
    date = models.DateField(_("date"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The inspector's level when inspecting: street, district or city (headquarters).
    inspector_level = models.CharField(
        _("inspected by level"), max_length=16, choices=Level.choices
    )
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["kind", "area", "date"], name="comm_insp_kind_area_date_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("communities:inspection", args=[self.pk])


class InspectionResult(AuditedModel):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_path = "inspection__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection", "item__order"]

    def __str__(self) -> str:
        return f"{self.item.code}: {'✓' if self.passed else '✗'}"

    def get_absolute_url(self) -> str:
        return self.inspection.get_absolute_url()

    @property
    def audit_area_path(self) -> str:
        return self.inspection.area.path


# --- certification --------------------------------------------------------------------


class Certification(models.TextChoices):
    CERTIFIED = "certified", _("Epidemic-free")
    NOT_CERTIFIED = "not_certified", _("Not certified")
    UNKNOWN = "unknown", _("Unknown: no case data")


class CertificationStatus(models.Model):
    """An area's epidemic-free status on one day, with the reasons when not certified.

    Written in bulk by the daily recompute (one audit entry per batch) and changed at
    once by a new case (audited per row). ``reasons`` maps a reason code to its figure,
    e.g. ``{"recent_case": "2020-03-01", "children": [3, 12]}``.
    """

    # No index of its own: the unique (area, date) serves every lookup by area, and a
    # second B-tree by area took a scattered insert per row of each day's 10,600 (SQLite:
    # the day's write 2.6x slower, its commit 2.4x).
    # Derived, rewritten by the daily recompute: no foreign-key constraint in the database
    # either (docs/performance.md, "Keys the database does not check").
    area = models.ForeignKey(
        "geo.Area",
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("area"),
        db_index=False,
        db_constraint=False,
    )
    date = models.DateField(_("date"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    status = models.CharField(_("status"), max_length=16, choices=Certification.choices)
    reasons = models.JSONField(_("reasons"), default=dict, blank=True)
    certified_since = models.DateField(_("certified since"), null=True, blank=True)
    children_total = models.PositiveIntegerField(_("children total"), default=0)
    children_certified = models.PositiveIntegerField(_("children certified"), default=0)
    # Units of each level in the subtree (the unit included): {"compound": [certified,
    # total], ...}; read by the overview and the tree without scanning the subtree.
    subtree_counts = models.JSONField(_("subtree counts"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("certification status")
        verbose_name_plural = _("certification statuses")
        ordering = ["-date", "area"]
        constraints = [
            models.UniqueConstraint(fields=["area", "date"], name="comm_cert_once_per_day")
        ]
        indexes = [
            models.Index(fields=["date", "level", "status"], name="comm_cert_date_level_idx")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.date} {self.status}"

    @property
    def audit_area_path(self) -> str:
        return self.area.path

    @property
    def reason_texts(self) -> list[str]:
        from warroom.communities.certification import describe_reasons

        return describe_reasons(self.reasons)

    def days_certified(self, on: Any = None) -> int:
        if self.status != Certification.CERTIFIED or self.certified_since is None:
            return 0
        return ((on or self.date) - self.certified_since).days + 1


class CertificationEvent(models.Model):
    """The log of certification: a unit certified, losing it, decertified by a new case."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(
        _("event"),
        max_length=16,
        choices=[
            ("certified", _("Certified")),
            ("lost", _("Certification lost")),
            ("decertified", _("Decertified by a new case")),
        ],
    )
    reason = models.TextField(_("reason"), blank=True)
    # A decertification's reason (the new case), as its words (warroom.core.words); a lost
    # certification's reason is its reason codes, named in the reader's language.
    reason_words = models.JSONField(_("reason (words)"), null=True, blank=True, editable=False)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("certification event")
        verbose_name_plural = _("certification events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.kind} {self.date}"

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language: its words, a lost certification's reason
        codes named, else the text as written."""
        if self.reason_words is None and self.kind == "lost":
            from warroom.communities.certification import name_reason_codes

            return name_reason_codes(self.reason)
        return words.shown(self.reason, self.reason_words)


# --- reopening ------------------------------------------------------------------------


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReopeningApplication(AuditedModel):
    """A certified unit asks to reopen (解封); the level above decides."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="reopenings", verbose_name=_("area")
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # The conditions as checked when applying (and again when deciding).
    checks = models.JSONField(_("conditions"), default=dict)
    status = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("reopening application")
        verbose_name_plural = _("reopening applications")
        ordering = ["-applied_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.status}"
