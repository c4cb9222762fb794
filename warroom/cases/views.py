"""Case management pages: the line list, a person's record, tracing, the contact graph and
the daily clearance. Thin: parse, call a service or a selector, render."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from warroom.cases import clearance, screening, selectors, services, states
from warroom.cases.forms import (
    ContactForm,
    ImportForm,
    IsolateForm,
    MergeForm,
    PersonForm,
    ResultForm,
    SampleForm,
    SeverityForm,
    TransitionForm,
    TreatmentForm,
)
from warroom.cases.imports import (
    LINE_LIST_COLUMNS,
    RESULT_COLUMNS,
    do_import_line_list,
    do_import_results,
)
from warroom.cases.models import Duty, Person
from warroom.cases.states import Status
from warroom.core import axes
from warroom.core.daily import scope_of
from warroom.core.errors import NotFound, WarroomError
from warroom.core.jobs import enqueue_import, import_in_worker
from warroom.core.revisions import revision_lines
from warroom.core.today import now as platform_now
from warroom.core.today import today as platform_today
from warroom.core.uploads import run_import
from warroom.geo import selectors as geo
from warroom.tables import TableRejected, template_bytes
from warroom.web.found import area_or_404
from warroom.web.listing import Col, list_page
from warroom.web.redirects import redirect_keeping


def _people_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Person-level pages: 404 for roles that see aggregates only (the analyst)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.can_see_people(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _person(request: HttpRequest, person_id: int, action: str = "view") -> Person:
    try:
        return selectors.get_person(request.user, person_id, action)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The line list of one's area (aggregates only for roles without ``people``)."""
    home = geo.home_area(request.user)
    code = request.GET.get("area") or home.code
    area = area_or_404(request.user, code)
    counts = selectors.category_counts(request.user, area)
    context: dict[str, Any] = {
        "area": area,
        "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in Status],
        "people_visible": selectors.can_see_people(request.user),
        "q": request.GET.get("q", ""),
        "status": request.GET.get("status", ""),
        "statuses": Status.choices(),
    }
    if context["people_visible"]:
        qs = selectors.people_search(
            request.user, q=context["q"], status=context["status"], area=area
        )
        # A list masks ID numbers and phones for everyone (the clear value is on the
        # person's page, asked for and audited); the export shows what the list shows.
        listed = list_page(
            request,
            qs,
            [
                Col(_("Person no."), lambda p: p.pk),
                Col(_("Name"), lambda p: p.name),
                Col(_("ID number"), lambda p: selectors.masked_identity(p).id_number),
                Col(_("Phone"), lambda p: selectors.masked_identity(p).phone),
                Col(_("Compound code"), lambda p: p.home.code),
                Col(pgettext("person's home", "Home"), lambda p: p.home.name_zh),
                Col(_("Status"), lambda p: p.get_status_display()),
                Col(_("Since"), lambda p: p.status_since),
            ],
            name="people",
        )
        if isinstance(listed, HttpResponse):
            return listed
        context.update(listed)
        context["rows"] = [(p, selectors.masked_identity(p)) for p in listed["page"]]
    return render(request, "cases/index.html", context)


@_people_required
def register(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, initial={"home": request.GET.get("home", "")})
    if request.method == "POST" and form.is_valid():
        if not request.user.can("change"):  # type: ignore[union-attr]
            raise Http404
        data = form.cleaned_data
        home = geo.visible_areas(request.user).filter(code=data["home"]).first()
        if home is None:
            form.add_error("home", _("No compound with this code in your area."))
        else:
            try:
                person = services.do_register_person(
                    name=data["name"],
                    home=home,
                    actor=request.user,
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    sex=data["sex"],
                    birth_date=data["birth_date"],
                    workplace=data["workplace"],
                    vulnerability=data["vulnerability"],
                    category=data["category"] or None,
                    reason=data["reason"],
                )
            except WarroomError as exc:
                field = (getattr(exc, "details", None) or {}).get("field")
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Registered."))
                return redirect("cases:person", person_id=person.pk)
    return render(request, "cases/register.html", {"form": form})


@_people_required
@require_GET
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    p = _person(request, person_id)
    ident = selectors.identity(request.user, p)
    targets = states.allowed(p.status)
    context = {
        "person": p,
        "identity": ident,
        "targets": [(t, Status(t).label) for t in targets],
        "history": selectors.history(request.user, p),
        "samples": p.samples.order_by("-taken_at"),
        "screening": screening.latest_for(request.user, p.id_type, p.id_number),
        "severities": p.severities.all(),
        "treatments": p.treatments.all()[:14],
        "contacts_out": p.contacts_out.select_related("contact"),
        "exposures": p.exposures.select_related("case"),
        "can_change": request.user.can("change"),  # type: ignore[union-attr]
        "can_isolate": p.status in (Status.FEBRILE, Status.FEBRILE_TESTED, Status.SUSPECTED)
        and p.isolation == "none",
        "forms": {
            "transition": TransitionForm(initial={"version": p.version}),
            "isolate": IsolateForm(initial={"version": p.version}),
            "sample": SampleForm(),
            "result": ResultForm(),
            "severity": SeverityForm(),
            "treatment": TreatmentForm(),
            "contact": ContactForm(initial={"exposure_date": platform_today()}),
            "merge": MergeForm(),
        },
    }
    return render(request, "cases/person.html", context)


def _post(
    request: HttpRequest, person_id: int, form_class: Any, act: Callable[[Person, Any], str]
) -> HttpResponse:
    p = _person(request, person_id, "change")
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    else:
        try:
            messages.success(request, act(p, form.cleaned_data))
        except WarroomError as exc:
            messages.error(request, exc.message)
    return redirect("cases:person", person_id=person_id)


@_people_required
@require_POST
def transition(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        services.do_transition_person(
            p,
            d["target"],
            actor=request.user,
            reason=d["reason"],
            expected_version=d["version"],
            isolation=d["isolation"] or None,
            facility=d["facility"],
            severity=d["severity"] or None,
        )
        return _("Now: %(status)s") % {"status": p.get_status_display()}

    return _post(request, person_id, TransitionForm, act)


@_people_required
@require_POST
def isolate(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        services.do_isolate_person(
            p,
            d["isolation"],
            actor=request.user,
            facility=d["facility"],
            expected_version=d["version"],
        )
        return _("Isolated.")

    return _post(request, person_id, IsolateForm, act)


@_people_required
@require_POST
def sample(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        services.do_record_sample(
            p, kind=d["kind"], lab=d["lab"], code=d["code"], actor=request.user
        )
        return _("Sample recorded.")

    return _post(request, person_id, SampleForm, act)


@_people_required
@require_POST
def result(request: HttpRequest, sample_id: int) -> HttpResponse:
    try:
        s = selectors.get_sample(request.user, sample_id, "change")
    except NotFound:
        raise Http404 from None
    form = ResultForm(request.POST)
    if form.is_valid():
        try:
            services.do_record_result(s, form.cleaned_data["result"], actor=request.user)
            messages.success(request, _("Result recorded."))
        except WarroomError as exc:
            messages.error(request, exc.message)
    return redirect("cases:person", person_id=s.person_id)


@_people_required
@require_POST
def severity(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        services.do_set_severity(p, d["severity"], actor=request.user, note=d["note"])
        return _("Severity recorded.")

    return _post(request, person_id, SeverityForm, act)


@_people_required
@require_POST
def treatment(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        services.do_record_treatment(p, actor=request.user, note=d["note"])
        return _("Treatment recorded.")

    return _post(request, person_id, TreatmentForm, act)


@_people_required
@require_POST
def contact(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        other = selectors.get_person(request.user, d["contact_id"], "change")
        services.do_add_contact(
            p, other, exposure_date=d["exposure_date"], setting=d["setting"], actor=request.user
        )
        return _("Contact added.")

    return _post(request, person_id, ContactForm, act)


@_people_required
@require_POST
def merge(request: HttpRequest, person_id: int) -> HttpResponse:
    def act(p: Person, d: dict[str, Any]) -> str:
        dup = selectors.get_person(request.user, d["duplicate_id"], "change")
        services.do_merge_people(p, dup, actor=request.user)
        return _("Merged.")

    return _post(request, person_id, MergeForm, act)


# The import page's kinds: the importer and the kind of limits its files are read within.
IMPORTERS: dict[str, tuple[Callable[..., Any], str]] = {
    "line-list": (do_import_line_list, ""),
    "results": (do_import_results, ""),
    "screening": (screening.do_import_screening, screening.LIMITS),
}


@_people_required
def import_file(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        if not request.user.can("change"):  # type: ignore[union-attr]
            raise Http404
        upload = form.cleaned_data["file"]
        importer, limits = IMPORTERS[form.cleaned_data["kind"]]
        try:
            if import_in_worker(upload.size or 0):  # a large file: a worker imports it
                queued = enqueue_import(
                    importer, upload, upload.name or "", actor=request.user, limits=limits
                )
                return redirect("web:job", queued_job_id=queued.pk)
            res = run_import(importer, upload, actor=request.user, kind=limits)
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
            return redirect("cases:index")
    return render(request, "cases/import.html", {"form": form, "report": report})


def _template(columns: Any, name: str) -> HttpResponse:
    response = HttpResponse(
        template_bytes(columns, sheet=name),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-template.xlsx"'
    return response


@login_required
@require_GET
def line_list_template(request: HttpRequest) -> HttpResponse:
    return _template(LINE_LIST_COLUMNS, "line-list")


@login_required
@require_GET
def results_template(request: HttpRequest) -> HttpResponse:
    return _template(RESULT_COLUMNS, "results")


@login_required
@require_GET
def screening_template(request: HttpRequest) -> HttpResponse:
    return _template(screening.SCREENING_COLUMNS, "screening")


@_people_required
@require_GET
def tracing(request: HttpRequest) -> HttpResponse:
    rows = selectors.tracing_list(request.user)
    listed = list_page(
        request,
        rows,
        [
            Col(_("Index case"), lambda r: f"{r['link'].case.name} #{r['link'].case_id}"),
            Col(_("Contact"), lambda r: f"{r['link'].contact.name} #{r['link'].contact_id}"),
            Col(_("Compound"), lambda r: r["link"].contact.home.name_zh),
            Col(_("Setting"), lambda r: r["link"].get_setting_display()),
            Col(_("Exposure date"), lambda r: r["link"].exposure_date),
            Col(_("Deadline"), lambda r: r["deadline"]),
            Col(_("Overdue"), lambda r: _("yes") if r["overdue"] else ""),
        ],
        name="tracing",
    )
    if isinstance(listed, HttpResponse):
        return listed
    return render(
        request,
        "cases/tracing.html",
        {**listed, "rows": listed["page"], "now": platform_now()},
    )


@login_required
@require_GET
def graph_home(request: HttpRequest) -> HttpResponse:
    return redirect_keeping(request, "cases:graph", code=geo.home_area(request.user).code)


@_people_required
@require_GET
def graph(request: HttpRequest, code: str) -> HttpResponse:
    """The transmission view: the clusters as a sortable, paged list with their sizes, and
    the graph of one cluster at a time (the largest unless one is chosen)."""
    area = area_or_404(request.user, code)
    sort = request.GET.get("sort") or "size"
    if sort not in selectors.CLUSTER_SORTS:
        raise Http404
    data = selectors.transmission_clusters(request.user, area, sort=sort)
    clusters = data["clusters"]
    page = Paginator(clusters, 25).get_page(request.GET.get("page"))
    raw = request.GET.get("cluster") or ""
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Http404
    chosen = int(raw) if raw else (clusters[0]["key"] if clusters else None)
    graph = selectors.cluster_graph(request.user, area, chosen) if chosen is not None else None
    if raw and graph is None:
        raise Http404
    sizes = sorted((c["size"] for c in clusters), reverse=True)
    return render(
        request,
        "cases/graph.html",
        {
            "area": area,
            "clusters": page,
            "count": len(clusters),
            "largest": sizes[0] if sizes else None,
            "links": data["links"],
            "sort": sort,
            "sorts": [
                ("size", _("Size")),
                ("confirmed", _("Confirmed")),
                ("latest", _("Latest exposure")),
            ],
            "chosen": chosen,
            "graph": graph,
            "option_json": json.dumps(graph["option"], ensure_ascii=False) if graph else "",
        },
    )


# --- clearance --------------------------------------------------------------------------


@login_required
@require_GET
def clearance_home(request: HttpRequest) -> HttpResponse:
    return redirect_keeping(request, "cases:clearance_area", code=geo.home_area(request.user).code)


def _day(request: HttpRequest) -> dt.date | None:
    raw = request.GET.get("date")
    if raw:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise Http404 from None
    run = selectors.latest_run(platform_today())
    return run.date if run else None


def _figure_label(name: str) -> str:
    duty = name.removeprefix("clearance.")
    return str(Duty(duty).label) if duty in Duty.values() else name


def _clearance_context(request: HttpRequest, code: str) -> dict[str, Any]:
    area = area_or_404(request.user, code)
    day = _day(request)
    kids = list(geo.children(request.user, area))
    rows = selectors.clearance_rows(request.user, [area, *kids], day) if day else {}
    context: dict[str, Any] = {
        "area": area,
        "ancestors": geo.ancestors(request.user, area),
        "day": day,
        "duties": [(str(d.value), d.label) for d in Duty],
        "own": rows.get(area.pk, {}),
        "children": [(k, rows.get(k.pk, {})) for k in kids],
        "people_visible": selectors.can_see_people(request.user),
        # The city-wide recompute is the headquarters' (work on a user's behalf stays in
        # his scope): the button is shown only to whom the service lets do it.
        "can_recompute": request.user.can("change")  # type: ignore[union-attr]
        and scope_of(request.user) is None,
        "items": [],
    }
    if day is not None:
        run = selectors.latest_run(day)
        if run is not None and run.date == day and run.revision > 1:
            context["revision_lines"] = revision_lines(
                run.revision, run.changes, run.reason, label=_figure_label
            )
        trend = selectors.clearance_trend(request.user, area)
        context["trend_json"] = json.dumps(
            {
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 0, "data": [str(d.label) for d in Duty]},
                "grid": axes.grid(top=32),
                "xAxis": axes.date_axis(trend["dates"]),
                "yAxis": {"type": "value", "minInterval": 1},
                "series": [
                    {"type": "line", "name": str(d.label), "data": trend["series"][str(d.value)]}
                    for d in Duty
                ],
            },
            ensure_ascii=False,
        )
    if area.level == "compound" and context["people_visible"] and day is not None:
        cutoff = min(clearance.cutoff_for(day), timezone.now())
        context["items"] = clearance.backlog_items([area.pk], cutoff)
        context["item_cutoff"] = cutoff
    return context


@login_required
@require_GET
def clearance_area(request: HttpRequest, code: str) -> HttpResponse:
    context = _clearance_context(request, code)
    return render(request, "cases/clearance.html", context)


@login_required
@require_POST
def clearance_compute(request: HttpRequest) -> HttpResponse:
    if not request.user.can("change"):  # type: ignore[union-attr]
        raise Http404
    day = platform_today()
    try:
        res = clearance.do_compute_clearance(day, actor=request.user)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Clearance recomputed for %(day)s.") % {"day": res.date})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "cases:clearance")


@login_required
@require_GET
def clearance_export(request: HttpRequest, code: str) -> HttpResponse:
    from warroom.exports import workbook

    context = _clearance_context(request, code)
    book = workbook()
    ws = book.sheet("clearance")
    header = [_("Code"), _("Name")]
    for _code, label in context["duties"]:
        header += [f"{label} {_('total')}", "<24h", "24-48h", ">48h"]
    ws.append(header)
    for area, row in [(context["area"], context["own"]), *context["children"]]:
        line: list[Any] = [area.code, area.name_zh]
        for duty, _label in context["duties"]:
            snap = row.get(duty)
            line += (
                [snap.total, snap.under_24h, snap.from_24_to_48h, snap.over_48h]
                if snap
                else [0, 0, 0, 0]
            )
        ws.append(line)
    if context["items"]:
        people = book.sheet("people")
        people.append([_("Duty"), _("Person"), _("Status"), _("Since"), _("Hours")])
        for item in context["items"]:
            people.append(
                [
                    str(Duty(item.duty).label),
                    f"{item.person.name} #{item.person.pk}",
                    item.person.get_status_display(),
                    timezone.localtime(item.since).strftime("%Y-%m-%d %H:%M"),
                    round(item.hours, 1),
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    day = context["day"].isoformat() if context["day"] else "none"
    response["Content-Disposition"] = f'attachment; filename="clearance-{code}-{day}.xlsx"'
    return response
