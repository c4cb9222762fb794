from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from warroom.core.errors import NotFound
from warroom.geo import selectors as geo
from warroom.situation import charts, selectors


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404 from None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The command dashboard: one area (the user's, or a district he picks) on one day."""
    code = request.GET.get("area") or geo.home_area(request.user).code
    try:
        area = geo.get_area(request.user, code)
    except NotFound:
        raise Http404 from None
    situation = selectors.latest(request.user, area, day=_day(request.GET.get("day")))
    context = {
        "area": area,
        "areas": selectors.followed_areas(request.user),
        "situation": situation,
        "refresh": request.GET.get("day") is None,
    }
    if situation is not None:
        p = situation.payload
        context.update(
            payload=p,
            phase_name=charts.phase_label(p["phase"]["declared"]),
            direction=charts.direction_label(p["phase"]["direction"]),
            next_band_name=charts.phase_label((p["phase"]["next_band"] or {}).get("phase")),
            curve_json=json.dumps(charts.epidemic_curve(p), ensure_ascii=False),
            rt_json=json.dumps(charts.rt_chart(p), ensure_ascii=False) if p.get("rt") else "",
        )
    template = "situation/_body.html" if request.htmx else "situation/dashboard.html"  # type: ignore[attr-defined]
    return render(request, template, context)
