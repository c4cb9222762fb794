"""The certification map as an ECharts option: units coloured by status on lon/lat.

No tiles and no CDN (a headquarters' network may be closed): a scatter on longitude and
latitude is the map. The communities' map page draws the compounds; the command dashboard
draws the communities (a few hundred points where the compounds are thousands).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from warroom.communities.models import Certification

STATUS_COLOURS: dict[str, str] = {
    "certified": "#1a7f37",
    "not_certified": "#b3261e",
    "unknown": "#8c959f",
}


def _bounds(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    low, high = min(values), max(values)
    pad = max((high - low) * 0.05, 0.005)
    return {"min": round(low - pad, 3), "max": round(high + pad, 3)}


def map_option(groups: dict[str, list[list[Any]]], *, symbol_size: int = 5) -> dict[str, Any]:
    """``groups`` as :func:`warroom.communities.selectors.map_points` gives them."""
    labels = {str(s): str(Certification(s).label) for s in Certification.values}
    lons = [p[0] for points in groups.values() for p in points]
    lats = [p[1] for points in groups.values() for p in points]
    return {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "value",
            "name": _("Longitude"),
            "splitLine": {"show": False},
            **_bounds(lons),
        },
        "yAxis": {
            "type": "value",
            "name": _("Latitude"),
            "splitLine": {"show": False},
            **_bounds(lats),
        },
        "series": [
            {
                "type": "scatter",
                "id": status,
                "name": labels[status],
                "symbolSize": symbol_size,
                "itemStyle": {"color": STATUS_COLOURS[status]},
                "dimensions": ["lon", "lat", "name", "code"],
                "encode": {"x": 0, "y": 1, "tooltip": [2, 3]},
                "data": points,
            }
            for status, points in groups.items()
        ],
    }
