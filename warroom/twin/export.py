"""Write a run's records as CSV files (UTF-8, header row, ISO dates, names not codes).

Files: ``daily.csv`` (DESIGN §4, every area and day, as reported), ``people.csv``,
``events.csv``, ``tests.csv``, ``contacts.csv``, ``waiting.csv`` (the waiting list at
each day's cut-off), ``admissions.csv``, ``outcomes.csv``, ``appeals.csv``,
``supplies.csv``, ``waste.csv``, ``inspections.csv`` (six-in-place inspections; the
failed item by its category, empty when all passed), ``facilities.csv`` and
``capacity.csv`` (the bed history), and the city's aggregates: ``residents.csv`` (per
compound or village: residents, households, age bands, vulnerable residents) and
``businesses.csv`` (per street and sector).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from warroom.exports import csv_writer  # user text as text (OWASP CSV injection)
from warroom.twin import records as R
from warroom.twin.facilities import BED_TYPES, capacity_history
from warroom.twin.population import AGE_BANDS, BUSINESS_SECTORS, VULNERABLE_KINDS
from warroom.twin.runner import RunResult


def _concat(result: RunResult, table: str) -> np.ndarray:
    parts = [getattr(d, table) for d in result.days]
    return np.concatenate(parts) if parts else np.zeros(0)


def _iso(values: np.ndarray) -> list[str]:
    return [("" if np.isnat(v) else str(v)) for v in values]


def _names(values: np.ndarray, names: Sequence[str]) -> list[str]:
    lut = np.array([*names, ""], dtype=object)
    return list(lut[np.where(values >= 0, values, len(names))])


def _write(path: Path, header: Sequence[str], columns: Sequence[Iterable[Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv_writer(f)
        w.writerow(header)
        w.writerows(zip(*columns, strict=True))


def write_run(result: RunResult, out: Path) -> dict[str, Path]:
    """Write every table of ``result`` under ``out``; returns the files by name."""
    out.mkdir(parents=True, exist_ok=True)
    sim = result.simulation
    codes = sim.patch_codes
    files: dict[str, Path] = {}

    def put(name: str, header: Sequence[str], columns: Sequence[Iterable[Any]]) -> None:
        files[name] = out / f"{name}.csv"
        _write(files[name], header, columns)

    # daily.csv: DESIGN §4, unknown cells empty (the twin knows every cell).
    rep = _concat(result, "report")
    dates = np.repeat([str(d.date) for d in result.days], [d.report.size for d in result.days])
    put(
        "daily",
        ("date", "area_code", *R.REPORT_FIELDS),
        [dates, sim.area_codes[rep["area"]], *[rep[f] for f in R.REPORT_FIELDS]],
    )

    ppl = _concat(result, "people")
    known = np.repeat([str(d.date) for d in result.days], [d.people.size for d in result.days])
    put(
        "people",
        (
            "person_id",
            "known_date",
            "area_code",
            "age_band",
            "sex",
            "entry_category",
            "true_infected",
            "true_severity",
            "true_infection_date",
            "true_infector_person_id",
        ),
        [
            ppl["person_id"],
            known,
            codes[ppl["patch"]],
            _names(ppl["age_band"], R.AGE_BAND_NAMES),
            ppl["sex"],
            _names(ppl["entry_category"], R.CATEGORY_NAMES),
            ppl["true_infected"].astype(int),
            _names(ppl["true_severity"], R.SEVERITY_NAMES),
            _iso(ppl["true_infection_date"]),
            ppl["true_infector_person_id"],
        ],
    )

    ev = _concat(result, "events")
    put(
        "events",
        ("date", "person_id", "event", "area_code"),
        [_iso(ev["date"]), ev["person_id"], _names(ev["event"], R.EVENT_NAMES), codes[ev["patch"]]],
    )

    smp = _concat(result, "samples")
    res = _concat(result, "results")
    by_test = {
        int(t): (bool(p), str(d))
        for t, p, d in zip(res["test_id"], res["positive"], res["date"], strict=True)
    }
    outcome = [by_test.get(int(t)) for t in smp["test_id"]]
    put(
        "tests",
        ("test_id", "person_id", "sampled", "result_due", "reason", "result", "result_date"),
        [
            smp["test_id"],
            smp["person_id"],
            _iso(smp["sampled"]),
            _iso(smp["result_due"]),
            _names(smp["reason"], R.CATEGORY_NAMES),
            ["" if o is None else ("positive" if o[0] else "negative") for o in outcome],
            ["" if o is None else o[1] for o in outcome],
        ],
    )

    con = _concat(result, "contacts")
    put(
        "contacts",
        (
            "person_id",
            "index_person_id",
            "date",
            "area_code",
            "household",
            "true_infected_by_index",
        ),
        [
            con["person_id"],
            con["index_person_id"],
            _iso(con["date"]),
            codes[con["patch"]],
            con["household"].astype(int),
            con["true_infected_by_index"].astype(int),
        ],
    )

    wt = _concat(result, "waiting")
    wdates = np.repeat([str(d.date) for d in result.days], [d.waiting.size for d in result.days])
    put(
        "waiting",
        ("date", "person_id", "category", "need", "area_code", "since", "wait_days"),
        [
            wdates,
            wt["person_id"],
            _names(wt["category"], R.CATEGORY_NAMES),
            _names(wt["need"], R.NEED_NAMES),
            codes[wt["patch"]],
            _iso(wt["since"]),
            wt["wait_days"],
        ],
    )

    adm = _concat(result, "admissions")
    put(
        "admissions",
        ("date", "person_id", "facility_id", "bed_type", "need", "wait_days"),
        [
            _iso(adm["date"]),
            adm["person_id"],
            adm["facility_id"],
            _names(adm["bed_type"], R.NEED_NAMES),
            _names(adm["need"], R.NEED_NAMES),
            adm["wait_days"],
        ],
    )

    oc = _concat(result, "outcomes")
    put(
        "outcomes",
        ("date", "person_id", "outcome", "facility_id", "area_code"),
        [
            _iso(oc["date"]),
            oc["person_id"],
            _names(oc["outcome"], R.OUTCOME_NAMES),
            oc["facility_id"],
            codes[oc["patch"]],
        ],
    )

    ap = _concat(result, "appeals")
    put(
        "appeals",
        ("appeal_id", "date", "area_code", "kind", "channel", "person_id"),
        [
            ap["appeal_id"],
            _iso(ap["date"]),
            codes[ap["patch"]],
            _names(ap["kind"], R.APPEAL_NAMES),
            _names(ap["channel"], R.CHANNEL_NAMES),
            ap["person_id"],
        ],
    )

    sup = _concat(result, "supplies")
    put(
        "supplies",
        ("date", "district_code", "item", "quantity"),
        [
            _iso(sup["date"]),
            sup["district_code"],
            _names(sup["item"], R.SUPPLY_NAMES),
            sup["quantity"],
        ],
    )

    ws = _concat(result, "waste")
    put(
        "waste",
        ("date", "district_code", "facility_id", "tonnes"),
        [_iso(ws["date"]), ws["district_code"], ws["facility_id"], ws["tonnes"]],
    )

    ins = _concat(result, "inspections")
    failed = ins["failed_item"]
    put(
        "inspections",
        ("date", "area_code", "kind", "failed_item"),
        [
            _iso(ins["date"]),
            codes[ins["patch"]],
            ["six_in_place"] * ins.size,
            [R.SIX_IN_PLACE_NAMES[i] if i >= 0 else "" for i in failed],
        ],
    )

    fac = sim.facilities
    put(
        "facilities",
        (
            "facility_id",
            "name",
            "kind",
            "district_code",
            "lat",
            "lon",
            "opened",
            "closed",
            *[f"beds_{b.lower()}" for b in BED_TYPES],
            "synthetic",
            "source",
        ),
        [
            [f.facility_id for f in fac],
            [f.name for f in fac],
            [f.kind for f in fac],
            [f.district_code for f in fac],
            [f.lat for f in fac],
            [f.lon for f in fac],
            [str(f.opened) for f in fac],
            [str(f.closed) if f.closed else "" for f in fac],
            *[[f.beds[i] for f in fac] for i in range(len(BED_TYPES))],
            [int(f.synthetic) for f in fac],
            [f.source for f in fac],
        ],
    )
    hist = capacity_history(fac)
    put(
        "capacity",
        ("date", "facility_id", "bed_type", "beds"),
        [
            [str(c.date) for c in hist],
            [c.facility_id for c in hist],
            [c.bed_type for c in hist],
            [c.beds for c in hist],
        ],
    )
    p = sim.city.patches
    put(
        "residents",
        (
            "area_code",
            "community_code",
            "street_code",
            "district_code",
            "residents",
            "households",
            *[f"age_{a}" for a in AGE_BANDS],
            *VULNERABLE_KINDS,
        ),
        [
            p.code,
            sim.area_codes[p.community],
            sim.area_codes[p.street],
            sim.area_codes[p.district],
            p.population,
            p.households,
            *[p.age[:, i] for i in range(len(AGE_BANDS))],
            *[p.vulnerable[:, i] for i in range(len(VULNERABLE_KINDS))],
        ],
    )
    b = sim.city.businesses
    put(
        "businesses",
        ("street_code", *BUSINESS_SECTORS),
        [sim.area_codes[sim.city.business_street], *[b[:, i] for i in range(b.shape[1])]],
    )
    return files


def digest(result: RunResult) -> str:
    """SHA-256 over every record table of every day (same seed → same digest)."""
    h = hashlib.sha256()
    for day in result.days:
        h.update(str(day.date).encode())
        for name, table in day.tables().items():
            h.update(name.encode())
            h.update(np.ascontiguousarray(table).tobytes())
    return h.hexdigest()
