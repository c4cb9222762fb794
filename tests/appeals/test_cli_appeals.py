"""`warroom appeals evaluate` reports accuracy and recall; `escalate` escalates."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from typer.testing import CliRunner

from warroom.appeals.models import Channel
from warroom.appeals.services import do_file_appeal
from warroom.cli import app
from warroom.core.context import SYSTEM


def test_evaluate_prints_accuracy_and_per_class_recall():
    out = CliRunner().invoke(app, ["appeals", "evaluate"])
    assert out.exit_code == 0, out.output
    assert "category: accuracy" in out.output and "admission      recall" in out.output


@pytest.mark.django_db
def test_escalate_escalates_what_is_overdue(city):
    appeal = do_file_appeal(
        channel=Channel.HOTLINE,
        text="孕妇要去医院产检没有车",
        area=city["990101001001001"],
        category="transport",
        urgency="immediate",
        actor=SYSTEM,
    )
    with time_machine.travel(appeal.deadline + dt.timedelta(minutes=1), tick=False):
        assert timezone.now() > appeal.deadline
        out = CliRunner().invoke(app, ["appeals", "escalate"])
    assert out.exit_code == 0 and "1 appeals escalated" in out.output
