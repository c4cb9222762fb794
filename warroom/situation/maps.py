"""The situation maps: phase, Rt, the clearance backlog and certification per area, drawn
on the district boundaries (:mod:`warroom.geo.shapes`), with compounds as points on top.

Every number is read through the selectors the dashboard uses, never recomputed here: the
phase and Rt from the day's stored :class:`Situation` (as the phase card and the Rt card
show them), the backlog from the clearance snapshots (:func:`warroom.cases.selectors.
clearance_rows`, summed over the four duties as the dashboard's clearance panel does),
certification from :func:`warroom.communities.selectors.children_statuses` and the
compounds from :func:`warroom.communities.selectors.map_points`.

The map of an area draws its children: the city's districts as coloured regions
(a choropleth), a district's streets and a street's communities as coloured points on
their district's boundary (streets have no boundaries; docs/maps.md). A click drills down
(the child's map); a compound's click opens its page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from warroom.geo.models import Area, Level
from warroom.situation import charts

METRICS = ("phase", "rt", "backlog", "certification", "risk", "closure")
RISKS = ("low", "medium", "high")
RISK_COLOURS = {"low": "#1a7f37", "medium": "#e6a700", "high": "#b3261e"}
PHASES = ("HIGH", "MIDDLE", "LOW", "TAIL", "CLEARED")
PHASE_COLOURS = {
    "HIGH": "#b3261e",
    "MIDDLE": "#e67e22",
    "LOW": "#f1c40f",
    "TAIL": "#27ae60",
    "CLEARED": "#3498db",
    None: "#c9d1d9",
}
CERT_ORDER = ("certified", "not_certified", "unknown")
NO_DATA = "#eef1f4"
COMPOUND = "__compound__"  # the links' key of a compound's page (its code for "CODE")


def metric_label(metric: str) -> str:
    return {
        "phase": _("Phase"),
        "rt": _("Rt"),
        "backlog": _("Clearance backlog"),
        "certification": _("Certification"),
        "risk": _("Risk level"),
        "closure": _("Closure coverage"),
    }[metric]


@dataclass
class Place:
    """One child area on the map and its figure (``figure`` None: no data at this level).

    Named ``figure``, not ``value``: ``.value =`` is how a spreadsheet cell is written, which
    tests/test_exports.py keeps to warroom.exports."""

    area: Area
    figure: float | None = None
    text: str = ""
    extra: list[str] = field(default_factory=list)


def map_day(user: Any, area: Area, asked: dt.date | None) -> dt.date | None:
    """The day a map shows: the one asked, else the area's latest situation (as the
    dashboard), else the latest certification or clearance day."""
    from warroom.cases.selectors import latest_run
    from warroom.communities.selectors import latest_date
    from warroom.situation.selectors import latest

    if asked is not None:
        return asked
    situation = latest(user, area)
    if situation is not None:
        return situation.day
    day = latest_date(user)
    if day is not None:
        return day
    run = latest_run()
    return run.date if run is not None else None


def risk_labels() -> dict[str, Any]:
    from warroom.economy.models import RiskLevel

    return {str(v): label for v, label in RiskLevel.choices}


def _name(a: Area) -> str:
    return a.name(get_language())


def places(user: Any, area: Area, day: dt.date | None, metric: str) -> list[Place]:
    """The children of ``area`` with their figure of ``metric`` on ``day``."""
    from warroom.communities.selectors import children_statuses

    found = children_statuses(user, area, day)
    kids = [a for a, _s in found]
    out = {a.pk: Place(a) for a in kids}
    if day is None or not kids:
        return list(out.values())
    if metric in ("phase", "rt"):
        from warroom.situation.models import Situation

        rows = Situation.objects.restrict(user).filter(area__in=kids, day=day)
        for s in rows:
            p = s.payload
            place = out[s.area_id]
            if metric == "phase":
                declared = (p.get("phase") or {}).get("declared")
                place.figure = float(PHASES.index(declared)) if declared in PHASES else 5.0
                place.text = charts.phase_label(declared)
            elif charts.rt_estimated(p):
                latest = p["rt"]["latest"]
                place.figure = round(float(latest["mean"]), 2)
                place.text = f"{latest['mean']:.2f} ({latest['q025']:.2f}–{latest['q975']:.2f})"
            else:
                place.text = _("insufficient data") + ": " + charts.rt_reason(p)
    elif metric == "backlog":
        from warroom.cases.models import ClearanceRun, Duty
        from warroom.cases.selectors import clearance_rows

        if ClearanceRun.objects.filter(date=day).exists():
            for pk, duties in clearance_rows(user, kids, day).items():
                total = sum(s.total for s in duties.values() if s is not None)
                out[pk].figure = float(total)
                out[pk].text = str(total)
                out[pk].extra = [
                    f"{Duty(d).label}: {s.total}" for d, s in duties.items() if s is not None
                ]
    elif metric == "risk":
        # The level of each graded child (districts and streets; docs/zones.md), as the
        # risk-level page shows it: the latest graded day on or before the map's day.
        from warroom.economy.selectors import levels

        for row in levels(user, area, day).filter(area__in=kids):
            place = out[row.area_id]
            place.figure = float(RISKS.index(row.level))
            place.text = str(risk_labels()[row.level])
            place.extra = [
                _("cumulative confirmed: %(n)s") % {"n": row.basis.get("cumulative", 0)},
                _("new in the window: %(n)s") % {"n": row.basis.get("new_in_window", 0)},
            ]
    elif metric == "closure":
        # The coverage page's numbers (warroom.communities.coverage): compounds closed.
        from warroom.communities.coverage import coverage

        for child in coverage(area, day)["children"]:
            shown = out.get(child["area"].pk)
            if shown is None or child["share"] is None:
                continue
            place = shown
            place.figure = round(100 * child["share"], 1)
            place.text = f"{place.figure:.1f}%"
            place.extra = [f"{child['closed']} / {child['total']}"]
    else:
        from warroom.communities.models import Certification

        for a, status in found:
            if status is None:
                continue
            place = out[a.pk]
            place.figure = float(CERT_ORDER.index(status.status))
            place.text = str(Certification(status.status).label)
            good, total = (status.subtree_counts or {}).get(str(Level.COMPOUND), (0, 0))
            if total:
                place.extra = [
                    _("compounds certified: %(good)s / %(total)s") % {"good": good, "total": total}
                ]
    return list(out.values())


def _visual(metric: str, values: list[float]) -> dict[str, Any]:
    """The legend (an ECharts visualMap) of ``metric``."""
    base = {"left": 8, "bottom": 8, "textStyle": {"fontSize": 12}, "itemGap": 6}
    if metric == "phase":
        pieces = [
            {"value": i, "label": charts.phase_label(p), "color": PHASE_COLOURS[p]}
            for i, p in enumerate(PHASES)
        ] + [{"value": 5, "label": charts.phase_label(None), "color": PHASE_COLOURS[None]}]
        return {**base, "type": "piecewise", "pieces": pieces}
    if metric == "certification":
        from warroom.communities.charts import STATUS_COLOURS
        from warroom.communities.models import Certification

        pieces = [
            {"value": i, "label": str(Certification(s).label), "color": STATUS_COLOURS[s]}
            for i, s in enumerate(CERT_ORDER)
        ]
        return {**base, "type": "piecewise", "pieces": pieces}
    if metric == "risk":
        pieces = [
            {"value": i, "label": str(risk_labels()[r]), "color": RISK_COLOURS[r]}
            for i, r in enumerate(RISKS)
        ]
        return {**base, "type": "piecewise", "pieces": pieces}
    if metric == "closure":
        return {
            **base,
            "type": "continuous",
            "min": 0,
            "max": 100,
            "calculable": True,
            "text": ["100%", "0%"],
            "inRange": {"color": ["#b3261e", "#f1c40f", "#1a7f37"]},
        }
    if metric == "rt":
        pieces = [
            {"lt": 0.8, "label": "< 0.8", "color": "#1a7f37"},
            {"gte": 0.8, "lt": 1, "label": "0.8–1", "color": "#a3c76b"},
            {"gte": 1, "lt": 1.2, "label": "1–1.2", "color": "#e67e22"},
            {"gte": 1.2, "label": "≥ 1.2", "color": "#b3261e"},
        ]
        return {**base, "type": "piecewise", "pieces": pieces}
    top = max(values, default=0.0)
    return {
        **base,
        "type": "continuous",
        "min": 0,
        "max": max(top, 1.0),
        "calculable": True,
        "text": [_("more"), _("fewer")],
        "inRange": {"color": ["#fde0dd", "#fa9fb5", "#c51b8a"]},
    }


def _tooltip(name: str, label: str, place: Place) -> str:
    lines = [f"<b>{escape(name)}</b>", f"{escape(label)}: {escape(place.text or _('no data'))}"]
    lines += [escape(x) for x in place.extra]
    return "<br/>".join(lines)


def map_url(area: Area, metric: str, day: dt.date | None) -> str:
    url = reverse("situation:map", kwargs={"code": area.code}) + f"?metric={metric}"
    return url + (f"&day={day.isoformat()}" if day else "")


def map_option(
    user: Any,
    area: Area,
    day: dt.date | None,
    metric: str,
    shapes: dict[str, bool],
    *,
    compounds: bool = True,
    groups: dict[str, list[list[Any]]] | None = None,
) -> tuple[dict[str, Any], dict[str, str], list[Place]]:
    """(ECharts option, {shown name: link}, places) of the map of ``area``.

    ``shapes`` is :func:`warroom.geo.shapes.shape_index` ({code: approximate}) of the
    boundaries the page registers under ``"warroom-" + area.code``; ``groups`` the
    compounds (:func:`map_points`) when the caller has read them already.
    """
    from warroom.communities.charts import STATUS_COLOURS
    from warroom.communities.models import Certification
    from warroom.communities.selectors import map_points

    label = metric_label(metric)
    found = places(user, area, day, metric)
    drawn = set(shapes)
    approximate = {code for code, approx in shapes.items() if approx}
    for p in found:
        if p.area.code in approximate and area.depth == 0:
            p.extra.append(_("boundary approximate (the hull of the units' points below it)"))
    regions = area.depth == 0 and any(p.area.code in drawn for p in found)
    names = {a.code: _name(a) for a in [area, *(p.area for p in found)]}
    links: dict[str, str] = {}
    series: list[dict[str, Any]] = []
    known = [p.figure for p in found if p.figure is not None]
    if regions:
        data = []
        for p in found:
            name = names[p.area.code]
            links[name] = map_url(p.area, metric, day)
            item: dict[str, Any] = {
                "name": name,
                "code": p.area.code,
                "url": links[name],
                "tooltip": {"formatter": _tooltip(name, label, p)},
            }
            item["value"] = p.figure if p.figure is not None else "-"
            data.append(item)
        series.append({"type": "map", "geoIndex": 0, "name": label, "data": data, "id": "areas"})
    else:
        with_value: list[dict[str, Any]] = []
        without: list[dict[str, Any]] = []
        for p in found:
            if p.area.lon is None or p.area.lat is None:
                continue
            name = names[p.area.code]
            links[name] = map_url(p.area, metric, day)
            item = {
                "name": name,
                "code": p.area.code,
                "url": links[name],
                "tooltip": {"formatter": _tooltip(name, label, p)},
            }
            if p.figure is None:
                without.append({**item, "value": [p.area.lon, p.area.lat]})
            else:
                with_value.append({**item, "value": [p.area.lon, p.area.lat, p.figure]})
        point = {
            "type": "scatter",
            "coordinateSystem": "geo",
            "symbolSize": 16,
            "label": {
                "show": len(found) <= 40,
                "formatter": "{b}",
                "position": "right",
                "fontSize": 11,
                "color": "#1f2328",
            },
            "labelLayout": {"hideOverlap": True},
            "z": 3,
        }
        series.append(
            {
                **point,
                "name": label,
                "id": "areas",
                "itemStyle": {"borderColor": "#fff", "borderWidth": 1},
                "data": with_value,
            }
        )
        if without:
            series.append(
                {
                    **point,
                    "name": _("No data"),
                    "id": "areas-without-data",
                    "itemStyle": {"color": "#c9d1d9", "borderColor": "#6e7781", "borderWidth": 1},
                    "data": without,
                }
            )
    legend: list[str] = []
    if compounds and area.level != Level.COMPOUND:
        links[COMPOUND] = reverse("communities:tree", kwargs={"code": "CODE"})
        if groups is None:
            groups = map_points(user, area, day)
        for status, points in groups.items():
            if not points:
                continue
            sname = str(Certification(status).label)
            legend.append(sname)
            series.append(
                {
                    "type": "scatter",
                    "coordinateSystem": "geo",
                    "name": sname,
                    "id": f"compounds-{status}",
                    "symbolSize": 5 if len(points) < 800 else 3,
                    "itemStyle": {"color": STATUS_COLOURS[status], "opacity": 0.8},
                    # Compact rows (thousands of compounds): [lon, lat, name, code]; the
                    # page's click opens links[COMPOUND] with the code.
                    "dimensions": ["lon", "lat", "name", "code"],
                    "encode": {"lng": 0, "lat": 1, "itemName": 2, "tooltip": [2]},
                    "data": points,
                    "z": 4,
                }
            )
    visual = _visual(metric, known)
    visual["seriesIndex"] = [0]
    if not regions:
        visual["dimension"] = 2
    option: dict[str, Any] = {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "geo": {
            "map": "warroom-" + area.code,
            "roam": True,
            "nameMap": {code: names.get(code, code) for code in drawn},
            "label": {"show": regions, "fontSize": 11, "color": "#1f2328"},
            "labelLayout": {"hideOverlap": True},
            "itemStyle": {"areaColor": NO_DATA, "borderColor": "#6e7781", "borderWidth": 1},
            "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#ffd8a8"}},
            "select": {"disabled": True},
            "top": 36,
            "bottom": 8,
        },
        "visualMap": visual,
        "series": series,
    }
    if legend:
        option["legend"] = {"data": legend, "top": 0, "right": 8, "textStyle": {"fontSize": 12}}
        if area.depth == 0:
            # The city's thousands of compounds would hide its central districts: they
            # start hidden, and a click on the legend shows them.
            option["legend"]["selected"] = dict.fromkeys(legend, False)
    return option, links, found
