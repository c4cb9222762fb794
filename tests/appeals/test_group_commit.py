"""The public intake's group commit: concurrent submissions of one server process are
written together, each stored exactly once, a bad one failing alone."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connections

from warroom.appeals import services
from warroom.appeals.models import Appeal, AppealEvent, AppealStatus
from warroom.audit.models import AuditEntry
from warroom.audit.services import verify_chain
from warroom.core.errors import InvalidInput

PLACE = "甲区 受害小区 3栋"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_are_written_together_each_once(city, monkeypatch):
    """Six senders at once: the first leads alone and is held until the five others have
    queued; the next leader takes the five and writes them in one transaction."""
    n = 6
    first_group = threading.Event()
    write = services._write_public

    def held_first(group):
        if not first_group.is_set():
            first_group.set()
            deadline = time.monotonic() + 20
            while len(services._GROUP.queue) < n - 1 and time.monotonic() < deadline:
                time.sleep(0.01)
        write(group)

    monkeypatch.setattr(services, "_write_public", held_first)
    answers: dict[int, services.PublicIntake | BaseException] = {}

    def send(i: int) -> None:
        try:
            if i:
                first_group.wait(timeout=20)  # the first sender leads
            answers[i] = services.file_public(
                client=f"198.51.100.{i}", text=f"小区团购的大米没送到，第{i}栋", place_text=PLACE
            )
        except BaseException as exc:
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(a, services.PublicIntake) for a in answers.values()), answers
    numbers = {i: a.appeal.number for i, a in answers.items()}  # type: ignore[union-attr]
    assert len(set(numbers.values())) == n
    stored = Appeal.objects.filter(text__startswith="小区团购")
    assert sorted(stored.values_list("number", flat=True)) == sorted(numbers.values())
    for i, number in numbers.items():  # each sender got its own appeal, stored once
        assert stored.get(number=number).text.endswith(f"第{i}栋")
    assert AppealEvent.objects.filter(appeal__in=stored, kind="received").count() == n
    entries = AuditEntry.objects.filter(object_type="appeals.appeal", action="create")
    assert entries.count() == 2  # the lone leader's, then the group's
    group = entries.order_by("seq").last()
    assert group.object_repr == f"{n - 1} rows" and group.message == f"{n - 1} appeals filed"
    others = sorted(v for i, v in numbers.items() if i)
    assert sorted(json.loads(group.after)["numbers"]) == others
    assert verify_chain().ok
    assert not services._GROUP.busy and not services._GROUP.queue


@pytest.mark.django_db
def test_a_bad_submission_fails_alone_and_the_rate_limit_counts_each(city, settings, monkeypatch):
    """One group: a bad phone (its own error), a submission the write path chokes on (the
    group is written again one by one: it fails alone), a flood's held and refused ones."""
    settings.WARROOM_APPEAL_RATE = 2
    settings.WARROOM_APPEAL_HOLD = 3
    link = services._link_batch

    def choking(new):
        if any("故障" in a.text for a in new):
            raise RuntimeError("the write path failed")
        link(new)

    monkeypatch.setattr(services, "_link_batch", choking)
    sent = [
        ("203.0.113.1", "需要买药", "13800138000"),
        ("203.0.113.2", "电话写错了", "not a phone"),
        ("203.0.113.3", "故障的一条", ""),
        ("198.51.100.9", "洪水一", ""),
        ("198.51.100.9", "洪水二", ""),
        ("198.51.100.9", "洪水三", "not a phone"),  # held: kept as typed
        ("198.51.100.9", "洪水四", ""),  # above the ceiling: refused
    ]
    group = [
        services._waiting(
            client,
            services.AppealIn(
                channel="web", text=text, place_text=PLACE, caller_phone=phone, held_reason=""
            ),
        )
        for client, text, phone in sent
    ]
    services._write_public(group)
    outcomes: list[object] = []
    for one in group:
        try:
            outcomes.append(services._outcome(one))
        except (InvalidInput, RuntimeError) as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes[1] == "InvalidInput" and outcomes[2] == "RuntimeError"
    verdicts = [o.verdict for o in outcomes if isinstance(o, services.PublicIntake)]
    assert verdicts == ["accept", "accept", "accept", "hold", "refuse"]
    stored = {a.text: a for a in Appeal.objects.all()}
    assert sorted(stored) == sorted(["需要买药", "洪水一", "洪水二", "洪水三"])
    assert stored["洪水三"].status == AppealStatus.HELD
    assert stored["洪水三"].held_reason == "rate_limit"
    assert stored["洪水三"].caller_phone == "not a phone"
    assert stored["需要买药"].area.code == "990101001001001"  # routed as one alone
    # Written one by one after the group failed: an audit entry each, none twice.
    assert AuditEntry.objects.filter(object_type="appeals.appeal").count() == 4
