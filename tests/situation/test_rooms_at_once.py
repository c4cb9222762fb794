"""The briefing's rooms read at once are the rooms read one by one (issue 21).

``selectors.rooms`` reads each panel's table once for the city and all its districts and
cuts the rows per area; ``selectors.room`` of one area is what the dashboard shows. On a
fed world (the twin's outbreak through the import path, the daily cycle run each day) the
two must agree area by area, panel by panel, and the stored briefing must be the room as
read alone: no number has a second definition.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.roles.conftest import feed_demo
from warroom.core.context import SYSTEM
from warroom.situation import selectors
from warroom.situation.models import Briefing, BriefingRevision
from warroom.situation.services import do_generate_briefings, situation_areas

pytestmark = pytest.mark.django_db


def _alone(user, area, day):
    return selectors.room(user, area, day)


def test_each_room_read_at_once_is_the_room_read_alone_and_the_briefing_stores_it(db):
    """One fed world (the feed takes a minute or two) for the three checks."""
    from warroom.accounts.models import User

    fed = feed_demo()
    day: dt.date = fed["last_day"]
    areas = situation_areas()
    assert len(areas) > 10  # the city and its districts

    # 1. The system's rooms (the briefing's), panel by panel.
    together = selectors.rooms(SYSTEM, areas, day)
    assert set(together) == {a.pk for a in areas}
    for area in areas:
        alone = _alone(SYSTEM, area, day)
        for panel in alone:
            assert together[area.pk][panel] == alone[panel], (area.code, panel)
    # The world is not empty where a cut per area could go wrong: districts differ from
    # the city and from each other, and the lists the panels cut are there.
    city = next(a for a in areas if a.depth == 0)
    rooms = list(together.values())
    assert any(r["clearance"]["total"] for r in rooms)
    assert any(r["logistics"]["supplies"]["alert_count"] for r in rooms)
    assert any(r["overloaded"] for r in rooms)
    assert any(r["appeals"]["received"] for r in rooms)
    assert any(r["beds"]["by_type"] for r in rooms)
    assert any(r["tasks"]["count"] for r in rooms)
    assert len({str(r["appeals"]) for r in rooms}) > 2
    assert len({str(r["beds"]) for r in rooms}) > 2
    districts = [together[a.pk] for a in areas if a.depth == 1]
    assert (
        sum(r["appeals"]["received"] for r in districts)
        == (together[city.pk]["appeals"]["received"])
    )

    # 2. A district officer's rooms (restricted reads), at once and alone.
    officer = User.objects.filter(area__depth=1, is_active=True).first()
    assert officer is not None
    mine = selectors.followed_areas(officer)
    assert mine and all(a.path.startswith(officer.area.path) for a in mine)
    theirs = selectors.rooms(officer, mine, day)
    for area in mine:
        assert theirs[area.pk] == _alone(officer, area, day)

    # 3. The stored briefing is each room read alone; the same numbers again issue nothing.
    # (The feed added a task after the day's cycle: this run issues its next revision.)
    assert do_generate_briefings(day) == len(areas)
    issued = {b.area_id: b for b in Briefing.objects.filter(day=day)}
    assert set(issued) == {a.pk for a in areas}
    for area in areas:
        stored = {
            k: v
            for k, v in issued[area.pk].payload.items()
            if k not in ("decisions", "audit_anchor")
        }
        assert stored == _alone(SYSTEM, area, day), area.code
    kept = BriefingRevision.objects.filter(day=day).count()
    assert do_generate_briefings(day) == len(areas)
    again = {b.area_id: b for b in Briefing.objects.filter(day=day)}
    for pk, b in issued.items():
        assert (again[pk].revision, again[pk].generated_at, again[pk].html) == (
            b.revision,
            b.generated_at,
            b.html,
        )
    assert BriefingRevision.objects.filter(day=day).count() == kept
