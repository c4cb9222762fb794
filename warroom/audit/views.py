from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from warroom.audit.models import ACTION_LABELS
from warroom.audit.selectors import can_read_audit, shown_entries, visible_entries
from warroom.core.personal import may_see
from warroom.web.listing import Col, list_page


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Search the audit log of one's own subtree (auditors, headquarters, supervisors);
    page it, or export the whole filtered log (as the page shows it)."""
    if not can_read_audit(request.user):
        raise Http404
    qs = visible_entries(request.user)
    f = request.GET
    if f.get("actor"):
        qs = qs.filter(actor_name__icontains=f["actor"])
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("object_type"):
        qs = qs.filter(object_type=f["object_type"])
    if f.get("object_id"):
        qs = qs.filter(object_id=f["object_id"])
    if f.get("since"):
        qs = qs.filter(ts__date__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(ts__date__lte=f["until"])
    # Personal data is masked by the person pages' rule; a reader who may see it asks for
    # it on purpose (?unmask=1), and that view is logged (the export keeps the choice).
    may_unmask = may_see(request.user, "personal_data")
    unmask = may_unmask and f.get("unmask") == "1"
    listed = list_page(
        request,
        qs.order_by("-seq"),
        [
            Col(_("Sequence"), lambda r: r.entry.seq),
            Col(_("Time"), lambda r: r.entry.ts),
            Col(_("Actor"), lambda r: r.entry.actor_name),
            Col(_("Source"), lambda r: r.source),
            Col(_("Address"), lambda r: r.entry.ip),
            Col(_("Action"), lambda r: r.entry.action_label),
            Col(_("Object type"), lambda r: r.object_type),
            Col(_("Object id"), lambda r: r.entry.object_id),
            Col(_("Object"), lambda r: r.object_repr),
            Col(_("Description"), lambda r: r.description),
            Col(_("Before"), lambda r: r.before),
            Col(_("After"), lambda r: r.after),
            Col(_("Recorded text"), lambda r: r.entry.message),
        ],
        name="audit-log",
        shown=lambda entries: shown_entries(request.user, entries, unmask=unmask),
    )
    if isinstance(listed, HttpResponse):
        return listed
    rows = listed["shown"]
    return render(
        request,
        "audit/index.html",
        {
            **listed,
            "rows": rows,
            "action_choices": [(a, str(label)) for a, label in ACTION_LABELS.items()],
            "f": f,
            "may_unmask": may_unmask and any(r.masked for r in rows),
            "unmasked": unmask,
        },
    )
