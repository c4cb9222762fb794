"""Changing the area tree: the demo city, a city from a file, one area's details."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from warroom.core.context import SYSTEM, acting
from warroom.core.errors import Conflict, InvalidInput
from warroom.core.imports import finish_import, previous_import
from warroom.geo.models import DEPTH, LEVEL_ORDER, Area
from warroom.tables import (
    Column,
    RowError,
    Table,
    TableRejected,
    bounded,
    choice,
    count,
    latitude,
    longitude,
    parse_rows,
)

AREA_COLUMNS: list[Column] = [
    Column("code", "编码", bounded(32), help="Stable unique code, e.g. the NBS division code"),
    Column("parent_code", "上级编码", bounded(32), required=False, help="Empty for the city"),
    Column(
        "level",
        "层级",
        choice(
            [str(lv) for lv in LEVEL_ORDER],
            aliases={
                "市": "city",
                "区": "district",
                "街道": "street",
                "社区": "community",
                "小区": "compound",
            },
        ),
        help="city / district / street / community / compound (市/区/街道/社区/小区)",
    ),
    Column("name_zh", "中文名称", bounded(128)),
    Column("name_en", "英文名称", bounded(128), required=False),
    Column("population", "人口", count, required=False),
    Column("lat", "纬度", latitude, required=False),
    Column("lon", "经度", longitude, required=False),
    Column(
        "kind", "类型", bounded(32), required=False, help="e.g. village, township, functional_zone"
    ),
]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str


@dataclass(frozen=True)
class _Row:
    code: str
    parent_code: str | None
    level: str
    name_zh: str
    name_en: str
    population: int | None
    lat: float | None
    lon: float | None
    kind: str
    synthetic: bool
    rownum: int
    # The optional facts the row gives; None: every field (the demo city). An import
    # changes only these on an existing area: an absent column or an empty cell keeps.
    given: frozenset[str] | None = None


def validate_tree(rows: Sequence[_Row], existing: dict[str, tuple[str, str, str | None]]) -> None:
    """Refuse the whole set with every problem: duplicates, unknown parents, cycles, levels.

    ``existing`` maps codes already in the database to (path, level, parent code).
    """
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for r in rows:
        if r.code in seen:
            errors.append(
                RowError(r.rownum, "code", r.code, f"duplicate code (also row {seen[r.code]})")
            )
        else:
            seen[r.code] = r.rownum
    by_code = {r.code: r for r in rows}
    for r in rows:
        if r.parent_code is None:
            if r.level != "city":
                errors.append(RowError(r.rownum, "parent_code", "", f"a {r.level} needs a parent"))
            continue
        if r.parent_code == r.code:
            errors.append(
                RowError(r.rownum, "parent_code", r.parent_code, "an area cannot be its own parent")
            )
            continue
        parent_level = (
            by_code[r.parent_code].level
            if r.parent_code in by_code
            else existing[r.parent_code][1]
            if r.parent_code in existing
            else None
        )
        if parent_level is None:
            errors.append(
                RowError(
                    r.rownum,
                    "parent_code",
                    r.parent_code,
                    "unknown parent: not in this file nor in the database",
                )
            )
            continue
        if DEPTH[r.level] != DEPTH[parent_level] + 1:
            errors.append(
                RowError(
                    r.rownum,
                    "level",
                    r.level,
                    f"wrong level order: a {r.level} cannot sit directly under a "
                    f"{parent_level} ({r.parent_code})",
                )
            )
        old = existing.get(r.code)
        if old is not None and (old[1] != r.level or old[2] != r.parent_code):
            errors.append(
                RowError(
                    r.rownum,
                    "parent_code",
                    r.parent_code or "",
                    f"area {r.code} exists under {old[2]} as {old[1]}; an import "
                    "does not move or re-level an area",
                )
            )
    # Cycles: follow parents inside the file; a chain that returns to itself is a cycle.
    for r in rows:
        slow: str | None = r.code
        steps = 0
        while slow is not None and slow in by_code and steps <= len(by_code):
            slow = by_code[slow].parent_code
            steps += 1
            if slow == r.code:
                errors.append(
                    RowError(
                        r.rownum,
                        "parent_code",
                        r.parent_code or "",
                        "cycle: this area is its own ancestor",
                    )
                )
                break
    if errors:
        raise TableRejected(errors)


def _order_parents_first(rows: Iterable[_Row], existing: set[str]) -> list[_Row]:
    pending = {r.code: r for r in rows}
    placed: set[str] = set(existing)
    ordered: list[_Row] = []
    while pending:
        ready = [r for r in pending.values() if r.parent_code is None or r.parent_code in placed]
        if not ready:  # validate_tree guarantees this cannot happen
            raise InvalidInput("the area tree could not be ordered (cycle)")
        for r in sorted(ready, key=lambda x: (DEPTH[x.level], x.code)):
            ordered.append(r)
            placed.add(r.code)
            del pending[r.code]
    return ordered


# What an area row always sets; its other facts (name_en, population, lat, lon, kind) only
# when the file gives them.
_ALWAYS = frozenset({"level", "name_zh", "synthetic"})
_OPTIONAL = ("name_en", "population", "lat", "lon", "kind")


def _write_tree(rows: Sequence[_Row]) -> tuple[int, int]:
    existing = (
        {
            a.code: a
            for a in Area.objects.filter(
                code__in=[r.code for r in rows] + [r.parent_code for r in rows if r.parent_code]
            )
        }
        if len(rows) < 5000
        else {a.code: a for a in Area.objects.all()}
    )
    roots = [r for r in rows if r.parent_code is None and r.code not in existing]
    if (
        roots
        and Area.objects.filter(parent__isnull=True)
        .exclude(code__in=[r.code for r in roots])
        .exists()
    ):
        raise Conflict("the database already holds another city; one instance serves one city")
    ordered = _order_parents_first(rows, set(existing))
    path_of = {code: a.path for code, a in existing.items()}
    id_of = {code: a.pk for code, a in existing.items()}
    to_create: list[Area] = []
    to_update: list[Area] = []
    for r in ordered:
        parent_path = path_of[r.parent_code] if r.parent_code else None
        path = Area.path_for(r.code, parent_path)
        path_of[r.code] = path
        fields = dict(
            level=r.level,
            kind=r.kind,
            name_zh=r.name_zh,
            name_en=r.name_en,
            population=r.population,
            lat=r.lat,
            lon=r.lon,
            synthetic=r.synthetic,
        )
        if r.code in existing:
            area = existing[r.code]
            if r.given is not None:
                fields = {k: v for k, v in fields.items() if k in _ALWAYS or k in r.given}
            if any(getattr(area, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(area, k, v)
                to_update.append(area)
        else:
            to_create.append(Area(code=r.code, path=path, depth=DEPTH[r.level], **fields))
    # Insert level by level so that parents have ids before their children need them.
    created = 0
    for depth in range(len(LEVEL_ORDER)):
        batch = [a for a in to_create if a.depth == depth]
        for a in batch:
            parent_code = a.path.strip("/").split("/")[-2] if a.depth else None
            a.parent_id = id_of[parent_code] if parent_code else None
        Area.objects.bulk_create(batch, batch_size=2000)
        if batch:
            for code, pk in Area.objects.filter(
                depth=depth, code__in=[a.code for a in batch]
            ).values_list("code", "pk"):
                id_of[code] = pk
        created += len(batch)
    if to_update:
        Area.objects.bulk_update(
            to_update,
            ["level", "kind", "name_zh", "name_en", "population", "lat", "lon", "synthetic"],
            batch_size=2000,
        )
    return created, len(to_update)


def _import_rows(
    rows: list[_Row], *, kind: str, sha256: str, filename: str, actor: Any
) -> ImportResult:
    with acting(actor), transaction.atomic():
        if previous_import(kind, sha256, actor=actor) is not None:
            return ImportResult(kind, len(rows), 0, 0, True, sha256)
        existing = {
            code: (path, level, parent)
            for code, path, level, parent in Area.objects.values_list(
                "code", "path", "level", "parent__code"
            )
        }
        validate_tree(rows, existing)
        created, updated = _write_tree(rows)
        root = Area.objects.filter(parent__isnull=True).values_list("path", flat=True).first() or ""
        finish_import(
            kind,
            sha256,
            actor=actor,
            filename=filename,
            rows=len(rows),
            created=created,
            updated=updated,
            object_type="geo.area",
            message=f"{kind}: {created} created, {updated} updated from {filename or 'data'}",
            details={"file": filename},
            area_path=root,
        )
    return ImportResult(kind, len(rows), created, updated, False, sha256)


def do_import_areas(table: Table, *, actor: Any) -> ImportResult:
    """Import a city's areas from a file (``code, parent_code, level, name_zh, ...``).

    All or nothing: any bad row refuses the whole file with a report. Idempotent: the same
    file twice adds nothing; a corrected file updates names, populations and locations.
    An existing area keeps every optional fact (``name_en``, ``population``, ``lat``,
    ``lon``, ``kind``) that the file does not give, by an absent column or an empty cell:
    an import never clears what it does not mention (edit the area to clear one).
    """
    parsed = parse_rows(table, AREA_COLUMNS)
    rows = [
        _Row(
            p["code"],
            p["parent_code"],
            p["level"],
            p["name_zh"],
            p["name_en"] or "",
            p["population"],
            p["lat"],
            p["lon"],
            p["kind"] or p["level"],
            False,
            p["_row"],
            frozenset(name for name in _OPTIONAL if p[name] is not None),
        )
        for p in parsed
    ]
    return _import_rows(
        rows, kind="areas", sha256=table.sha256, filename=table.filename, actor=actor
    )


def do_load_demo_city(*, actor: Any = SYSTEM, seed: int | None = None) -> ImportResult:
    """Load the demo city (real districts and streets, seeded synthetic layer below)."""
    from warroom.twin.city import DEFAULT_SEED, build_demo_city

    specs = build_demo_city(seed if seed is not None else DEFAULT_SEED)
    digest = hashlib.sha256(repr(specs).encode()).hexdigest()
    rows = [
        _Row(
            s.code,
            s.parent_code,
            s.level,
            s.name_zh,
            s.name_en,
            s.population,
            s.lat,
            s.lon,
            s.kind,
            s.synthetic,
            i + 2,
        )
        for i, s in enumerate(specs)
    ]
    return _import_rows(rows, kind="demo-city", sha256=digest, filename="demo city", actor=actor)
