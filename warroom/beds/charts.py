"""ECharts options built on the server, drawn by ``warroom/charts.js`` (``data-chart=option``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from warroom.beds.models import BedType
from warroom.core import axes

COLOURS = {
    "ICU": "#8e24aa",
    "SEVERE": "#b3261e",
    "GENERAL": "#ef6c00",
    "SHELTER": "#1565c0",
    "QUARANTINE": "#2e7d32",
}


def label(bed_type: str) -> str:
    return str(BedType(bed_type).label)


def dumps(option: dict[str, Any]) -> str:
    return json.dumps(option, ensure_ascii=False, default=str)


def lines(
    days: Sequence[dt.date],
    series: Mapping[str, Sequence[float | int | None]],
    *,
    dashed: Mapping[str, Sequence[float | int | None]] | None = None,
    dashed_suffix: str = "",
    stack: bool = False,
    mark_zero: bool = False,
) -> str:
    """One line per bed type over days (optionally a dashed companion per type)."""
    out: list[dict[str, Any]] = []
    for t, values in series.items():
        line: dict[str, Any] = {
            "name": label(t),
            "type": "line",
            "showSymbol": False,
            "data": list(values),
            "itemStyle": {"color": COLOURS.get(t, "#555")},
        }
        if stack:
            line.update(stack="total", areaStyle={"opacity": 0.25}, step="end")
        if mark_zero:
            line["markLine"] = {"silent": True, "symbol": "none", "data": [{"yAxis": 0}]}
        out.append(line)
    for t, values in (dashed or {}).items():
        out.append(
            {
                "name": f"{label(t)} {dashed_suffix}".strip(),
                "type": "line",
                "showSymbol": False,
                "step": "end",
                "lineStyle": {"type": "dashed"},
                "data": list(values),
                "itemStyle": {"color": COLOURS.get(t, "#555")},
            }
        )
    return dumps(
        {
            "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
            "tooltip": {"trigger": "axis"},
            "legend": {"type": "scroll", "top": 0},
            "xAxis": axes.date_axis([d.isoformat() for d in days]),
            "yAxis": {"type": "value"},
            "series": out,
        }
    )


def bars(categories: Sequence[str], series: dict[str, Sequence[float | int]]) -> str:
    return dumps(
        {
            "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0},
            "xAxis": axes.category_axis(list(categories)),
            "yAxis": {"type": "value"},
            "series": [
                {
                    "name": label(t),
                    "type": "bar",
                    "stack": "open",
                    "data": list(v),
                    "itemStyle": {"color": COLOURS.get(t, "#555")},
                }
                for t, v in series.items()
            ],
        }
    )
