from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from warroom.core.errors import NotFound
from warroom.geo import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The command dashboard of one's own area is where the day starts (the hotline
    operator's day starts at the 12345 screen)."""
    if getattr(request.user, "role", "") == "hotline_operator":
        return redirect("appeals:operator")
    return redirect("situation:dashboard")


@login_required
def areas(request: HttpRequest) -> HttpResponse:
    return redirect("web:area", code=selectors.home_area(request.user).code)


@login_required
def area(request: HttpRequest, code: str) -> HttpResponse:
    try:
        node = selectors.get_area(request.user, code)
    except NotFound:
        raise Http404 from None
    kids = selectors.children_with_counts(request.user, node)
    lang = get_language() or "zh-hans"
    chart = {
        "names": [k.name(lang) for k, _ in kids],
        "population": [k.population or 0 for k, _ in kids],
    }
    context = {
        "area": node,
        "area_name": node.name(lang),
        "ancestors": selectors.ancestors(request.user, node),
        "children": kids,
        "counts": selectors.level_counts(request.user, node),
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "lang": lang,
    }
    template = "web/_area_panel.html" if request.htmx else "web/area.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def job(request: HttpRequest, queued_job_id: int) -> HttpResponse:
    """A job on the queue: its status and progress, polled by htmx until it ends."""
    from warroom.core.jobs import job_for

    try:
        found = job_for(request.user, queued_job_id)
    except NotFound:
        raise Http404 from None
    template = "web/_job_status.html" if getattr(request, "htmx", False) else "web/job.html"
    return render(request, template, {"job": found})


@login_required
def job_download(request: HttpRequest, queued_job_id: int) -> HttpResponse:
    """The file a finished job made; before it is ready, the job's page."""
    from warroom.core.jobs import job_for

    try:
        found = job_for(request.user, queued_job_id)
    except NotFound:
        raise Http404 from None
    if found.status != found.Status.DONE or found.output is None:
        return redirect("web:job", queued_job_id=found.pk)
    result = found.result or {}
    response = HttpResponse(
        bytes(found.output), content_type=result.get("content_type", "application/octet-stream")
    )
    name = str(result.get("filename", f"job-{found.pk}")).replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
