"""Medical waste pages: the day's balance (日产日清) per source, district and city, plants
against capacity, and the imports of generation and disposal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from warroom.core.errors import WarroomError
from warroom.core.today import today
from warroom.geo.models import Area
from warroom.tasks.views import parse_date
from warroom.waste import selectors
from warroom.web.found import asked_area


@login_required
def index(request: HttpRequest) -> HttpResponse:
    area = asked_area(request)
    day = parse_date(request.GET.get("day")) or today()
    bal = selectors.balance(request.user, area, day)
    names = dict(
        Area.objects.filter(pk__in={s.area_id for s in bal.sources}).values_list("pk", "name_zh")
    )
    sources = sorted(bal.sources, key=lambda s: (-s.over_48h, -s.backlog))
    return render(
        request,
        "waste/index.html",
        {
            "area": area,
            "day": day,
            "totals": bal.totals(),
            "bal": bal,
            "sources": [
                {"s": s, "area": names.get(s.area_id, "")}
                for s in sources
                if s.generated or s.backlog
            ][:300],
            "history": selectors.history(request.user, area),
        },
    )


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    from warroom.core.uploads import run_import
    from warroom.tables import TableRejected
    from warroom.waste.imports import do_import_disposed, do_import_generated

    if not request.user.can("change"):
        raise PermissionDenied
    errors: list[Any] = []
    result = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        importer = (
            do_import_disposed if request.POST.get("what") == "disposed" else do_import_generated
        )
        try:
            result = run_import(importer, upload, actor=request.user, filename=upload.name or "")
        except TableRejected as exc:
            errors = exc.errors
        except WarroomError as exc:
            messages.error(request, exc.message)
    return render(request, "waste/import.html", {"result": result, "errors": errors})
