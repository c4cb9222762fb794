"""Axis labels that do not collide: the one helper every chart builder uses."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from warroom.core import axes

ROOT = Path(__file__).resolve().parent.parent / "warroom"


@given(
    st.lists(st.text(alphabet="0123456789-年月日区街道abc", min_size=1, max_size=12), min_size=1),
    st.floats(100, 2000),
)
def test_printed_labels_never_overlap(labels, span):
    step = axes.label_step(labels, span)
    assert 1 <= step <= max(1, len(labels))
    if len(labels) > 1 and step < len(labels):
        pitch = span / (len(labels) - 1) * step
        widest = max(axes._text_width(x) for x in labels)
        assert pitch >= widest + 8  # two neighbours printed: their boxes are apart


def test_many_dates_are_slanted_and_thinned_out():
    few = axes.date_axis([f"2020-02-0{i}" for i in range(1, 6)])
    many = axes.date_axis([f"2020-02-{i:02d}" for i in range(1, 29)])
    assert few["axisLabel"]["rotate"] == 0 and many["axisLabel"]["rotate"] == axes.SLANT
    assert many["axisLabel"]["hideOverlap"] is True
    assert axes.grid()["containLabel"] is True
    names = axes.category_axis(
        ["重症监护（ICU）", "重症", "普通病房", "方舱", "隔离房间", "其他", "更多"]
    )
    assert names["axisLabel"]["rotate"] == axes.SLANT and names["axisLabel"]["interval"] == 0


def test_no_chart_builder_spells_an_axis_out_again():
    """Every category or time axis goes through warroom.core.axes (one door)."""
    pattern = re.compile(r"[\"'][xy]Axis[\"']\s*:\s*\{\s*[\"']type[\"']\s*:\s*[\"'](category|time)")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.name != "axes.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
