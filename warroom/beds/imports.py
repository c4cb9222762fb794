"""Facilities, their beds and their occupancy from files; the demo facilities.

Every import reads through :mod:`warroom.tables`, validates the whole file first (every
bad cell named by row, column, value and reason), writes in one transaction, records an
:class:`~warroom.core.models.ImportBatch` (the same file twice adds nothing) and one
audit entry for the batch. A changed bed count is appended to the capacity history as an
opening or a closure; nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warroom.beds import selectors
from warroom.beds.models import (
    BED_TYPE_ORDER,
    KIND_BED_TYPES,
    BedReport,
    CapacityChange,
    Facility,
    FacilityKind,
    FacilityStatus,
)
from warroom.core.bulk import without_gc
from warroom.core.context import SYSTEM, acting, is_system
from warroom.core.errors import WarroomError
from warroom.core.imports import finish_import, previous_import
from warroom.core.today import today as platform_today
from warroom.geo.models import Area
from warroom.tables import (
    Column,
    RowError,
    Table,
    TableRejected,
    bounded,
    choice,
    count,
    date,
    latitude,
    longitude,
    parse_rows,
    text,
)
from warroom.twin.facilities import (
    REFERENCE_FILE,
    BedsSpec,
    District,
    FacilitySpec,
    demo_facility_specs,
)

KIND_ALIASES = {
    "定点医院": "DESIGNATED",
    "方舱医院": "SHELTER",
    "方舱": "SHELTER",
    "隔离点": "QUARANTINE",
    "集中隔离点": "QUARANTINE",
}
STATUS_ALIASES = {"筹备": "preparing", "开放": "open", "关闭中": "closing", "已关闭": "closed"}
BED_TYPE_ALIASES = {
    "重症监护": "ICU",
    "重症": "SEVERE",
    "普通": "GENERAL",
    "方舱": "SHELTER",
    "隔离": "QUARANTINE",
}
BED_COLUMNS = {
    "ICU": ("beds_icu", "ICU床位"),
    "SEVERE": ("beds_severe", "重症床位"),
    "GENERAL": ("beds_general", "普通床位"),
    "SHELTER": ("beds_shelter", "方舱床位"),
    "QUARANTINE": ("beds_quarantine", "隔离床位"),
}

FACILITY_COLUMNS: list[Column] = [
    Column("code", "编码", bounded(32), help="Stable unique code of the facility"),
    Column("name", "名称", bounded(200)),
    Column(
        "kind",
        "类型",
        choice(FacilityKind.values, aliases=KIND_ALIASES),
        help="DESIGNATED / SHELTER / QUARANTINE (定点医院/方舱医院/隔离点)",
    ),
    Column("area_code", "所在区划编码", text, help="The district (or street...) it stands in"),
    Column("operator", "运营单位", bounded(200), required=False),
    Column("lat", "纬度", latitude, required=False),
    Column("lon", "经度", longitude, required=False),
    Column("contact_name", "联系人", bounded(100), required=False),
    Column("contact_phone", "联系电话", bounded(32), required=False),
    Column(
        "status",
        "状态",
        choice(FacilityStatus.values, aliases=STATUS_ALIASES),
        required=False,
        help="preparing / open / closing / closed (筹备/开放/关闭中/已关闭)",
    ),
    Column("opened_on", "启用日期", date, required=False),
    Column("closed_on", "关闭日期", date, required=False),
    Column(
        "beds_from",
        "床位生效日期",
        date,
        required=False,
        help="The day the bed counts below hold from (default: the opening date)",
    ),
    *[
        Column(name, label, count, required=False, help=f"{bed_type} beds")
        for bed_type, (name, label) in BED_COLUMNS.items()
    ],
    Column("doctors", "医生数", count, required=False),
    Column("nurses", "护士数", count, required=False),
    Column("other_staff", "其他人员数", count, required=False),
    Column("notes", "备注", bounded(2000), required=False),
]

REPORT_COLUMNS: list[Column] = [
    Column("facility_code", "机构编码", text),
    Column("date", "日期", date),
    Column(
        "bed_type",
        "床位类型",
        choice(BED_TYPE_ORDER, aliases=BED_TYPE_ALIASES),
        help="ICU / SEVERE / GENERAL / SHELTER / QUARANTINE",
    ),
    Column("occupied", "占用床位", count),
    Column("free", "空余床位", count, required=False),
]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str
    changes: int = 0


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _visible_areas(actor: Any, codes: set[str]) -> dict[str, Area]:
    qs = Area.objects.restrict(actor, "change")
    return {a.code: a for a in qs.filter(code__in=codes)}


def _row_changes(
    rownum: int,
    parsed: dict[str, Any],
    kind: str,
    levels: Any,
    errors: list[RowError],
) -> list[BedsSpec]:
    """The capacity changes that bring a facility to the row's beds and closure.

    ``levels(day)`` gives the facility's beds per type on ``day`` under its history
    (empty for a new facility). A file imported again adds nothing; a corrected count
    adds the difference from the level on its effective day.
    """
    changes: list[BedsSpec] = []
    wanted = {t: parsed[BED_COLUMNS[t][0]] for t in BED_TYPE_ORDER}
    given = {t: n for t, n in wanted.items() if n is not None}
    for bed_type, n in given.items():
        if n and bed_type not in KIND_BED_TYPES[kind]:
            errors.append(
                RowError(
                    rownum,
                    BED_COLUMNS[bed_type][0],
                    str(n),
                    f"a {kind} facility has no {bed_type} beds "
                    f"(it has {', '.join(KIND_BED_TYPES[kind])})",
                )
            )
    effective = parsed["beds_from"] or parsed["opened_on"]
    if given and any(given.values()) and effective is None:
        errors.append(
            RowError(
                rownum, "beds_from", "", "beds given without a date: fill opened_on or beds_from"
            )
        )
        return []
    current = levels(effective) if effective is not None else {}
    final = dict(levels(None))
    for bed_type, n in given.items():
        delta = n - current.get(bed_type, 0)
        final[bed_type] = final.get(bed_type, 0) + delta
        if delta:
            changes.append(
                BedsSpec(bed_type, "opening" if delta > 0 else "closure", delta, effective)
            )
    closed = parsed["closed_on"]
    if closed is not None:
        if parsed["opened_on"] is not None and closed < parsed["opened_on"]:
            errors.append(RowError(rownum, "closed_on", str(closed), "closes before it opens"))
        elif effective is not None and closed < effective:
            errors.append(
                RowError(rownum, "closed_on", str(closed), "closes before its beds are open")
            )
        else:
            for bed_type in BED_TYPE_ORDER:
                level = final.get(bed_type, 0)
                if level > 0:
                    changes.append(BedsSpec(bed_type, "closure", -level, closed))
    return changes


def do_import_facilities(table: Table, *, actor: Any) -> ImportResult:
    """Import facilities and their beds (``code, name, kind, area_code, ..., beds_*``).

    New facilities are created; known ones (by code) get their details updated and the
    difference in beds appended to the history as an opening or a closure effective from
    ``beds_from`` (or the opening date). A ``closed_on`` closes every bed on that day.
    A known facility keeps every optional detail the file does not give (an absent
    column or an empty cell): an import never clears what it does not mention.
    """
    parsed = parse_rows(table, FACILITY_COLUMNS)
    with acting(actor), transaction.atomic():
        if previous_import("facilities", table.sha256, actor=actor) is not None:
            return ImportResult("facilities", len(parsed), 0, 0, True, table.sha256)
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        areas = _visible_areas(actor, {p["area_code"] for p in parsed if p["area_code"]})
        codes = [p["code"] for p in parsed if p["code"]]
        existing = {f.code: f for f in Facility.objects.filter(code__in=codes)}
        allowed = (
            set(existing)
            if is_system(actor)
            else set(
                Facility.objects.restrict(actor, "change")
                .filter(code__in=codes)
                .values_list("code", flat=True)
            )
        )
        ids = [f.pk for f in existing.values()]
        cache: dict[dt.date | None, dict[tuple[int, str], int]] = {}

        def level_map(day: dt.date | None) -> dict[tuple[int, str], int]:
            if day not in cache:
                cache[day] = selectors.capacity_on(day or dt.date.max, facility_ids=ids)
            return cache[day]

        specs: list[FacilitySpec] = []
        given: dict[str, frozenset[str]] = {}
        for p in parsed:
            rownum = p["_row"]
            if p["code"] in seen:
                errors.append(
                    RowError(
                        rownum, "code", p["code"], f"duplicate code (also row {seen[p['code']]})"
                    )
                )
                continue
            seen[p["code"]] = rownum
            if p["code"] in existing and p["code"] not in allowed:
                errors.append(RowError(rownum, "code", p["code"], "code already used"))
                continue
            if p["area_code"] not in areas:
                errors.append(
                    RowError(rownum, "area_code", p["area_code"], "unknown area (or not yours)")
                )
                continue
            old = existing.get(p["code"])
            if old is not None and old.kind != p["kind"]:
                errors.append(
                    RowError(
                        rownum,
                        "kind",
                        p["kind"],
                        f"facility {p['code']} is a {old.kind}; "
                        "an import does not change a facility's type",
                    )
                )
                continue

            def levels(day: dt.date | None, old: Facility | None = old) -> dict[str, int]:
                if old is None:
                    return {}
                found = level_map(day)
                return {t: found.get((old.pk, t), 0) for t in BED_TYPE_ORDER}

            changes = _row_changes(rownum, p, p["kind"], levels, errors)
            specs.append(
                FacilitySpec(
                    p["code"],
                    p["name"],
                    p["kind"],
                    p["area_code"],
                    p["lat"],
                    p["lon"],
                    p["opened_on"],
                    p["closed_on"],
                    False,
                    "",
                    p["notes"] or "",
                    p["operator"] or "",
                    changes,
                )
            )
            extra: dict[str, Any] = {
                "contact_name": p["contact_name"] or "",
                "contact_phone": p["contact_phone"] or "",
                "doctors": p["doctors"],
                "nurses": p["nurses"],
                "other_staff": p["other_staff"],
            }
            if p["status"]:
                extra["status"] = p["status"]
            specs[-1].extra = extra
            given[p["code"]] = frozenset(f for f in _OPTIONAL_FIELDS if p[f] is not None)
        if errors:
            raise TableRejected(errors)
        created, updated, n_changes = _write(specs, areas, existing, actor=actor, given=given)
        return _finish(
            "facilities",
            table.sha256,
            table.filename,
            len(parsed),
            created,
            updated,
            n_changes,
            actor,
        )


def _status_for(spec: FacilitySpec, today: dt.date) -> str:
    if spec.closed_on is not None and spec.closed_on <= today:
        return "closed"
    if spec.opened_on is not None and spec.opened_on <= today:
        return "open"
    return "preparing"


# A facility's details that a row may leave out: an existing facility keeps what the file
# does not give (an absent column or an empty cell); its name, type and area are required.
_OPTIONAL_FIELDS = (
    "operator",
    "lat",
    "lon",
    "contact_name",
    "contact_phone",
    "status",
    "opened_on",
    "closed_on",
    "notes",
    "doctors",
    "nurses",
    "other_staff",
)


def _kept(old: Facility, values: dict[str, Any], given: frozenset[str], today: dt.date) -> None:
    """Drop from ``values`` what an existing facility keeps: the details the row does not
    give, its provenance, and its status unless the row gives it or a date that moves it."""
    for name in _OPTIONAL_FIELDS:
        if name not in given:
            values.pop(name, None)
    values.pop("source", None)
    if "status" not in given:
        if given & {"opened_on", "closed_on"}:
            opened = values.get("opened_on", old.opened_on)
            closed = values.get("closed_on", old.closed_on)
            values["status"] = (
                "closed"
                if closed is not None and closed <= today
                else "open"
                if opened is not None and opened <= today
                else "preparing"
            )
        else:
            values.pop("status", None)


def _write(
    specs: list[FacilitySpec],
    areas: dict[str, Area],
    existing: dict[str, Facility],
    *,
    actor: Any,
    given: dict[str, frozenset[str]] | None = None,
) -> tuple[int, int, int]:
    today = platform_today()
    new: list[Facility] = []
    changed: list[Facility] = []
    fields = [
        "name",
        "operator",
        "area",
        "lat",
        "lon",
        "opened_on",
        "closed_on",
        "notes",
        "status",
        "contact_name",
        "contact_phone",
        "doctors",
        "nurses",
        "other_staff",
        "synthetic",
        "source",
    ]
    for spec in specs:
        values: dict[str, Any] = {
            "name": spec.name,
            "operator": spec.operator,
            "area": areas[spec.area_code],
            "lat": spec.lat,
            "lon": spec.lon,
            "opened_on": spec.opened_on,
            "closed_on": spec.closed_on,
            "notes": spec.notes,
            "status": _status_for(spec, today),
            "synthetic": spec.synthetic,
            "source": spec.source,
            **spec.extra,
        }
        old = existing.get(spec.code)
        if old is not None and given is not None and spec.code in given:
            _kept(old, values, given[spec.code], today)
        if old is None:
            new.append(Facility(code=spec.code, kind=spec.kind, **values))
        elif any(getattr(old, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(old, k, v)
            changed.append(old)
    Facility.objects.bulk_create(new, batch_size=1000)
    if changed:
        Facility.objects.bulk_update(changed, fields, batch_size=1000)
    ids = dict(Facility.objects.filter(code__in=[s.code for s in specs]).values_list("code", "pk"))
    rows = [
        CapacityChange(
            facility_id=ids[spec.code],
            bed_type=c.bed_type,
            kind=c.kind,
            delta=c.delta,
            effective=c.effective,
            note=c.note,
            actor=_actor_user(actor),
        )
        for spec in specs
        for c in spec.changes
    ]
    CapacityChange.objects.bulk_create(rows, batch_size=2000)
    return len(new), len(changed), len(rows)


def _finish(
    kind: str,
    sha256: str,
    filename: str,
    rows: int,
    created: int,
    updated: int,
    changes: int,
    actor: Any,
) -> ImportResult:
    finish_import(
        kind,
        sha256,
        actor=actor,
        filename=filename,
        rows=rows,
        created=created,
        updated=updated,
        object_type="beds.facility" if kind != "bed-reports" else "beds.bedreport",
        message=f"{kind}: {created} created, {updated} updated, {changes} capacity changes "
        f"from {filename or 'data'}",
        details={"changes": changes, "file": filename},
    )
    return ImportResult(kind, rows, created, updated, False, sha256, changes)


@without_gc
def do_import_bed_reports(table: Table, *, actor: Any) -> ImportResult:
    """Import occupancy reports (``facility_code, date, bed_type, occupied, free``).

    A row for a (facility, date, bed type) already reported replaces it (the latest report
    wins). Refused whole if any row reports more occupied beds than the facility has.
    """
    parsed = parse_rows(table, REPORT_COLUMNS)
    with acting(actor), transaction.atomic():
        if previous_import("bed-reports", table.sha256, actor=actor) is not None:
            return ImportResult("bed-reports", len(parsed), 0, 0, True, table.sha256)
        codes = {p["facility_code"] for p in parsed}
        qs = Facility.objects.restrict(actor, "change")
        facilities = {f.code: f for f in qs.filter(code__in=codes)}
        errors: list[RowError] = []
        seen: dict[tuple[str, dt.date, str], int] = {}
        days = {p["date"] for p in parsed if p["date"]}
        capacity = {
            day: selectors.capacity_on(day, facility_ids=[f.pk for f in facilities.values()])
            for day in days
        }
        today = platform_today()
        good: list[dict[str, Any]] = []
        for p in parsed:
            rownum = p["_row"]
            f = facilities.get(p["facility_code"])
            if f is None:
                errors.append(
                    RowError(
                        rownum,
                        "facility_code",
                        p["facility_code"],
                        "unknown facility (or not yours)",
                    )
                )
                continue
            if p["bed_type"] not in KIND_BED_TYPES[f.kind]:
                errors.append(
                    RowError(
                        rownum, "bed_type", p["bed_type"], f"{f.code} has no {p['bed_type']} beds"
                    )
                )
                continue
            if p["date"] > today:
                errors.append(RowError(rownum, "date", str(p["date"]), "in the future"))
                continue
            key = (f.code, p["date"], p["bed_type"])
            if key in seen:
                errors.append(
                    RowError(
                        rownum, "date", str(p["date"]), f"reported twice (also row {seen[key]})"
                    )
                )
                continue
            seen[key] = rownum
            cap = capacity[p["date"]].get((f.pk, p["bed_type"]), 0)
            if p["occupied"] > cap:
                errors.append(
                    RowError(
                        rownum,
                        "occupied",
                        str(p["occupied"]),
                        f"more than the {cap} {p['bed_type']} beds {f.code} has on {p['date']}",
                    )
                )
                continue
            if p["free"] is not None and p["free"] != cap - p["occupied"]:
                errors.append(
                    RowError(
                        rownum,
                        "free",
                        str(p["free"]),
                        f"occupied + free should be the {cap} beds {f.code} has on {p['date']}",
                    )
                )
                continue
            good.append({**p, "facility": f, "capacity": cap})
        if errors:
            raise TableRejected(errors)
        old = {
            (r.facility_id, r.date, r.bed_type): r
            for r in BedReport.objects.filter(facility__in=list(facilities.values()), date__in=days)
        }
        new, changed = [], []
        for g in good:
            values = {
                "occupied": g["occupied"],
                "free": g["capacity"] - g["occupied"],
                "capacity": g["capacity"],
                "source": "import",
                "reporter": _actor_user(actor),
            }
            report = old.get((g["facility"].pk, g["date"], g["bed_type"]))
            if report is None:
                new.append(
                    BedReport(
                        facility=g["facility"], date=g["date"], bed_type=g["bed_type"], **values
                    )
                )
            else:
                for k, v in values.items():
                    setattr(report, k, v)
                report.reported_at = timezone.now()
                changed.append(report)
        BedReport.objects.bulk_create(new, batch_size=2000)
        BedReport.objects.bulk_update(
            changed,
            ["occupied", "free", "capacity", "source", "reporter", "reported_at"],
            batch_size=2000,
        )
        return _finish(
            "bed-reports",
            table.sha256,
            table.filename,
            len(parsed),
            len(new),
            len(changed),
            0,
            actor,
        )


def demo_reference_file() -> Path:
    return Path(settings.REFERENCE_DATA_DIR) / REFERENCE_FILE


def do_load_demo_facilities(*, actor: Any = SYSTEM, scale: float = 1.0) -> ImportResult:
    """Load Wuhan's facilities (real where known, synthetic and marked so elsewhere).

    The twin's generator (``warroom.twin.facilities``): the twin simulates exactly these
    facilities, by the same codes. ``scale`` multiplies the beds, as the twin's
    ``--scale`` does. Needs the demo city's districts (``warroom areas load-demo``).
    Idempotent.
    """
    path = demo_reference_file()
    districts = [
        District(a.code, a.name_zh, a.name_en, a.population or 0, a.lat, a.lon)
        for a in Area.objects.filter(depth=1).order_by("code")
    ]
    if not districts:
        raise WarroomError("load the demo city first: `warroom areas load-demo`")
    try:
        specs = demo_facility_specs(districts, scale=scale, data_dir=path.parent)
    except ValueError as exc:
        raise WarroomError(f"demo facilities: {exc}") from None
    digest = hashlib.sha256(path.read_bytes() + repr(specs).encode()).hexdigest()
    with acting(actor), transaction.atomic():
        if previous_import("demo-facilities", digest, actor=actor) is not None:
            return ImportResult("demo-facilities", len(specs), 0, 0, True, digest)
        existing = {f.code: f for f in Facility.objects.filter(code__in=[s.code for s in specs])}
        if existing:
            raise WarroomError(
                f"{len(existing)} demo facility code(s) are taken by other facilities "
                f"(e.g. {next(iter(existing))}); the demo loads into an empty register"
            )
        areas = {a.code: a for a in Area.objects.filter(code__in={s.area_code for s in specs})}
        created, updated, changes = _write(specs, areas, {}, actor=actor)
        return _finish(
            "demo-facilities", digest, path.name, len(specs), created, updated, changes, actor
        )
