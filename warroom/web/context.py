"""The navigation: every domain of the platform, in the order a headquarters works.

A domain whose app is not installed yet is shown greyed out, so the layout is the one
the finished platform will have. An app makes its entry live by naming its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from warroom.core.permits import may


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    capability: str = "view"


NAVIGATION: list[tuple[Any, list[NavItem]]] = [
    (
        _("Command"),
        [
            NavItem(_("Situation"), "situation:dashboard"),
            NavItem(_("Map"), "situation:map_home"),
            NavItem(_("Briefing"), "situation:briefings"),
            NavItem(_("Stand-up"), "situation:standup_today"),
            NavItem(_("Import a published series"), "situation:import", "import_series"),
        ],
    ),
    (
        _("Epidemic"),
        [
            NavItem(_("Cases"), "cases:index"),
            NavItem(_("Clearance"), "cases:clearance"),
            NavItem(_("Daily reports"), "surveillance:index"),
            NavItem(_("Data quality"), "surveillance:quality"),
            NavItem(_("Beds"), "beds:index"),
            NavItem(_("Dispatch"), "dispatch:index", "dispatch"),
        ],
    ),
    (
        _("Communities"),
        [
            NavItem(_("Areas"), "web:areas"),
            NavItem(_("Certification"), "communities:index"),
            NavItem(_("Closure and inspections"), "communities:inspections"),
            NavItem(_("Reopening"), "communities:reopenings"),
            NavItem(_("Risk levels"), "economy:index"),
            NavItem(_("Closure coverage"), "economy:coverage"),
            NavItem(_("Grids and rosters"), "economy:roster"),
            NavItem(_("Resumption"), "economy:resumption"),
            NavItem(_("Point-to-point transport"), "economy:transport"),
            NavItem(_("Services"), "services:index"),
            NavItem(_("Tasks"), "tasks:index"),
        ],
    ),
    (
        _("Support"),
        [
            NavItem(_("Appeals"), "appeals:index"),
            NavItem(_("Supplies"), "supplies:index"),
            NavItem(_("Medical waste"), "waste:index"),
        ],
    ),
    (
        _("Oversight"),
        [
            NavItem(_("Supervision"), "supervision:index"),
            NavItem(_("Audit log"), "audit:index", "audit"),
        ],
    ),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    sections = []
    for title, items in NAVIGATION:
        entries = []
        for item in items:
            if not may(user, item.capability):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                url = None
            entries.append(
                {
                    "label": item.label,
                    "url": url,
                    "active": url is not None and request.path.startswith(url) and url != "/",
                }
            )
        if entries:
            sections.append({"title": title, "items": entries})
    # Only the most specific entry is active (/cases/clearance/ is also under /cases/).
    active = [e for s in sections for e in s["items"] if e["active"]]
    longest = max((len(e["url"]) for e in active), default=0)
    for entry in active:
        entry["active"] = len(entry["url"]) == longest
    return {"nav": sections}


def exercise(request: HttpRequest) -> dict[str, Any]:
    """The running exercise for every page's banner ("演练：第 23/90 天"), and the demo's
    feed job (its page shows the progress) when the user may see it."""
    from warroom.core.today import exercise as running

    found = running()
    if found is None:
        return {"exercise": None}
    job = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from warroom.core.models import Job
        from warroom.demo.jobs import FEED_JOB

        job = (
            (Job.objects.restrict(user, "view") | Job.objects.filter(created_by_id=user.pk))
            .filter(name=FEED_JOB)
            .order_by("-pk")
            .values("pk", "status", "done", "total")
            .first()
        )
    return {"exercise": found, "exercise_job": job}
