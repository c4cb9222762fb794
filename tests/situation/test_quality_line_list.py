"""The rule ``line_list_mismatch`` as the daily step stores it equals its definition.

The step counts the line list's confirmed cases in SQL by home and by day (the cut-offs as a
CASE) over the findings' window only. Random small histories — confirmations a few hours
either side of the cut-offs, some exactly at one, of people merged or not, in compounds of
both districts — and random reports of the city and its districts: the flags stored for
each day of the window are those of the definition, case by case (DESIGN §3.5: a case dated
by the cut-off, a confirmation after day D's cut-off counting on D+1), for the day run and
for an earlier day re-run.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from warroom.cases.clearance import cutoff_for
from warroom.cases.models import Person, TransitionRecord
from warroom.cases.states import Status
from warroom.core.context import SYSTEM
from warroom.surveillance.models import DailyReport, QualityFlag, Source
from warroom.surveillance.services import QUALITY_SOURCE, QUALITY_WINDOW_DAYS, do_check_quality

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 20)
DAYS = [DAY - dt.timedelta(days=k) for k in range(9, -1, -1)]
COMPOUNDS = ["990101001001001", "990101001001002", "990102001001001"]
REPORTING = ["9901", "990101", "990102", "990101001"]  # a street: a deeper reporting area

case = st.fixed_dictionaries(
    {
        "home": st.sampled_from(COMPOUNDS),
        "day": st.sampled_from(DAYS),
        "hours": st.sampled_from([-30, -6, -1, 0, 1, 5]),  # from the day's cut-off
        "merged": st.booleans(),
    }
)
report = st.tuples(st.sampled_from(DAYS), st.sampled_from(REPORTING), st.integers(0, 3))


class _Rollback(Exception):
    pass


def _expected(city, cases: list[dict], reports: dict, line_days: set, day: dt.date) -> set:
    """(area code, day) of every mismatch of the window, case by case."""
    first = day - dt.timedelta(days=QUALITY_WINDOW_DAYS - 1)
    counted: dict[tuple[str, dt.date], int] = {}
    for c in cases:
        if c["merged"]:
            continue
        at = cutoff_for(c["day"]) + dt.timedelta(hours=c["hours"])
        # the day D with cutoff(D - 1) <= at < cutoff(D)
        when = c["day"] if at < cutoff_for(c["day"]) else c["day"] + dt.timedelta(days=1)
        if at < cutoff_for(c["day"] - dt.timedelta(days=1)):
            when = c["day"] - dt.timedelta(days=1)
        for code in REPORTING:
            if city[c["home"]].path.startswith(city[code].path):
                counted[(code, when)] = counted.get((code, when), 0) + 1
    return {
        (code, when)
        for (when, code), n in reports.items()
        if first <= when <= day and when in line_days and counted.get((code, when), 0) != n
    }


def _stored(day: dt.date) -> set:
    first = day - dt.timedelta(days=QUALITY_WINDOW_DAYS - 1)
    return {
        (code, when)
        for code, when in QualityFlag.objects.filter(
            source=QUALITY_SOURCE,
            rule="line_list_mismatch",
            day__gte=first,
            day__lte=day,
            status="open",
        ).values_list("area__code", "day")
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(case, max_size=12),
    st.lists(report, min_size=1, max_size=20),
    st.sets(st.sampled_from(DAYS)),
    st.sampled_from(DAYS[-4:]),
)
# Found by this test: a street and the city report, their district does not; the street's
# case must count for the city too (the roll-up's chain of reporting parents is broken).
@example(
    cases=[{"home": COMPOUNDS[0], "day": DAYS[0], "hours": -6, "merged": False}],
    report_rows=[(DAYS[0], "9901", 0), (DAYS[0], "990101001", 0)],
    line_days={DAYS[0]},
    earlier=DAYS[-4],
)
def test_stored_mismatches_equal_the_case_by_case_definition(
    city, cases, report_rows, line_days, earlier
):
    try:
        with transaction.atomic():
            survivor = Person.objects.create(name="kept", home=city[COMPOUNDS[0]])
            for i, c in enumerate(cases):
                p = Person.objects.create(
                    name=f"p{i}",
                    home=city[c["home"]],
                    merged_into=survivor if c["merged"] else None,
                )
                TransitionRecord.objects.create(
                    person=p,
                    target=Status.CONFIRMED,
                    at=cutoff_for(c["day"]) + dt.timedelta(hours=c["hours"]),
                )
            reports = {(d, code): n for d, code, n in report_rows}  # the last one per cell
            for (d, code), n in reports.items():
                DailyReport.objects.create(
                    area=city[code], date=d, source=Source.REPORT, new_confirmed=n
                )
            for d in line_days:  # the days the line list was in use
                DailyReport.objects.create(area=city["9901"], date=d, source=Source.LINE_LIST)
            for day in (DAY, earlier):
                do_check_quality(day, actor=SYSTEM)
                assert _stored(day) == _expected(city, cases, reports, line_days, day)
            raise _Rollback
    except _Rollback:
        pass
