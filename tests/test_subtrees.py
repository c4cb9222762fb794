"""Which of several areas hold a path (``geo.subtrees.Subtrees``): the prefix lookup agrees
with the definition (every area whose path is a prefix of it, in the areas' order)."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from warroom.geo.subtrees import Subtrees

segment = st.sampled_from(["1", "12", "2", "a", "ab", "b"])
path = st.lists(segment, max_size=4).map(lambda parts: "/" + "".join(f"{p}/" for p in parts))
odd_path = st.one_of(path, path.map(lambda p: p.rstrip("/")), st.just(""))


def _areas(paths: list[str]) -> list[SimpleNamespace]:
    return [SimpleNamespace(pk=100 + k, path=p) for k, p in enumerate(paths)]


def _definition(areas: list[SimpleNamespace], p: str) -> list[int]:
    return [a.pk for a in areas if p.startswith(a.path)]


@given(st.lists(path, max_size=8), st.lists(odd_path, max_size=10))
def test_the_areas_holding_a_path_are_those_whose_path_is_its_prefix(areas, queries):
    found = _areas(areas)
    subtrees = Subtrees(found)
    for q in queries * 2:  # the second time from the memo
        assert subtrees.of(q) == _definition(found, q)


@given(st.lists(odd_path, max_size=6), st.lists(odd_path, max_size=10))
def test_areas_with_paths_not_ending_in_a_slash_are_tried_one_by_one(areas, queries):
    found = _areas(areas)
    subtrees = Subtrees(found)
    for q in queries:
        assert subtrees.of(q) == _definition(found, q)


def test_split_keeps_the_rows_order_in_every_area_holding_them():
    found = _areas(["/c/", "/c/d1/", "/c/d2/", "/c/d1/"])
    rows = ["/c/d1/x/", "/c/d2/", "/c/", "/c/d1/y/"]
    assert Subtrees(found).split(rows, lambda r: r) == {
        100: rows,
        101: ["/c/d1/x/", "/c/d1/y/"],
        102: ["/c/d2/"],
        103: ["/c/d1/x/", "/c/d1/y/"],
    }
