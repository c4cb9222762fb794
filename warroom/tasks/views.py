from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warroom.core.errors import NotFound, WarroomError
from warroom.core.today import now as platform_now
from warroom.tasks import selectors, services
from warroom.tasks.models import Status
from warroom.web.listing import Col, list_page


def attempt(request: HttpRequest, call: Callable[[], Any]) -> Any:
    """Run a service for a page: a refusal becomes a message, a missing object a 404."""
    try:
        return call()
    except NotFound:
        raise Http404 from None
    except WarroomError as exc:
        messages.error(request, exc.message)
        return None


def parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """My tasks and my area's tasks, overdue first and highlighted."""
    scope = request.GET.get("scope", "mine")
    status = request.GET.get("status", "pending")
    qs = (
        selectors.my_tasks(request.user)
        if scope == "mine"
        else selectors.visible_tasks(request.user)
    )
    if status == "pending":
        qs = qs.pending()
    elif status == "overdue":
        qs = qs.overdue()
    elif status in Status.values:
        qs = qs.filter(status=status)
    listed = list_page(
        request,
        qs.order_by("deadline", "pk"),
        [
            Col(_("Task"), lambda t: t.title_shown),
            Col(_("Source"), lambda t: t.source_label),
            Col(_("Code"), lambda t: t.area.code),
            Col(_("Area"), lambda t: t.area.name_zh),
            Col(_("Owner"), lambda t: t.owner.username),
            Col(_("Deadline"), lambda t: t.deadline),
            Col(_("Status"), lambda t: t.get_status_display()),
        ],
        name="tasks",
    )
    if isinstance(listed, HttpResponse):
        return listed
    overdue = selectors.visible_tasks(request.user).overdue().count()
    return render(
        request,
        "tasks/index.html",
        {
            **listed,
            "tasks": listed["page"],
            "scope": scope,
            "status": status,
            "statuses": Status.choices,
            "overdue_count": overdue,
            "now": platform_now(),
        },
    )


@login_required
def detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = attempt(request, lambda: selectors.get_task(request.user, task_id))
    user = request.user
    source = task.source if task.source_type_id else None
    return render(
        request,
        "tasks/detail.html",
        {
            "task": task,
            "source_url": source.get_absolute_url()
            if source is not None and hasattr(source, "get_absolute_url")
            else None,
            "can_submit": task.status == Status.OPEN and user.can("change"),  # type: ignore[union-attr]
            "can_verify": task.status != Status.OPEN
            and user.can("verify")  # type: ignore[union-attr]
            and user.pk not in (task.owner_id, task.submitted_by_id),
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, task_id: int) -> HttpResponse:
    task = attempt(request, lambda: selectors.get_task(request.user, task_id))
    done = attempt(
        request,
        lambda: services.do_submit_task(
            task,
            evidence_text=request.POST.get("evidence_text", ""),
            evidence_file=request.FILES.get("evidence_file"),
            actor=request.user,
        ),
    )
    if done is not None:
        messages.success(request, task.title_shown)
    return redirect("tasks:detail", task_id=task.pk)


@login_required
@require_POST
def verify(request: HttpRequest, task_id: int) -> HttpResponse:
    task = attempt(request, lambda: selectors.get_task(request.user, task_id))
    if request.POST.get("decision") == "reopen":
        attempt(
            request,
            lambda: services.do_reopen_task(
                task,
                reason=request.POST.get("reason", ""),
                deadline=parse_date(request.POST.get("deadline")),
                actor=request.user,
            ),
        )
    else:
        attempt(request, lambda: services.do_verify_task(task, actor=request.user))
    return redirect("tasks:detail", task_id=task.pk)


@login_required
def evidence(request: HttpRequest, task_id: int) -> HttpResponse:
    task = attempt(request, lambda: selectors.get_task(request.user, task_id))
    if not task.evidence_file:
        raise Http404
    return FileResponse(task.evidence_file.open("rb"), as_attachment=True)
