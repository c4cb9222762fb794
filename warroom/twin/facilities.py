"""Hospitals, shelter hospitals and quarantine sites of the demo city, with their beds by type.

Real where ``warroom/geo/data/wuhan_facilities.csv`` gives it (names, beds, opening and
closing dates); the ``AGGREGATE:`` rows are split into synthetic facilities (marked
``synthetic=True``) so that the totals match the aggregates:

- designated hospitals: 26,911 beds on 2020-02-29 (the 48-hospital row; it includes
  Huoshenshan, Leishenshan and the Union Hospital campuses, which are listed by name);
- shelter hospitals: 13,467 beds in 16 (the named ones with beds keep them; the named
  ones without share the rest, their beds marked synthetic);
- isolation treatment points 11,172 beds and the 132 mass quarantine sites 12,571 beds,
  both as ``QUARANTINE`` rooms;
- ``extra_quarantine_beds`` (a scenario key): the quarantine rooms (hotels, schools,
  training centres) that the seed's 130,000 usable beds on 2020-02-25 include and the
  facilities file does not itemise; synthetic sites.

Bed types split by facility kind (assumptions): a designated hospital 6 % ICU, 64 %
SEVERE, 30 % GENERAL; Huoshenshan/Leishenshan 10 % ICU, 90 % SEVERE; a shelter hospital
all SHELTER; a quarantine site all QUARANTINE. Synthetic opening dates follow the
response's "10,000 beds every three days" rhythm (seed): batches every 3 days.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from warroom.twin.city import DATA_DIR, split_total

BED_TYPES = ("ICU", "SEVERE", "GENERAL", "SHELTER", "QUARANTINE")
ICU, SEVERE_BED, GENERAL, SHELTER, QUARANTINE = range(5)
KINDS = ("DESIGNATED", "SHELTER", "QUARANTINE")

_DESIGNATED_SPLIT = (0.06, 0.64, 0.30, 0.0, 0.0)  # assumption
_FIELD_HOSPITAL_SPLIT = (0.10, 0.90, 0.0, 0.0, 0.0)  # assumption (Huoshenshan, Leishenshan)
_UNION_SPLIT = (0.05, 0.60, 0.35, 0.0, 0.0)  # assumption

# District of each named facility (from the name's own district note).
_NAMED_DISTRICT = {
    "火神山": "420114",
    "雷神山": "420115",
    "江汉方舱": "420103",
    "武昌方舱": "420106",
    "武汉客厅": "420112",
    "青山方舱": "420107",
    "硚口方舱": "420104",
    "武汉体育中心": "420113",
    "沌口方舱": "420113",
    "江夏方舱": "420115",
    "江岸方舱": "420102",
    "汉阳方舱": "420105",
    "黄陂方舱": "420116",
    "光谷科技": "420190",
    "蔡甸知音谷": "420114",
    "协和医院肿瘤": "420190",
    "协和医院西院": "420113",
}


@dataclass(frozen=True)
class Facility:
    """One treatment or quarantine facility; ``beds`` is its full capacity by :data:`BED_TYPES`."""

    facility_id: int
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

    @property
    def code(self) -> str:
        return f"T{self.facility_id:03d}"


@dataclass(frozen=True)
class CapacityChange:
    """One entry of the capacity history (DESIGN §3.3: kept, not overwritten)."""

    date: dt.date
    facility_id: int
    bed_type: str
    beds: int  # capacity from this date on


def _d(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _split(total: int, shares: tuple[float, ...]) -> tuple[int, int, int, int, int]:
    parts = split_total(total, shares)
    return (parts[0], parts[1], parts[2], parts[3], parts[4])


def _batch_dates(first: dt.date, last: dt.date, n: int) -> list[dt.date]:
    """``n`` opening dates from ``first`` to ``last`` in 3-day batches, in order."""
    span = (last - first).days
    out = []
    for i in range(n):
        day = round(i * span / max(n - 1, 1))
        out.append(first + dt.timedelta(days=day - day % 3))
    return out


def build_facilities(
    seed: int,
    district_centres: dict[str, tuple[float, float]],
    *,
    scale: float = 1.0,
    extra_quarantine_beds: int = 0,
    shelter_delay_days: int = 0,
    data_dir: Path = DATA_DIR,
) -> list[Facility]:
    """The city's facilities, deterministic for ``seed``; beds multiplied by ``scale``."""
    rng = np.random.default_rng([seed, 0xBED5])
    with open(data_dir / "wuhan_facilities.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    districts = sorted(district_centres)
    weights = np.ones(len(districts))
    out: list[Facility] = []

    def place(code: str) -> tuple[float, float]:
        lat, lon = district_centres[code]
        return (
            round(lat + float(rng.uniform(-0.04, 0.04)), 5),
            round(lon + float(rng.uniform(-0.04, 0.04)), 5),
        )

    def add(
        name: str,
        kind: str,
        district: str,
        opened: dt.date,
        closed: dt.date | None,
        beds: tuple[int, int, int, int, int],
        synthetic: bool,
        source: str,
    ) -> None:
        scaled = tuple(round(b * scale) for b in beds)
        lat, lon = place(district)
        out.append(
            Facility(
                len(out),
                name,
                kind,
                district,
                lat,
                lon,
                opened,
                closed,
                (scaled[0], scaled[1], scaled[2], scaled[3], scaled[4]),
                synthetic,
                source,
            )
        )

    def district_of(name: str) -> str:
        for key, code in _NAMED_DISTRICT.items():
            if key in name:
                return code
        raise ValueError(f"no district known for facility {name!r}")

    aggregates = {r["name"]: r for r in rows if r["name"].startswith("AGGREGATE")}
    named = [r for r in rows if not r["name"].startswith("AGGREGATE")]
    delay = dt.timedelta(days=shelter_delay_days)

    # Designated hospitals: named ones, then synthetic ones up to the 26,911 aggregate.
    named_designated = 0
    for r in named:
        if r["type"] == "shelter":
            continue
        beds = int(r["beds"])
        named_designated += beds
        split = _FIELD_HOSPITAL_SPLIT if r["type"] == "temporary" else _UNION_SPLIT
        add(
            r["name"],
            "DESIGNATED",
            district_of(r["name"]),
            _d(r["opened"]) or dt.date(2020, 2, 10),
            _d(r["closed"]),
            _split(beds, split),
            False,
            "wuhan_facilities.csv" + ("" if r["opened"] else "; opening date synthetic"),
        )
    agg = aggregates["AGGREGATE: designated hospitals (48) + expanded beds in other hospitals"]
    n_syn = 48 - 4
    rest = int(agg["beds"]) - named_designated
    sizes = split_total(rest, rng.uniform(0.4, 1.6, n_syn))
    opens = _batch_dates(dt.date(2020, 1, 22), dt.date(2020, 2, 28), n_syn)  # 26,911 on 02-29
    for i, (b, o) in enumerate(zip(sizes, opens, strict=True)):
        d = districts[int(rng.choice(len(districts), p=weights / weights.sum()))]
        add(
            f"第{i + 1}定点医院 Designated Hospital {i + 1} (synthetic)",
            "DESIGNATED",
            d,
            o,
            None,
            _split(b, _DESIGNATED_SPLIT),
            True,
            "split of the 26,911-bed aggregate row",
        )

    # Shelter hospitals: 16 in all, 13,467 beds.
    agg = aggregates["AGGREGATE: all 16 Fangcang shelter hospitals"]
    shelters = [r for r in named if r["type"] == "shelter"]
    known = sum(int(r["beds"]) for r in shelters if r["beds"])
    unknown = [r for r in shelters if not r["beds"]]
    n_missing = 16 - len(shelters)  # one of the 16 is not named in the file
    extra = split_total(int(agg["beds"]) - known, rng.uniform(0.6, 1.4, len(unknown) + n_missing))
    syn_open = _batch_dates(dt.date(2020, 2, 7), dt.date(2020, 2, 18), len(unknown) + n_missing)
    k = 0
    for r in shelters:
        opened = _d(r["opened"])
        beds = int(r["beds"]) if r["beds"] else extra[k]
        if not r["beds"]:
            opened = opened or syn_open[k]
            k += 1
        opened = opened or dt.date(2020, 2, 5)
        closed = _d(r["closed"]) or dt.date(2020, 3, 10)
        add(
            r["name"],
            "SHELTER",
            district_of(r["name"]),
            opened + delay,
            closed,
            (0, 0, 0, beds, 0),
            not r["beds"],
            "wuhan_facilities.csv" + ("" if r["beds"] else "; beds synthetic (aggregate split)"),
        )
    for _ in range(n_missing):
        d = districts[int(rng.integers(len(districts)))]
        add(
            "第16方舱医院 Shelter Hospital 16 (synthetic)",
            "SHELTER",
            d,
            syn_open[k] + delay,
            dt.date(2020, 3, 10),
            (0, 0, 0, extra[k], 0),
            True,
            "split of the aggregate row",
        )
        k += 1

    # Quarantine: isolation treatment points, mass quarantine sites, extra rooms.
    def quarantine_sites(
        total: int, n: int, first: dt.date, last: dt.date, label: str, source: str
    ) -> None:
        if total <= 0 or n <= 0:
            return
        sizes = split_total(total, rng.uniform(0.5, 1.5, n))
        for i, (b, o) in enumerate(zip(sizes, _batch_dates(first, last, n), strict=True)):
            d = districts[int(rng.integers(len(districts)))]
            add(
                f"{label} {i + 1} (synthetic)",
                "QUARANTINE",
                d,
                o,
                None,
                (0, 0, 0, 0, b),
                True,
                source,
            )

    quarantine_sites(
        int(aggregates["AGGREGATE: isolation treatment points (隔离治疗点)"]["beds"]),
        60,
        dt.date(2020, 2, 2),
        dt.date(2020, 2, 20),
        "隔离治疗点 Isolation Point",
        "split of the 11,172-bed aggregate row",
    )
    quarantine_sites(
        int(aggregates["AGGREGATE: 132 mass quarantine sites"]["beds"]),
        132,
        dt.date(2020, 1, 28),
        dt.date(2020, 2, 22),
        "集中隔离点 Quarantine Site",
        "split of the 132-site aggregate row",
    )
    quarantine_sites(
        extra_quarantine_beds,
        max(1, extra_quarantine_beds // 1200),
        dt.date(2020, 2, 6),
        dt.date(2020, 2, 25),
        "征用隔离点 Requisitioned Site",
        "scenario beds.extra_quarantine_beds (to the seed's 130,000 on 25 Feb)",
    )
    return out


def capacity_history(facilities: list[Facility]) -> list[CapacityChange]:
    """Openings and closings as a dated history, in date order."""
    out = []
    for f in facilities:
        for t, beds in enumerate(f.beds):
            if beds:
                out.append(CapacityChange(f.opened, f.facility_id, BED_TYPES[t], beds))
                if f.closed:
                    out.append(CapacityChange(f.closed, f.facility_id, BED_TYPES[t], 0))
    return sorted(out, key=lambda c: (c.date, c.facility_id, c.bed_type))


def capacity_on(facilities: list[Facility], day: dt.date) -> np.ndarray:
    """Beds by type of every facility on ``day``, shape (n_facilities, 5)."""
    cap = np.zeros((len(facilities), len(BED_TYPES)), dtype=np.int64)
    for f in facilities:
        if f.opened <= day and (f.closed is None or day < f.closed):
            cap[f.facility_id] = f.beds
    return cap
