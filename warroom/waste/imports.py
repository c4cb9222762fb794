"""Imports of medical waste: the facilities' and districts' daily generation, and the
plants' daily disposal. All or nothing, idempotent through the one import finisher.

Generation: ``date 日期, area_code 区划编码 (the district), facility_code 机构编码 (empty:
the district's other producers), kind 类别 (default infectious), tonnes 吨``. A row for a
(day, source, kind) already reported replaces it (a corrected report).

Disposal: ``date, plant_code 处置单位编码, area_code, facility_code, tonnes``: collected
from that source and disposed of by that plant. Refused: more than the plant's capacity
on the day, or more than the source has generated and not yet had disposed of.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from warroom.core import bulk
from warroom.core.context import acting, is_system
from warroom.core.errors import Forbidden
from warroom.core.imports import finish_import, previous_import
from warroom.geo.models import Area
from warroom.tables import Column, RowError, Table, TableRejected, bounded, choice, date, parse_rows
from warroom.waste.models import Disposed, Generated, Plant, WasteKind
from warroom.waste.services import capacity_on

KIND_ALIASES = {
    "感染性": "infectious",
    "损伤性": "sharps",
    "病理性": "pathological",
    "药物性": "pharmaceutical",
    "化学性": "chemical",
}


def _tonnes(cell: Any) -> Decimal:
    from warroom.waste.services import tonnes

    try:
        return tonnes(cell)
    except Exception as exc:  # InvalidInput → a cell problem
        raise ValueError("must be a number of tonnes from 0 up") from exc


def _kind(cell: Any) -> str:
    if str(cell).strip() == "":
        return WasteKind.INFECTIOUS.value
    return choice(WasteKind.values(), aliases=KIND_ALIASES)(cell)


GENERATED_COLUMNS = (
    Column("date", "日期", date),
    Column("area_code", "区划编码", bounded(32)),
    Column("facility_code", "机构编码", bounded(32), required=False),
    Column("kind", "类别", _kind, required=False),
    Column("tonnes", "吨", _tonnes),
)
DISPOSED_COLUMNS = (
    Column("date", "日期", date),
    Column("plant_code", "处置单位编码", bounded(32)),
    Column("area_code", "区划编码", bounded(32)),
    Column("facility_code", "机构编码", bounded(32), required=False),
    Column("tonnes", "吨", _tonnes),
)


@dataclass(frozen=True)
class WasteImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str


def _areas(codes: set[str], actor: Any) -> dict[str, Area]:
    qs = Area.objects.filter(code__in=codes)
    if not is_system(actor):
        qs = Area.objects.restrict(actor, "change").filter(code__in=codes)
    return {a.code: a for a in qs}


def _facilities(codes: set[str], actor: Any) -> dict[str, Any]:
    from warroom.beds.models import Facility

    qs = Facility.objects.filter(code__in=codes)
    if not is_system(actor):
        qs = Facility.objects.restrict(actor, "change").filter(code__in=codes)
    return {f.code: f for f in qs.select_related("area")}


def _source_problems(
    p: dict[str, Any], areas: dict[str, Area], facilities: dict[str, Any]
) -> list[RowError]:
    row = p["_row"]
    area = areas.get(p["area_code"])
    if area is None:
        return [RowError(row, "area_code", p["area_code"], "no such area in your jurisdiction")]
    code = p.get("facility_code") or ""
    if code:
        f = facilities.get(code)
        if f is None:
            return [RowError(row, "facility_code", code, "no such facility in your jurisdiction")]
        if not f.area.path.startswith(area.path):
            return [RowError(row, "facility_code", code, "the facility is not in this area")]
    return []


def do_import_generated(table: Table, *, actor: Any) -> WasteImportResult:
    if not actor.can("change"):
        raise Forbidden("You may not change waste records.")
    parsed = parse_rows(table, GENERATED_COLUMNS)
    for p in parsed:
        p["kind"] = p.get("kind") or WasteKind.INFECTIOUS.value
    kind = "waste-generated"
    with acting(actor), transaction.atomic():
        if previous_import(kind, table.sha256, actor=actor) is not None:
            return WasteImportResult(kind, len(parsed), 0, 0, True, table.sha256)
        areas = _areas({p["area_code"] for p in parsed}, actor)
        facilities = _facilities(
            {p["facility_code"] for p in parsed if p.get("facility_code")}, actor
        )
        errors: list[RowError] = []
        seen: dict[tuple[Any, ...], int] = {}
        for p in parsed:
            errors += _source_problems(p, areas, facilities)
            key = (p["date"], p["area_code"], p.get("facility_code") or "", p["kind"])
            if key in seen:
                errors.append(
                    RowError(
                        p["_row"], "kind", p["kind"], f"same source and kind as row {seen[key]}"
                    )
                )
            seen[key] = p["_row"]
        if errors:
            raise TableRejected(errors)
        created, updated = _write_generated(parsed, areas, facilities)
        finish_import(
            kind,
            table.sha256,
            actor=actor,
            filename=table.filename,
            rows=len(parsed),
            created=created,
            updated=updated,
            object_type="waste.generated",
            message=f"waste generated: {len(parsed)} rows from {table.filename or 'data'}",
        )
    return WasteImportResult(kind, len(parsed), created, updated, False, table.sha256)


def _write_generated(
    parsed: list[dict[str, Any]], areas: dict[str, Area], facilities: dict[str, Any]
) -> tuple[int, int]:
    """Each row inserted, or the stored row of its (day, source, kind) replaced (a
    corrected report): the stored ones read and locked in one query, the rest written in
    one INSERT (a source at a time was a query or two per facility, every day)."""
    rows = {
        (p["date"], areas[p["area_code"]].pk, p.get("facility_code") or "", p["kind"]): p
        for p in parsed
    }
    stored = {
        (g.day, g.area_id, g.source_code, g.kind): g
        for g in Generated.objects.select_for_update().filter(
            day__in={k[0] for k in rows}, area_id__in={k[1] for k in rows}
        )
    }
    new, changed = [], []
    for key, p in rows.items():
        facility = facilities.get(key[2])
        row = stored.get(key)
        if row is None:
            new.append(
                Generated(
                    day=key[0],
                    area_id=key[1],
                    source_code=key[2],
                    kind=key[3],
                    tonnes=p["tonnes"],
                    facility=facility,
                )
            )
        else:
            row.tonnes, row.facility = p["tonnes"], facility
            changed.append(row)
    try:
        with transaction.atomic():
            Generated.objects.bulk_create(new)
    except IntegrityError:  # written meanwhile by another import of the same source and day
        raise TableRejected(
            [RowError(0, "area_code", "", "this day's report was written meanwhile: send it again")]
        ) from None
    bulk.update_rows(Generated, changed, ["tonnes", "facility"])  # (no CASE per row)
    return len(new), len(changed)


def _running_totals(
    model: type[Generated] | type[Disposed],
    sources: set[tuple[int, str]],
    days: set[dt.date],
) -> dict[tuple[int, str, dt.date], Decimal]:
    """Tonnes of each source (area pk, source code) up to and including each of ``days``,
    from one grouped query (a query per source and day before)."""
    last = max(days)
    per_day: dict[tuple[int, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
    grouped = (
        model.objects.filter(
            area_id__in={a for a, _c in sources},
            source_code__in={c for _a, c in sources},
            day__lte=last,
        )
        .values_list("area_id", "source_code", "day")
        .annotate(t=Sum("tonnes"))
        .order_by()
    )
    for area_id, code, day, t in grouped:
        if (area_id, code) in sources:
            per_day[(area_id, code)].append((day, Decimal(t or 0)))
    out: dict[tuple[int, str, dt.date], Decimal] = {}
    for area_id, code in sources:
        history = sorted(per_day.get((area_id, code), ()))
        for day in days:
            out[(area_id, code, day)] = sum((t for d, t in history if d <= day), Decimal(0))
    return out


def do_import_disposed(table: Table, *, actor: Any) -> WasteImportResult:
    if not actor.can("change"):
        raise Forbidden("You may not change waste records.")
    parsed = parse_rows(table, DISPOSED_COLUMNS)
    kind = "waste-disposed"
    with acting(actor), transaction.atomic():
        if previous_import(kind, table.sha256, actor=actor) is not None:
            return WasteImportResult(kind, len(parsed), 0, 0, True, table.sha256)
        areas = _areas({p["area_code"] for p in parsed}, actor)
        facilities = _facilities(
            {p["facility_code"] for p in parsed if p.get("facility_code")}, actor
        )
        plants_qs = Plant.objects.filter(code__in={p["plant_code"] for p in parsed})
        if not is_system(actor):
            plants_qs = Plant.objects.restrict(actor, "change").filter(
                code__in={p["plant_code"] for p in parsed}
            )
        plants = {pl.code: pl for pl in plants_qs}
        errors: list[RowError] = []
        for p in parsed:
            if p["plant_code"] not in plants:
                errors.append(RowError(p["_row"], "plant_code", p["plant_code"], "no such plant"))
            errors += _source_problems(p, areas, facilities)
            if p["tonnes"] <= 0:
                errors.append(
                    RowError(p["_row"], "tonnes", str(p["tonnes"]), "must be more than 0")
                )
        if errors:
            raise TableRejected(errors)
        # A plant cannot dispose of more than its capacity on the day.
        load: dict[tuple[dt.date, str], Decimal] = defaultdict(Decimal)
        for p in parsed:
            load[(p["date"], p["plant_code"])] += p["tonnes"]
        disposed_on = {
            (plant_id, day): t or 0
            for plant_id, day, t in Disposed.objects.filter(
                day__in={d for d, _c in load}, plant__in=[plants[c] for _d, c in load]
            )
            .values_list("plant_id", "day")
            .annotate(t=Sum("tonnes"))
            .order_by()
        }
        for (day, code), t in sorted(load.items()):
            already = disposed_on.get((plants[code].pk, day), 0)
            cap = capacity_on(day).get(plants[code].pk, 0.0)
            if float(t + already) > cap + 1e-6:
                row = next(
                    p["_row"] for p in parsed if p["date"] == day and p["plant_code"] == code
                )
                errors.append(
                    RowError(
                        row, "tonnes", str(t), f"over the plant's capacity of {cap:g} t that day"
                    )
                )
        # Nor more than a source has generated and not yet had disposed of, up to the day.
        wanted: dict[tuple[int, str], list[tuple[dt.date, Decimal, int]]] = defaultdict(list)
        for p in parsed:
            wanted[(areas[p["area_code"]].pk, p.get("facility_code") or "")].append(
                (p["date"], p["tonnes"], p["_row"])
            )
        asked_days = {p["date"] for p in parsed}
        generated = _running_totals(Generated, set(wanted), asked_days)
        disposed = _running_totals(Disposed, set(wanted), asked_days)
        for (aid, code), rows in wanted.items():
            for day, _t, row in sorted(rows):
                gen = generated[(aid, code, day)]
                done = disposed[(aid, code, day)]
                asked = sum((t for d, t, _r in rows if d <= day), Decimal(0))
                if asked + done > gen + Decimal("0.0001"):
                    errors.append(
                        RowError(
                            row,
                            "tonnes",
                            str(asked),
                            f"more than the {gen - done} t stored at this source",
                        )
                    )
                    break
        if errors:
            raise TableRejected(errors)
        objs = [
            Disposed(
                day=p["date"],
                plant=plants[p["plant_code"]],
                area=areas[p["area_code"]],
                facility=facilities.get(p.get("facility_code") or ""),
                source_code=p.get("facility_code") or "",
                tonnes=p["tonnes"],
            )
            for p in parsed
        ]
        try:
            with transaction.atomic():
                Disposed.objects.bulk_create(objs)
        except Exception as exc:  # the unique constraint: the same plant, source and day twice
            from django.db import IntegrityError

            if not isinstance(exc, IntegrityError):
                raise
            raise TableRejected(
                [
                    RowError(
                        0,
                        "plant_code",
                        "",
                        "a disposal of this plant, source and day is recorded already",
                    )
                ]
            ) from None
        finish_import(
            kind,
            table.sha256,
            actor=actor,
            filename=table.filename,
            rows=len(parsed),
            created=len(objs),
            updated=0,
            object_type="waste.disposed",
            message=f"waste disposed: {len(parsed)} rows from {table.filename or 'data'}",
        )
    return WasteImportResult(kind, len(parsed), len(objs), 0, False, table.sha256)
