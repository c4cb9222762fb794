from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from warroom.core.errors import NotFound
from warroom.core.today import today as platform_today
from warroom.geo import selectors as geo
from warroom.geo.models import Area
from warroom.situation import briefing as doc
from warroom.situation import charts, selectors, services
from warroom.web.found import area_or_404


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404 from None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The command dashboard: one area (the user's, or a district he picks) on one day."""
    code = request.GET.get("area") or geo.home_area(request.user).code
    area = area_or_404(request.user, code)
    asked = _day(request.GET.get("day"))
    situation = selectors.latest(request.user, area, day=asked or platform_today())
    day = situation.day if situation is not None else asked
    context = {
        "area": area,
        "areas": selectors.followed_areas(request.user),
        "situation": situation,
        "refresh": request.GET.get("day") is None,
    }
    if day is not None:
        room = selectors.room(request.user, area, day, situation=situation)
        context.update(room=room, day_iso=day.isoformat())
        if room["certification"]["computed"]:
            # The districts (or a district's streets) by certification: the map page has
            # the compounds and the other figures.
            context.update(_map_context(request, area, day, "certification", compounds=False))
    if situation is not None:
        p = situation.payload
        context.update(
            payload=p,
            phase_name=charts.phase_label(p["phase"]["declared"]),
            direction=charts.direction_label(p["phase"]["direction"]),
            next_band_name=charts.phase_label((p["phase"]["next_band"] or {}).get("phase")),
            curve_json=json.dumps(charts.epidemic_curve(p), ensure_ascii=False),
            rt_json=json.dumps(charts.rt_chart(p), ensure_ascii=False)
            if charts.rt_chart(p)
            else "",
            rt_estimated=charts.rt_estimated(p),
            phase_bands=charts.bands_text(p),
            rt_reason=charts.rt_reason(p),
            forecast_skill=charts.skill_text(p.get("forecast")),
            clearance_json=json.dumps(
                charts.clearance_chart(room["clearance"]), ensure_ascii=False
            ),
        )
    template = "situation/_body.html" if request.htmx else "situation/dashboard.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _area_of(request: HttpRequest, code: str | None = None) -> Area:
    code = code or request.GET.get("area") or geo.home_area(request.user).code
    return area_or_404(request.user, code)


def _required_day(raw: str) -> dt.date:
    day = _day(raw)
    if day is None:
        raise Http404
    return day


@login_required
def briefings(request: HttpRequest) -> HttpResponse:
    """The archive: every day's briefing of an area."""
    area = _area_of(request)
    return render(
        request,
        "situation/briefings.html",
        {
            "area": area,
            "areas": selectors.followed_areas(request.user),
            "days": selectors.briefing_days(request.user, area),
            "months": selectors.briefing_calendar(request.user, area),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


@login_required
def briefing(request: HttpRequest, area_code: str, day: str) -> HttpResponse:
    """The day's briefing, in the reader's language, from its stored figures."""
    area = _area_of(request, area_code)
    found = selectors.briefing(request.user, area, _required_day(day))
    if found is None:
        raise Http404
    earlier = selectors.briefing_revisions(request.user, found)
    shown: Any = found
    asked = request.GET.get("revision", "")
    if asked and asked != str(found.revision):
        shown = next((r for r in earlier if str(r.revision) == asked), None)
        if shown is None:
            raise Http404
    context = doc.context(shown.payload, (shown.revision, shown.changes, shown.reason))
    context.update(
        area=area,
        areas=selectors.followed_areas(request.user),
        day_iso=found.day.isoformat(),
        generated_at=shown.generated_at,
        revision=shown.revision,
        latest=found.revision,
        revisions=[*earlier, found] if earlier else [],
    )
    return render(request, "situation/briefing.html", context)


@login_required
def briefing_export(request: HttpRequest, area_code: str, day: str, fmt: str) -> HttpResponse:
    """The day's briefing as PDF, Word or the archived HTML (the Chinese document)."""
    area = _area_of(request, area_code)
    found = selectors.briefing(request.user, area, _required_day(day))
    if found is None or fmt not in EXPORTS:
        raise Http404
    if fmt in services.QUEUED_EXPORTS:
        from django.shortcuts import redirect

        from warroom.situation.jobs import briefing_export as export_job

        queued = export_job.enqueue(
            actor=request.user,
            label=f"briefing {area.code} {found.day.isoformat()} {fmt}",
            area_path=area.path,
            total=1,
            briefing=found.pk,
            fmt=fmt,
        )
        return redirect("web:job", queued_job_id=queued.pk)
    try:
        body = services.export_briefing(found, fmt)
    except doc.ExportUnavailable as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=EXPORTS[fmt])
    name = f"briefing-{area.code}-{found.day.isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


EXPORTS = services.EXPORT_TYPES


@login_required
def standup_today(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import redirect

    area = _area_of(request)
    asked = _day(request.GET.get("day") or request.GET.get("date"))
    situation = selectors.latest(request.user, area, day=asked or platform_today())
    day = asked or (situation.day if situation is not None else platform_today())
    return redirect("situation:standup", area_code=area.code, day=day.isoformat())


@login_required
def standup(request: HttpRequest, area_code: str, day: str) -> HttpResponse:
    """The stand-up meeting: the agenda of red items; decisions and tasks recorded."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from warroom.core.errors import WarroomError
    from warroom.core.users import find_user

    area = _area_of(request, area_code)
    when = _required_day(day)
    if request.method == "POST":
        if not request.user.can("change"):  # type: ignore[union-attr]
            raise Http404
        try:
            owner = find_user(request.user, request.POST.get("owner"))
            deadline = _day(request.POST.get("deadline") or None) if owner else None
            services.do_record_decision(
                area,
                when,
                request.POST.get("text", ""),
                owner=owner,
                deadline=deadline,
                actor=request.user,
            )
        except NotFound:
            raise Http404 from None
        except WarroomError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Decision recorded."))
        return redirect(request.path)
    context = selectors.standup(request.user, area, when)
    context.update(
        area=area,
        areas=selectors.followed_areas(request.user),
        day=when,
        day_iso=when.isoformat(),
        can_change=request.user.can("change"),  # type: ignore[union-attr]
    )
    return render(request, "situation/standup.html", context)


@login_required
def import_series(request: HttpRequest) -> HttpResponse:
    """An analyst imports a city's published daily series; the cycle runs for its days."""
    from django.contrib import messages
    from django.db import transaction
    from django.shortcuts import redirect

    from warroom.core.errors import WarroomError
    from warroom.core.permits import may
    from warroom.core.uploads import import_slot, read_upload
    from warroom.situation.jobs import series_import
    from warroom.tables import TableRejected

    if not may(request.user, "import_series"):
        raise PermissionDenied
    report = None
    if request.method == "POST" and "file" in request.FILES:
        upload = request.FILES["file"]
        try:
            with import_slot(request.user), transaction.atomic():
                table = read_upload(upload)
                job = services.do_import_series(table, actor=request.user)
                if job.status == "queued":  # a worker runs its cycles (warroom worker)
                    series_import.enqueue(
                        actor=request.user,
                        label=f"series {job.filename}",
                        area_path=job.area.path,
                        total=len(job.days),
                        series_import=job.pk,
                    )
        except TableRejected as exc:
            report = exc
        except WarroomError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("situation:import_status", job_id=job.pk)
    return render(
        request,
        "situation/import.html",
        {"report": report, "jobs": selectors.series_imports(request.user)},
    )


@login_required
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.series_import(request.user, job_id)
    if job is None:
        raise Http404
    template = "situation/_import_status.html" if request.htmx else "situation/import_status.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


# --- the maps ------------------------------------------------------------------------------


def _map_context(
    request: HttpRequest, area: Area, day: dt.date | None, metric: str, *, compounds: bool
) -> dict[str, Any]:
    from django.urls import reverse

    from warroom.geo.shapes import shape_index
    from warroom.situation import maps

    option, links, found = maps.map_option(
        request.user, area, day, metric, shape_index(request.user, area), compounds=compounds
    )
    return {
        "map_json": json.dumps(option, ensure_ascii=False, separators=(",", ":")),
        "map_links_json": json.dumps(links, ensure_ascii=False, separators=(",", ":")),
        "map_shapes_url": reverse("situation:map_shapes", kwargs={"code": area.code}),
        "map_name": "warroom-" + area.code,
        "map_places": found,
    }


@login_required
def map_home(request: HttpRequest) -> HttpResponse:
    """The map of the user's own area."""
    from django.shortcuts import redirect

    return redirect("situation:map", code=geo.home_area(request.user).code)


@login_required
def area_map(request: HttpRequest, code: str) -> HttpResponse:
    """The choropleth of an area's children (phase, Rt, backlog or certification) with its
    compounds on top; a click drills down (docs/maps.md)."""
    from warroom.situation import maps

    area = _area_of(request, code)
    metric = request.GET.get("metric") or "phase"
    if metric not in maps.METRICS:
        raise Http404
    day = maps.map_day(request.user, area, _day(request.GET.get("day")))
    context = _map_context(request, area, day, metric, compounds=True)
    return render(
        request,
        "situation/map.html",
        {
            **context,
            "area": area,
            "day": day,
            "metric": metric,
            "metrics": [(m, maps.metric_label(m)) for m in maps.METRICS],
            "metric_name": maps.metric_label(metric),
            "ancestors": geo.ancestors(request.user, area),
            "up": [(a, maps.map_url(a, metric, day)) for a in geo.ancestors(request.user, area)],
            "rows": [(p, maps.map_url(p.area, metric, day)) for p in context["map_places"]],
        },
    )


@login_required
def map_shapes(request: HttpRequest, code: str) -> HttpResponse:
    """The boundaries the map of ``code`` draws (GeoJSON, named by area code)."""
    from django.http import JsonResponse

    from warroom.geo.shapes import shapes_for

    area = _area_of(request, code)
    response = JsonResponse(
        shapes_for(request.user, area), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
