"""Emerging problems (signals) and the four major risks — one registry.

``register_signal(name, fn, *, risk, label)`` adds a signal: ``fn(day)`` returns the
:class:`Hit` s over its threshold on ``day`` (an area, the value, the threshold, a
sentence and the link to the evidence). The daily step ``supervision.signals`` runs every
registered signal, stores the hits (one ``Signal`` row per name, area and day, kept
"handled" when a person said so), notifies who answers for the area (``verify``) of each
new one, and the stand-up agenda lists the day's open signals. Apps built later (appeals,
supplies, waste) register theirs in their ``AppConfig.ready``:

    from warroom.supervision.signals import Hit, register_signal
    register_signal("appeal_surge", my_fn, risk="social_conflict", label=_("Appeals surge"))

Built in: clusters in special places, infections among health workers, people waiting
for a bed over 24 hours, price spikes. Thresholds are settings (docs/supervision.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from warroom.core.context import acting
from warroom.core.words import Worded, area_name, label, say, stored_text, words_of
from warroom.geo.models import Area


@dataclass(frozen=True)
class Hit:
    """One area over a signal's threshold. ``message`` is stored as its words
    (:func:`warroom.core.words.say`) and shown in the reader's language."""

    area: Area
    value: float
    threshold: float
    message: Worded | str
    evidence: str = ""


@dataclass(frozen=True)
class SignalDef:
    name: str
    fn: Callable[[dt.date], list[Hit]]
    risk: str
    label: Any


_SIGNALS: dict[str, SignalDef] = {}


def register_signal(
    name: str, fn: Callable[[dt.date], list[Hit]], *, risk: str = "", label: Any = ""
) -> None:
    """Add (or replace) a signal; ``risk`` names one of the four risks it indicates."""
    _SIGNALS[name] = SignalDef(name, fn, risk, label or name)


def unregister_signal(name: str) -> None:
    _SIGNALS.pop(name, None)


def registered() -> dict[str, SignalDef]:
    return dict(_SIGNALS)


def label_of(name: str) -> str:
    return str(label_of_lazy(name))


def label_of_lazy(name: str) -> Any:
    """A signal's label as registered (a lazy text: translated where it is read)."""
    found = _SIGNALS.get(name)
    return found.label if found else name


def do_raise_signals(day: dt.date, *, actor: Any) -> int:
    """Run every signal for ``day`` and store its hits (idempotent per day)."""
    from warroom.core.notify import notify, recipients
    from warroom.supervision.models import Signal, SignalStatus

    found: dict[tuple[str, int], Hit] = {}
    for sig in list(_SIGNALS.values()):
        for hit in sig.fn(day):
            found[(sig.name, hit.area.pk)] = hit
    with acting(actor), transaction.atomic():
        stored = {
            (s.name, s.area_id): s for s in Signal.objects.select_for_update().filter(day=day)
        }
        for key, row in stored.items():
            if key not in found and row.status == SignalStatus.OPEN:
                row.delete()  # no longer over its threshold
        for (name, _area_id), hit in found.items():
            row = stored.get((name, hit.area.pk))
            # the message's words, not its text: the same whatever language the cycle runs in
            text, message_words = stored_text(hit.message), words_of(hit.message)
            if row is None:
                row = Signal.objects.create(
                    name=name,
                    area=hit.area,
                    day=day,
                    value=hit.value,
                    threshold=hit.threshold,
                    message=text,
                    message_words=message_words,
                    evidence=hit.evidence[:500],
                )
                notify(
                    recipients(hit.area, "verify"),
                    kind="signal",
                    title=say(gettext_noop("Signal: %(s)s"), s=label(label_of_lazy(name))),
                    body=hit.message,
                    link=hit.evidence,
                )
            elif (row.value, row.message_words or row.message) != (
                hit.value,
                message_words or text,
            ):
                row.value, row.threshold = hit.value, hit.threshold
                row.message, row.message_words = text, message_words
                row.evidence = hit.evidence[:500]
                row.save(
                    update_fields=["value", "threshold", "message", "message_words", "evidence"]
                )
    return len(found)


# --- the built-in signals -----------------------------------------------------------------


def _districts() -> list[Area]:
    return list(Area.objects.filter(depth=1).order_by("path"))


def _end(day: dt.date) -> dt.datetime:
    from warroom.cases.clearance import cutoff_for

    return cutoff_for(day)


def _confirmed_in(end: dt.datetime, days: int) -> Any:
    """The steps into ``confirmed`` in the ``days`` days before ``end``."""
    from warroom.cases.models import TransitionRecord

    return TransitionRecord.objects.filter(
        target="confirmed", at__lt=end, at__gte=end - dt.timedelta(days=days)
    )


def special_place_clusters(day: dt.date) -> list[Hit]:
    """Confirmed cases in the last 14 days among people whose workplace or home is a
    special place (the person's workplace names it, or the home is its area).

    One statement for every place: the confirmed people whose workplace is any place's
    name or code, then each place's distinct people counted here (was: one COUNT a place).
    """
    from django.urls import reverse

    from warroom.supervision.models import SpecialPlace

    threshold = int(settings.WARROOM_SIGNAL_PLACE_CASES)
    places = list(SpecialPlace.objects.filter(active=True).select_related("area"))
    if not places:
        return []
    names = sorted({p.name for p in places} | {p.code for p in places})
    people: dict[str, set[int]] = {}
    for person_id, workplace in (
        _confirmed_in(_end(day), 14)
        .filter(person__workplace__in=names)
        .order_by()  # (the steps' ordering would make DISTINCT keep every step)
        .values_list("person_id", "person__workplace")
        .distinct()
    ):
        people.setdefault(workplace, set()).add(person_id)
    hits = []
    for place in places:
        n = len(people.get(place.name, set()) | people.get(place.code, set()))
        if n >= threshold:
            hits.append(
                Hit(
                    place.area,
                    n,
                    threshold,
                    say(
                        gettext_noop("%(place)s: %(n)s confirmed cases in 14 days."),
                        place=place.name,
                        n=n,
                    ),
                    reverse("supervision:place", args=[place.pk]),
                )
            )
    return hits


def is_health_workplace_q(prefix: str = "") -> Any:
    """People whose workplace names a registered medical facility or a health word
    (``prefix``: the path to the person, e.g. ``"person__"`` from a step)."""
    from django.db.models import Q

    from warroom.beds.models import Facility

    words = [w for w in settings.WARROOM_HEALTH_WORKPLACE_WORDS if w]
    q = Q(**{f"{prefix}workplace__in": list(Facility.objects.values_list("name", flat=True))})
    for w in words:
        q |= Q(**{f"{prefix}workplace__icontains": w})
    return q


def health_worker_infections(day: dt.date) -> list[Hit]:
    """Health workers confirmed in the last 7 days, per district of their home.

    Two statements for the city (the week's confirmed people, then which of them are
    health workers and their homes' paths), counted per district here (was: one COUNT a
    district)."""
    from django.db.models import Case, When
    from django.urls import reverse

    from warroom.cases.models import Person
    from warroom.core.bulk import among

    threshold = int(settings.WARROOM_SIGNAL_STAFF_CASES)
    # The week's confirmed people first (a few thousand), then their workplaces tested in
    # the select list, not in WHERE: there PostgreSQL took the test for selective and
    # drove from the people, testing all 344,000 workplaces against seven patterns (0.86 s
    # at the whole city's peak), before or after a join with the week's steps.
    week = set(_confirmed_in(_end(day), 7).order_by().values_list("person_id", flat=True))
    with among(week, integer=True) as ids:
        rows = [
            (pk, path)
            for pk, path, health in Person.objects.filter(pk__in=ids, merged_into__isnull=True)
            .annotate(health=Case(When(is_health_workplace_q(), then=1), default=0))
            .order_by()
            .values_list("pk", "home__path", "health")
            if health
        ]
    districts = _districts()
    seen: dict[int, set[int]] = {d.pk: set() for d in districts}
    of_path = _district_of(districts)
    for person_id, path in rows:
        district = of_path(path)
        if district is not None:
            seen[district].add(person_id)
    hits = []
    for district in districts:
        n = len(seen[district.pk])
        if n >= threshold:
            hits.append(
                Hit(
                    district,
                    n,
                    threshold,
                    say(
                        gettext_noop("%(area)s: %(n)s health workers confirmed in 7 days."),
                        area=area_name(district),
                        n=n,
                    ),
                    reverse("cases:index"),
                )
            )
    return hits


def _people() -> Any:
    from warroom.cases.models import Person

    return Person.objects.filter(merged_into__isnull=True)


def _district_of(districts: list[Area]) -> Callable[[str | None], int | None]:
    """The id of the district whose subtree holds an area path (None: none of them).

    A district's path is a prefix of its descendants' paths ("/city/district/..."): the
    path's first two segments are looked up, not every district's prefix tried."""
    by_path = {d.path: d.pk for d in districts}

    def of(path: str | None) -> int | None:
        if not path:
            return None
        cut = path.find("/", path.find("/", 1) + 1)  # the end of "/city/district/"
        found = by_path.get(path[: cut + 1]) if cut > 0 else None
        if found is not None:
            return found
        return next((pk for p, pk in by_path.items() if path.startswith(p)), None)

    return of


def _by_district(counts: Iterable[tuple[str, int]]) -> dict[int, int]:
    """How many people lie in each district, of ``counts``: (home area's path, people)."""
    districts = _districts()
    out = {d.pk: 0 for d in districts}
    of_path = _district_of(districts)
    for path, n in counts:
        district = of_path(path)
        if district is not None:
            out[district] += n
    return out


def waiting_over_24h(day: dt.date) -> list[Hit]:
    from django.urls import reverse

    from warroom.cases.waiting import waiting_people

    threshold = int(settings.WARROOM_SIGNAL_WAITING_PEOPLE)
    before = min(timezone.now(), _end(day)) - dt.timedelta(hours=24)
    # Counted by home in SQL (5,000 homes at the W1 peak, not a row per person: 18,000).
    counts = _by_district(
        waiting_people(_people())
        .filter(waiting_since__lt=before)
        .order_by()
        .values("home__path")
        .annotate(n=Count("pk"))
        .values_list("home__path", "n")
    )
    hits = []
    for district in _districts():
        n = counts[district.pk]
        if n >= threshold:
            hits.append(
                Hit(
                    district,
                    n,
                    threshold,
                    say(
                        gettext_noop("%(area)s: %(n)s people waiting for a bed over 24 hours."),
                        area=area_name(district),
                        n=n,
                    ),
                    reverse("dispatch:index"),
                )
            )
    return hits


def price_spikes(day: dt.date) -> list[Hit]:
    from django.urls import reverse

    from warroom.core.context import SYSTEM
    from warroom.services.selectors import price_alerts

    limit = int(settings.WARROOM_PRICE_ALERT_PERCENT)
    best: dict[int, Any] = {}
    for alert in price_alerts(SYSTEM, on=day):
        if alert.area.pk not in best or alert.rise > best[alert.area.pk].rise:
            best[alert.area.pk] = alert
    return [
        Hit(
            a.area,
            round(100 * a.rise, 1),
            limit,
            say(
                gettext_noop("%(area)s: %(item)s up %(pct)s%% in a week."),
                area=area_name(a.area),
                item=a.item,
                pct=round(100 * a.rise, 1),
            ),
            reverse("services:prices"),
        )
        for a in best.values()
    ]


RISK_INDICATORS = {
    "social_conflict": gettext_lazy("Appeals surging, people waiting for a bed"),
    "economic_disputes": gettext_lazy("Price spikes, stock-outs"),
    "public_safety": gettext_lazy("Clusters in special places, medical waste backlog"),
    "trauma": gettext_lazy("Infections among health workers, deaths"),
}


def register_builtin_signals() -> None:
    register_signal(
        "special_place_cluster",
        special_place_clusters,
        risk="public_safety",
        label=gettext_lazy("Cluster in a special place"),
    )
    register_signal(
        "health_worker_infections",
        health_worker_infections,
        risk="trauma",
        label=gettext_lazy("Infections among health workers"),
    )
    register_signal(
        "waiting_over_24h",
        waiting_over_24h,
        risk="social_conflict",
        label=gettext_lazy("People waiting over 24 hours"),
    )
    register_signal(
        "price_spike", price_spikes, risk="economic_disputes", label=gettext_lazy("Price spike")
    )
