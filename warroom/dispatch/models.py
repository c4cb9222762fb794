"""Dispatch (病人等床 → 床等病人): proposals of placements and the placements themselves.

- :class:`Proposal`: one run of the allocation over the waiting people and free beds a
  dispatcher may see; its :class:`ProposalLine` rows say who goes where and why (or why
  not), and what the dispatcher decided.
- :class:`Placement`: a person in a bed of one type in one facility, from a time to a
  time (the occupancy). The database holds at most one open placement per person; the
  beds themselves are counted in :class:`warroom.beds.models.BedPool`, which refuses to
  over-fill (docs/dispatch.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from warroom.audit.mixins import AuditedModel
from warroom.beds.models import BedType
from warroom.core import words
from warroom.core.scoping import RestrictedManager


class Need(models.IntegerChoices):
    """What a waiting person needs, in priority order (``warroom.analytics.allocate.Need``)."""

    CRITICAL = 0, pgettext_lazy("need", "Critical")
    SEVERE = 1, pgettext_lazy("need", "Severe")
    CONFIRMED = 2, pgettext_lazy("need", "Confirmed, mild or moderate")
    SUSPECTED = 3, pgettext_lazy("need", "Suspected")
    FEBRILE = 4, pgettext_lazy("need", "Febrile")
    CONTACT = 5, pgettext_lazy("need", "Close contact")


class Proposal(AuditedModel):
    """One allocation run: the placements proposed for everyone waiting at ``created_at``.

    Scoped to the dispatcher's area: the people and beds it covers are those he may see.
    """

    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed at"))
    waiting = models.PositiveIntegerField(_("waiting"), default=0)
    placed = models.PositiveIntegerField(_("placed"), default=0)
    free_beds = models.PositiveIntegerField(_("free beds"), default=0)
    distance_km = models.FloatField(_("total distance (km)"), default=0.0)
    seconds = models.FloatField(_("computed in (s)"), default=0.0)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M}: {self.placed}/{self.waiting}"

    @property
    def audit_area_path(self) -> str:
        return self.area.path


class LineState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("proposal line", "Proposed")
    UNPLACED = "unplaced", pgettext_lazy("proposal line", "No bed")
    CONFIRMED = "confirmed", pgettext_lazy("proposal line", "Confirmed")
    REFUSED = "refused", pgettext_lazy("proposal line", "Refused")


class Refusal(models.TextChoices):
    """Why a proposed line was not confirmed."""

    DISPATCHER = "dispatcher", _("Refused by the dispatcher")
    NOT_WAITING = "not_waiting", _("No longer waiting")
    PLACED = "placed", _("Already placed")
    NEED_CHANGED = "need_changed", _("Need changed since the proposal")
    NO_BED = "no_bed", _("The bed was taken meanwhile")


class ProposalLine(models.Model):
    """One person of a proposal: where he would go and why, or why he stays waiting."""

    # Indexed by ``dispatch_line_state`` (proposal, state): a second index of the column
    # alone would only cost each of the tens of thousands of lines a day one more write.
    # The proposal and the person without a constraint in the database (as a sample's
    # home, warroom.cases.models.Sample): a proposal's lines are written by its two
    # services only, in the transaction that inserts the proposal, for people they have
    # just read, and neither a proposal nor a person is deleted but through the ORM, whose
    # CASCADE deletes the lines first. The checks checked nothing more and were the
    # dispatch's largest cost on PostgreSQL: at the whole city's peak, ~70,000 lines a day
    # (56,000 of them people still waiting), the commit's deferred checks took 0.98 s of a
    # 1.44 s commit (0.06 s without them), each locking the person's row (FOR KEY SHARE).
    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    need = models.PositiveSmallIntegerField(_("need"), choices=Need.choices)
    waiting_since = models.DateTimeField(_("waiting since"))
    facility = models.ForeignKey(
        "beds.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices, blank=True)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    steps_above = models.PositiveSmallIntegerField(_("steps above need"), default=0)
    nearest = models.BooleanField(_("nearest suitable"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=LineState.choices)
    refusal = models.CharField(_("refusal"), max_length=16, choices=Refusal.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path = "person__home__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("proposed placement")
        verbose_name_plural = _("proposed placements")
        ordering = ["need", "waiting_since", "pk"]
        indexes = [models.Index(fields=["proposal", "state"], name="dispatch_line_state")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.facility_id} {self.bed_type} ({self.state})"


class Outcome(models.TextChoices):
    """How a placement ended."""

    DISCHARGED = "discharged", _("Discharged")
    DIED = "died", _("Died")
    RELEASED = "released", _("Released from isolation")
    TRANSFERRED = "transferred", _("Transferred")
    ADMITTED = "admitted", _("Admitted to hospital")
    ENDED = "ended", _("Left (case management)")


class Placement(models.Model):
    """A person in a bed of one type in one facility, from ``started_at`` to ``ended_at``.

    Audited per batch (a confirmation of 20,000 lines is one audit entry) and per single
    placement, transfer or discharge by the services.
    """

    person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    # Indexed by ``dispatch_occupants`` (facility, bed type, end), its first column.
    facility = models.ForeignKey(
        "beds.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="placements",
        db_index=False,
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    line = models.ForeignKey(
        ProposalLine,
        verbose_name=_("line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A note the platform wrote (a facility's report), as its words (warroom.core.words);
    # a dispatcher's own note has none.
    note_words = models.JSONField(_("note (words)"), null=True, blank=True, editable=False)
    note_shown = words.Shown("note")

    scope_path = "person__home__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_at__isnull=True),
                name="dispatch_one_open_placement",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="dispatch_placement_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "bed_type", "ended_at"], name="dispatch_occupants")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.facility_id} {self.bed_type}"
