"""People in the four categories, their transitions, samples, contacts and the clearance.

Scope: a person belongs to his home compound (``scope_path = "home__path"``); his
samples, transitions, contacts and records follow him.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warroom.audit.mixins import AuditedModel
from warroom.cases.states import Category, Isolation, Severity, Status
from warroom.core import personal, words
from warroom.core.choices import LabelledChoices
from warroom.core.scoping import RestrictedManager


class IdType(LabelledChoices):
    RESIDENT = "resident", _("Resident ID")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class Sex(LabelledChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class Vulnerability(LabelledChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    DISABLED = "disabled", _("Disabled")
    PREGNANT = "pregnant", _("Pregnant")
    CHRONIC = "chronic", _("Chronic illness")
    CHILD = "child", _("Child without carer")


QUARANTINE_STATUSES = (
    Status.FEBRILE,
    Status.FEBRILE_TESTED,
    Status.SUSPECTED,
    Status.CONTACT,
    Status.QUARANTINED,
)


# Who waits for a bed (the rule of :mod:`warroom.cases.waiting`, which re-exports it; here
# for the partial index of the people waiting, which dispatch reads every round).
def waiting_filter(prefix: str = "") -> Q:
    """The people waiting now (``prefix``: the lookup to the person, e.g. ``"person__"``)."""
    return Q(**{f"{prefix}merged_into__isnull": True}) & (
        Q(**{f"{prefix}status": Status.CONFIRMED})
        | (
            Q(**{f"{prefix}status__in": QUARANTINE_STATUSES})
            & ~Q(**{f"{prefix}isolation__in": (Isolation.QUARANTINE, Isolation.HOSPITAL)})
        )
    )


class Person(AuditedModel):
    """A person in (or once in) the four categories. ``version`` guards concurrent edits."""

    # Masked on every screen for roles without the capability (warroom.core.personal).
    personal_fields: ClassVar[dict[str, personal.PersonalField]] = {
        "name": personal.NAME,
        "id_number": personal.ID_NUMBER,
        "phone": personal.PHONE,
        "birth_date": personal.BIRTH_DATE,
    }

    name = models.CharField(_("name"), max_length=100)
    id_type = models.CharField(
        _("ID type"), max_length=16, choices=IdType.choices(), default=IdType.RESIDENT
    )
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices(), default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    home = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="residents", verbose_name=_("home")
    )
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    vulnerability = models.JSONField(_("vulnerability"), default=list, blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices(), blank=True)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices(), blank=True
    )
    status_since = models.DateTimeField(_("status since"), null=True, blank=True)
    category_since = models.DateTimeField(_("category since"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices(), blank=True
    )
    isolation = models.CharField(
        _("isolation"), max_length=16, choices=Isolation.choices(), default=Isolation.NONE
    )
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    isolation_until = models.DateTimeField(_("isolation until"), null=True, blank=True)
    # The seam for the beds app: a facility as free text and its area for now; beds will
    # add a foreign key to its Facility/Bed and fill these from it.
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    facility_area = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("facility area"),
    )
    # Tests: when the next test falls due (None: no test owed). A person's samples and
    # treatment days are their own rows (Sample, TreatmentRecord, indexed by person): the
    # person is not rewritten for each sample taken or day treated.
    next_test_due = models.DateTimeField(_("next test due"), null=True, blank=True)
    test_schedule = models.JSONField(
        _("test schedule"), default=list, blank=True
    )  # the later due times (ISO)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        db_index=False,  # the partial index below: almost nobody is merged
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    scope_path = "home__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                condition=~Q(id_number=""),
                name="cases_person_one_per_document",
            )
        ]
        indexes = [
            models.Index(fields=["status", "home"], name="cases_person_status_home"),
            # The people waiting for a bed or a room: tens of thousands of 344,000 at the
            # peak, read by each dispatch round (not a scan of every contact ever traced).
            models.Index(fields=["id"], name="cases_person_waiting", condition=waiting_filter()),
            models.Index(fields=["id_number"], name="cases_person_id_number"),
            # Only the merged duplicates: every import that writes people (a day's
            # results update 40,000 of them at the peak) then maintains one index fewer.
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="cases_person_merged",
            ),
        ]
        # PostgreSQL also has ``cases_person_home``: (id) INCLUDE (home_id) of the people not
        # merged (migration 0013, PostgreSQL only: SQLite has no covering indexes), the
        # daily counts' way from a person to his home compound without a scan of the whole
        # table (344,000 wide rows, 96 MB at the whole city's peak).

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"

    @property
    def audit_area_path(self) -> str:
        return self.home.path if self.home_id else ""

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:person", args=[self.pk])


class PersonHistory(models.Model):
    """A valid-time history of one of a person's fields: each row says what the field was
    from ``at`` on, appended by every path that changes it and never rewritten. A past
    day's figures are read from these histories as they stood at the day's cut-off
    (DESIGN §3.2; ``cases.waiting.states_at`` reads them all one way). Each history names
    its own person link (its ``related_name``) and its value columns."""

    at = models.DateTimeField(_("time"))

    scope_path = "person__home__path"
    objects = RestrictedManager()

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class TransitionRecord(PersonHistory):
    """One step of a person through the state machine: when, who, why."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="transitions"
    )
    source = models.CharField(_("from"), max_length=16, blank=True)
    target = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Informational (the name is kept beside it): no constraint in the database (see
        # docs/performance.md, "Keys the database does not check").
        db_constraint=False,
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # A reason the platform wrote (an import's row, a sample taken), as its words
    # (warroom.core.words); a person's own reason has none.
    reason_words = models.JSONField(_("reason (words)"), null=True, blank=True, editable=False)

    reason_shown = words.Shown("reason")

    class Meta(PersonHistory.Meta):
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [
            models.Index(fields=["target", "at"], name="cases_transition_target_at"),
            # The people with a step after a moment (waiting._later, every count of the
            # kept states): by time alone. SQLite cannot seek (target, at) on ``at``.
            models.Index(fields=["at"], name="cases_transition_at"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.source or '∅'} → {self.target}"


class IsolationRecord(PersonHistory):
    """Where a person was isolated from ``at`` on (none, home, a quarantine site, a
    hospital): the valid-time history of centralised isolation, appended by every path
    that changes ``Person.isolation`` (one person or a bulk import or dispatch). A past
    day's waiting list and isolate backlog are read from it (DESIGN §3.2)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="isolations"
    )
    isolation = models.CharField(_("isolation"), max_length=16, choices=Isolation.choices())
    facility = models.CharField(_("facility"), max_length=200, blank=True)

    class Meta(PersonHistory.Meta):
        verbose_name = _("isolation")
        verbose_name_plural = _("isolations")
        indexes = [
            models.Index(fields=["person", "at"], name="cases_isolation_person_at"),
            # The people with a record after a moment (a day's cut-off: none or a few,
            # warroom.cases.waiting._later), asked by each count of the kept states: without
            # it a scan of the whole history each time (60 ms at the whole city's peak).
            models.Index(fields=["at"], name="cases_isolation_at"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.isolation} ({self.at})"


class TestDueRecord(PersonHistory):
    """When a person's next test fell due, from ``at`` on (``due`` None: no test owed):
    the valid-time history of ``Person.next_test_due``, appended by every path that
    changes it (a transition, a sample taken, a result, a bulk import). A past day's
    test backlog is read from it (DESIGN §3.2)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="test_dues"
    )
    due = models.DateTimeField(_("next test due"), null=True, blank=True)

    class Meta(PersonHistory.Meta):
        verbose_name = _("test due")
        verbose_name_plural = _("tests due")
        indexes = [
            models.Index(fields=["person", "at"], name="cases_testdue_person_at"),
            models.Index(fields=["at"], name="cases_testdue_at"),  # (as IsolationRecord's)
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.due} ({self.at})"


class SeverityRecord(PersonHistory):
    """The history of a patient's severity (kept, never overwritten)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="severities"
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices())
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta(PersonHistory.Meta):
        verbose_name = _("severity record")
        verbose_name_plural = _("severity records")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.severity}"


class TreatmentRecord(AuditedModel):
    """A day's treatment record of an admitted patient (the 'treat' duty)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="treatments"
    )
    date = models.DateField(_("date"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    scope_path = "person__home__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("treatment record")
        verbose_name_plural = _("treatment records")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["person", "date"], name="cases_treatment_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.date}"

    @property
    def audit_area_path(self) -> str:
        return self.person.home.path


class SampleKind(LabelledChoices):
    NUCLEIC_ACID = "nucleic_acid", _("Nucleic acid")
    ANTIBODY = "antibody", _("Antibody")
    CT = "ct", _("CT scan")


class Result(LabelledChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")


class Sample(AuditedModel):
    """A sample (or a CT scan) and its result; ``result`` empty until reported."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="samples"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SampleKind.choices())
    lab = models.CharField(_("lab"), max_length=200, blank=True)
    code = models.CharField(_("sample code"), max_length=64, blank=True)
    taken_at = models.DateTimeField(_("taken at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices(), blank=True)

    scope_path = "person__home__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["-taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "code"], condition=~Q(code=""), name="cases_sample_code_per_lab"
            )
        ]
        indexes = [models.Index(fields=["result", "taken_at"], name="cases_sample_pending")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code or self.pk}"

    @property
    def audit_area_path(self) -> str:
        return self.person.home.path


class Setting(LabelledChoices):
    HOUSEHOLD = "household", _("Household")
    WORK = "work", _("Work")
    HOSPITAL = "hospital", _("Hospital")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class ContactLink(AuditedModel):
    """An exposure: ``contact`` met ``case`` (the index) on ``exposure_date``."""

    case = models.ForeignKey(
        Person, verbose_name=_("case"), on_delete=models.CASCADE, related_name="contacts_out"
    )
    contact = models.ForeignKey(
        Person, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="exposures"
    )
    exposure_date = models.DateField(_("exposure date"))
    setting = models.CharField(_("setting"), max_length=16, choices=Setting.choices())
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    scope_path = "contact__home__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["case", "contact"], name="cases_contact_once"),
            models.CheckConstraint(condition=~Q(case=models.F("contact")), name="cases_no_self"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.contact_id}"

    @property
    def audit_area_path(self) -> str:
        return self.contact.home.path


class Duty(LabelledChoices):
    ADMIT = "admit", _("Admit")
    ISOLATE = "isolate", _("Isolate")
    TEST = "test", _("Test")
    TREAT = "treat", _("Treat")


class ClearanceRun(models.Model):
    """One computation of a day's clearance: its cut-off, parameters and when it ran."""

    date = models.DateField(_("date"), unique=True)
    cutoff = models.DateTimeField(_("cut-off"))
    computed_at = models.DateTimeField(_("computed at"))
    people = models.PositiveIntegerField(_("people in backlog"), default=0)
    params = models.JSONField(_("params"), default=dict)
    # What was issued for a day is never overwritten (DESIGN §3.2): a recomputation with
    # other numbers is the next revision; the rows it replaces are kept as a
    # ClearanceRevision. ``changes`` and ``reason`` as on the briefing.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    digest = models.CharField(_("digest"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.JSONField(_("reason"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clearance run")
        verbose_name_plural = _("clearance runs")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"clearance {self.date}"


class ClearanceRevision(models.Model):
    """An earlier revision of a day's clearance, kept as it was issued: its city totals
    and its non-zero rows ``[area id, duty, total, <24 h, 24–48 h, >48 h, priority]``."""

    date = models.DateField(_("date"))
    revision = models.PositiveIntegerField(_("revision"))
    cutoff = models.DateTimeField(_("cut-off"))
    computed_at = models.DateTimeField(_("computed at"))
    city = models.JSONField(_("city"), default=dict)
    rows = models.JSONField(_("rows"), default=list)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.JSONField(_("reason"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clearance revision")
        verbose_name_plural = _("clearance revisions")
        ordering = ["date", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["date", "revision"], name="cases_clearance_rev_once")
        ]

    def __str__(self) -> str:
        return f"clearance {self.date} r{self.revision}"


class ClearanceSnapshot(models.Model):
    """The backlog of one duty in one area at a day's cut-off (only non-zero rows stored)."""

    # Derived, rewritten by the daily cycle alone: no foreign-key constraint in the
    # database (see docs/performance.md, "Keys the database does not check").
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("area"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    date = models.DateField(_("date"))
    duty = models.CharField(_("duty"), max_length=8, choices=Duty.choices())
    total = models.PositiveIntegerField(_("total"), default=0)
    under_24h = models.PositiveIntegerField(_("under 24 h"), default=0)
    from_24_to_48h = models.PositiveIntegerField(_("24 to 48 h"), default=0)
    over_48h = models.PositiveIntegerField(_("over 48 h"), default=0)
    # treat: severe and critical patients in the backlog (first in line)
    priority = models.PositiveIntegerField(_("priority"), default=0)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("clearance snapshot")
        verbose_name_plural = _("clearance snapshots")
        constraints = [
            models.UniqueConstraint(fields=["area", "date", "duty"], name="cases_snapshot_once")
        ]
        indexes = [models.Index(fields=["date", "area"], name="cases_snapshot_date_area")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.date} {self.duty}: {self.total}"


class ScreeningResult(models.Model):
    """One result of mass screening (全员核酸检测), kept as it came: every result of every
    campaign day, keyed by the ID number (most people screened are in no case record).

    Written by the screening import only (``warroom.cases.screening``: ``COPY`` on
    PostgreSQL), never changed. ``(id_type, id_number, taken_at)`` is indexed: a person's
    latest result is one index probe. ``area`` is the home compound the file gave (the
    scope: a district sees the results of its own residents); it has no index of its own,
    so that a day of 1.5 million results writes two indexes, not three, and no database
    foreign key: the import checks every row's home against the city's homes it loaded in
    its own transaction, and areas are never deleted (people, facilities and reports
    protect them), so the 1.5 million deferred checks at commit (25-37 s of a day under
    load) would check nothing the import has not.
    """

    id_type = models.CharField(
        _("ID type"), max_length=16, choices=IdType.choices(), default=IdType.RESIDENT
    )
    id_number = models.CharField(_("ID number"), max_length=32)
    area = models.ForeignKey(
        "geo.Area",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("home"),
    )
    lab = models.CharField(_("lab"), max_length=200)
    code = models.CharField(_("sample code"), max_length=64)
    taken_at = models.DateTimeField(_("taken at"))
    reported_at = models.DateTimeField(_("reported at"))
    result = models.CharField(_("result"), max_length=16, choices=Result.choices())

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        indexes = [
            models.Index(fields=["id_number", "id_type", "taken_at"], name="cases_screening_latest")
        ]

    def __str__(self) -> str:
        return f"{self.lab} {self.code}"


# The per-person states at the latest daily cut-off (issue 21): see warroom.cases.cutoff_states.
from warroom.cases.cutoff_models import CutoffCheckpoint, CutoffState  # noqa: E402, F401
