"""A fed demo for the walks as each of the twelve roles (issue 16).

The demo city, its facilities and its twelve users (``warroom.cli.DEMO_USERS``), the
twin's outbreak fed through the import path at a small scale with the platform as the
dispatcher, and the platform's today set to the last fed day, as ``warroom demo`` does.
A few field records (a vulnerable resident, a group order, a medical request, a closure,
a rectification task) are added in the demo's street, so that every home has work to show.
"""

from __future__ import annotations

import datetime as dt

import pytest

SCALE = 0.002
DAYS = 36  # to 5 February 2020: backlogs, waiting people, full facilities


def feed_demo() -> dict[str, object]:
    from warroom.beds.imports import do_load_demo_facilities
    from warroom.cli import DEMO_USERS, ensure_demo_users
    from warroom.core.context import SYSTEM
    from warroom.core.today import do_set_today
    from warroom.demo.dispatch import platform_dispatcher
    from warroom.demo.feed import do_feed_twin
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    do_load_demo_facilities(scale=SCALE)
    ensure_demo_users()
    from warroom.accounts.models import User

    hq = User.objects.get(username="hq")
    fed = do_feed_twin(
        "wuhan-2020",
        actor=hq,
        scale=SCALE,
        days=DAYS,
        dispatcher=platform_dispatcher(hq),
    )
    do_set_today(fed.last_day, actor=SYSTEM, label="wuhan-2020", step=fed.days, steps=90)
    _field_records(fed.last_day)
    return {"last_day": fed.last_day, "users": [u for u, _r, _a in DEMO_USERS]}


def _field_records(day: dt.date) -> None:
    """Work for the demo's street, community and grid workers."""
    from warroom.accounts.models import User
    from warroom.geo.models import Area
    from warroom.services import services as care
    from warroom.tasks.services import do_create_task

    grid = User.objects.get(username="grid")
    community = User.objects.get(username="community")
    compound = Area.objects.get(pk=grid.area_id)
    resident = care.do_register_vulnerable(
        compound, name="独居老人甲", kind="elderly_alone", actor=community
    )
    care.do_place_group_order(compound, items=[("大米", 12, "袋", "45.00")], actor=community)
    care.do_request_medical_care(
        compound, person="独居老人甲", kind="dialysis", resident=resident, actor=community
    )
    from django.utils import timezone

    do_create_task(
        title="整改：出入口登记不全",
        description="检查发现",
        area=compound,
        owner=grid,
        deadline=timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(18))),
        source_kind="inspection",
        actor=User.objects.get(username="street"),
    )


@pytest.fixture
def fed_demo(db):
    return feed_demo()
