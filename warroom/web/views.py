from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from warroom.core.errors import NotFound
from warroom.geo import selectors
from warroom.web.found import area_or_404
from warroom.web.redirects import redirect_keeping


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where each role's day starts: the command dashboard for headquarters and the
    districts, the user's own work for everyone else (warroom/web/home.py)."""
    from warroom.web import home as work

    user = request.user
    role = str(getattr(user, "role", ""))
    if role == "logistics_officer":  # the logistics officer's day starts at the supplies page
        return redirect("supplies:index")
    if role == "supervisor":  # a supervisor's day starts at the supervision desk
        return redirect("supervision:index")
    if role == "hotline_operator":  # the hotline operator's day starts at the 12345 screen
        return redirect("appeals:operator")
    if role in work.DASHBOARD_ROLES or getattr(user, "area", None) is None:
        return redirect("situation:dashboard")
    area = selectors.home_area(user)
    context: dict[str, object] = {"area": area, "role": role}
    if role in work.FIELD_ROLES:
        context.update(work.field_home(user, area), kind="field")
    elif role == "dispatcher":
        context.update(work.dispatcher_home(user), kind="dispatcher")
    elif role == "analyst":
        context.update(work.analyst_home(user, area), kind="analyst")
    elif role == "auditor":
        context.update(work.auditor_home(user), kind="auditor")
    else:
        context.update(work.module_home(user), kind="module")
    return render(request, "web/home.html", context)


@login_required
def areas(request: HttpRequest) -> HttpResponse:
    return redirect_keeping(request, "web:area", code=selectors.home_area(request.user).code)


@login_required
def area(request: HttpRequest, code: str) -> HttpResponse:
    node = area_or_404(request.user, code)
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
