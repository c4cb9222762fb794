"""Confirm: a dispatcher's confirmation of proposal lines, each placed or refused with
its reason.

A section of the app's ``services`` module, which re-exports it: callers import from there."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.audit.services import record_batch
from warroom.beds.models import Facility
from warroom.cases.models import Person
from warroom.cases.services import (
    BedAssignment,
    do_assign_beds,
)
from warroom.cases.states import Status
from warroom.cases.waiting import is_waiting, need_of
from warroom.core import bulk
from warroom.core.context import is_system
from warroom.core.words import Worded, say, stored_text
from warroom.dispatch._base import (
    HOSPITAL_TYPES,
    _allowed,
    _check_dispatcher,
    _free_many,
    _lock_people_and_placements,
    _lock_pools,
    _take_many,
    _user,
    people_of,
)
from warroom.dispatch.models import (
    LineState,
    Outcome,
    Placement,
    Proposal,
    ProposalLine,
    Refusal,
)
from warroom.dispatch.proposing import LINE_FIELDS, plan_proposal, stamp_seconds, store_proposal

# --- confirm ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    line_id: int
    person_id: int
    refusal: str
    message: str


@dataclass
class Confirmation:
    """What a confirmation did: the placements made and every line refused, with why."""

    proposal_id: int
    placements: list[tuple[int, int, str]] = field(default_factory=list)  # person, facility, type
    refused: list[Refused] = field(default_factory=list)

    @property
    def confirmed(self) -> int:
        return len(self.placements)


@bulk.without_gc
def do_confirm_proposal(
    proposal: Proposal,
    *,
    actor: Any,
    line_ids: list[int] | None = None,
    at: dt.datetime | None = None,
) -> Confirmation:
    """Confirm all the proposed lines of ``proposal`` (or those of ``line_ids``) at once.

    One transaction: a line whose person no longer waits, was placed meanwhile or needs
    another bed type now, or whose bed was taken meanwhile, is refused with that reason;
    every other line becomes a placement, its bed is taken and the person is admitted or
    isolated in case management. Concurrent confirmations of overlapping proposals never
    over-fill a pool and never place a person twice.
    """
    _check_dispatcher(actor)
    at = at or timezone.now()
    result = Confirmation(proposal.pk)
    with transaction.atomic():
        lines_qs = ProposalLine.objects.filter(proposal=proposal, state=LineState.PROPOSED)
        if not is_system(actor):
            lines_qs = lines_qs.filter(person__in=people_of(actor))
        if line_ids is not None:
            lines_qs = lines_qs.filter(pk__in=line_ids)
        lines = bulk.value_rows(
            lines_qs.select_for_update()
            .order_by("pk")
            .values_list("pk", "person_id", "facility_id", "bed_type", "need", "waiting_since")
        )
        if not lines:
            return result
        people, open_now, granted = _decide(lines, result)
        _place_granted(proposal, granted, people, open_now, actor=actor, at=at)
        if granted:
            with bulk.among([ln[0] for ln in granted], integer=True) as keys:
                ProposalLine.objects.filter(pk__in=keys).update(
                    state=LineState.CONFIRMED, decided_at=at, decided_by=_user(actor)
                )
        for code, ids in _by_code(result).items():
            with bulk.among(ids, integer=True) as keys:
                ProposalLine.objects.filter(pk__in=keys).update(
                    state=LineState.REFUSED, refusal=code, decided_at=at, decided_by=_user(actor)
                )
        _record(proposal, result, granted)
    return result


@bulk.without_gc
def do_propose_and_confirm(*, actor: Any, at: dt.datetime | None = None) -> Confirmation:
    """:func:`do_propose` and :func:`do_confirm_proposal` of all its lines, in one
    transaction (the platform's daily dispatch): the same allocation, the same decisions
    under the same locks (people, then pools), but each line is written once, as decided
    (never stored as proposed: nobody else can confirm or refuse it in between)."""
    _check_dispatcher(actor)
    at = at or timezone.now()
    plan = plan_proposal(actor=actor, at=at)
    with transaction.atomic():
        proposal = store_proposal(plan, actor=actor)
        result = Confirmation(proposal.pk)
        # (line key, person, facility, bed type, need, waiting since): the key is the
        # line's position in the plan until the lines are written.
        proposed = [
            (i, ln[0], ln[3], ln[4], ln[1], ln[2])
            for i, ln in enumerate(plan.lines)
            if ln[8] == LineState.PROPOSED
        ]
        people, open_now, granted = _decide(proposed, result) if proposed else ({}, {}, [])
        by = getattr(_user(actor), "pk", None)
        decided: dict[int, tuple[Any, ...]] = {
            ln[0]: (LineState.CONFIRMED, "", "", at, by) for ln in granted
        }
        for r in result.refused:
            decided[r.line_id] = (LineState.REFUSED, r.refusal, "", at, by)
        undecided = ("", "", None, None)
        pk = proposal.pk
        bulk.insert_tuples(
            ProposalLine,
            ["proposal", *LINE_FIELDS],
            [
                (pk, *ln[:8], *decided[i]) if i in decided else (pk, *ln, *undecided)
                for i, ln in enumerate(plan.lines)
            ],
        )
        stamp_seconds(proposal, plan)
        if granted or result.refused:
            line_of = dict(
                bulk.value_rows(
                    ProposalLine.objects.filter(
                        proposal=proposal, state__in=(LineState.CONFIRMED, LineState.REFUSED)
                    ).values_list("person_id", "pk")
                )
            )
            granted = [(line_of[ln[1]], *ln[1:]) for ln in granted]
            result.refused = [
                Refused(line_of[r.person_id], r.person_id, r.refusal, r.message)
                for r in result.refused
            ]
        _place_granted(proposal, granted, people, open_now, actor=actor, at=at)
        _record(proposal, result, granted)
    return result


def _place_granted(
    proposal: Any,
    granted: list[tuple[Any, ...]],
    people: dict[int, Person],
    open_now: dict[int, Placement],
    *,
    actor: Any,
    at: dt.datetime,
) -> None:
    """Place the people of the ``granted`` lines (line, person, facility, bed type, ...)."""
    _place(
        [(ln[1], ln[2], ln[3], ln[0]) for ln in granted],
        people,
        open_now,
        actor=actor,
        at=at,
        reason=say(gettext_noop("dispatch proposal #%(id)s"), id=proposal.pk),
    )


def _decide(
    lines: list[tuple[Any, ...]], result: Confirmation
) -> tuple[dict[int, Person], dict[int, Placement], list[tuple[Any, ...]]]:
    """Decide the proposed ``lines`` (key, person, facility, bed type, need, waiting
    since): lock their people, then the pools (by primary key: no deadlock), refuse with
    the reason each line that cannot be placed (appended to ``result.refused``), take the
    beds of the others. Returns the people locked, their open placements and the lines
    granted (their beds taken), in priority order."""
    people, open_now = _lock_people_and_placements([ln[1] for ln in lines])
    lines = sorted(lines, key=lambda ln: (ln[4], ln[5], ln[0]))  # need, then longest wait
    want: dict[tuple[int, str], list[tuple[Any, ...]]] = defaultdict(list)
    taken_person: set[int] = set()
    for ln in lines:
        pk, pid, fid, bed_type = ln[0], ln[1], ln[2], ln[3]
        p = people.get(pid)
        held = open_now.get(pid)
        need = need_of(p.status, p.severity) if p is not None else None
        if p is None or not is_waiting(p):
            code = (
                Refusal.PLACED
                if held is not None or (p and p.status == Status.ADMITTED)
                else Refusal.NOT_WAITING
            )
            result.refused.append(_refused(pk, pid, code))
        elif pid in taken_person or (held is not None and not _upgrade(held, bed_type)):
            result.refused.append(_refused(pk, pid, Refusal.PLACED))
        elif not _allowed(need, bed_type):
            result.refused.append(_refused(pk, pid, Refusal.NEED_CHANGED))
        else:
            want[(fid, bed_type)].append(ln)
            taken_person.add(pid)
    pools = _lock_pools(set(want))
    taken = _take_many({key: len(asked) for key, asked in want.items()}, pools)
    granted: list[tuple[Any, ...]] = []
    for key in sorted(want, key=lambda k: pools[k].pk if k in pools else 0):
        asked = want[key]
        n = taken[key]
        granted += asked[:n]
        result.refused += [_refused(ln[0], ln[1], Refusal.NO_BED) for ln in asked[n:]]
    return people, open_now, granted


def _by_code(result: Confirmation) -> dict[Any, list[int]]:
    by_code: dict[Any, list[int]] = defaultdict(list)
    for r in result.refused:
        by_code[r.refusal].append(r.line_id)
    return by_code


def _record(proposal: Proposal, result: Confirmation, granted: list[tuple[Any, ...]]) -> None:
    """The confirmation's audit entry (one per batch)."""
    result.placements = [(ln[1], ln[2], ln[3]) for ln in granted]
    record_batch(
        object_type="dispatch.proposal",
        rows=len(granted),
        sha256=hashlib.sha256(
            ",".join(f"{p}:{f}:{t}" for p, f, t in result.placements).encode()
        ).hexdigest(),
        area_path=proposal.area.path,
        action="confirm",
        message=f"proposal #{proposal.pk}: {len(granted)} placed, {len(result.refused)} refused",
        details={
            "proposal": proposal.pk,
            "refused": {c: len(v) for c, v in _by_code(result).items()},
        },
    )


def _refused(line_id: int, person_id: int, code: Any) -> Refused:
    return Refused(line_id, person_id, str(code), str(Refusal(code).label))


def _upgrade(held: Placement, bed_type: str) -> bool:
    """A person in a quarantine room who was confirmed may go to a hospital bed."""
    return held.bed_type == "QUARANTINE" and bed_type in HOSPITAL_TYPES


def _place(
    items: list[tuple[int, int, str, int | None]],
    people: dict[int, Person],
    open_now: dict[int, Placement],
    *,
    actor: Any,
    at: dt.datetime,
    reason: Worded | str,
    note: Worded | str = "",
) -> None:
    """Write the placements of ``items`` (person, facility, bed type, line) whose beds are
    already taken: end the quarantine placements they replace, free those beds, and move
    the people in case management. Set-based."""
    if not items:
        return
    ended = [open_now[pid] for pid, _f, _t, _l in items if pid in open_now]
    if ended:
        with bulk.among([pl.pk for pl in ended], integer=True) as keys:
            Placement.objects.filter(pk__in=keys, ended_at__isnull=True).update(
                ended_at=at, outcome=Outcome.ADMITTED
            )
        counts: dict[tuple[int, str], int] = defaultdict(int)
        for pl in ended:
            counts[(pl.facility_id, pl.bed_type)] += 1
        _free_many(counts)
    note_text = stored_text(note, 300)
    note_words = None if isinstance(note, str) else json.dumps(note.as_json())
    names: dict[int, str] = {}
    areas: dict[int, int] = {}
    for fid, name, area_id in Facility.objects.filter(
        pk__in={f for _p, f, _t, _l in items}
    ).values_list("pk", "name", "area_id"):
        names[fid], areas[fid] = name, area_id
    bulk.insert_tuples(
        Placement,
        [
            "person",
            "facility",
            "bed_type",
            "started_at",
            "line",
            "placed_by",
            "note",
            "note_words",
            "outcome",
        ],
        [
            (pid, fid, t, at, line, getattr(actor, "pk", None), note_text, note_words, "")
            for pid, fid, t, line in items
        ],
    )
    do_assign_beds(
        [
            BedAssignment(people[pid], names[fid], areas[fid], t in HOSPITAL_TYPES)
            for pid, fid, t, _l in items
        ],
        actor=actor,
        reason=reason,
        at=at,
    )
