"""Confirmed people per home (the economy's risk levels): both counts, read in one pass,
equal their definition person by person — each person once however many steps into
confirmed he has, merged duplicates left out, valid time (steps before the end only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.cases.clearance import cutoff_for
from warroom.cases.models import Person, TransitionRecord
from warroom.cases.selectors import confirmations_by_home
from warroom.cases.states import Status

pytestmark = pytest.mark.django_db
END = cutoff_for(dt.date(2020, 2, 20))
START = END - dt.timedelta(days=7)
COMPOUNDS = ["990101001001001", "990101001001002", "990102001001001"]
HOURS = [-24 * 9, -24 * 7 - 1, -24 * 7, -24 * 7 + 1, -5, -1, 0, 3]  # from END

someone = st.fixed_dictionaries(
    {
        "home": st.sampled_from(COMPOUNDS),
        "merged": st.booleans(),
        "steps": st.lists(
            st.tuples(st.sampled_from(HOURS), st.sampled_from([Status.CONFIRMED, Status.ADMITTED])),
            max_size=3,
        ),
    }
)


class _Rollback(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(someone, max_size=8))
def test_both_counts_equal_the_person_by_person_definition(city, people):
    try:
        with transaction.atomic():
            survivor = Person.objects.create(name="kept", home=city[COMPOUNDS[0]])
            expected: dict[str, list[int]] = {}
            for i, p in enumerate(people):
                row = Person.objects.create(
                    name=f"p{i}",
                    home=city[p["home"]],
                    merged_into=survivor if p["merged"] else None,
                )
                moments = []
                for h, target in p["steps"]:
                    at = END + dt.timedelta(hours=h)
                    TransitionRecord.objects.create(person=row, target=target, at=at)
                    if target == Status.CONFIRMED and at < END:
                        moments.append(at)
                if moments and not p["merged"]:
                    counts = expected.setdefault(city[p["home"]].path, [0, 0])
                    counts[0] += 1
                    counts[1] += any(at >= START for at in moments)
            assert confirmations_by_home(END, START) == {
                path: (n, recent) for path, (n, recent) in expected.items()
            }
            raise _Rollback
    except _Rollback:
        pass
