"""Hospitals, shelter hospitals and quarantine sites of the demo city, with their beds by
type and capacity history: ONE generator for the twin and the platform.

The platform's demo loads these facilities (``warroom.beds.imports.do_load_demo_facilities``,
codes ``D001``, ``S001``, ``I001``, ``Q001``...) and the twin simulates the same list
(:func:`build_facilities`: facility ``i`` of the twin is the ``i``-th spec and carries its
code), so a placement by facility code means the same beds on both sides.

Wuhan's real ones from ``wuhan_facilities.csv``, and a seeded synthetic layer for what only
aggregate figures describe (docs/beds.md says which is which). Real: the named
facilities, their beds and dates where the file gives them; the published totals
(Huoshenshan 1,000 and Leishenshan 1,600 beds; 16 shelter hospitals with 13,467 beds on
29 Feb 2020; designated hospitals 26,911 beds; isolation treatment points 11,172 beds; 132
mass quarantine sites with 12,571 beds around 4 Feb) and the seed's "130,000 usable beds
on 25 February". Synthetic (``synthetic=True`` or a note saying so): the facilities behind
the aggregate rows, the beds of named shelter hospitals whose figure is unknown
(apportioned from the aggregate), unknown dates, the split of hospital beds into ICU /
SEVERE / GENERAL, and locations (district centroids ± jitter).

The scenario's what-ifs act on the same list: ``scale`` multiplies every bed,
``shelter_delay_days`` opens the shelter hospitals later, ``extra_quarantine_beds`` adds
requisitioned quarantine sites (codes ``X001``...) after the demo's own.

Pure: reads the CSV and the districts it is given, returns specs; no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from warroom.analytics.vocabulary import BED_TYPES, BedType
from warroom.twin.city import DATA_DIR, AreaSpec, split_total

ICU, SEVERE_BED, GENERAL, SHELTER, QUARANTINE = (int(t) for t in BedType)
KINDS = ("DESIGNATED", "SHELTER", "QUARANTINE")
REFERENCE_FILE = "wuhan_facilities.csv"

D = dt.date
SEED = 20200204  # the day Huoshenshan opened

# Published totals (shared/data/README.md, wuhan_facilities.csv).
SHELTER_TOTAL = 13_467  # usable shelter beds on 2020-02-29 (16 hospitals)
SHELTER_COUNT = 16
DESIGNATED_TOTAL = 26_911  # designated hospital beds on 2020-02-29 (incl. HSS and LSS)
DESIGNATED_COUNT = 48
DESIGNATED_WAYPOINTS = ((D(2020, 2, 12), 12_000), (D(2020, 2, 17), 19_000))  # Xinhua, CGTN
ISOLATION_TOTAL = 11_172  # isolation treatment point beds on 2020-02-29
ISOLATION_COUNT = 30  # synthetic: how many points is not published here
QUARANTINE_EARLY_SITES = 132  # mass quarantine sites around 2020-02-04
QUARANTINE_EARLY_BEDS = 12_571
USABLE_TOTAL_0225 = 130_000  # the seed: usable beds on 2020-02-25 (no other source)
QUARANTINE_LATE_FIRST = D(2020, 2, 6)  # synthetic: batches every 3 days to 24 Feb
QUARANTINE_LATE_SITES = 74  # synthetic: brings the city to ~300 facilities (DESIGN §5 W1)

# Synthetic split of hospital beds by type (no per-type figures are published).
NAMED_HOSPITAL_MIX = {"ICU": 0.2, "SEVERE": 0.8}  # Huoshenshan, Leishenshan, Union: severe care
SYNTHETIC_HOSPITAL_MIX = {"ICU": 0.1, "SEVERE": 0.5, "GENERAL": 0.4}

# Where each named facility stands (from its name; the two Union campuses by address).
DISTRICT_BY_KEYWORD = (
    ("火神山", "420114"),
    ("雷神山", "420115"),
    ("江汉方舱", "420103"),
    ("武昌方舱", "420106"),
    ("武汉客厅", "420112"),
    ("青山方舱", "420107"),
    ("硚口方舱", "420104"),
    ("武汉体育中心", "420113"),
    ("沌口", "420113"),
    ("江夏方舱", "420115"),
    ("江岸方舱", "420102"),
    ("汉阳方舱", "420105"),
    ("黄陂方舱", "420116"),
    ("光谷", "420190"),
    ("蔡甸知音谷", "420114"),
    ("协和医院肿瘤中心", "420103"),  # assumption: Union Hospital's campus in Jianghan
    ("协和医院西院", "420113"),  # assumption: Union West campus, Development Zone
)

# Shelter hospitals: dates where the file has none (assumed, consistent with the
# published counts: 7 open on 12 Feb, 11 on 16 Feb, 16 by 20 Feb, all closed by 10 Mar).
SHELTER_ASSUMED_OPEN = {
    "武汉客厅": D(2020, 2, 5),  # "one of the first three"
    "青山方舱": D(2020, 2, 14),
    "沌口": D(2020, 2, 14),
    "江岸方舱": D(2020, 2, 12),  # "in operation by 2020-02-12"
    "汉阳方舱": D(2020, 2, 12),
    "黄陂方舱": D(2020, 2, 14),
    "光谷": D(2020, 2, 18),  # in the 2020-02-19 list
    "蔡甸知音谷": D(2020, 2, 18),
}
SHELTER_SYNTHETIC_OPEN = D(2020, 2, 20)
SHELTER_LAST_CLOSED = D(2020, 3, 10)
# Weights for apportioning the unknown shelter beds: the planned figures where published.
SHELTER_PLANNED = {"武汉客厅": 2000, "青山方舱": 300, "汉阳方舱": 1000, "光谷": 1000}
SHELTER_DEFAULT_WEIGHT = 700

ISOLATION_OPEN = D(2020, 2, 20)
QUARANTINE_EARLY_OPEN = D(2020, 2, 3)
DESIGNATED_SYNTHETIC_OPEN = D(2020, 1, 25)
DESIGNATED_STEPS = (D(2020, 1, 25), D(2020, 2, 15), D(2020, 2, 22))


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    population: int
    lat: float | None
    lon: float | None


@dataclass
class BedsSpec:
    bed_type: str
    kind: str  # opening | closure
    delta: int
    effective: dt.date
    note: str = ""


@dataclass
class FacilitySpec:
    code: str
    name: str
    kind: str  # DESIGNATED | SHELTER | QUARANTINE
    area_code: str
    lat: float | None
    lon: float | None
    opened_on: dt.date | None
    closed_on: dt.date | None
    synthetic: bool
    source: str = ""
    notes: str = ""
    operator: str = ""
    changes: list[BedsSpec] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def beds_on(self, day: dt.date, bed_type: str | None = None) -> int:
        return sum(
            c.delta
            for c in self.changes
            if c.effective <= day and (bed_type is None or c.bed_type == bed_type)
        )


def _rng(tag: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{SEED}:{tag}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _place(district: District, tag: str) -> tuple[float | None, float | None]:
    if district.lat is None or district.lon is None:
        return None, None
    rng = _rng(tag)
    return (
        round(district.lat + float(rng.uniform(-0.03, 0.03)), 5),
        round(district.lon + float(rng.uniform(-0.03, 0.03)), 5),
    )


def _typed(total: int, mix: dict[str, float]) -> list[tuple[str, int]]:
    parts = split_total(total, list(mix.values()))
    return [(t, n) for t, n in zip(mix, parts, strict=True) if n]


def _open_and_close(
    spec: FacilitySpec, beds: list[tuple[str, int]], opened: dt.date, note: str
) -> None:
    for bed_type, n in beds:
        spec.changes.append(BedsSpec(bed_type, "opening", n, opened, note))
        if spec.closed_on is not None:
            spec.changes.append(BedsSpec(bed_type, "closure", -n, spec.closed_on, note))


def _districts_for(count: int, districts: Sequence[District]) -> list[District]:
    """``count`` slots spread over districts by population, in a fixed order."""
    per = split_total(count, [d.population for d in districts])
    out: list[District] = []
    for d, n in zip(districts, per, strict=True):
        out.extend([d] * n)
    return out


def _date(raw: str) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw.strip() else None


def _keyword(name: str, table: object) -> str | None:
    for key in table if isinstance(table, dict) else ():
        if key in name:
            return key
    return None


def read_reference(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_demo_facilities(
    rows: list[dict[str, str]], districts: Sequence[District]
) -> list[FacilitySpec]:
    """Every demo facility with its capacity history (deterministic)."""
    by_code = {d.code: d for d in districts}
    ordered = sorted(districts, key=lambda d: d.code)
    if not ordered or any(d.population <= 0 for d in ordered):
        raise ValueError("the demo facilities need the city's districts with populations")
    specs: list[FacilitySpec] = []

    def district_of(name: str) -> District:
        for keyword, code in DISTRICT_BY_KEYWORD:
            if keyword in name and code in by_code:
                return by_code[code]
        raise ValueError(f"no district known for the facility {name!r}")

    named = [r for r in rows if not r["name"].startswith("AGGREGATE")]
    # --- designated: Huoshenshan, Leishenshan, the Union campuses (real beds) ---------
    hospitals = [r for r in named if r["type"] in ("temporary", "designated")]
    n = 0
    named_beds = 0
    for r in hospitals:
        n += 1
        d = district_of(r["name"])
        beds = int(r["beds"])
        named_beds += beds
        opened = _date(r["opened"]) or D(2020, 1, 29)  # Union West: "from ~2020-01-29"
        lat, lon = _place(d, r["name"])
        spec = FacilitySpec(
            f"D{n:03d}",
            r["name"],
            "DESIGNATED",
            d.code,
            lat,
            lon,
            opened,
            _date(r["closed"]),
            False,
            r["source"],
            r["notes"] + "\n[warroom] location: district centroid (approximate); "
            "ICU/SEVERE split synthetic (20/80)."
            + ("" if r["opened"] else " Opening date assumed from the notes."),
        )
        _open_and_close(spec, _typed(beds, NAMED_HOSPITAL_MIX), opened, "beds: real total")
        specs.append(spec)
    # Synthetic designated hospitals: the rest of the 48, reaching 12,000 by 12 Feb,
    # 19,000 by 17 Feb and 26,911 by 29 Feb (the published waypoints).
    synthetic_count = DESIGNATED_COUNT - len(hospitals)
    targets = [w for _, w in DESIGNATED_WAYPOINTS] + [DESIGNATED_TOTAL]
    steps = [targets[0] - named_beds] + [b - a for a, b in itertools.pairwise(targets)]
    slots = _districts_for(synthetic_count, ordered)
    per_step = [split_total(total, [1.0] * synthetic_count) for total in steps]
    for i, d in enumerate(slots):
        n += 1
        lat, lon = _place(d, f"D{n}")
        spec = FacilitySpec(
            f"D{n:03d}",
            f"{d.name_zh}定点医院{i + 1:02d}号（合成）",
            "DESIGNATED",
            d.code,
            lat,
            lon,
            DESIGNATED_SYNTHETIC_OPEN,
            None,
            True,
            "synthetic: apportioned from the designated-hospital aggregates",
            "[warroom] synthetic facility standing for part of the aggregate "
            "'designated hospitals (48) + expanded beds' (26,911 beds on 2020-02-29).",
        )
        for day, parts in zip(DESIGNATED_STEPS, per_step, strict=True):
            for bed_type, beds in _typed(parts[i], SYNTHETIC_HOSPITAL_MIX):
                spec.changes.append(BedsSpec(bed_type, "opening", beds, day, "synthetic"))
        specs.append(spec)
    # --- shelter hospitals -------------------------------------------------------------
    shelters = [r for r in named if r["type"] == "shelter"]
    known = sum(int(r["beds"]) for r in shelters if r["beds"])
    unknown = [r for r in shelters if not r["beds"]]
    extra = SHELTER_COUNT - len(shelters)
    weights = [
        SHELTER_PLANNED.get(_keyword(r["name"], SHELTER_PLANNED) or "", SHELTER_DEFAULT_WEIGHT)
        for r in unknown
    ] + [SHELTER_DEFAULT_WEIGHT] * extra
    apportioned = split_total(SHELTER_TOTAL - known, weights)
    share = dict(zip([r["name"] for r in unknown], apportioned, strict=False))
    for k, r in enumerate(shelters, start=1):
        d = district_of(r["name"])
        key = _keyword(r["name"], SHELTER_ASSUMED_OPEN)
        opened = _date(r["opened"]) or SHELTER_ASSUMED_OPEN[key or ""]
        closed = _date(r["closed"]) or SHELTER_LAST_CLOSED
        real_beds = bool(r["beds"])
        beds = int(r["beds"]) if real_beds else share[r["name"]]
        lat, lon = _place(d, r["name"])
        assumed = []
        if not real_beds:
            assumed.append("beds apportioned from the 13,467 aggregate (synthetic)")
        if not r["opened"]:
            assumed.append("opening date assumed")
        if not r["closed"]:
            assumed.append("closing date assumed (all closed by 2020-03-10)")
        spec = FacilitySpec(
            f"S{k:03d}",
            r["name"],
            "SHELTER",
            d.code,
            lat,
            lon,
            opened,
            closed,
            False,
            r["source"],
            (r["notes"] + "\n" if r["notes"] else "")
            + "[warroom] location: district centroid (approximate)"
            + ("; " + "; ".join(assumed) if assumed else "")
            + ".",
        )
        _open_and_close(
            spec, [("SHELTER", beds)], opened, "beds: real" if real_beds else "synthetic"
        )
        specs.append(spec)
    for j, d in enumerate(_districts_for(extra, ordered)):
        k = len(shelters) + j + 1
        lat, lon = _place(d, f"S{k}")
        spec = FacilitySpec(
            f"S{k:03d}",
            f"{d.name_zh}方舱医院{j + 1:02d}号（合成）",
            "SHELTER",
            d.code,
            lat,
            lon,
            SHELTER_SYNTHETIC_OPEN,
            SHELTER_LAST_CLOSED,
            True,
            "synthetic: one of the 16 shelter hospitals no list here names",
            "[warroom] synthetic facility; beds apportioned from the 13,467 aggregate.",
        )
        _open_and_close(
            spec, [("SHELTER", apportioned[len(unknown) + j])], SHELTER_SYNTHETIC_OPEN, "synthetic"
        )
        specs.append(spec)
    # --- isolation treatment points and quarantine sites (all synthetic) ---------------
    groups = (
        (
            "I",
            "隔离治疗点",
            ISOLATION_COUNT,
            ISOLATION_TOTAL,
            [ISOLATION_OPEN],
            "isolation treatment points (11,172 beds on 2020-02-29)",
        ),
        (
            "Q",
            "集中隔离点",
            QUARANTINE_EARLY_SITES,
            QUARANTINE_EARLY_BEDS,
            [QUARANTINE_EARLY_OPEN],
            "132 mass quarantine sites (12,571 beds, ~2020-02-04)",
        ),
    )
    for prefix, label, count, total, days, what in groups:
        parts = split_total(total, [1.0] * count)
        for i, d in enumerate(_districts_for(count, ordered)):
            specs.append(_quarantine(prefix, i + 1, label, d, parts[i], days[0], what))
    before = sum(s.beds_on(D(2020, 2, 25)) for s in specs)
    late = USABLE_TOTAL_0225 - before
    parts = split_total(late, [1.0] * QUARANTINE_LATE_SITES)
    for i, d in enumerate(_districts_for(QUARANTINE_LATE_SITES, ordered)):
        # requisitioned in 3-day batches from the start of centralised isolation (6 Feb)
        opened = QUARANTINE_LATE_FIRST + dt.timedelta(days=3 * (i % 7))
        specs.append(
            _quarantine(
                "Q",
                QUARANTINE_EARLY_SITES + i + 1,
                "集中隔离点",
                d,
                parts[i],
                opened,
                "the quarantine sites that brought the city to ~130,000 usable beds "
                "on 2020-02-25 (seed)",
            )
        )
    return specs


def _quarantine(
    prefix: str, k: int, label: str, d: District, beds: int, opened: dt.date, what: str
) -> FacilitySpec:
    lat, lon = _place(d, f"{prefix}{k}")
    spec = FacilitySpec(
        f"{prefix}{k:03d}",
        f"{d.name_zh}{label}{k:03d}号（合成）",
        "QUARANTINE",
        d.code,
        lat,
        lon,
        opened,
        None,
        True,
        "synthetic",
        f"[warroom] synthetic facility standing for part of: {what}.",
    )
    spec.changes.append(BedsSpec("QUARANTINE", "opening", beds, opened, "synthetic"))
    return spec


# --- the scenario's what-ifs, and the twin's view ------------------------------------------


def districts_of(areas: Sequence[AreaSpec]) -> list[District]:
    """The districts of an area tree (``twin.city.build_demo_city``), in code order."""
    return sorted(
        (
            District(a.code, a.name_zh, a.name_en, a.population, a.lat, a.lon)
            for a in areas
            if a.level == "district"
        ),
        key=lambda d: d.code,
    )


def demo_facility_specs(
    districts: Sequence[District],
    *,
    scale: float = 1.0,
    shelter_delay_days: int = 0,
    extra_quarantine_beds: int = 0,
    data_dir: Path = DATA_DIR,
) -> list[FacilitySpec]:
    """The demo facilities with the scenario's what-ifs applied (see the module docstring).

    ``scale`` multiplies every opening and closing (rounded, so a closure removes exactly
    what the opening added). Deterministic.
    """
    specs = build_demo_facilities(read_reference(data_dir / REFERENCE_FILE), districts)
    if extra_quarantine_beds > 0:
        ordered = sorted(districts, key=lambda d: d.code)
        n = max(1, extra_quarantine_beds // 1200)
        parts = split_total(extra_quarantine_beds, [1.0] * n)
        for i, d in enumerate(_districts_for(n, ordered)):
            opened = D(2020, 2, 6) + dt.timedelta(days=3 * (i * 7 // n))
            spec = _quarantine(
                "X",
                i + 1,
                "征用隔离点",
                d,
                parts[i],
                opened,
                "the scenario's extra quarantine rooms (beds.extra_quarantine_beds)",
            )
            specs.append(spec)
    delay = dt.timedelta(days=shelter_delay_days)
    out = []
    for spec in specs:
        changes = []
        for c in spec.changes:
            delta = round(c.delta * scale)
            effective = c.effective
            if spec.kind == "SHELTER" and c.kind == "opening":
                effective = effective + delay
            if delta:
                changes.append(replace(c, delta=delta, effective=effective))
        opened_on = spec.opened_on
        if spec.kind == "SHELTER" and opened_on is not None:
            opened_on = opened_on + delay
        out.append(replace(spec, changes=changes, opened_on=opened_on))
    return out


@dataclass(frozen=True)
class Facility:
    """One facility as the twin simulates it: ``facility_id`` is its index, ``code`` the
    platform's; ``beds`` its largest capacity by :data:`BED_TYPES`; ``changes`` its
    capacity history as (date, bed type index, change in beds)."""

    facility_id: int
    code: str
    name: str
    kind: str  # DESIGNATED, SHELTER or QUARANTINE
    district_code: str
    lat: float
    lon: float
    opened: dt.date
    closed: dt.date | None
    beds: tuple[int, int, int, int, int]
    synthetic: bool
    source: str
    changes: tuple[tuple[dt.date, int, int], ...] = ()


@dataclass(frozen=True)
class CapacityChange:
    """One entry of the capacity history (DESIGN §3.3: kept, not overwritten)."""

    date: dt.date
    facility_id: int
    bed_type: str
    beds: int  # capacity from this date on


def build_facilities(
    districts: Sequence[District],
    *,
    scale: float = 1.0,
    extra_quarantine_beds: int = 0,
    shelter_delay_days: int = 0,
    data_dir: Path = DATA_DIR,
) -> list[Facility]:
    """The twin's facilities: :func:`demo_facility_specs`, one :class:`Facility` each."""
    specs = demo_facility_specs(
        districts,
        scale=scale,
        shelter_delay_days=shelter_delay_days,
        extra_quarantine_beds=extra_quarantine_beds,
        data_dir=data_dir,
    )
    centre = {d.code: (d.lat or 0.0, d.lon or 0.0) for d in districts}
    out = []
    for i, s in enumerate(specs):
        changes = tuple(
            sorted((c.effective, BED_TYPES.index(c.bed_type), c.delta) for c in s.changes)
        )
        peak = np.zeros(len(BED_TYPES), dtype=np.int64)
        level = np.zeros(len(BED_TYPES), dtype=np.int64)
        for _, t, delta in changes:
            level[t] += delta
            peak[t] = max(peak[t], level[t])
        lat, lon = (
            (s.lat, s.lon) if s.lat is not None and s.lon is not None else centre[s.area_code]
        )
        out.append(
            Facility(
                i,
                s.code,
                s.name,
                s.kind,
                s.area_code,
                float(lat),
                float(lon),
                s.opened_on or (changes[0][0] if changes else D(2020, 1, 1)),
                s.closed_on,
                (int(peak[0]), int(peak[1]), int(peak[2]), int(peak[3]), int(peak[4])),
                s.synthetic,
                s.source,
                changes,
            )
        )
    return out


def capacity_history(facilities: list[Facility]) -> list[CapacityChange]:
    """Openings, expansions and closings as a dated history, in date order."""
    out = []
    for f in facilities:
        level = [0] * len(BED_TYPES)
        for day, t, delta in f.changes:
            level[t] += delta
            out.append(CapacityChange(day, f.facility_id, BED_TYPES[t], level[t]))
    return sorted(out, key=lambda c: (c.date, c.facility_id, c.bed_type))


def capacity_on(facilities: list[Facility], day: dt.date) -> np.ndarray:
    """Beds by type of every facility on ``day``, shape (n_facilities, 5)."""
    cap = np.zeros((len(facilities), len(BED_TYPES)), dtype=np.int64)
    for f in facilities:
        for effective, t, delta in f.changes:
            if effective <= day:
                cap[f.facility_id, t] += delta
    return cap
