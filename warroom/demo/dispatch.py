"""The platform as the twin's dispatcher (issue #4 item 4, DESIGN §5).

Each simulated day, after the morning's line lists are in, the platform's own dispatch
(:func:`warroom.dispatch.services.do_dispatch_all`: the exact allocation over every free
bed, confirmed under the database's locks) places whoever waits; the twin is told who went
where, so people the platform leaves waiting keep infecting their household.

Once per day: a day the platform has already dispatched (a proposal stamped at that day's
noon exists — the feed resumed after its worker died, replaying the days already fed) is
not dispatched again; the dispatcher returns the placements the platform made that day, in
the order it made them, so the replayed twin is the twin that was fed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone

from warroom.beds.models import Facility
from warroom.cases.models import Person
from warroom.core import bulk
from warroom.dispatch.models import Placement, Proposal
from warroom.dispatch.services import do_dispatch_all


def platform_dispatcher(actor: Any) -> Callable[[dt.date], Sequence[tuple[str, str, str]]]:
    """A ``dispatcher`` for :func:`warroom.demo.feed.do_feed_twin` that is the platform."""

    def dispatch(day: dt.date) -> list[tuple[str, str, str]]:
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        if Proposal.objects.filter(created_at=noon).exists():
            return made_on(noon)
        run = do_dispatch_all(day, actor=actor)
        if not run.placements:
            return []
        # One statement (a temporary table of the ids past 5,000), not an IN list of
        # thousands of placeholders.
        with bulk.among([p for p, _f, _b in run.placements], integer=True) as ids:
            people = dict(
                bulk.value_rows(Person.objects.filter(pk__in=ids).values_list("pk", "id_number"))
            )
        codes = dict(
            Facility.objects.filter(pk__in={f for _p, f, _b in run.placements}).values_list(
                "pk", "code"
            )
        )
        return [(people[p], codes[f], str(b)) for p, f, b in run.placements]

    return dispatch


def made_on(noon: dt.datetime) -> list[tuple[str, str, str]]:
    """The placements the platform's dispatch made at ``noon`` (its proposals' lines)."""
    rows = (
        Placement.objects.filter(line__proposal__created_at=noon)
        .order_by("pk")
        .values_list("person__id_number", "facility__code", "bed_type")
    )
    return [(str(p), str(f), str(b)) for p, f, b in rows]
