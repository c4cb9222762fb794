"""Reading appeals with permission; the public status; the boards; hot topics."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from warroom.analytics import appeals_text
from warroom.appeals.models import (
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealStatus,
    DutyShift,
    Rebuttal,
)
from warroom.core.scoping import load_for
from warroom.geo.models import Area


def appeals(user: Any) -> QuerySet[Appeal]:
    return Appeal.objects.restrict(user).select_related("area", "assigned_area")


def get_appeal(user: Any, pk: Any) -> Appeal:
    qs = Appeal.objects.select_related(
        "area", "assigned_area", "duplicate_of", "repeat_of", "person", "task", "rebuttal"
    )
    return load_for(user, "view", qs, pk, what="appeal")


def events(user: Any, appeal: Appeal) -> QuerySet[AppealEvent]:
    return (
        AppealEvent.objects.restrict(user)
        .filter(appeal=appeal)
        .select_related("to_area")
        .order_by("at", "pk")
    )


def open_by_deadline(user: Any, area: Area | None = None) -> QuerySet[Appeal]:
    """Open appeals, the nearest deadline (the most overdue) first."""
    qs = appeals(user).filter(status__in=OPEN_STATUSES)
    if area is not None:
        qs = qs.filter(area__path__under=area.path)
    return qs.order_by("deadline", "pk")


def held(user: Any) -> QuerySet[Appeal]:
    return appeals(user).filter(status=AppealStatus.HELD).order_by("received_at", "pk")


def escalated_to(user: Any, area: Area) -> QuerySet[Appeal]:
    """Open appeals escalated to ``area`` (the level above sees what its levels missed)."""
    return (
        appeals(user)
        .filter(status__in=OPEN_STATUSES, assigned_area=area, escalations__gt=0)
        .order_by("deadline")
    )


@dataclass(frozen=True)
class PublicStatus:
    """What the public status page shows: no name, phone, place or text."""

    number: str
    category: str
    status: str
    received_at: dt.datetime
    deadline: dt.datetime | None
    reply: str
    replied_at: dt.datetime | None
    rebuttal_id: int | None


def public_status(number: str) -> PublicStatus | None:
    """The public status of appeal ``number`` (anyone may ask; a duplicate shows the
    original's progress)."""
    number = (number or "").strip()
    if not number.isdigit() or len(number) > 20:
        return None
    appeal = Appeal.objects.filter(number=number).select_related("duplicate_of").first()
    if appeal is None:
        return None
    shown = appeal.duplicate_of or appeal
    return PublicStatus(
        number=appeal.number,
        category=shown.get_category_display() if shown.status != AppealStatus.HELD else "",
        status=appeal.get_status_display()
        if appeal.status != AppealStatus.DUPLICATE
        else shown.get_status_display(),
        received_at=appeal.received_at,
        deadline=shown.deadline if shown.status in OPEN_STATUSES else None,
        reply=shown.reply,
        replied_at=shown.replied_at,
        rebuttal_id=shown.rebuttal_id,
    )


def timeliness(user: Any, area: Area, *, days: int = 30) -> list[dict[str, Any]]:
    """Per responsible area under ``area``: answered, answered in time, mean satisfaction,
    open and overdue now (one query)."""
    since = timezone.now() - dt.timedelta(days=days)
    now = timezone.now()
    rows = (
        appeals(user)
        .filter(area__path__under=area.path, received_at__gte=since)
        .exclude(status__in=(AppealStatus.HELD, AppealStatus.REJECTED, AppealStatus.DUPLICATE))
        .values("assigned_area__code", "assigned_area__name_zh", "assigned_area__level")
        .annotate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(replied_at__isnull=False)),
            in_time=Count("pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("deadline"))),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, deadline__lt=now)),
            satisfaction=Avg("satisfaction"),
            escalated=Count("pk", filter=Q(escalations__gt=0)),
        )
        .order_by("-overdue", "-total")
    )
    out = []
    for r in rows:
        r["timely"] = r["in_time"] / r["answered"] if r["answered"] else None
        out.append(r)
    return out


def roster(user: Any, *, start: dt.datetime | None = None, hours: int = 24) -> QuerySet[DutyShift]:
    """The shifts that overlap the next ``hours`` from ``start`` (now)."""
    start = start or timezone.now()
    end = start + dt.timedelta(hours=hours)
    return (
        DutyShift.objects.restrict(user)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("user", "area")
        .order_by("starts_at", "pk")
    )


def rebuttals(limit: int = 50) -> QuerySet[Rebuttal]:
    """Published rebuttals, newest first: public."""
    return Rebuttal.objects.all().order_by("-published_at", "-pk")[:limit]


TermRows = list[tuple[int, dt.datetime, str]]  # (pk, received_at, terms), in pk order


def term_rows(user: Any, area: Area, *, end: dt.date, days: int) -> TermRows:
    """The words of the appeals under ``area`` received in the ``days`` up to ``end`` (held
    and rejected ones aside), in one query: what the hot words and the topics are read
    from (the board reads them once for both)."""
    return term_rows_of(user, [area], end=end, days=days)[area.pk]


def term_rows_of(user: Any, areas: list[Area], *, end: dt.date, days: int) -> dict[int, TermRows]:
    """:func:`term_rows` of several areas, read in one query (each appeal in the rows of
    every area it lies under, in pk order)."""
    from warroom.geo.subtrees import Subtrees, under_any

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(end - dt.timedelta(days=days - 1), dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        appeals(user)
        .filter(under_any("area__path", areas), received_at__gte=lo, received_at__lt=hi)
        .exclude(status__in=(AppealStatus.REJECTED, AppealStatus.HELD))
        .order_by("pk")
        .values_list("area__path", "pk", "received_at", "terms")
    )
    split = Subtrees(areas).split(rows, lambda r: r[0])
    return {pk: [(r[1], r[2], r[3]) for r in found] for pk, found in split.items()}


def term_counts(
    user: Any, area: Area, *, end: dt.date, days: int = 8, rows: TermRows | None = None
) -> list[tuple[dt.date, Counter[str]]]:
    """Each day's term frequencies of the appeals under ``area``, oldest first (``rows``:
    :func:`term_rows` of at least these days, when already read)."""
    start = end - dt.timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    per_day: dict[dt.date, Counter[str]] = {
        start + dt.timedelta(days=i): Counter() for i in range(days)
    }
    if rows is None:
        rows = term_rows(user, area, end=end, days=days)
    for _pk, at, terms in rows:
        day = timezone.localtime(at, tz).date()
        if day in per_day:
            per_day[day].update(set(terms.split()))
    return sorted(per_day.items())


def hot_topics(
    user: Any,
    area: Area,
    *,
    end: dt.date,
    days: int = 8,
    top: int = 15,
    rows: TermRows | None = None,
) -> dict[str, Any]:
    """The top terms of the last day and the window, their daily series, and the surges."""
    series = term_counts(user, area, end=end, days=days, rows=rows)
    window: Counter[str] = Counter()
    for _, c in series:
        window.update(c)
    terms = [t for t, _ in window.most_common(top)]
    surges = appeals_text.surges([c for _, c in series])
    return {
        "days": [d for d, _ in series],
        "terms": terms,
        "series": {t: [c.get(t, 0) for _, c in series] for t in terms},
        "today": series[-1][1].most_common(top) if series else [],
        "surges": surges,
    }


TOPIC_DAYS = 7  # the rolling window the topics are clustered over
OTHER_TOPIC = "other"  # the key of the unlabelled rest (terms are Chinese words: no clash)


@dataclass(frozen=True)
class TopicRow:
    """A topic of the window's appeals: its label (top terms), how many appeals it has on
    the last day and over the window, and their ids (the drill-down)."""

    key: str
    label: tuple[str, ...]
    today: int
    window: int
    ids: tuple[int, ...]


def topic_clusters(
    user: Any,
    area: Area,
    *,
    end: dt.date,
    days: int = TOPIC_DAYS,
    rows: TermRows | None = None,
) -> list[TopicRow]:
    """The appeals under ``area`` received in the ``days`` up to ``end`` (held and rejected
    ones aside), grouped into topics (``appeals_text.topics``: TF-IDF over their words, a
    deterministic clustering; every appeal in exactly one topic). The busiest topics of the
    last day first; the unlabelled rest ("other") last. One query (none with ``rows``:
    :func:`term_rows` of at least these days)."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(end - dt.timedelta(days=days - 1), dt.time.min, tzinfo=tz)
    day_start = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    hi = day_start + dt.timedelta(days=1)
    if rows is None:
        rows = term_rows(user, area, end=end, days=days)
    rows = [r for r in rows if lo <= r[1] < hi]
    found = appeals_text.topics([terms.split() for _pk, _at, terms in rows])
    out = []
    for t in found:
        ids = tuple(rows[i][0] for i in t.members)
        today_n = sum(1 for i in t.members if rows[i][1] >= day_start)
        out.append(TopicRow(t.key or OTHER_TOPIC, t.label, today_n, len(ids), ids))
    return sorted(out, key=lambda r: (not r.label, -r.today, -r.window, r.label))


def topic_appeals(
    user: Any, area: Area, key: str, *, end: dt.date, days: int = TOPIC_DAYS
) -> list[Appeal] | None:
    """The appeals of the topic labelled ``key`` (the drill-down), newest first; None when
    no topic has that label any more."""
    for row in topic_clusters(user, area, end=end, days=days):
        if row.key == key:
            return list(appeals(user).filter(pk__in=row.ids).order_by("-received_at", "-pk"))
    return None


def hot_clusters(
    user: Any, area: Area, day: dt.date, *, top: int = 5, rows: TermRows | None = None
) -> list[TopicRow]:
    """The day's hot topics (the boards' box, the agenda, the briefing): the day's appeals
    alone clustered (cheap at any hour), the labelled topics, the largest first."""
    found = topic_clusters(user, area, end=day, days=1, rows=rows)
    return [t for t in found if t.label][:top]


def summary(user: Any, area: Area, day: dt.date) -> dict[str, Any]:
    """The briefing's line: the day's appeals, open, overdue, answered in time, surges."""
    return summaries(user, [area], day)[area.pk]


def summaries(user: Any, areas: list[Area], day: dt.date) -> dict[int, dict[str, Any]]:
    """:func:`summary` of several areas: each count read once for all of them, grouped by
    area and summed per area; the words read once (:func:`term_rows_of`)."""
    from warroom.geo.subtrees import Subtrees, under_any

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    hi = lo + dt.timedelta(days=1)
    subtrees = Subtrees(areas)
    base = appeals(user).filter(under_any("area__path", areas))
    counts = {a.pk: dict.fromkeys(("received", "admission", "open", "overdue"), 0) for a in areas}
    now = min(timezone.now(), hi)
    for qs in (
        base.filter(received_at__gte=lo, received_at__lt=hi)
        .order_by()
        .values("area__path")
        .annotate(
            received=Count("pk", filter=~Q(status__in=(AppealStatus.REJECTED,))),
            admission=Count("pk", filter=Q(category="admission")),
        ),
        base.filter(status__in=OPEN_STATUSES, received_at__lt=hi)
        .order_by()
        .values("area__path")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now))),
    ):
        for row in qs:
            path = row.pop("area__path")
            for pk in subtrees.of(path):
                for k, n in row.items():
                    counts[pk][k] += n
    words = term_rows_of(user, areas, end=day, days=8)  # one read for the surge and topics
    out: dict[int, dict[str, Any]] = {}
    for a in areas:
        rows = words[a.pk]
        topics = hot_topics(user, a, end=day, days=8, rows=rows)
        clusters = hot_clusters(user, a, day, rows=rows)
        out[a.pk] = {**counts[a.pk], "surges": topics["surges"][:5], "topics": clusters[:5]}
    return out
