"""One door to scoped data: restrict(user, action), and the area tree's queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from warroom.geo import selectors
from warroom.geo.models import Area

pytestmark = pytest.mark.django_db


def test_a_district_officer_sees_only_his_subtree(officer):
    codes = set(Area.objects.restrict(officer).values_list("code", flat=True))
    assert codes == {"990101", "990101001", "990101001001", "990101001001001", "990101001001002"}


def test_headquarters_sees_the_whole_city(hq):
    assert Area.objects.restrict(hq).count() == 10


def test_read_only_roles_cannot_change_anything(analyst, auditor):
    assert Area.objects.restrict(analyst, "view").count() == 10
    assert Area.objects.restrict(analyst, "change").count() == 0
    assert Area.objects.restrict(auditor, "change").count() == 0


def test_anonymous_and_inactive_users_see_nothing(officer):
    from django.contrib.auth.models import AnonymousUser

    assert Area.objects.restrict(AnonymousUser()).count() == 0
    assert Area.objects.restrict(None).count() == 0
    officer.is_active = False
    assert Area.objects.restrict(officer).count() == 0


def test_subtree_and_ancestors_are_one_query_each(hq, city):
    leaf = city["990101001001001"]
    with CaptureQueriesContext(connection) as ctx:
        list(selectors.subtree(hq, city["990101"]))
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        chain = selectors.ancestors(hq, leaf)
    assert len(ctx.captured_queries) == 1
    assert [a.code for a in chain] == ["9901", "990101", "990101001", "990101001001"]


def test_another_districts_area_is_not_found(outsider):
    from warroom.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.get_area(outsider, "990101")


def test_under_selects_exactly_the_paths_with_the_prefix(city):
    paths = list(Area.objects.values_list("path", flat=True))
    prefixes = [*paths, "/", "/99", "/9901/9901", "/9901/990101/", "/9901/990101", "/zz"]
    for prefix in prefixes:
        expected = {p for p in paths if p.startswith(prefix)}
        got = set(Area.objects.filter(path__under=prefix).values_list("path", flat=True))
        assert got == expected, prefix
