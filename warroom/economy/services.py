"""Every change in zones and levels: risk levels, grids and rosters, business resumption,
point-to-point transport, checkpoints (docs/zones.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from warroom.analytics import zones as rule
from warroom.cases.clearance import cutoff_for
from warroom.cases.selectors import confirmations_by_home, held_people
from warroom.core import words
from warroom.core.context import SYSTEM, acting, is_system
from warroom.core.errors import Conflict, Forbidden, InvalidInput
from warroom.core.inputs import clean_text
from warroom.core.notify import notify, recipients
from warroom.core.permits import require_in_area
from warroom.core.today import today
from warroom.economy.models import (
    ApplicationStatus,
    AreaRiskLevel,
    Assignment,
    Business,
    BusinessCategory,
    BusinessCensus,
    BusinessSize,
    CheckpointRecord,
    Duty,
    Grid,
    ResumptionApplication,
    RiskLevel,
    Seat,
    TransportRequest,
    TransportStatus,
    TravellerKind,
    Trip,
)
from warroom.geo.models import DEPTH, Area, Level

GRADED_LEVELS = (Level.DISTRICT, Level.STREET)
ESSENTIAL = frozenset(
    {
        BusinessCategory.ESSENTIAL_SUPPLY,
        BusinessCategory.PUBLIC_UTILITY,
        BusinessCategory.MEDICAL_PRODUCTION,
    }
)
# The prevention plan (防控方案) a business must have in place to resume: the checklist
# of the provincial resumption guidance of March 2020 (体温检测、口罩、消毒、通风、就餐、
# 隔离观察点、应急预案), one answer per item.
PLAN_ITEMS: dict[str, Any] = {
    "temperature_checks": gettext_lazy("Temperature checks at the entrance"),
    "masks": gettext_lazy("Masks for every worker"),
    "disinfection": gettext_lazy("Daily disinfection of workplaces"),
    "ventilation": gettext_lazy("Ventilation"),
    "meals": gettext_lazy("Staggered or separate meals"),
    "isolation_room": gettext_lazy("A room to isolate someone who falls ill"),
    "emergency_plan": gettext_lazy("An emergency plan and a named person in charge"),
}
CLAUSES: dict[str, Any] = {
    "no_new_cases": gettext_lazy("no case newly confirmed in the window"),
    "few_cases": gettext_lazy("new cases, cumulative within the limit"),
    "many_cases_no_cluster": gettext_lazy("cumulative above the limit, no cluster in the window"),
    "many_cases_and_cluster": gettext_lazy(
        "cumulative above the limit and a cluster in the window"
    ),
}
# What each level implies (the national guidance's differentiated measures).
MEASURES: dict[str, Any] = {
    "low": gettext_lazy(
        "Guard against imported cases; restore production and daily life in full (外防输入)."
    ),
    "medium": gettext_lazy(
        "Guard against imported cases and internal spread; restore production and daily life "
        "in order, with conditions (外防输入、内防扩散)."
    ),
    "high": gettext_lazy(
        "Prevent internal spread and export of cases; strict control; only essential "
        "businesses run (内防扩散、外防输出、严格管控)."
    ),
}


def risk_rule() -> rule.RiskRule:
    return rule.RiskRule(
        cumulative=settings.WARROOM_RISK_CUMULATIVE,
        window_days=settings.WARROOM_RISK_WINDOW_DAYS,
        cluster_cases=settings.WARROOM_RISK_CLUSTER_CASES,
    )


# --- risk levels ------------------------------------------------------------------------


def risk_bases(day: dt.date, areas: Iterable[Area]) -> dict[int, rule.RiskBasis]:
    """Each area's basis at the end of ``day``: confirmations under it (cumulative and in
    the window) and its clusters (compounds with enough confirmations in the window)."""
    r = risk_rule()
    end = cutoff_for(day)
    counts = confirmations_by_home(end, end - dt.timedelta(days=r.window_days))
    areas = list(areas)
    sums = {a.path: [0, 0, 0] for a in areas}
    for path, (total, recent) in counts.items():
        cut = 0
        while (cut := path.find("/", cut + 1)) > 0:
            acc = sums.get(path[: cut + 1])
            if acc is not None:
                acc[0] += total
                acc[1] += recent
                acc[2] += recent >= r.cluster_cases
    return {a.pk: rule.RiskBasis(*sums[a.path]) for a in areas}


@dataclass(frozen=True)
class LevelsResult:
    day: dt.date
    areas: int
    by_level: dict[str, int]
    rose: list[str]
    suspended: int

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.by_level.items())
        return (
            f"{self.areas} areas graded ({counts}); {len(self.rose)} rose; "
            f"{self.suspended} approvals suspended"
        )


def do_compute_risk_levels(day: dt.date, *, actor: Any = SYSTEM) -> LevelsResult:
    """Grade every district and street for ``day`` (idempotent: the day's rows replaced).

    A standing HQ override (yesterday's row overridden) carries over until lifted. Where a
    street's level rises above yesterday's, the conditional approvals of its businesses are
    suspended (and, on reaching high, every approval of a non-essential business) and the
    applicants and the area's approvers are notified.
    """
    if not is_system(actor) and not actor.can("set_level"):
        raise Forbidden(_("You may not do this."))
    areas = list(Area.objects.filter(level__in=GRADED_LEVELS).order_by("path"))
    bases = risk_bases(day, areas)
    before = {r.area_id: r for r in AreaRiskLevel.objects.filter(date=day - dt.timedelta(days=1))}
    r = risk_rule()
    rose: list[Area] = []
    by_level = {str(v): 0 for v in RiskLevel.values}
    with acting(actor), transaction.atomic():
        AreaRiskLevel.objects.filter(date=day).delete()
        rows = []
        for area in areas:
            computed, clause = rule.risk_level(bases[area.pk], r)
            prev = before.get(area.pk)
            level, reason, by = computed, "", None
            if prev is not None and prev.override_reason:
                level, reason, by = prev.level, prev.override_reason, prev.overridden_by_id
            rows.append(
                AreaRiskLevel(
                    area=area,
                    date=day,
                    computed=computed,
                    clause=clause,
                    basis=bases[area.pk].as_dict(),
                    level=level,
                    override_reason=reason,
                    overridden_by_id=by,
                )
            )
            by_level[level] += 1
            if prev is not None and rule.higher(level, prev.level):
                rose.append(area)
        AreaRiskLevel.objects.bulk_create(rows)
        suspended = sum(
            _on_rise(area, day, levels={x.area_id: x.level for x in rows}) for area in rose
        )
    return LevelsResult(day, len(rows), by_level, [a.code for a in rose], suspended)


def _on_rise(area: Area, day: dt.date, *, levels: Mapping[int, str]) -> int:
    """Suspend what a rise of ``area``'s level forbids; notify. Returns the count."""
    level = levels[area.pk]
    if area.level != Level.STREET:
        return 0  # a business's level is its street's (level_of)
    apps = ResumptionApplication.objects.filter(
        business__area__path__startswith=area.path,
        status__in=[ApplicationStatus.CONDITIONAL, ApplicationStatus.APPROVED],
    ).select_related("business", "applied_by")
    hit = []
    for app in apps:
        if app.status == ApplicationStatus.CONDITIONAL or (
            level == RiskLevel.HIGH and app.business.category not in ESSENTIAL
        ):
            hit.append(app)
    label = words.label(RiskLevel(level).label)
    reason = words.say(
        gettext_noop("Suspended on %(day)s: %(area)s rose to %(level)s."),
        day=day.isoformat(),
        area=words.area_name(area),
        level=label,
    )
    for app in hit:
        app.status = ApplicationStatus.SUSPENDED
        app.reason, app.reason_words = words.stored_text(reason), words.words_of(reason)
        app.save()
    if hit:
        link = reverse("economy:applications") + "?status=suspended"
        title = words.say(
            gettext_noop("%(area)s rose to %(level)s: %(n)s resumption approvals suspended"),
            area=words.area_name(area),
            level=label,
            n=len(hit),
        )
        notify(
            [*recipients(area, "approve"), *(a.applied_by for a in hit)],
            kind="level_rose",
            title=title,
            link=link,
        )
    return len(hit)


def do_override_level(
    area: Area, day: dt.date, *, level: str, reason: str, actor: Any
) -> AreaRiskLevel:
    """HQ sets an area's level with a reason; it stands on later days until lifted."""
    require_in_area(actor, area, "set_level")
    if level not in RiskLevel.values:
        raise InvalidInput(_("Unknown risk level %(l)s.") % {"l": level})
    reason = clean_text(reason, max_length=1000, what=_("Reason"), required=True)
    with acting(actor), transaction.atomic():
        row = AreaRiskLevel.objects.select_for_update().filter(area=area, date=day).first()
        if row is None:
            raise Conflict(
                _("No level computed for %(area)s on %(day)s yet.")
                % {"area": area.name_zh, "day": day.isoformat()}
            )
        old = row.level
        row.level, row.override_reason, row.overridden_by = level, reason, actor
        row.save()
        from warroom.audit.services import record_event

        record_event(
            "update",
            object_type="economy.arearisklevel",
            object_id=str(row.pk),
            area_path=area.path,
            message=f"level {old} -> {level}: {reason}",
        )
        if rule.higher(level, old):
            _on_rise(area, day, levels={area.pk: level})
    return row


def do_lift_override(area: Area, day: dt.date, *, actor: Any) -> AreaRiskLevel:
    """Back to the computed level from ``day`` on."""
    require_in_area(actor, area, "set_level")
    with acting(actor), transaction.atomic():
        row = AreaRiskLevel.objects.select_for_update().filter(area=area, date=day).first()
        if row is None or not row.override_reason:
            raise Conflict(_("There is no override to lift."))
        row.level, row.override_reason, row.overridden_by = row.computed, "", None
        row.save()
    return row


def level_of(area: Area, day: dt.date) -> AreaRiskLevel | None:
    """The level that governs a place on ``day``: its street's (or, above streets, its own
    or its district's), the latest graded day on or before ``day``. One query: the most
    specific ancestor with a row wins (the longest path), then its latest day."""
    paths = _graded_ancestors(area)
    if not paths:
        return None
    return (
        AreaRiskLevel.objects.filter(area__path__in=paths, date__lte=day)
        .order_by(Length("area__path").desc(), "-date")
        .first()
    )


def _graded_ancestors(area: Area) -> list[str]:
    """Paths of the area's graded ancestors (itself included), most specific first."""
    parts = [p for p in area.path.split("/") if p]
    paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return list(reversed(paths[1:3]))  # [street, district] (depth 2 and 1 under the city)


def daily_step(day: dt.date) -> str:
    return do_compute_risk_levels(day, actor=SYSTEM).summary()


# --- grids and rosters --------------------------------------------------------------------


def do_add_grid(area: Area, *, name: str, households: int = 0, actor: Any) -> Grid:
    require_in_area(actor, area)
    if area.level != Level.COMPOUND:
        raise InvalidInput(_("Grids belong to compounds."))
    name = clean_text(name, max_length=100, what=_("Name"), required=True)
    if households < 0:
        raise InvalidInput(_("Households cannot be negative."))
    with acting(actor), transaction.atomic():
        if Grid.objects.filter(area=area, name=name).exists():
            raise Conflict(_("This compound already has a grid named %(n)s.") % {"n": name})
        grid = Grid(area=area, name=name, households=households)
        grid.save()
    return grid


def do_assign(
    area: Area,
    *,
    name: str,
    duty: str,
    since: dt.date,
    phone: str = "",
    from_unit: str = "",
    grid: Grid | None = None,
    actor: Any,
) -> Assignment:
    """Put a grid worker, a cadre sent down or a volunteer on a compound's roster."""
    require_in_area(actor, area)
    if area.level != Level.COMPOUND:
        raise InvalidInput(_("People are assigned to compounds."))
    if duty not in Duty.values:
        raise InvalidInput(_("Unknown duty %(d)s.") % {"d": duty})
    if grid is not None and grid.area_id != area.pk:
        raise InvalidInput(_("The grid is not in this compound."))
    name = clean_text(name, max_length=64, what=_("Name"), required=True)
    with acting(actor), transaction.atomic():
        row = Assignment(
            area=area,
            grid=grid,
            name=name,
            duty=duty,
            since=since,
            phone=clean_text(phone, max_length=32, what=_("Phone")),
            from_unit=clean_text(from_unit, max_length=200, what=_("Sent from")),
        )
        row.save()
    return row


def do_end_assignment(row: Assignment, *, until: dt.date, actor: Any) -> Assignment:
    require_in_area(actor, row.area)
    if until < row.since:
        raise InvalidInput(_("An assignment cannot end before it began."))
    with acting(actor), transaction.atomic():
        row.until = until
        row.save()
    return row


# --- businesses and their resumption ------------------------------------------------------


def do_register_business(
    area: Area,
    *,
    name: str,
    category: str,
    size: str,
    workforce: int,
    credit_code: str = "",
    workforce_home: Mapping[str, int] | None = None,
    contact_phone: str = "",
    actor: Any,
) -> Business:
    require_in_area(actor, area)
    if area.level not in (Level.STREET, Level.COMMUNITY, Level.COMPOUND):
        raise InvalidInput(_("A business is located in a street, community or compound."))
    if category not in BusinessCategory.values:
        raise InvalidInput(_("Unknown category %(c)s.") % {"c": category})
    if size not in BusinessSize.values:
        raise InvalidInput(_("Unknown size %(s)s.") % {"s": size})
    if workforce < 1 or workforce > 1_000_000:
        raise InvalidInput(_("The workforce is between 1 and 1,000,000."))
    homes = {str(k): int(v) for k, v in (workforce_home or {}).items()}
    if any(v < 0 for v in homes.values()) or sum(homes.values()) > workforce:
        raise InvalidInput(_("Workers by home area must add up to at most the workforce."))
    with acting(actor), transaction.atomic():
        code = clean_text(credit_code, max_length=18, what=_("Credit code"))
        if code and Business.objects.filter(credit_code=code).exists():
            raise Conflict(_("A business with credit code %(c)s is registered.") % {"c": code})
        b = Business(
            area=area,
            name=clean_text(name, max_length=200, what=_("Name"), required=True),
            category=category,
            size=size,
            workforce=workforce,
            credit_code=code,
            workforce_home=homes,
            contact_phone=clean_text(contact_phone, max_length=32, what=_("Phone")),
        )
        b.save()
    return b


@dataclass(frozen=True)
class Assessment:
    """What the rules allow an application on a day: approve, conditional, or refuse."""

    outcome: str  # approved | conditional | refused
    reasons: list[words.Worded]  # (stored as words: shown in the reader's language)
    level: str


def phase_is_high(day: dt.date) -> bool:
    """Whether the city is in the high phase on ``day`` (the situation room's phase)."""
    from warroom.situation.models import Situation

    row = Situation.objects.filter(area__level=Level.CITY, day__lte=day).order_by("-day").first()
    phase = ((row.payload or {}).get("phase") or {}) if row is not None else {}
    return phase.get("declared") == "HIGH"


# Why the rules refuse an application (stored as words: warroom.core.words), in the order
# they are checked.
REFUSED_HIGH_RISK = gettext_noop(
    "%(area)s is a high-risk area: only essential supply, public utilities and "
    "medical production may run."
)
REFUSED_HIGH_PHASE = gettext_noop(
    "The city is in the high phase: only essential businesses may run."
)
REFUSED_PLAN = gettext_noop("The prevention plan lacks: %(items)s.")
REFUSED_NO_WORKER = gettext_noop("No worker is cleared to return.")
# A traveller refused by case management (his status's label).
REFUSED_HELD = gettext_noop("In quarantine or with an open case (%(s)s).")


def assess(app: ResumptionApplication, day: dt.date) -> Assessment:
    """The documented rule (docs/zones.md): by the area's level and the city's phase."""
    b = app.business
    row = level_of(b.area, day)
    level: str = row.level if row is not None else "low"
    reasons: list[words.Worded] = []
    missing = [words.label(label) for key, label in PLAN_ITEMS.items() if not app.plan.get(key)]
    essential = b.category in ESSENTIAL
    if level == RiskLevel.HIGH and not essential:
        reasons.append(
            words.say(
                REFUSED_HIGH_RISK, area=words.area_name(row.area if row is not None else b.area)
            )
        )
    if phase_is_high(day) and not essential:
        reasons.append(words.say(REFUSED_HIGH_PHASE))
    if missing:
        reasons.append(words.say(REFUSED_PLAN, items=words.joined(missing, words.ITEMS)))
    if app.workers_blocked >= app.workers:
        reasons.append(words.say(REFUSED_NO_WORKER))
    if reasons:
        return Assessment("refused", reasons, level)
    conditions: list[words.Worded] = []
    if level != RiskLevel.LOW:
        conditions.append(
            words.say(gettext_noop("The area is not low risk: conditional approval only."))
        )
    if app.workers_blocked:
        conditions.append(
            words.say(
                gettext_noop("%(n)s workers in quarantine or with an open case may not return."),
                n=app.workers_blocked,
            )
        )
    return Assessment("conditional" if conditions else "approved", conditions, level)


def approver_problem(actor: Any, business: Business) -> str | None:
    """Approval by the right level: a large business by its district (or above), others
    by their street (or above)."""
    if is_system(actor):
        return None
    if not actor.can("approve"):
        return _("You may not decide resumption applications.")
    wanted = Level.DISTRICT if business.size == BusinessSize.LARGE else Level.STREET
    if DEPTH[actor.area.level] > DEPTH[str(wanted)]:
        return _("A %(size)s business is approved at %(level)s level or above.") % {
            "size": BusinessSize(business.size).label,
            "level": Level(wanted).label,
        }
    return None


def do_apply_resumption(
    business: Business,
    *,
    plan: Mapping[str, bool],
    worker_ids: list[str],
    workers: int | None = None,
    actor: Any,
) -> ResumptionApplication:
    """A business applies to resume with its plan and its returning workers' ID numbers.

    The workforce's health is read from case management: a worker in quarantine or with an
    open case is not cleared. An application the rules refuse (a non-essential business in
    a high-risk area, an incomplete plan) is refused at once, with the reasons.
    """
    require_in_area(actor, business.area)
    unknown = set(plan) - set(PLAN_ITEMS)
    if unknown:
        raise InvalidInput(_("Unknown plan items: %(i)s.") % {"i": ", ".join(sorted(unknown))})
    count = workers if workers is not None else len(worker_ids)
    if count < 1 or count > business.workforce:
        raise InvalidInput(
            _("The returning workers are between 1 and the workforce (%(n)s).")
            % {"n": business.workforce}
        )
    held = held_people(worker_ids)
    day = today()
    with acting(actor), transaction.atomic():
        if ResumptionApplication.objects.filter(
            business=business, status=ApplicationStatus.PENDING
        ).exists():
            raise Conflict(_("This business already has an application pending."))
        app = ResumptionApplication(
            business=business,
            applied_by=None if is_system(actor) else actor,
            plan={k: bool(plan.get(k)) for k in PLAN_ITEMS},
            workers=count,
            workers_blocked=len(held),
        )
        verdict = assess(app, day)
        if verdict.outcome == "refused":
            app.status = ApplicationStatus.REFUSED
            reason = words.joined(verdict.reasons)
            app.reason, app.reason_words = words.stored_text(reason), words.words_of(reason)
            app.level_at_decision = verdict.level
            app.decided_at = timezone.now()
        app.save()
    return app


def do_decide_resumption(
    app: ResumptionApplication,
    *,
    approve: bool,
    conditions: str = "",
    reason: str = "",
    actor: Any,
) -> ResumptionApplication:
    """Approve (fully or with conditions) or refuse a pending application."""
    require_in_area(actor, app.business.area, "approve")
    problem = approver_problem(actor, app.business)
    if problem:
        raise Forbidden(problem)
    with acting(actor), transaction.atomic():
        app = ResumptionApplication.objects.select_for_update().get(pk=app.pk)
        if app.status != ApplicationStatus.PENDING:
            raise Conflict(_("This application has been decided already."))
        verdict = assess(app, today())
        conditions = clean_text(conditions, max_length=1000, what=_("Conditions"))
        reason = clean_text(reason, max_length=1000, what=_("Reason"))
        if approve and verdict.outcome == "refused":
            raise Conflict(" ".join(map(str, verdict.reasons)))
        if approve:
            extra: list[words.Worded | str] = [*verdict.reasons]
            if conditions:
                extra.append(conditions)
            app.status = ApplicationStatus.CONDITIONAL if extra else ApplicationStatus.APPROVED
            together = words.joined(extra)
            app.conditions = words.stored_text(together)
            app.conditions_words = words.words_of(together)
        else:
            if not reason:
                raise InvalidInput(_("Give the reason for a refusal."))
            app.status = ApplicationStatus.REFUSED
            app.reason, app.reason_words = reason, None  # the officer's own text
        app.level_at_decision = verdict.level
        app.decided_by = actor
        app.decided_at = timezone.now()
        app.save()
    return app


# The twin's business sectors → the registry's categories (docs/zones.md).
SECTOR_CATEGORY = {
    "retail": BusinessCategory.ESSENTIAL_SUPPLY,
    "pharmacy": BusinessCategory.ESSENTIAL_SUPPLY,
    "logistics": BusinessCategory.ESSENTIAL_SUPPLY,
    "healthcare": BusinessCategory.MEDICAL_PRODUCTION,
    "manufacturing": BusinessCategory.OTHER,
    "construction": BusinessCategory.OTHER,
    "catering": BusinessCategory.OTHER,
    "services": BusinessCategory.OTHER,
}


def do_import_census(rows: Iterable[Mapping[str, Any]], *, actor: Any) -> int:
    """Businesses per street by sector (the twin's ``businesses.csv``): replaces the census
    of the streets given, all or nothing. Rows: ``street_code`` and a count per sector."""
    if not is_system(actor) and not actor.can("manage_areas"):
        raise Forbidden(_("You may not do this."))
    rows = list(rows)
    codes = {str(r["street_code"]) for r in rows}
    streets = {a.code: a for a in Area.objects.filter(code__in=codes, level=Level.STREET)}
    missing = sorted(codes - set(streets))
    if missing:
        raise InvalidInput(_("Unknown streets: %(c)s.") % {"c": ", ".join(missing[:10])})
    totals: dict[tuple[int, str], int] = {}
    for r in rows:
        area = streets[str(r["street_code"])]
        for sector, category in SECTOR_CATEGORY.items():
            n = int(r.get(sector) or 0)
            if n < 0:
                raise InvalidInput(_("A count cannot be negative."))
            key = (area.pk, str(category))
            totals[key] = totals.get(key, 0) + n
    with acting(actor), transaction.atomic():
        BusinessCensus.objects.filter(area_id__in=[a.pk for a in streets.values()]).delete()
        BusinessCensus.objects.bulk_create(
            BusinessCensus(area_id=a, category=c, count=n) for (a, c), n in totals.items()
        )
        from warroom.audit.services import record_batch

        record_batch(object_type="economy.businesscensus", rows=len(totals), sha256="-" * 64)
    return len(totals)


# --- point-to-point transport -------------------------------------------------------------


def do_request_transport(
    area: Area,
    *,
    kind: str,
    name: str,
    id_number: str,
    origin: str,
    destination: str,
    wanted: dt.date,
    phone: str = "",
    actor: Any,
) -> TransportRequest:
    require_in_area(actor, area)
    if kind not in TravellerKind.values:
        raise InvalidInput(_("Unknown kind %(k)s.") % {"k": kind})
    number = clean_text(id_number, max_length=32, what=_("ID number"), required=True).upper()
    with acting(actor), transaction.atomic():
        if TransportRequest.objects.filter(
            id_number=number,
            status__in=[TransportStatus.PENDING, TransportStatus.CLEARED, TransportStatus.SEATED],
        ).exists():
            raise Conflict(_("This person already has a transport request open."))
        req = TransportRequest(
            area=area,
            kind=kind,
            name=clean_text(name, max_length=64, what=_("Name"), required=True),
            id_number=number,
            phone=clean_text(phone, max_length=32, what=_("Phone")),
            origin=clean_text(origin, max_length=100, what=_("From"), required=True),
            destination=clean_text(destination, max_length=100, what=_("To"), required=True),
            wanted=wanted,
        )
        req.save()
    return req


def _refuse_traveller(r: TransportRequest, status: str) -> None:
    """The refusal's reason, with the traveller's status (its label, or the code)."""
    from warroom.cases.states import Status

    shown: words.Value = status
    if status in Status.values():
        shown = words.label(Status(status).label)
    reason = words.say(REFUSED_HELD, s=shown)
    r.reason, r.reason_words = words.stored_text(reason, 200), words.words_of(reason)


def do_health_check(requests: Iterable[TransportRequest], *, actor: Any) -> dict[str, int]:
    """Clear or refuse pending requests by case management: anyone in quarantine or with
    an open case is refused, with the reason."""
    pending = [r for r in requests if r.status == TransportStatus.PENDING]
    for r in pending:
        require_in_area(actor, r.area)
    held = held_people([r.id_number for r in pending])
    counts = {"cleared": 0, "refused": 0}
    with acting(actor), transaction.atomic():
        for r in pending:
            status = held.get(r.id_number)
            if status:
                r.status = TransportStatus.REFUSED
                _refuse_traveller(r, status)
                counts["refused"] += 1
            else:
                r.status, r.reason, r.reason_words = TransportStatus.CLEARED, "", None
                counts["cleared"] += 1
            r.save()
    return counts


def do_plan_trips(area: Area, day: dt.date, *, capacity: int, actor: Any) -> list[Trip]:
    """Group the cleared requests of ``area`` wanted by ``day`` into vehicles by route.

    Health is checked again at boarding time (in the same transaction): a traveller who
    entered quarantine or became a case since clearance is refused, never seated.
    """
    require_in_area(actor, area)
    if capacity < 1 or capacity > 100:
        raise InvalidInput(_("A vehicle has between 1 and 100 seats."))
    with acting(actor), transaction.atomic():
        cleared = list(
            TransportRequest.objects.select_for_update()
            .filter(
                area__path__startswith=area.path,
                status=TransportStatus.CLEARED,
                wanted__lte=day,
            )
            .order_by("wanted", "pk")
        )
        held = held_people([r.id_number for r in cleared])
        fit = []
        for r in cleared:
            if r.id_number in held:
                r.status = TransportStatus.REFUSED
                _refuse_traveller(r, held[r.id_number])
                r.save()
            else:
                fit.append(r)
        by_key = {r.pk: r for r in fit}
        trips = []
        for origin, destination, keys in rule.group_into_vehicles(
            (rule.Traveller(r.pk, r.origin, r.destination) for r in fit), capacity
        ):
            trip = Trip(
                area=area, origin=origin, destination=destination, date=day, capacity=capacity
            )
            trip.save()
            Seat.objects.bulk_create(Seat(trip=trip, request_id=k) for k in keys)
            for k in keys:
                by_key[k].status = TransportStatus.SEATED
                by_key[k].save()
            trips.append(trip)
    return trips


def do_confirm_arrival(trip: Trip, *, actor: Any) -> Trip:
    require_in_area(actor, trip.area)
    with acting(actor), transaction.atomic():
        trip = Trip.objects.select_for_update().get(pk=trip.pk)
        if trip.arrived_at is not None:
            raise Conflict(_("This trip's arrival is confirmed already."))
        trip.arrived_at = timezone.now()
        trip.save()
        for seat in trip.seats.select_related("request"):
            seat.request.status = TransportStatus.ARRIVED
            seat.request.save()
    return trip


def do_record_checkpoint(
    area: Area,
    *,
    checkpoint: str,
    day: dt.date,
    vehicles: int,
    people: int,
    turned_back: int,
    note: str = "",
    actor: Any,
) -> CheckpointRecord:
    require_in_area(actor, area)
    if min(vehicles, people, turned_back) < 0 or turned_back > people:
        raise InvalidInput(_("Counts are not negative and no more are turned back than checked."))
    name = clean_text(checkpoint, max_length=100, what=_("Checkpoint"), required=True)
    with acting(actor), transaction.atomic():
        row, _created = CheckpointRecord.objects.update_or_create(
            area=area,
            checkpoint=name,
            date=day,
            defaults={
                "vehicles": vehicles,
                "people": people,
                "turned_back": turned_back,
                "note": clean_text(note, max_length=200, what=_("Note")),
            },
        )
    return row


def level_rose_hits(day: dt.date) -> list[Any]:
    """The signal "a risk level rose" (warroom.supervision.signals): every district or street
    graded above its previous day's level on ``day``, with the clause that decided it."""
    from warroom.supervision.signals import Hit

    # The two days' levels read as values (400 rows a day at the whole city's scale, were
    # models); the areas loaded only for the levels that rose.
    before = dict(
        AreaRiskLevel.objects.filter(date=day - dt.timedelta(days=1)).values_list(
            "area_id", "level"
        )
    )
    rose = [
        (area_id, level, clause, reason, before[area_id])
        for area_id, level, clause, reason in AreaRiskLevel.objects.filter(date=day).values_list(
            "area_id", "level", "clause", "override_reason"
        )
        if before.get(area_id) is not None and rule.higher(level, before[area_id])
    ]
    areas = Area.objects.in_bulk([r[0] for r in rose])
    hits = []
    for area_id, level, clause, reason, old in rose:
        area = areas[area_id]
        hits.append(
            Hit(
                area=area,
                value=float(rule.RANK[level]),
                threshold=float(rule.RANK[old]),
                message=words.say(
                    gettext_noop("%(area)s rose from %(old)s to %(new)s (%(why)s)."),
                    area=words.area_name(area),
                    old=words.label(RiskLevel(old).label),
                    new=words.label(RiskLevel(level).label),
                    # an override's reason is the officer's own text, kept as written
                    why=reason or (words.label(CLAUSES[clause]) if clause in CLAUSES else clause),
                ),
                evidence=reverse("economy:area", kwargs={"code": area.code})
                + f"?date={day.isoformat()}",
            )
        )
    return hits
