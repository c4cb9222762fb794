"""Supervision: visits and findings, accountability, escalations, rates, signals, phase plans.

Every follow-up is a :class:`warroom.tasks.models.Task` (the one mechanism of work with an
owner, a deadline, evidence and a verification by someone else); the models here record
what raised it and what it closes.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.core import personal, words
from warroom.core.scoping import RestrictedManager

# --- data integrity: a quality flag and the task that answers it --------------------------


class FlagTask(AuditedModel):
    """The one task a data-quality flag opened (verify → correct or explain).

    One row per flag and per task, held by the database: the daily step may run twice or
    on two workers, a flag never gets a second task. The task's verification resolves the
    flag (``warroom.supervision.integrity``).
    """

    flag = models.OneToOneField(
        "surveillance.QualityFlag",
        verbose_name=_("flag"),
        on_delete=models.CASCADE,
        related_name="supervision_task",
    )
    task = models.OneToOneField(
        "tasks.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("quality flag task")
        verbose_name_plural = _("quality flag tasks")

    def __str__(self) -> str:
        return f"flag {self.flag_id} → task {self.task_id}"


class DeathRegistration(AuditedModel):
    """A death registered by the civil registry or a hospital with COVID-19 as its cause.

    Cross-matched with the line list's deaths by ID number in the reconciliation: a
    registered death the line list does not hold is a death to add (Wuhan, 17 April).
    """

    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "name": personal.NAME,
        "id_number": personal.ID_NUMBER,
    }

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=32)
    died_on = models.DateField(_("died on"))
    place = models.CharField(_("place of death"), max_length=200, blank=True)
    registered_by = models.CharField(_("registered by"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("death registration")
        verbose_name_plural = _("death registrations")
        constraints = [
            models.UniqueConstraint(fields=["id_number"], name="sup_death_registered_once")
        ]

    def __str__(self) -> str:
        return f"death {self.pk}"


# --- escalation ---------------------------------------------------------------------------


class Escalation(AuditedModel):
    """An overdue task escalated to the level above — once (the unique task settles it)."""

    task = models.OneToOneField(
        "tasks.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    to_area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("escalated to")
    )
    escalated_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    notified = models.PositiveIntegerField(_("people notified"), default=0)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-escalated_at"]

    def __str__(self) -> str:
        return f"task {self.task_id} → {self.to_area_id}"


# --- supervision visits -------------------------------------------------------------------


class UnitKind(models.TextChoices):
    COMPOUND = "compound", _("Compound")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    HOSPITAL = "hospital", _("Designated hospital")
    SHELTER = "shelter", _("Shelter hospital")
    QUARANTINE = "quarantine", _("Quarantine site")
    PRISON = "prison", _("Prison")
    CARE_HOME = "care_home", _("Care home")
    WELFARE_HOME = "welfare_home", _("Welfare home")
    PSYCHIATRIC = "psychiatric", _("Psychiatric hospital")


# The unit kinds by what they are: an area of the tree, a facility of the beds registry
# (the bed kind it must be), a special place of this app's registry.
AREA_KINDS: tuple[str, ...] = ("compound", "community", "street")
FACILITY_KINDS: dict[str, str] = {
    "hospital": "DESIGNATED",
    "shelter": "SHELTER",
    "quarantine": "QUARANTINE",
}
SPECIAL_KINDS: tuple[str, ...] = ("prison", "care_home", "welfare_home", "psychiatric")
SPECIAL_CHOICES = [c for c in UnitKind.choices if c[0] in SPECIAL_KINDS]


class SpecialPlace(AuditedModel):
    """A special place (特殊场所): prison, care home, welfare home, psychiatric hospital."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=SPECIAL_CHOICES,
    )
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    residents = models.PositiveIntegerField(_("residents"), null=True, blank=True)
    staff = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("special place")
        verbose_name_plural = _("special places")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:place", args=[self.pk])


class SupervisionChecklist(AuditedModel):
    """A versioned checklist for one kind of unit (as the communities' checklists are)."""

    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    version = models.PositiveIntegerField(_("version"))
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("supervision checklist")
        verbose_name_plural = _("supervision checklists")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="sup_checklist_version")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class SupervisionItem(AuditedModel):
    checklist = models.ForeignKey(
        SupervisionChecklist,
        verbose_name=_("checklist"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    code = models.CharField(_("code"), max_length=32)
    text_zh = models.CharField(_("Chinese text"), max_length=300)
    text_en = models.CharField(_("English text"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="sup_item_code_once")
        ]

    def __str__(self) -> str:
        return self.code


class Visit(AuditedModel):
    """A supervision visit (督导检查) of one unit, announced or unannounced (明察暗访)."""

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    unit_kind = models.CharField(_("unit"), max_length=16, choices=UnitKind.choices)
    facility = models.ForeignKey(
        "beds.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        SpecialPlace,
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    checklist = models.ForeignKey(
        SupervisionChecklist,
        verbose_name=_("checklist"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    date = models.DateField(_("date"))
    announced = models.BooleanField(_("announced"), default=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inspector_level = models.CharField(_("by level"), max_length=16)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["date"], name="sup_visit_date_idx")]

    def __str__(self) -> str:
        return f"{self.unit_kind} {self.area_id} {self.date}"

    @property
    def unit_name(self) -> str:
        if self.place_id:
            return self.place.name  # type: ignore[union-attr]
        if self.facility_id:
            return self.facility.name  # type: ignore[union-attr]
        return self.area.name_zh

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:visit", args=[self.pk])


class VisitResult(AuditedModel):
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_path = "visit__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("visit result")
        verbose_name_plural = _("visit results")
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="sup_result_once")]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.item_id} {self.passed}"


class Finding(AuditedModel):
    """One problem a visit found, and the rectification task that answers it (问题台账)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        SupervisionItem,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    problem = models.TextField(_("problem"))
    # The problem as the platform words it (the failed item, in each language, and the
    # inspector's note as typed): warroom.core.words.
    problem_words = models.JSONField(_("problem (words)"), null=True, blank=True, editable=False)
    task = models.OneToOneField(
        "tasks.Task", on_delete=models.PROTECT, related_name="+", verbose_name=_("task")
    )
    created_at = models.DateTimeField(_("found at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at", "-pk"]

    problem_shown = words.Shown("problem")

    def __str__(self) -> str:
        return self.problem[:60]

    @property
    def closed(self) -> bool:
        return self.task.status == "verified"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:finding", args=[self.pk])


# --- accountability and commendation ------------------------------------------------------


class Decision(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    PROMOTION = "promotion", _("Promotion on the front line (火线提拔)")
    REMINDER = "reminder", _("Admonishing talk")
    WARNING = "warning", _("Warning")
    DEMERIT = "demerit", _("Demerit")
    REMOVAL = "removal", _("Removal from post")
    DISMISSAL = "dismissal", _("Dismissal")


POSITIVE_DECISIONS = (Decision.COMMENDATION, Decision.PROMOTION)


class AccountabilityRecord(AuditedModel):
    """A decision of accountability (问责) or commendation, with its grounds and authority.

    Visible only to users with the ``accountability`` capability whose jurisdiction
    contains its area; everyone else gets 404.
    """

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    subject = models.CharField(_("person"), max_length=100)
    position = models.CharField(_("position"), max_length=200, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    grounds = models.TextField(_("grounds"))
    authority = models.CharField(_("decided by"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    findings = models.ManyToManyField(
        Finding, verbose_name=_("findings"), blank=True, related_name="+"
    )
    flags = models.ManyToManyField(
        "surveillance.QualityFlag", verbose_name=_("flags"), blank=True, related_name="+"
    )
    references = models.CharField(_("other references (appeals, …)"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.decision}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:record", args=[self.pk])


# --- the three quantities' rates ----------------------------------------------------------


class RateDay(models.Model):
    """One area's rate inputs on one day, as the daily cycle counted them (idempotent)."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    counts = models.JSONField(_("counts"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("rate inputs")
        verbose_name_plural = _("rate inputs")
        constraints = [models.UniqueConstraint(fields=["area", "day"], name="sup_rateday_once")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}"


class RateTarget(AuditedModel):
    """A target headquarters set for one rate (the latest per area and metric holds)."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(_("rate"), max_length=32)
    value = models.FloatField(_("target"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("rate target")
        verbose_name_plural = _("rate targets")
        ordering = ["metric", "-set_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.metric} {self.value}"


# --- signals and the four risks -----------------------------------------------------------


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")


class Signal(AuditedModel):
    """One emerging problem over its threshold, in one area on one day, with its evidence."""

    name = models.CharField(_("signal"), max_length=48)
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    value = models.FloatField(_("value"))
    threshold = models.FloatField(_("threshold"))
    message = models.TextField(_("message"))
    # The message as its id and values (warroom.core.words), shown in the reader's language.
    message_words = models.JSONField(_("message (words)"), null=True, blank=True, editable=False)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    message_shown = words.Shown("message")

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-day", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "area", "day"], name="sup_signal_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.area_id} {self.day}"


class RiskKind(models.TextChoices):
    SOCIAL_CONFLICT = "social_conflict", _("Social conflict")
    ECONOMIC_DISPUTES = "economic_disputes", _("Economic disputes")
    PUBLIC_SAFETY = "public_safety", _("Public-safety rebound")
    TRAUMA = "trauma", _("Psychological trauma")


class RiskOwner(AuditedModel):
    """Who answers for one of the four major risks (四大风险) in an area."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("risk"), max_length=24, choices=RiskKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("risk owner")
        verbose_name_plural = _("risk owners")
        constraints = [models.UniqueConstraint(fields=["area", "kind"], name="sup_risk_owner_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.owner_id}"


# --- phase plans (阶段性谋划) ----------------------------------------------------------------


class PhasePlan(AuditedModel):
    """Headquarters' campaign for one declared phase, tracked until the next phase."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    phase = models.CharField(_("phase"), max_length=16)
    phase_start = models.DateField(_("phase since"))
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("phase plan")
        verbose_name_plural = _("phase plans")
        ordering = ["-phase_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "phase", "phase_start"], name="sup_phase_plan_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phase} {self.phase_start}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:plan", args=[self.pk])


class PlanItemKind(models.TextChoices):
    KEY_TASK = "key_task", _("Key task")
    DIFFICULTY = "difficulty", _("Difficulty")
    PRACTICAL = "practical", _("Practical matter (实事)")


class PlanItem(AuditedModel):
    plan = models.ForeignKey(
        PhasePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PlanItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    target = models.CharField(_("target"), max_length=200, blank=True)
    task = models.OneToOneField(
        "tasks.Task", verbose_name=_("task"), on_delete=models.PROTECT, related_name="+"
    )

    scope_path = "plan__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "kind", "pk"]

    def __str__(self) -> str:
        return self.title
