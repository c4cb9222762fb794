"""Keys the database does not check (docs/performance.md, "Keys the database does not
check"): a clearance snapshot's and a certification status's area, a kept state's person
and a step's actor have no foreign-key constraint in the database. Deleting through the
ORM still takes the derived rows with the row they name (``CASCADE``) and clears a step's
actor (``SET_NULL``, his name kept): nothing is left naming a row that is gone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import _user, resident_id
from warroom.cases import cutoff_states
from warroom.cases.cutoff_models import CutoffState
from warroom.cases.models import ClearanceSnapshot, Duty, TransitionRecord
from warroom.cases.people import do_register_person
from warroom.communities.models import Certification, CertificationStatus

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 14)


def test_deleting_through_the_orm_leaves_no_row_naming_what_is_gone(city):
    clerk = _user("clerk", "district_officer", "990101")
    person = do_register_person(
        name="张三",
        home=city["990101001001001"],
        actor=clerk,
        id_number=resident_id(7),
        category="contact",
    )
    step = TransitionRecord.objects.get(person=person)
    assert (step.actor_id, step.actor_name) == (clerk.pk, "clerk")
    cutoff_states.do_advance(timezone.now() + dt.timedelta(hours=1))
    assert CutoffState.objects.filter(person_id=person.pk).exists()
    empty = city["990102001001001"]  # a compound where nobody lives
    ClearanceSnapshot.objects.create(area=empty, date=DAY, duty=Duty.ADMIT, total=3)
    CertificationStatus.objects.create(
        area=empty, date=DAY, level="compound", status=Certification.NOT_CERTIFIED
    )

    clerk.delete()
    step.refresh_from_db()
    assert (step.actor_id, step.actor_name) == (None, "clerk")

    person_id = person.pk
    person.delete()
    assert not CutoffState.objects.filter(person_id=person_id).exists()
    assert not TransitionRecord.objects.filter(person_id=person_id).exists()

    empty_id = empty.pk
    empty.delete()
    assert not ClearanceSnapshot.objects.filter(area_id=empty_id).exists()
    assert not CertificationStatus.objects.filter(area_id=empty_id).exists()
