"""Axis labels that do not collide, for every ECharts option the chart builders write.

One place decides how an axis labels itself (docs/maps.md, "Readable charts"):

- a category axis of dates: ECharts thins the labels out (``interval: "auto"``), hides any
  that would still overlap, and slants them once there are more than ``SLANT_FROM`` days;
- a category axis of names (bed types, duties): every name shown, slanted and truncated
  (the full name is in the tooltip) when there are many or long names;
- a time axis: overlapping labels hidden.

The grid must contain its labels (``containLabel``): :func:`grid` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SLANT_FROM = 8  # more dates than this: slanted labels
SLANT = 40  # degrees
NAME_WIDTH = 96  # px: a longer category name is truncated with "…"


def _text_width(label: str, size: int = 12) -> int:
    """An estimate of a label's width in pixels (a CJK character is a full em)."""
    return sum(size if ord(ch) > 0x2E80 else round(size * 0.6) for ch in label)


def date_axis(dates: Sequence[str], **extra: Any) -> dict[str, Any]:
    slant = len(dates) > SLANT_FROM
    return {
        "type": "category",
        "data": list(dates),
        "axisTick": {"alignWithLabel": True},
        "axisLabel": {"hideOverlap": True, "interval": "auto", "rotate": SLANT if slant else 0},
        **extra,
    }


def category_axis(names: Sequence[str], **extra: Any) -> dict[str, Any]:
    widest = max((_text_width(str(n)) for n in names), default=0)
    slant = len(names) > 6 or widest * len(names) > 480
    return {
        "type": "category",
        "data": list(names),
        "axisLabel": {
            "interval": 0,
            "hideOverlap": True,
            "rotate": SLANT if slant else 0,
            "width": NAME_WIDTH,
            "overflow": "truncate",
        },
        **extra,
    }


def time_axis(**extra: Any) -> dict[str, Any]:
    return {"type": "time", "axisLabel": {"hideOverlap": True}, **extra}


def grid(**margins: Any) -> dict[str, Any]:
    """A grid that makes room for its (possibly slanted) axis labels."""
    return {"left": 8, "right": 16, "top": 36, "bottom": 8, **margins, "containLabel": True}


def label_step(labels: Sequence[str], span: float, *, size: int = 12, gap: int = 8) -> int:
    """Every how many labels to print along ``span`` pixels so that no two printed
    labels (centred on evenly spaced points) overlap: for drawings made without ECharts
    (the analyst's SVG charts)."""
    n = len(labels)
    if n <= 1:
        return 1
    pitch = span / (n - 1)
    widest = max(_text_width(str(label), size) for label in labels)
    step = 1
    while step < n and pitch * step < widest + gap:
        step += 1
    return step
