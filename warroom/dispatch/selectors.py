"""Reading dispatch data with permission: the waiting list, proposals, occupants.

People are read through the cases app's scoped queryset (``Person.objects.restrict``);
proposals through their area, lines and placements through the person's home.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from warroom.analytics.allocate import ALLOWED_BEDS
from warroom.analytics.allocate import Need as AllocNeed
from warroom.beds.models import BED_TYPE_ORDER, BedPool, BedType, Facility
from warroom.cases.models import Person
from warroom.cases.waiting import waiting_people
from warroom.core.errors import NotFound
from warroom.core.scoping import load_for
from warroom.core.today import now as platform_now
from warroom.dispatch.models import LineState, Need, Placement, Proposal, ProposalLine
from warroom.dispatch.services import can_dispatch, facilities_of, people_of

MAX_ID = 2**63 - 1


def _need_label(need: int) -> str:
    return str(Need(need).label)


def _type_label(bed_type: str) -> str:
    return str(BedType(bed_type).label)


def reason(line: ProposalLine) -> str:
    """Why the line goes where it goes (or nowhere), in the reader's language."""
    need = _need_label(line.need)
    if line.state == LineState.UNPLACED or not line.bed_type:
        types = "/".join(_type_label(t.name) for t in ALLOWED_BEDS[AllocNeed(line.need)])
        return _("%(need)s: no %(types)s bed free; waits for the next round.") % {
            "need": need,
            "types": types,
        }
    bed = _type_label(line.bed_type)
    km = f"{line.distance_km or 0:.1f}"
    if line.steps_above:
        return ngettext(
            "%(need)s → %(bed)s, %(steps)d step above need (nothing at need was free), %(km)s km",
            "%(need)s → %(bed)s, %(steps)d steps above need (nothing at need was free), %(km)s km",
            line.steps_above,
        ) % {"need": need, "bed": bed, "steps": line.steps_above, "km": km}
    if line.nearest:
        return _("%(need)s → %(bed)s, nearest with a free %(bed)s bed, %(km)s km") % {
            "need": need,
            "bed": bed,
            "km": km,
        }
    return _(
        "%(need)s → %(bed)s, %(km)s km (the nearer beds went to people of higher priority "
        "or to keep the total distance least)"
    ) % {"need": need, "bed": bed, "km": km}


@dataclass(frozen=True)
class WaitingRow:
    person: Person
    need: int
    waiting_since: dt.datetime

    @property
    def need_label(self) -> str:
        return _need_label(self.need)

    @property
    def hours(self) -> int:
        return max(int((platform_now() - self.waiting_since).total_seconds() // 3600), 0)


def waiting_queryset(user: Any) -> QuerySet[Person]:
    """Everyone waiting in ``user``'s subtree, by priority then wait (annotated with
    ``need`` and ``waiting_since``; the page pages it and the export takes it whole)."""
    return waiting_people(people_of(user)).select_related("home")


def waiting_row(person: Person) -> WaitingRow:
    return WaitingRow(person, person.need, person.waiting_since)  # type: ignore[attr-defined]


def waiting_counts(user: Any) -> dict[int, int]:
    """How many wait per need in ``user``'s subtree."""
    return {
        r["need"]: r["n"]
        for r in waiting_people(people_of(user)).order_by().values("need").annotate(n=Count("pk"))
    }


def waiting_list(user: Any, *, limit: int = 500) -> tuple[list[WaitingRow], dict[int, int]]:
    """The first ``limit`` people waiting in ``user``'s subtree, by priority then wait,
    and how many wait per need in all."""
    rows = [waiting_row(p) for p in waiting_queryset(user)[:limit]]
    return rows, waiting_counts(user)


def free_beds(user: Any) -> dict[str, dict[str, int]]:
    """Capacity, occupied and free beds of the live pools per bed type, in ``user``'s
    facilities that take admissions."""
    out = {t: {"capacity": 0, "occupied": 0, "free": 0} for t in BED_TYPE_ORDER}
    ids = facilities_of(user).values("pk")
    for t, cap, occ in BedPool.objects.filter(facility__in=ids).values_list(
        "bed_type", "capacity", "occupied"
    ):
        out[t]["capacity"] += cap
        out[t]["occupied"] += occ
        out[t]["free"] += max(cap - occ, 0)
    return out


def proposals(user: Any) -> QuerySet[Proposal]:
    """The user's proposals, newest first (a queryset: the page pages and exports it)."""
    if not can_dispatch(user):
        return Proposal.objects.none()
    return (
        Proposal.objects.restrict(user, "view")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def get_proposal(user: Any, pk: int) -> Proposal:
    if not can_dispatch(user):
        raise NotFound("proposal not found")
    return load_for(user, "view", Proposal.objects.select_related("area"), pk)


def proposal_lines(user: Any, proposal: Proposal) -> QuerySet[ProposalLine]:
    return (
        ProposalLine.objects.restrict(user, "view")
        .filter(proposal=proposal)
        .select_related("person__home", "facility")
        .order_by("need", "waiting_since", "pk")
    )


def line_counts(user: Any, proposal: Proposal) -> dict[str, int]:
    rows = (
        ProposalLine.objects.restrict(user, "view")
        .filter(proposal=proposal)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    return {r["state"]: r["n"] for r in rows}


def get_line(user: Any, pk: int) -> ProposalLine:
    if not can_dispatch(user):
        raise NotFound("line not found")
    qs = ProposalLine.objects.select_related("proposal__area")
    return load_for(user, "change", qs, pk, what="line")


def get_placement(user: Any, pk: int, action: str = "view") -> Placement:
    if not can_dispatch(user):
        raise NotFound("placement not found")
    return load_for(
        user, action, Placement.objects.select_related("person__home", "facility__area"), pk
    )


def placements(user: Any, *, person: Person | None = None) -> QuerySet[Placement]:
    qs = (
        Placement.objects.restrict(user, "view") if can_dispatch(user) else Placement.objects.none()
    )
    if person is not None:
        qs = qs.filter(person=person)
    return qs.select_related("person__home", "facility", "placed_by")


def occupants(user: Any, facility: Facility, *, limit: int = 500) -> list[Placement]:
    """Who is and was in ``facility``'s beds (the ones ``user`` may see), newest first."""
    return list(placements(user).filter(facility=facility).order_by("-started_at", "-pk")[:limit])


def get_person(user: Any, pk: int) -> Person:
    found = people_of(user).filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if found is None:
        raise NotFound("person not found")
    return found


def get_facility(user: Any, code: str) -> Facility:
    if not can_dispatch(user):
        raise NotFound("facility not found")
    return load_for(user, "view", Facility.objects.select_related("area"), code, field="code")


def placement_moves(
    since: dict[tuple[int, str], dt.datetime | None], day: dt.date
) -> dict[tuple[int, str], int]:
    """Beds taken net per (facility id, bed type) by placements after ``since[key]`` (the
    latest report's moment; None: from the start) and up to ``day``'s cut-off: a placement
    started in that span takes a bed, one ended in it gives one back (valid time, from the
    placements' own ``started_at``/``ended_at``). One query over the placements that
    moved in the span, whatever the number of facilities
    (:mod:`warroom.beds.moves`)."""
    from collections import defaultdict

    from django.db.models import Q

    from warroom.cases.clearance import cutoff_for

    cut = cutoff_for(day)
    dated = [m for m in since.values() if m is not None]
    facilities = {f for f, _t in since}
    moved = Q()
    if dated:
        first = min(dated)
        moved |= Q(started_at__gt=first, started_at__lte=cut) | Q(
            ended_at__gt=first, ended_at__lte=cut
        )
    unreported = {f for (f, _t), m in since.items() if m is None}
    if unreported:
        moved |= Q(facility_id__in=unreported, started_at__lte=cut) & (
            Q(ended_at__isnull=True) | Q(ended_at__gt=cut)
        )
    if not moved:
        return {}
    out: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        Placement.objects.filter(facility_id__in=facilities)
        .filter(moved)
        .values_list("facility_id", "bed_type", "started_at", "ended_at")
    )
    for fid, bed_type, started, ended in rows:
        key = (fid, bed_type)
        if key not in since:
            continue
        moment = since[key]
        if moment is None:  # not reported: the people in its beds at the cut-off
            out[key] += started <= cut and (ended is None or ended > cut)
            continue
        out[key] += moment < started <= cut
        out[key] -= ended is not None and moment < ended <= cut
    return dict(out)
