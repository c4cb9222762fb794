"""Surveillance pages: daily reports per area, the district report import, reconciliation."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from warroom.core.errors import NotFound, WarroomError
from warroom.core.jobs import enqueue_import, import_in_worker
from warroom.core.today import today as platform_today
from warroom.core.uploads import run_import
from warroom.geo import selectors as geo
from warroom.surveillance import selectors, services
from warroom.surveillance.models import FIGURES, DailyReport, Source
from warroom.tables import TableRejected, template_bytes


def _day(request: HttpRequest) -> dt.date | None:
    raw = request.GET.get("date")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    area = geo.home_area(request.user)
    day = _day(request)
    report = None
    if request.method == "POST":
        if not request.user.can("change") or "file" not in request.FILES:  # type: ignore[union-attr]
            raise Http404
        upload = request.FILES["file"]
        try:
            if import_in_worker(upload.size or 0):  # a large file: a worker imports it
                queued = enqueue_import(
                    services.do_import_daily_reports, upload, upload.name or "", actor=request.user
                )
                return redirect("web:job", queued_job_id=queued.pk)
            res = run_import(services.do_import_daily_reports, upload, actor=request.user)
        except TableRejected as exc:
            report = exc
        except WarroomError as exc:
            messages.error(request, exc.message)
        else:
            if res.already_imported:
                messages.warning(request, _("This file was already imported: nothing added."))
            else:
                messages.success(
                    request,
                    _("Imported %(rows)s rows: %(created)s created, %(updated)s updated.")
                    % {"rows": res.rows, "created": res.created, "updated": res.updated},
                )
            return redirect("surveillance:index")
    qs = selectors.reports(request.user, area=area, day=day, source=request.GET.get("source", ""))
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    discrepancies = []
    if day is not None:
        visible = [r.area for r in page if r.source == Source.REPORT]
        discrepancies = services.reconcile(day, visible) if visible else []
    return render(
        request,
        "surveillance/index.html",
        {
            "page": page,
            "figures": [(f, DailyReport._meta.get_field(f).verbose_name) for f in FIGURES],
            "labels": services.LABELS_ZH,
            "day": day,
            "sources": Source.choices,
            "report": report,
            "discrepancies": discrepancies,
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    if not request.user.can("change"):  # type: ignore[union-attr]
        raise Http404
    day = platform_today()
    n = services.do_compute_daily_aggregates(day, actor=request.user)
    messages.success(request, _("Line-list figures computed: %(n)s areas.") % {"n": n})
    return redirect("surveillance:index")


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_bytes(services.REPORT_COLUMNS, sheet="daily"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="daily-report-template.xlsx"'
    return response


@login_required
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """The stored data-quality flags: acknowledge, resolve (or reopen) each."""
    from warroom.surveillance.models import FlagStatus

    status = request.GET.get("status", "pending")
    qs = selectors.quality_flags(request.user, status=status)
    from warroom.web.listing import Col, list_page

    listed = list_page(
        request,
        qs,
        [
            Col(_("Code"), lambda f: f.area.code),
            Col(_("Area"), lambda f: f.area.name_zh),
            Col(_("Day"), lambda f: f.day),
            Col(_("Rule"), lambda f: f.rule_label),
            Col(_("Column"), lambda f: f.column_label),
            Col(_("Severity"), lambda f: f.get_severity_display()),
            Col(_("Finding"), lambda f: f.text),
            Col(_("Status"), lambda f: f.get_status_display()),
        ],
        name="quality-flags",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "surveillance/quality.html",
        {**listed, "status": status, "statuses": FlagStatus.choices()},
    )


@login_required
@require_POST
def flag_status(request: HttpRequest, flag_id: int) -> HttpResponse:
    try:
        flag = selectors.get_flag(request.user, flag_id, "change")
        services.do_set_flag_status(
            flag,
            request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            actor=request.user,
        )
    except NotFound:
        raise Http404 from None
    except WarroomError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or "surveillance:quality")
