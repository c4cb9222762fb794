from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from warroom.audit.models import AuditEntry


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Search the audit log of one's own subtree (auditors, headquarters, supervisors)."""
    if not request.user.can("audit"):  # type: ignore[union-attr]
        raise Http404
    qs = AuditEntry.objects.restrict(request.user, "audit")
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
    return render(request, "audit/index.html", {"page": page, "actions": actions, "f": f})
