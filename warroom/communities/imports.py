"""The day's inspection sheets in bulk: a file (CSV/Excel, UTF-8 or GBK) of inspections.

One row per inspection of a compound: its code, the date, the checklist kind, the items
that failed (every other item of the active checklist passed), who rectifies them and by
when. Every row is held to the rules of a single inspection
(:func:`warroom.communities.services.area_problem` and
:func:`~warroom.communities.services.inspection_problems`, which the form and the API
apply too); a file with any bad row is refused whole with every problem as row, column,
value, reason. Then the inspections and their item results are written in bulk, each
failed item opens its rectification task as a form's would, an ``ImportBatch`` (the
file's SHA-256) makes the same file twice add nothing, and one audit entry logs the batch.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warroom.communities.models import (
    Checklist,
    ChecklistItem,
    ChecklistKind,
    Inspection,
    InspectionResult,
)
from warroom.communities.services import (
    DEFAULT_DEADLINE_DAYS,
    ItemResult,
    area_problem,
    check_inspector,
    checklist_in_use,
    inspection_problems,
    open_rectification,
)
from warroom.core.bulk import chunks, insert_rows_returning_ids, insert_tuples
from warroom.core.context import acting
from warroom.core.imports import finish_import, import_progress, previous_import
from warroom.core.today import today as platform_today
from warroom.core.users import unknown_user, users_named
from warroom.geo.models import Area
from warroom.tables import (
    Cell,
    Column,
    RowError,
    Table,
    TableRejected,
    bounded,
    date,
    parse_rows,
)

KIND = "communities-inspections"

_KIND_ALIASES = {
    "六个到位": str(ChecklistKind.SIX_IN_PLACE),
    "四严": str(ChecklistKind.FOUR_STRICT),
}
_ITEM_SEPARATORS = re.compile(r"[;；,，]")


def checklist_kind(cell: Cell) -> str:
    """``six_in_place`` / ``four_strict`` or their Chinese names; anything else is kept
    as written, for the inspection rules to refuse by name."""
    raw = str(cell).strip()
    return _KIND_ALIASES.get(raw, raw.lower())


def item_codes(cell: Cell) -> tuple[str, ...]:
    """Item codes separated by ``;``, ``；`` or ``,`` (duplicates dropped, order kept)."""
    codes = [c.strip() for c in _ITEM_SEPARATORS.split(str(cell))]
    return tuple(dict.fromkeys(c for c in codes if c))


def area_code(cell: Cell) -> str:
    """An area code; a spreadsheet may hold it as a number (``990101001001001.0``)."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return bounded(32)(cell)


INSPECTION_COLUMNS: list[Column] = [
    Column("area_code", "区域编码", area_code, help="the code of the inspected compound"),
    Column("date", "检查日期", date, help="YYYY-MM-DD, not in the future"),
    Column(
        "kind",
        "检查类型",
        checklist_kind,
        required=False,
        help="six_in_place (六个到位, default) / four_strict (四严)",
    ),
    Column(
        "failed_items",
        "未通过项",
        item_codes,
        required=False,
        help="item codes of the checklist that failed, separated by ; or , "
        "(empty: every item passed)",
    ),
    Column(
        "owner",
        "整改责任人",
        bounded(150),
        required=False,
        help="username of who rectifies the failed items (required when an item failed)",
    ),
    Column(
        "deadline",
        "整改期限",
        date,
        required=False,
        help="rectification deadline, YYYY-MM-DD (default: 3 days after the inspection)",
    ),
    Column("note", "备注", bounded(1000), required=False),
]

# The column of the file that each rule of an inspection concerns.
_COLUMN_OF = {
    "area": "area_code",
    "kind": "kind",
    "date": "date",
    "results": "failed_items",
    "owner": "owner",
    "deadline": "deadline",
}
_INSPECTION_FIELDS = [
    "area",
    "checklist",
    "kind",
    "date",
    "inspector",
    "inspector_level",
    "passed",
    "note",
    "created_at",
]


@dataclass(frozen=True)
class InspectionImportResult:
    kind: str
    rows: int
    inspections: int
    tasks: int
    duplicate: bool
    sha256: str


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _checklists(kinds: set[str]) -> dict[str, tuple[Checklist, list[ChecklistItem]]]:
    """The active checklist of each kind named in the file, with its items in order."""
    found: dict[str, tuple[Checklist, list[ChecklistItem]]] = {}
    for kind in kinds & set(ChecklistKind.values):
        checklist = checklist_in_use(kind)
        if checklist is not None:
            found[kind] = (checklist, list(checklist.items.order_by("order")))
    return found


def do_import_inspections(
    table: Table, *, actor: Any, sha256: str | None = None
) -> InspectionImportResult:
    """Import a file of inspections (one row per compound, date and kind). All or nothing;
    idempotent by the file's SHA-256 (or ``sha256``, an API batch's key).

    Refused whole (``Forbidden``) when the actor may not inspect; row by row
    (:class:`~warroom.tables.TableRejected`) for every rule of an inspection, an
    inspection repeated within the file, or one already recorded for the same compound,
    date and kind.
    """
    digest = sha256 or table.sha256
    check_inspector(actor)
    parsed = parse_rows(table, INSPECTION_COLUMNS)
    progress = import_progress("inspections", len(parsed))
    with acting(actor), transaction.atomic():
        if previous_import(KIND, digest, actor=actor) is not None:
            return InspectionImportResult(KIND, len(parsed), 0, 0, True, digest)
        today = platform_today()
        for p in parsed:
            p["kind"] = p["kind"] or str(ChecklistKind.SIX_IN_PLACE)
            p["failed_items"] = p["failed_items"] or ()
        codes = sorted({p["area_code"] for p in parsed})
        areas: dict[str, Area] = {}
        for chunk in chunks(codes):
            areas |= {a.code: a for a in Area.objects.filter(code__in=chunk)}
        parents: set[int] = set()
        ids = sorted(a.pk for a in areas.values())
        for chunk in chunks(ids):
            parents |= set(
                Area.objects.filter(parent_id__in=chunk).values_list("parent_id", flat=True)
            )
        checklists = _checklists({p["kind"] for p in parsed})
        owners = users_named(actor, (p["owner"] for p in parsed if p["owner"]))
        existing: set[tuple[int, dt.date, str]] = set()
        dates = sorted({p["date"] for p in parsed})
        for chunk in chunks(ids):
            existing |= set(
                Inspection.objects.filter(area_id__in=chunk, date__in=dates).values_list(
                    "area_id", "date", "kind"
                )
            )
        errors: list[RowError] = []
        seen: dict[tuple[int, dt.date, str], int] = {}
        rows: list[tuple[dict[str, Any], Area, Any]] = []
        tell_at = progress.due
        for done, p in enumerate(parsed):
            if done == tell_at:  # once per chunk of rows
                progress.rows(done)
                tell_at = progress.due
            row, code = p["_row"], p["area_code"]
            area: Area | None = areas.get(code)
            problem = area_problem(
                actor, area, has_children=area is not None and area.pk in parents
            )
            if problem is not None:
                errors.append(RowError(row, "area_code", code, problem.message))
                area = None
            owner = owners.get(p["owner"]) if p["owner"] else None
            if p["owner"] and owner is None:
                errors.append(RowError(row, "owner", p["owner"], unknown_user(p["owner"])))
            checklist = checklists.get(p["kind"])
            items = checklist[1] if checklist else None
            results = {i.code: ItemResult(i.code not in p["failed_items"]) for i in items or ()}
            results |= {c: ItemResult(False) for c in p["failed_items"] if c not in results}
            for found in inspection_problems(
                kind=p["kind"],
                date=p["date"],
                items=items,
                results=results,
                owner=owner,
                deadline=p["deadline"],
                area=area,
                today=today,
            ):
                if found.field == "owner" and p["owner"] and owner is None:
                    continue  # the unknown owner is reported already
                column = _COLUMN_OF[found.field]
                errors.append(RowError(row, column, _shown(p[column]), found.message))
            if area is None:
                continue
            key = (area.pk, p["date"], p["kind"])
            if key in seen:
                errors.append(
                    RowError(
                        row,
                        "area_code",
                        code,
                        _("The same compound, date and kind as row %(row)s.") % {"row": seen[key]},
                    )
                )
            elif key in existing:
                errors.append(
                    RowError(
                        row,
                        "area_code",
                        code,
                        _(
                            "This compound already has an inspection of this kind on this "
                            "date (recorded or imported before)."
                        ),
                    )
                )
            seen.setdefault(key, row)
            rows.append((p, area, owner))
        if errors:
            raise TableRejected(errors[:200], total=len(errors))
        inspections, tasks = _write(rows, checklists, actor)
        progress.rows(len(parsed), final=True)
        finish_import(
            KIND,
            digest,
            actor=actor,
            filename=table.filename,
            rows=len(parsed),
            created=inspections,
            updated=0,
            object_type="communities.inspection",
            message=f"{KIND}: {inspections} inspections, {tasks} rectification tasks "
            f"from {table.filename or 'data'}",
            details={"inspections": inspections, "tasks": tasks},
        )
    return InspectionImportResult(KIND, len(parsed), inspections, tasks, False, digest)


def _write(
    rows: list[tuple[dict[str, Any], Area, Any]],
    checklists: dict[str, tuple[Checklist, list[ChecklistItem]]],
    actor: Any,
) -> tuple[int, int]:
    """Insert the inspections and their results in bulk; open a task per failed item."""
    now = timezone.now()
    level = actor.area.level
    inspections = [
        Inspection(
            area_id=area.pk,
            checklist_id=checklists[p["kind"]][0].pk,
            kind=p["kind"],
            date=p["date"],
            inspector_id=actor.pk,
            inspector_level=level,
            passed=not p["failed_items"],
            note=p["note"] or "",
            created_at=now,
        )
        for p, area, _owner in rows
    ]
    insert_rows_returning_ids(Inspection, inspections, _INSPECTION_FIELDS)
    passed: list[tuple[int, int, bool, str]] = []
    failed: list[tuple[InspectionResult, ChecklistItem, dict[str, Any], Area, Any]] = []
    for inspection, (p, area, owner) in zip(inspections, rows, strict=True):
        for item in checklists[p["kind"]][1]:
            if item.code in p["failed_items"]:
                result = InspectionResult(inspection=inspection, item=item, passed=False)
                failed.append((result, item, p, area, owner))
            else:
                passed.append((inspection.pk, item.pk, True, ""))
    insert_tuples(InspectionResult, ("inspection", "item", "passed", "note"), passed)
    insert_rows_returning_ids(
        InspectionResult, [f[0] for f in failed], ["inspection", "item", "passed", "note"]
    )
    for result, item, p, area, owner in failed:
        open_rectification(
            result,
            item,
            area=area,
            date=p["date"],
            owner=owner,
            deadline=p["deadline"] or p["date"] + dt.timedelta(days=DEFAULT_DEADLINE_DAYS),
            actor=actor,
        )
    return len(inspections), len(failed)


# --- closure statuses in bulk ----------------------------------------------------------

CLOSURE_KIND = "communities-closures"
_CLOSURE_ALIASES = {
    "开放": "open",
    "封闭": "closed",
    "封闭管理": "closed",
    "硬隔离": "sealed",
    "封控": "sealed",
}


def closure_status(cell: Cell) -> str:
    raw = str(cell).strip()
    return _CLOSURE_ALIASES.get(raw, raw.lower())


CLOSURE_COLUMNS: list[Column] = [
    Column("area_code", "区域编码", area_code, help="the code of the compound"),
    Column(
        "status",
        "封闭状态",
        closure_status,
        help="open (开放) / closed (封闭管理) / sealed (硬隔离)",
    ),
    Column("date", "日期", date, help="YYYY-MM-DD the status holds from, not in the future"),
    Column("note", "备注", bounded(1000), required=False),
]


@dataclass(frozen=True)
class ClosureImportResult:
    kind: str
    rows: int
    created: int
    duplicate: bool
    sha256: str


def do_import_closures(
    table: Table, *, actor: Any, sha256: str | None = None
) -> ClosureImportResult:
    """Import the closure status of many compounds at once (a street's or a district's
    roll-out of 全部封闭管理). All or nothing; idempotent by the file's SHA-256. Each row
    is held to the rules of :func:`~warroom.communities.services.do_set_closure`: a compound
    in the actor's jurisdiction, a known status, a date not in the future; a compound twice
    on one date is refused."""
    from warroom.communities.models import Closure, ClosureStatus
    from warroom.core.permits import area_refusal
    from warroom.core.today import today

    digest = sha256 or table.sha256
    parsed = parse_rows(table, CLOSURE_COLUMNS)
    with acting(actor), transaction.atomic():
        if previous_import(CLOSURE_KIND, digest, actor=actor) is not None:
            return ClosureImportResult(CLOSURE_KIND, len(parsed), 0, True, digest)
        codes = sorted({p["area_code"] for p in parsed})
        areas: dict[str, Area] = {}
        for chunk in chunks(codes):
            areas |= {a.code: a for a in Area.objects.filter(code__in=chunk)}
        errors: list[RowError] = []
        seen: dict[tuple[str, dt.date], int] = {}
        rows: list[ClosureStatus] = []
        tz = timezone.get_current_timezone()
        for p in parsed:
            row, code = p["_row"], p["area_code"]
            area = areas.get(code)
            problem = area_refusal(actor, area) if area is not None else None
            if area is None or problem == "not_found":
                errors.append(
                    RowError(row, "area_code", code, _("No such area in your jurisdiction."))
                )
            elif problem:
                errors.append(RowError(row, "area_code", code, problem))
            elif area.level != "compound":
                errors.append(
                    RowError(row, "area_code", code, _("Closure is recorded for compounds."))
                )
            if p["status"] not in Closure.values:
                errors.append(
                    RowError(
                        row,
                        "status",
                        p["status"],
                        _("Unknown closure status %(s)s.") % {"s": p["status"]},
                    )
                )
            if p["date"] > today():
                errors.append(
                    RowError(row, "date", p["date"].isoformat(), _("The date is in the future."))
                )
            key = (code, p["date"])
            if key in seen:
                errors.append(
                    RowError(
                        row,
                        "area_code",
                        code,
                        _("The same compound and date as row %(row)s.") % {"row": seen[key]},
                    )
                )
            seen.setdefault(key, row)
            if area is not None:
                rows.append(
                    ClosureStatus(
                        area=area,
                        status=p["status"],
                        since=dt.datetime.combine(p["date"], dt.time(0, 0), tzinfo=tz),
                        note=p["note"] or "",
                        set_by=None if not getattr(actor, "pk", None) else actor,
                    )
                )
        if errors:
            raise TableRejected(errors[:200], total=len(errors))
        ClosureStatus.objects.bulk_create(rows)
        finish_import(
            CLOSURE_KIND,
            digest,
            actor=actor,
            filename=table.filename,
            rows=len(parsed),
            created=len(rows),
            updated=0,
            object_type="communities.closurestatus",
            message=f"{CLOSURE_KIND}: {len(rows)} closure statuses from {table.filename or 'data'}",
        )
    return ClosureImportResult(CLOSURE_KIND, len(parsed), len(rows), False, digest)
