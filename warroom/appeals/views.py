"""Pages: the public form, status and rebuttals (no account); the board, the hotline
operator's screen, an appeal, the duty roster, timeliness, hot topics (signed in)."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from warroom.appeals import selectors, services
from warroom.appeals.models import Category, Channel, Urgency
from warroom.appeals.triage import propose
from warroom.audit.services import record_event
from warroom.core.errors import InvalidInput, WarroomError
from warroom.core.middleware import client_ip
from warroom.core.personal import mask_record
from warroom.core.today import today
from warroom.core.users import find_user, user_choices
from warroom.geo import selectors as geo
from warroom.geo.models import Area
from warroom.tasks.views import attempt
from warroom.web.found import form_area

_SALT = "warroom.appeals.form"


def _may_handle(request: HttpRequest) -> None:
    if not request.user.can("appeals"):  # type: ignore[union-attr]
        raise PermissionDenied


# --- public: no account ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def public_file(request: HttpRequest) -> HttpResponse:
    """The citizen's form (mobile-first). Spam signs (the hidden field filled, sent faster
    than a person types) and a flooding address hold the appeal for review instead of
    dropping it; only a flood above the hold ceiling is refused (429)."""
    context: dict[str, Any] = {"values": {}}
    if request.method == "POST":
        post = request.POST
        held = ""
        try:
            issued = float(signing.loads(post.get("ticket", ""), salt=_SALT, max_age=86400))
            too_fast = time.time() - issued < settings.WARROOM_APPEAL_MIN_FILL_SECONDS
        except (signing.BadSignature, ValueError, TypeError):
            too_fast = True
        if post.get("website"):
            held = "honeypot"
        elif too_fast:
            held = "too_fast"
        try:
            intake = services.file_public(
                client=client_ip(request) or "",
                text=post.get("text", ""),
                place_text=post.get("place", ""),
                caller_name=post.get("name", ""),
                caller_phone=post.get("phone", ""),
                held_reason=held,
            )
        except WarroomError as exc:
            messages.error(request, exc.message)
            context["values"] = post
        else:
            if intake.appeal is None:  # a flood above the hold ceiling
                response = render(request, "appeals/public_refused.html", status=429)
                response["Retry-After"] = "60"
                return response
            number = intake.appeal.number
            return redirect(reverse("appeals:public_status") + f"?number={number}&new=1")
    context["ticket"] = signing.dumps(str(time.time()), salt=_SALT)
    return render(request, "appeals/public_file.html", context)


@require_http_methods(["GET"])
def public_status(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip()
    found = selectors.public_status(number) if number else None
    return render(
        request,
        "appeals/public_status.html",
        {"number": number, "found": found, "new": bool(request.GET.get("new"))},
    )


@require_http_methods(["GET"])
def public_rebuttals(request: HttpRequest) -> HttpResponse:
    return render(request, "appeals/public_rebuttals.html", {"rebuttals": selectors.rebuttals()})


# --- signed in ------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The board: open appeals by deadline, the overdue first; escalated to my level; held."""
    home = geo.home_area(request.user)
    qs = selectors.open_by_deadline(request.user)
    category = request.GET.get("category", "")
    if category in Category.values:
        qs = qs.filter(category=category)
    now = timezone.now()
    return render(
        request,
        "appeals/index.html",
        {
            "area": home,
            "appeals": qs[:200],
            "total": qs.count(),
            "overdue": qs.filter(deadline__lt=now).count(),
            "escalated": selectors.escalated_to(request.user, home)[:50],
            "held": selectors.held(request.user)[:50],
            "categories": Category.choices,
            "category": category,
            "now": now,
            "hot_topics": _hot_topics(request, home),
        },
    )


def _operator_values(post: Any) -> dict[str, Any]:
    return {k: post.get(k, "") for k in ("name", "phone", "place", "compound_code", "text")}


@login_required
def operator(request: HttpRequest) -> HttpResponse:
    """The 12345 operator's screen: one appeal in under a minute. "Propose" fills in the
    classifier's category and urgency and the place resolved from the words; "File"
    records it as triaged by the operator."""
    _may_handle(request)
    values: dict[str, Any] = {"urgency": "", "category": ""}
    proposal = None
    if request.method == "POST":
        values.update(_operator_values(request.POST))
        within = geo.home_area(request.user)
        area = None
        if values["compound_code"].strip():
            area = form_area(
                request,
                values["compound_code"],
                message=_("No compound %(code)s in your jurisdiction."),
            )
            if area is None:
                return _operator_page(request, {**values, "compound_code": ""}, None)
        elif values["place"].strip():
            area = services.resolve_place(values["place"], within)
            values["compound_code"] = area.code if area.pk != within.pk else ""
        if request.POST.get("action") == "propose":
            if values["text"].strip():
                proposal = propose(values["text"])
                values["category"] = proposal.category
                values["urgency"] = proposal.urgency
            values["resolved"] = area
            return _operator_page(request, values, proposal)
        values["category"] = request.POST.get("category", "")
        values["urgency"] = request.POST.get("urgency", "")
        place = area or within
        done = attempt(
            request,
            lambda: services.do_file_appeal(
                channel=Channel.HOTLINE,
                text=values["text"],
                place_text=values["place"],
                area=place,
                caller_name=values["name"],
                caller_phone=values["phone"],
                category=values["category"],
                urgency=values["urgency"],
                actor=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Appeal %(n)s filed.") % {"n": done.number})
            return redirect("appeals:operator")
    return _operator_page(request, values, proposal)


def _operator_page(request: HttpRequest, values: dict[str, Any], proposal: Any) -> HttpResponse:
    return render(
        request,
        "appeals/operator.html",
        {
            "values": values,
            "proposal": proposal,
            "categories": Category.choices,
            "urgencies": Urgency.choices,
            "recent": selectors.appeals(request.user)
            .filter(channel=Channel.HOTLINE)
            .order_by("-received_at")[:10],
            "hot_topics": _hot_topics(request, geo.home_area(request.user)),
        },
    )


def _items(text: str) -> list[tuple[str, Any, str, Any]]:
    """Group-order lines "name quantity unit price" (one per line)."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise InvalidInput(
                _("Line %(n)d: write the item, the quantity, the unit and the unit price.")
                % {"n": n}
            )
        try:
            Decimal(parts[1]), Decimal(parts[3])
        except InvalidOperation:
            raise InvalidInput(
                _("Line %(n)d: the quantity and the price are numbers.") % {"n": n}
            ) from None
        out.append((parts[0], parts[1], parts[2], parts[3]))
    return out


@login_required
def appeal(request: HttpRequest, appeal_id: int) -> HttpResponse:
    found = attempt(request, lambda: selectors.get_appeal(request.user, appeal_id))
    if request.method == "POST":
        _act(request, found)
        return redirect("appeals:appeal", appeal_id=found.pk)
    unmask = request.user.can("appeals")  # type: ignore[union-attr]
    shown = mask_record(
        found.personal_fields,
        {k: getattr(found, k) for k in found.personal_fields},
        request.user,
    )
    if shown.unmasked:
        record_event(
            "view_personal",
            object_type="appeals.appeal",
            object_id=str(found.pk),
            area_path=found.area.path,
            message=f"caller of appeal {found.number}",
        )
    return render(
        request,
        "appeals/appeal.html",
        {
            "appeal": found,
            "caller": shown.data,
            "unmask": unmask,
            "events": selectors.events(request.user, found),
            "categories": Category.choices,
            "urgencies": Urgency.choices,
            "owners": user_choices(request.user, found.assigned_area),
            "may_handle": request.user.can("appeals"),  # type: ignore[union-attr]
            "open": found.is_open,
        },
    )


def _act(request: HttpRequest, found: Any) -> None:
    post, user = request.POST, request.user
    action = post.get("action")
    if action == "triage":
        code = post.get("area_code", "")
        area = form_area(request, code)
        if code.strip() and area is None:
            return
        attempt(
            request,
            lambda: services.do_triage_appeal(
                found,
                category=post.get("category", ""),
                urgency=post.get("urgency", ""),
                area=area,
                note=post.get("note", ""),
                actor=user,
            ),
        )
    elif action == "reassign":
        code = post.get("area_code", "").strip()
        # The levels above the place are named by code even when above one's own area.
        to = (
            Area.objects.filter(code=code, code__in=found.area.ancestor_codes()).first()
            if code
            else None
        ) or form_area(request, code)
        if to is not None:
            attempt(
                request,
                lambda: services.do_reassign_appeal(
                    found, to=to, reason=post.get("reason", ""), actor=user
                ),
            )
    elif action == "answer":
        attempt(
            request,
            lambda: services.do_answer_appeal(found, reply=post.get("reply", ""), actor=user),
        )
    elif action == "callback":
        attempt(
            request,
            lambda: services.do_record_callback(
                found,
                satisfaction=post.get("satisfaction", ""),  # type: ignore[arg-type]
                note=post.get("note", ""),
                actor=user,
            ),
        )
    elif action == "release":
        attempt(request, lambda: services.do_release_appeal(found, actor=user))
    elif action == "reject":
        attempt(
            request,
            lambda: services.do_reject_appeal(found, reason=post.get("reason", ""), actor=user),
        )
    elif action == "admission":
        attempt(
            request,
            lambda: services.do_link_admission(
                found,
                name=post.get("person_name", ""),
                id_number=post.get("id_number", ""),
                category=post.get("person_category", "febrile"),
                actor=user,
            ),
        )
    elif action == "services":
        attempt(
            request,
            lambda: services.do_link_services(
                found, items=_items(post.get("items", "")), actor=user
            ),
        )
    elif action == "task":
        attempt(
            request,
            lambda: services.do_open_task(
                found,
                owner=find_user(user, pk=post.get("owner")),
                title=post.get("title", ""),
                actor=user,
            ),
        )
    elif action == "rebuttal":
        attempt(
            request,
            lambda: services.do_publish_rebuttal(
                found, title=post.get("title", ""), body=post.get("body", ""), actor=user
            ),
        )
    else:
        messages.error(request, _("Unknown action."))


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """The 24-hour duty roster (24小时值守): who is on the appeals desk, hour by hour."""
    home = geo.home_area(request.user)
    if request.method == "POST":
        _may_handle(request)

        def add() -> Any:
            start = _parse_dt(request.POST.get("starts_at", ""))
            hours = int(request.POST.get("hours") or 8)
            return services.do_add_shift(
                home,
                user=find_user(request.user, pk=request.POST.get("user")),
                starts_at=start,
                ends_at=start + dt.timedelta(hours=hours),
                desk=request.POST.get("desk", ""),
                actor=request.user,
            )

        attempt(request, add)
        return redirect("appeals:roster")
    now = timezone.now()
    shifts = list(selectors.roster(request.user, start=now))
    hours = [now + dt.timedelta(hours=h) for h in range(24)]
    uncovered = [h for h in hours if not any(s.starts_at <= h < s.ends_at for s in shifts)]
    return render(
        request,
        "appeals/roster.html",
        {
            "shifts": shifts,
            "uncovered": uncovered,
            "users": user_choices(request.user, home),
            "area": home,
            "start": timezone.localtime(now).strftime("%Y-%m-%dT%H:00"),
        },
    )


def _parse_dt(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Give the start as a date and time.")) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """Per responsible area: timeliness and satisfaction over 30 days."""
    area = geo.home_area(request.user)
    return render(
        request,
        "appeals/stats.html",
        {"area": area, "rows": selectors.timeliness(request.user, area)},
    )


@login_required
def topics(request: HttpRequest) -> HttpResponse:
    """Hot topics: term frequencies per day, and the surges (a stand-up signal)."""
    area = geo.home_area(request.user)
    day = today()
    rows = selectors.term_rows(request.user, area, end=day, days=8)  # one read for all
    data = selectors.hot_topics(request.user, area, end=day, days=8, rows=rows)
    chart = {
        "days": [d.isoformat() for d in data["days"]],
        "series": data["series"],
    }
    key = request.GET.get("topic", "").strip()[:200]
    days = 1 if request.GET.get("days") == "1" else selectors.TOPIC_DAYS
    drill = selectors.topic_appeals(request.user, area, key, end=day, days=days) if key else None
    return render(
        request,
        "appeals/topics.html",
        {
            "area": area,
            "data": data,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "clusters": selectors.topic_clusters(request.user, area, end=day, rows=rows),
            "hot_topics": selectors.hot_clusters(request.user, area, day, top=20, rows=rows),
            "topic_days": selectors.TOPIC_DAYS,
            "topic": key,
            "drill": drill[:200] if drill is not None else None,
            "drill_total": len(drill) if drill is not None else 0,
        },
    )


def _hot_topics(request: HttpRequest, area: Area) -> list[selectors.TopicRow]:
    """The day's hot topics (the boards' box)."""
    return selectors.hot_clusters(request.user, area, today())
