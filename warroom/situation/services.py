"""The situation of the city and each district: phases, Rt, forecast, the three quantities.

The analysis itself is :mod:`warroom.analytics`; this module only loads the series,
calls it, and stores the result per area and day (idempotent: the same day recomputed
replaces its row, and the forecast's randomness is seeded by the day).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.translation import gettext

from warroom.analytics import parameters as P
from warroom.analytics.backtest import forecast_skill
from warroom.analytics.forecast import EnsembleForecaster, fill_missing
from warroom.analytics.phases import UNKNOWN, Direction, Phase, classify_phases, next_band
from warroom.analytics.rt import RT_STATUS_NAMES, STATUS_ESTIMATED, RtEstimate, estimate_rt
from warroom.core.context import SYSTEM
from warroom.geo.models import Area
from warroom.situation.models import Situation
from warroom.situation.series import DailySeries, area_series_of

FORECAST_HORIZON = 14  # days; the dashboard's forecast fan (DESIGN §3.4)


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), 4)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _quantity(values: np.ndarray) -> dict[str, float | None]:
    today = _num(values[-1]) if values.size else None
    yesterday = _num(values[-2]) if values.size > 1 else None
    change = today - yesterday if today is not None and yesterday is not None else None
    return {"today": today, "yesterday": yesterday, "change": change}


def rt_status(est: RtEstimate, index: int) -> dict[str, Any]:
    """Why window ``index`` has (or has no) estimate, as figures the pages word in the
    reader's language: ``status`` is a name of ``RT_STATUS_NAMES``."""
    return {
        "status": RT_STATUS_NAMES[int(est.status[index])],
        "cases": _num(est.cases[index]),
        "cumulative": _num(est.cumulative[index]),
        "cv": _num(est.cv[index]),
        "max_cv": est.max_cv,
        "min_cases": est.min_cases,
        "reason": est.reason(index),
    }


def rt_payload(est: RtEstimate, end_dates: list[str | None]) -> dict[str, Any]:
    """Rt as stored and shown: numbers only where it can be estimated (Cori et al. 2013's
    guidance), None elsewhere (a gap on the chart, "insufficient data" on the card)."""
    levels = list(est.quantile_levels)
    lo, hi = levels.index(0.025), levels.index(0.975)
    last = len(end_dates) - 1
    latest = {
        "date": end_dates[last],
        "mean": _num(est.mean[last]),
        "q025": _num(est.quantiles[last, lo]),
        "q975": _num(est.quantiles[last, hi]),
        **rt_status(est, last),
    }
    return {
        "dates": end_dates,
        "mean": [_num(x) for x in est.mean],
        "q025": [_num(x) for x in est.quantiles[:, lo]],
        "q975": [_num(x) for x in est.quantiles[:, hi]],
        "status": [RT_STATUS_NAMES[int(c)] for c in est.status],
        "estimated": bool(est.status[last] == STATUS_ESTIMATED),
        "latest": latest,
    }


def forecast_payload(nc: np.ndarray, day: dt.date) -> dict[str, Any]:
    """The published forecast (:class:`EnsembleForecaster`) of the days after ``day`` from
    the series ``nc`` (missing days filled for fitting only), with its measured skill: the
    rolling-origin MAE relative to the last-value and 7-day-mean baselines per horizon."""
    history = fill_missing(nc, name="new_confirmed")
    fc = EnsembleForecaster(max_horizon=FORECAST_HORIZON).fit(history)
    pred = fc.predict(FORECAST_HORIZON, quantile_levels=(0.05, 0.25, 0.5, 0.75, 0.95))
    skill = forecast_skill(nc, EnsembleForecaster(max_horizon=FORECAST_HORIZON))
    return {
        "model": "ensemble",
        "dates": [_iso(day + dt.timedelta(days=h)) for h in range(1, FORECAST_HORIZON + 1)],
        "mean": [_num(x) for x in pred.mean],
        **{
            key: [_num(x) for x in pred.quantiles[:, i]]
            for i, key in enumerate(("q05", "q25", "median", "q75", "q95"))
        },
        "skill": None
        if skill is None
        else {
            "horizons": [int(h) for h in skill.horizons],
            "vs_last_value": [_num(x) for x in skill.relative_mae[0]],
            "vs_mean_7d": [_num(x) for x in skill.relative_mae[1]],
            "n": [int(x) for x in skill.n_scored],
        },
    }


def analyse(series: DailySeries, day: dt.date) -> dict[str, Any]:
    """Everything the dashboard and the briefing show of one area on ``day``."""
    dates = series.dates
    nc = series.figures["new_confirmed"]
    missing = [
        f"new_confirmed {d.isoformat()}" for d, v in zip(dates, nc, strict=True) if math.isnan(v)
    ]
    from django.conf import settings

    bands = tuple(settings.WARROOM_PHASE_BANDS)
    k = int(settings.WARROOM_PHASE_CONFIRM_DAYS)
    timeline = classify_phases(nc, confirm_days=k, bands=bands)
    last = len(dates) - 1
    spans: list[dict[str, Any]] = []
    pairs: list[tuple[int, int]] = []
    for p, s in zip(timeline.phase.tolist(), timeline.phase_start.tolist(), strict=True):
        if s >= 0 and (not pairs or pairs[-1] != (p, s)):
            pairs.append((p, s))
    for i, (p, s) in enumerate(pairs):
        end = pairs[i + 1][1] - 1 if i + 1 < len(pairs) else last
        spans.append(
            {"phase": Phase(p).name, "start": _iso(dates[s]), "end": _iso(dates[max(s, end)])}
        )
    phase_code = int(timeline.phase[last])
    declared = Phase(phase_code).name if phase_code >= 0 else None
    nb = next_band(nc, phase_code, bands=bands) if declared else None
    changed_today = (
        last > 0 and int(timeline.phase[last - 1]) != phase_code and declared is not None
    )
    phase = {
        "band": [Phase(int(b)).name if b >= 0 else None for b in timeline.band],
        "declared": declared,
        "start": _iso(dates[int(timeline.phase_start[last])]) if declared else None,
        "declared_on": _iso(dates[int(timeline.declared_on[last])]) if declared else None,
        "direction": Direction(int(timeline.direction[last])).name
        if int(timeline.direction[last]) != UNKNOWN
        else None,
        "days_in_phase": int(timeline.days_in_phase[last]),
        "changed_today": bool(changed_today),
        "next_band": None
        if nb is None
        else {
            "phase": nb.phase.name,
            "days_ahead": int(nb.days_ahead),
            "date": _iso(day + dt.timedelta(days=int(nb.days_ahead))),
        },
        "spans": spans,
    }
    # Rt needs complete days: those after the last missing one. The forecast is robust to
    # a missing day (filled for fitting, never scored).
    known = np.flatnonzero(np.isnan(nc))
    first = int(known[-1]) + 1 if known.size else 0
    tail = nc[first:]
    rt: dict[str, Any] | None = None
    forecast: dict[str, Any] | None = None
    notes: list[str] = []
    try:
        est = estimate_rt(tail)
        rt = rt_payload(est, [_iso(dates[first + int(t)]) for t in est.t_end])
    except ValueError as exc:
        notes.append(f"Rt not computed: {exc}")
    if np.isfinite(nc).any():
        forecast = forecast_payload(nc, day)
    f = series.figures
    return {
        "day": _iso(day),
        "area": series.area_code,
        "dates": [_iso(d) for d in dates],
        "new_confirmed": [_num(x) for x in nc],
        "phase": phase,
        "rt": rt,
        "forecast": forecast,
        "quantities": {
            "increment": _quantity(f["new_confirmed"]),
            "stock": _quantity(f["under_treatment"]),
            # the variable (变量): new people at risk — suspected, febrile, close contacts
            "variable": _quantity(f["new_suspected"] + f["new_febrile"] + f["new_contacts"]),
            "severe": _quantity(f["severe"] + f["critical"]),
            "deaths": _quantity(f["new_deaths"]),
        },
        "missing": missing[-30:],
        "missing_count": len(missing),
        "notes": notes,
        "parameters": {
            "phase_confirm_days": k,
            "phase_bands": list(bands),
            "rt_window_days": P.RT_WINDOW_DAYS,
            "rt_min_cases": P.RT_MIN_CUMULATIVE_CASES,
            "rt_max_cv": P.RT_MAX_POSTERIOR_CV,
            "serial_interval": [P.SERIAL_INTERVAL_MEAN, P.SERIAL_INTERVAL_SD],
        },
    }


def situation_areas(scope: str | None = None) -> list[Area]:
    """The areas the headquarters follows: the city and its districts (those under
    ``scope`` only, for work done on behalf of a district's user)."""
    areas = Area.objects.filter(depth__lte=1)
    if scope is not None:
        areas = areas.filter(path__under=scope)
    return list(areas.order_by("path"))


def do_compute_situation(day: dt.date, *, actor: Any = SYSTEM, scope: str | None = None) -> int:
    """Recompute the situation of the city and every district for ``day`` (of the areas
    under ``scope`` only, when given). Idempotent."""
    from django.utils import timezone

    areas = situation_areas(scope)
    with transaction.atomic():
        series_of = area_series_of(areas, until=day)  # every area's reports in one read
        gone = [a for a in areas if series_of[a.pk] is None]
        if gone:
            Situation.objects.filter(area__in=gone, day=day).delete()
        now = timezone.now()  # what ``auto_now`` writes on a saved row
        rows = [
            Situation(
                area=area,
                day=day,
                payload=analyse(series, day),
                inputs_hash=series.digest(),
                computed_at=now,
            )
            for area in areas
            if (series := series_of[area.pk]) is not None
        ]
        # One statement: a new day's rows inserted, a recomputed day's replaced in place.
        Situation.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["area", "day"],
            update_fields=["payload", "inputs_hash", "computed_at"],
        )
    return len(rows)


def daily_step(day: dt.date, scope: str | None = None) -> str:
    n = do_compute_situation(day, scope=scope)
    return f"{n} areas analysed" if n else "no daily reports yet: nothing to analyse"


# --- the capacity plan's case numbers: observed, then this app's forecast ------------------


def case_series_from_situation(start: dt.date, horizon: int) -> Any:
    """The city's new confirmed up to the day before ``start``, then its forecast median.

    The provider of :mod:`warroom.beds.demand` (registered in ``apps.py``). Beyond the
    forecast's 14 days the last forecast value is held (said in the label). A missing
    observed day takes the previous known day's figure (admissions did happen that day;
    only the count is unknown). None without a situation or a forecast.
    """
    from warroom.beds.demand import CaseSeries

    root = Area.objects.filter(depth=0).first()
    if root is None:
        return None
    payload = (
        Situation.objects.filter(area=root, day=start - dt.timedelta(days=1))
        .values_list("payload", flat=True)
        .first()
    )
    if not payload or not payload.get("forecast"):
        return None
    observed: list[float] = []
    last = 0.0
    for value in payload["new_confirmed"]:
        last = float(value) if value is not None else last
        observed.append(last)

    def held(key: str) -> list[float]:
        values = [float(x or 0.0) for x in payload["forecast"][key]][:horizon]
        return values + [values[-1]] * (horizon - len(values))

    # The published forecast is robust to a reclassification jump (a spike is a level
    # shift, not growth); its upper 95 % band is planned too, and stated beside.
    return CaseSeries(
        daily_confirmed=observed + held("median"),
        today=len(observed),
        label=gettext("the forecast of %(day)s (ensemble of models; held level after %(n)s days)")
        % {"day": payload["day"], "n": FORECAST_HORIZON},
        upper_confirmed=observed + held("q95"),
    )


# --- the daily briefing -------------------------------------------------------------------


def _plan_summary(day: dt.date) -> dict[str, Any] | None:
    """The next openings of the 30-day capacity plan from tomorrow (city-wide)."""
    from warroom.beds.planning import capacity_plan

    try:
        plan = capacity_plan(SYSTEM, day + dt.timedelta(days=1))
    except ValueError as exc:  # a plan the analytics refuse: say so, do not stop the cycle
        return {"error": str(exc), "windows": []}
    if plan is None:
        return None
    windows = [
        {"start": w.start.isoformat(), "end": w.end.isoformat(), "open_beds": w.open_beds}
        for w in plan.windows
        if w.total
    ][:3]
    return {
        "source": plan.source,
        "target": plan.target,
        "total_to_open": plan.total_to_open,
        "total_to_open_upper": plan.total_to_open_upper,
        "windows": windows,
        "beds_wait_day": plan.beds_wait_day_scheduled.isoformat()
        if plan.beds_wait_day_scheduled
        else None,
    }


def do_generate_briefings(day: dt.date, *, actor: Any = SYSTEM, scope: str | None = None) -> int:
    """Write the day's briefing of the city and of every district (idempotent).

    The numbers are :func:`selectors.room`'s — the dashboard's own — stored with the
    HTML document rendered from them in Chinese (the archive keeps what was sent). The
    same numbers again write nothing; other numbers (a late file) issue the next
    revision, with what changed and why, and keep the one it replaces
    (:class:`BriefingRevision`).
    """
    import hashlib
    import json

    from django.utils import timezone

    from warroom.audit.anchors import latest_anchor
    from warroom.core.revisions import figure_changes, recompute_reason
    from warroom.situation import briefing as doc
    from warroom.situation import selectors
    from warroom.situation.models import Briefing, BriefingRevision

    areas = situation_areas(scope)
    plan = _plan_summary(day) if any(a.depth == 0 for a in areas) else None
    anchor = latest_anchor(day)
    waste = selectors.waste_balances(SYSTEM, areas, day)  # the city's read once
    plans: dict[Any, Any] = {}  # the city's phase plan, read once
    written = 0
    with transaction.atomic():
        # Every room's panels read at once: a statement a panel, not one a panel and room.
        rooms = selectors.rooms(SYSTEM, areas, day, plan=plan, waste=waste, plans=plans)
        # The issued briefings locked (in one order) and their hashes read, not their
        # documents: a document is read only to be kept as the revision it replaces.
        issued = dict(
            Briefing.objects.select_for_update()
            .filter(area__in=areas, day=day)
            .order_by("area_id")
            .values_list("area_id", "inputs_hash")
        )
        for area in areas:
            data = rooms[area.pk]
            data["decisions"] = doc.decisions_needed(data)
            digest = hashlib.sha256(
                json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
            if issued.get(area.pk) == digest:
                written += 1
                continue  # same numbers: keep the document (and its time) as it was
            existing = (
                Briefing.objects.filter(area=area, day=day).first() if area.pk in issued else None
            )
            revision, changes, reason = 1, [], {}
            if existing is not None:
                # An issued briefing is never overwritten: keep it, issue the next revision.
                BriefingRevision.objects.create(
                    area=area,
                    day=day,
                    revision=existing.revision,
                    generated_at=existing.generated_at,
                    inputs_hash=existing.inputs_hash,
                    payload=existing.payload,
                    html=existing.html,
                    changes=existing.changes,
                    reason=existing.reason,
                )
                revision = existing.revision + 1
                changes = figure_changes(briefing_figures(existing.payload), briefing_figures(data))
                reason = recompute_reason(existing.generated_at)
            if anchor is not None:  # printed, not hashed: a new anchor alone is no new issue
                data["audit_anchor"] = {"seq": anchor.seq, "hash": anchor.hash}
            Briefing.objects.update_or_create(
                area=area,
                day=day,
                defaults={
                    "payload": data,
                    "inputs_hash": digest,
                    "html": doc.render_document(
                        data, language="zh-hans", revision=(revision, changes, reason)
                    ),
                    "generated_at": timezone.now(),
                    "revision": revision,
                    "changes": changes,
                    "reason": reason,
                },
            )
            written += 1
    return written


def briefing_figures(payload: dict[str, Any]) -> dict[str, Any]:
    """The figures a revision of a briefing is compared on (what changed, by name)."""
    out: dict[str, Any] = {}
    for duty, row in (payload.get("clearance") or {}).get("duties", {}).items():
        out[f"clearance.{duty}"] = row.get("total")
    for row in (payload.get("beds") or {}).get("by_type", []):
        out[f"beds.{row['type']}.waiting"] = row.get("waiting")
        out[f"beds.{row['type']}.free"] = row.get("free")
    out["reporting.missing"] = len((payload.get("reporting") or {}).get("missing", []))
    out["decisions"] = len(payload.get("decisions") or [])
    return out


def briefing_step(day: dt.date, scope: str | None = None) -> str:
    return f"{do_generate_briefings(day, scope=scope)} briefings written"


EXPORT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
QUEUED_EXPORTS = {"pdf"}  # slow (a headless browser): made by a worker, not in the request


def export_briefing(briefing: Any, fmt: str) -> bytes:
    """A stored briefing as a file: "html" (as archived), "pdf" or "docx" (Chinese)."""
    from warroom.core.errors import InvalidInput
    from warroom.situation import briefing as doc

    if fmt == "html":
        return str(briefing.html).encode("utf-8")
    if fmt == "pdf":
        return doc.to_pdf(briefing.html)
    if fmt == "docx":
        return doc.to_docx(briefing.payload, language="zh-hans")
    raise InvalidInput(f"format: {fmt!r} is not one of html, pdf, docx")


# --- the stand-up meeting ------------------------------------------------------------------


def do_record_decision(
    area: Area,
    day: dt.date,
    text: str,
    *,
    owner: Any = None,
    deadline: dt.date | dt.datetime | None = None,
    actor: Any,
) -> Any:
    """Record a decision of the day's stand-up; with an owner, open its task (deadline
    required). The task is a :mod:`warroom.tasks` task: its owner submits evidence, a
    verifier closes it, and until then it is carried on every next agenda."""
    from django.utils import timezone

    from warroom.core.context import acting
    from warroom.core.errors import InvalidInput, NotFound
    from warroom.core.scoping import in_scope
    from warroom.situation.models import Decision
    from warroom.tasks.services import do_create_task

    text = (text or "").strip()
    if not text:
        raise InvalidInput("decision: the text is empty")
    if len(text) > 2000:
        raise InvalidInput("decision: longer than 2,000 characters")
    if not (actor.can("change") and in_scope(actor, area.path)):
        raise NotFound("area not found")
    if owner is not None and deadline is None:
        raise InvalidInput("deadline: a task needs a deadline")
    with acting(actor), transaction.atomic():
        decision = Decision(
            area=area,
            day=day,
            text=text,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            recorded_at=timezone.now(),
        )
        decision.save()
        if owner is not None and deadline is not None:
            decision.task = do_create_task(
                title=text.splitlines()[0][:200],
                description=text,
                area=area,
                owner=owner,
                deadline=deadline,
                source_kind="meeting",
                source=decision,
                actor=actor,
            )
            decision.save(update_fields=["task"])
    return decision


# --- an analyst's published series ---------------------------------------------------------


def do_import_series(table: Any, *, actor: Any) -> Any:
    """Import a published daily series (DESIGN §4; counts may be empty) and queue the cycle
    for its days. All or nothing, idempotent: the same file again queues nothing new."""
    from warroom.core.errors import InvalidInput
    from warroom.core.permits import require
    from warroom.situation.models import SeriesImport
    from warroom.surveillance.services import REPORT_COLUMNS, do_import_daily_reports
    from warroom.tables import parse_rows

    require(actor, "import_series")
    parsed = parse_rows(table, REPORT_COLUMNS)
    if not parsed:
        raise InvalidInput("the file has no data rows")
    codes = {p["area_code"] for p in parsed}
    areas = list(Area.objects.filter(code__in=codes).order_by("depth"))
    with transaction.atomic():
        result = do_import_daily_reports(table, actor=actor)  # checks areas and scope
        previous = SeriesImport.objects.filter(sha256=result.sha256).order_by("-pk").first()
        if result.already_imported and previous is not None:
            return previous
        days = sorted({p["date"] for p in parsed})
        return SeriesImport.objects.create(
            area=areas[0],
            filename=table.filename[:255],
            sha256=result.sha256,
            days=[d.isoformat() for d in days],
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def run_series_import(
    job_id: int,
    *,
    on_day: Any = None,
    resume: bool = False,
    on_progress: Any = None,
) -> Any:
    """Run the daily cycle for every day of an import (claimed once: queued → running).

    Each day is recomputed (``force``: the figures just changed), within the scope of the
    user who imported (:func:`warroom.core.daily.scope_of`). A failing day stops the job
    with the cycle's message; the days before it keep their results. ``resume`` (the job
    queue, whose lease makes its worker the only one running the import) takes a running
    import too and continues after its last finished day: a worker killed mid-way leaves
    the import to the next worker, which recomputes at most the day it was on (the daily
    cycle is idempotent for a day).
    """
    from django.db.models import F
    from django.utils import timezone

    from warroom.core.daily import run_daily_cycle, scope_of
    from warroom.core.errors import WarroomError
    from warroom.situation.models import ImportStatus, SeriesImport

    claimable = [ImportStatus.QUEUED, ImportStatus.RUNNING] if resume else [ImportStatus.QUEUED]
    claimed = SeriesImport.objects.filter(pk=job_id, status__in=claimable).update(
        status=ImportStatus.RUNNING
    )
    job = SeriesImport.objects.get(pk=job_id)
    if not claimed:
        return job
    # On behalf of its user: a district officer's import recomputes his district only and
    # leaves the city's steps of those days stale for the city's own cycle.
    scope = scope_of(job.created_by or SYSTEM)
    try:
        for n, iso in enumerate(job.days):
            if n < job.days_done:
                continue  # finished before the previous worker stopped
            day = dt.date.fromisoformat(iso)
            run_daily_cycle(day, actor=job.created_by or SYSTEM, force=True, scope=scope)
            SeriesImport.objects.filter(pk=job_id).update(days_done=F("days_done") + 1)
            if on_day is not None:
                on_day(day)
            if on_progress is not None:
                on_progress(n + 1, len(job.days))
    except WarroomError as exc:
        SeriesImport.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, message=exc.message, finished_at=timezone.now()
        )
    else:
        SeriesImport.objects.filter(pk=job_id).update(
            status=ImportStatus.DONE, finished_at=timezone.now()
        )
    return SeriesImport.objects.get(pk=job_id)


def mark_series_import_failed(series_import: int, message: str) -> None:
    """The queue gave up on an import (its workers kept dying): say so on its page."""
    from django.utils import timezone

    from warroom.situation.models import ImportStatus, SeriesImport

    SeriesImport.objects.filter(
        pk=series_import, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).update(status=ImportStatus.FAILED, message=message[:2000], finished_at=timezone.now())
