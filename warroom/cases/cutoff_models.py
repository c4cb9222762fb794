"""The tables of :mod:`warroom.cases.cutoff_states` (imported by ``warroom.cases.models``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CutoffCheckpoint(models.Model):
    """The moment the rows of :class:`CutoffState` stand at (at most one row), and the
    highest id of each history then: a record with a higher id came later (a late file
    back-dated before the moment, or anything after it) and its person is read from the
    history, not from his stored state."""

    moment = models.DateTimeField()
    transition_id = models.BigIntegerField(default=0)
    isolation_id = models.BigIntegerField(default=0)
    severity_id = models.BigIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)  # rows of CutoffState
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "cases"

    def __str__(self) -> str:
        return f"states at {self.moment}"


class CutoffState(models.Model):
    """One person's state at the checkpoint's moment, from his histories (valid time):
    the target of his last step at or before it, his last isolation and severity records'
    values ("" without one), and the moments of his last steps into confirmed, into a
    category and into admitted. Only people with a record at or before the moment."""

    person = models.OneToOneField(
        "cases.Person", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    status = models.CharField(max_length=16, blank=True)
    isolation = models.CharField(max_length=16, blank=True)
    severity = models.CharField(max_length=16, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    entered_at = models.DateTimeField(null=True, blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "cases"

    def __str__(self) -> str:
        return f"{self.person_id}: {self.status}"
