"""The tables of :mod:`warroom.cases.cutoff_states` (imported by ``warroom.cases.models``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CutoffCheckpoint(models.Model):
    """The moment the rows of :class:`CutoffState` stand at (at most one row), and the
    highest id of each history then: a record with a higher id came later (a late file
    back-dated before the moment, or anything after it) and its person is read from the
    history, not from his stored state."""

    moment = models.DateTimeField(_("cut-off"))
    transition_id = models.BigIntegerField(_("last transition id"), default=0)
    isolation_id = models.BigIntegerField(_("last isolation record id"), default=0)
    severity_id = models.BigIntegerField(_("last severity record id"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)  # rows of CutoffState
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        app_label = "cases"
        verbose_name = _("cut-off checkpoint")
        verbose_name_plural = _("cut-off checkpoints")

    def __str__(self) -> str:
        return f"states at {self.moment}"


class CutoffState(models.Model):
    """One person's state at the checkpoint's moment, from his histories (valid time):
    the target of his last step at or before it, his last isolation and severity records'
    values ("" without one), and the moments of his last steps into confirmed, into a
    category and into admitted; and the facts the rates count (ever confirmed, admitted, ...)
    from his records strictly before it.
    Only people with a record at or before the moment."""

    person = models.OneToOneField(
        "cases.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        # Derived, written by the daily step alone: no constraint in the database
        # (docs/performance.md, "Keys the database does not check").
        db_constraint=False,
    )
    status = models.CharField(_("status"), max_length=16, blank=True)
    isolation = models.CharField(_("isolation"), max_length=16, blank=True)
    severity = models.CharField(_("severity"), max_length=16, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    entered_at = models.DateTimeField(_("entered a category at"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    # The rates' facts of the person from his records strictly before the moment, as the
    # rates read them (warroom.cases.cutoff_states.rate_facts, their one definition;
    # supervision's rate counts sum them by home).
    ever_confirmed = models.BooleanField(_("ever confirmed"), default=False)
    ever_admitted = models.BooleanField(_("confirmed, ever admitted"), default=False)
    ever_died = models.BooleanField(_("confirmed, died"), default=False)
    ever_discharged = models.BooleanField(_("confirmed, discharged"), default=False)
    ever_mild = models.BooleanField(_("confirmed, ever mild"), default=False)
    became_severe = models.BooleanField(_("confirmed, severe after mild"), default=False)
    ever_contact = models.BooleanField(_("ever a close contact"), default=False)
    contact_confirmed = models.BooleanField(_("confirmed after contact"), default=False)

    class Meta:
        app_label = "cases"
        verbose_name = _("state at the cut-off")
        verbose_name_plural = _("states at the cut-off")
        # The daily counts read the people in some states (the admitted: a few percent)
        indexes = [models.Index(fields=["status"], name="cases_cutoffstate_status")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.status}"
