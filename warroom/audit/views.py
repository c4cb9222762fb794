from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from warroom.audit.models import ACTION_LABELS
from warroom.audit.selectors import can_read_audit, shown_entries, visible_entries
from warroom.core.personal import may_see


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Search the audit log of one's own subtree (auditors, headquarters, supervisors)."""
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
    page = Paginator(qs.order_by("-seq"), 50).get_page(f.get("page"))
    actions = [
        "create",
        "update",
        "delete",
        "import",
        "sign_in",
        "sign_out",
        "sign_in_failed",
        "view_personal",
    ]
    # Personal data is masked by the person pages' rule; a reader who may see it asks for
    # it on purpose (?unmask=1), and that view is logged.
    may_unmask = may_see(request.user, "personal_data")
    unmask = may_unmask and f.get("unmask") == "1"
    rows = shown_entries(request.user, page, unmask=unmask)
    return render(
        request,
        "audit/index.html",
        {
            "page": page,
            "rows": rows,
            "actions": actions,
            "action_choices": [(a, str(ACTION_LABELS.get(a, a))) for a in actions],
            "f": f,
            "may_unmask": may_unmask and any(r.masked for r in rows),
            "unmasked": unmask,
        },
    )
