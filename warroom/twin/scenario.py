"""Scenarios: the twin's inputs as TOML files (dates, strengths, beds, faults).

A scenario is a TOML file; built-in ones live in ``warroom/twin/scenarios/`` and are
named by their stem (``wuhan-2020``). Every key is documented in the built-in file and
in :class:`Scenario`. Dated inputs are *step schedules*: a list of ``[date, value]``
pairs, each value holding from its date until the next one (before the first date the
first value holds).

``scale`` is the fraction of the population simulated: compound populations, initial
infections, beds, test capacity and the per-capita rates all scale with it, so that
counts scale with it (a 0.1 run of Wuhan is a city of 1.2 M with a tenth of the beds).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
LEVELS = ("compound", "community", "district", "city")


def _date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"scenario key {key!r}: expected a date (YYYY-MM-DD), got {value!r}")


@dataclass(frozen=True)
class Schedule:
    """A step function of the date: ``value(d)`` is the value of the last step at or before d."""

    steps: tuple[tuple[dt.date, float], ...]

    @classmethod
    def parse(cls, raw: Any, key: str) -> Schedule:
        if isinstance(raw, int | float):
            return cls(((dt.date.min, float(raw)),))
        if not isinstance(raw, list) or not raw:
            raise ValueError(f"scenario key {key!r}: expected a number or [[date, value], ...]")
        steps = []
        for item in raw:
            if not isinstance(item, list) or len(item) != 2:
                raise ValueError(f"scenario key {key!r}: each step is [date, value]")
            steps.append((_date(item[0], key), float(item[1])))
        steps.sort(key=lambda s: s[0])
        return cls(tuple(steps))

    def value(self, day: dt.date) -> float:
        out = self.steps[0][1]
        for d, v in self.steps:
            if d <= day:
                out = v
            else:
                break
        return out


@dataclass(frozen=True)
class Measure:
    """A dated, switchable intervention that multiplies mixing at each level from its date."""

    enabled: bool
    date: dt.date
    multipliers: dict[str, float]

    @classmethod
    def parse(cls, raw: dict[str, Any], key: str) -> Measure:
        if not raw:  # an absent measure is off
            return cls(False, dt.date.min, {})
        mult = raw.get("multipliers", {})
        unknown = set(mult) - set(LEVELS)
        if unknown:
            raise ValueError(f"scenario key {key}.multipliers: unknown levels {sorted(unknown)}")
        for level, v in mult.items():
            if not 0 <= float(v) <= 1:
                raise ValueError(f"scenario key {key}.multipliers.{level}: must be in [0, 1]")
        return cls(
            bool(raw.get("enabled", True)),
            _date(raw.get("date"), f"{key}.date"),
            {k: float(v) for k, v in mult.items()},
        )

    def active(self, day: dt.date) -> bool:
        return self.enabled and day >= self.date


@dataclass(frozen=True)
class Fault:
    """A planted reporting fault in the daily aggregate report (DESIGN §3.5 should catch it).

    ``kind`` is ``under_report`` (the area's own row reports ``factor`` × its new counts,
    cumulated) or ``stale`` (the area's row repeats the last figures it reported before
    ``start`` for ``days`` days).
    """

    kind: str
    area_code: str
    start: dt.date
    days: int
    factor: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """All inputs of one run. See ``scenarios/wuhan-2020.toml`` for every key, documented."""

    name: str
    start: dt.date
    days: int
    seed: int
    scale: float
    city_seed: int
    r0: float
    mixing: dict[str, float]
    home_factor: float
    quarantine_factor: float
    hospital_factor: float
    initial_infections: int
    initial_districts: tuple[str, ...]
    lockdown: Measure
    community_closure: Measure
    admit_all: Measure
    central_isolation: Measure
    seek_delay: Schedule
    tracing: Schedule
    test_capacity: Schedule
    lab_delay: Schedule
    sweep_start: dt.date | None
    sweep_end: dt.date | None
    sweep_find_prob: float
    mass_testing: tuple[tuple[dt.date, dt.date, float], ...]
    bed_scale: float
    shelter_delay_days: int
    extra_quarantine_beds: int
    inspection_start: dt.date | None = None
    inspection_days: int = 14
    inspection_fail_share: float = 0.0
    reinspect_days: int = 3
    faults: tuple[Fault, ...] = field(default_factory=tuple)
    description: str = ""

    def with_overrides(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (``scale``, ``seed``, ``days``...), validated."""
        out = replace(self, **changes)
        out.validate()
        return out

    def validate(self) -> None:
        """Raise ``ValueError`` on an inconsistent scenario."""
        if self.days < 1:
            raise ValueError("scenario days must be >= 1")
        if not 0 < self.scale <= 1:
            raise ValueError("scenario scale must be in (0, 1]")
        if self.r0 < 0:
            raise ValueError("transmission.r0 must be >= 0")
        if set(self.mixing) != set(LEVELS) or any(v < 0 for v in self.mixing.values()):
            raise ValueError(f"transmission.mixing needs non-negative weights for {LEVELS}")
        if abs(sum(self.mixing.values()) - 1) > 1e-9:
            raise ValueError("transmission.mixing weights must sum to 1")
        if self.bed_scale < 0:
            raise ValueError("beds.scale must be >= 0")
        if not 0 <= self.sweep_find_prob <= 1:
            raise ValueError("sweep.find_prob must be in [0, 1]")
        if self.inspection_days < 1 or self.reinspect_days < 1:
            raise ValueError("inspections.days and inspections.reinspect_days must be >= 1")
        if not 0 <= self.inspection_fail_share <= 1:
            raise ValueError("inspections.fail_share must be in [0, 1]")
        for f in self.faults:
            if f.kind not in ("under_report", "stale"):
                raise ValueError(f"faults: unknown kind {f.kind!r}")

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with the twin."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name (``wuhan-2020``) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix and (SCENARIO_DIR / f"{name_or_path}.toml").exists():
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.exists():
        raise ValueError(
            f"no scenario {str(name_or_path)!r}: give a path or one of {builtin_scenarios()}"
        )
    return parse_scenario(_load_raw(path), default_name=path.stem)


def _load_raw(path: Path, depth: int = 0) -> dict[str, Any]:
    """Parse a TOML file, merged onto its ``base`` scenario if it names one."""
    if depth > 5:
        raise ValueError("scenario base chain too deep (a cycle?)")
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    base = raw.pop("base", None)
    if base is None:
        return raw
    base_path = (
        SCENARIO_DIR / f"{base}.toml"
        if not str(base).endswith(".toml")
        else (path.parent / str(base))
    )
    if not base_path.exists():
        raise ValueError(f"scenario base {base!r} not found")
    return _merge(_load_raw(base_path, depth + 1), raw)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_scenario(raw: dict[str, Any], default_name: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from parsed TOML, with uniform ``ValueError`` messages."""
    s = raw.get("scenario", {})
    t = raw.get("transmission", {})
    resp = raw.get("response", {})
    tests = raw.get("testing", {})
    sweep = raw.get("sweep", {})
    beds = raw.get("beds", {})
    insp = raw.get("inspections", {})
    try:
        mass = tuple(
            (
                _date(m["start"], "mass_testing.start"),
                _date(m["end"], "mass_testing.end"),
                float(m["daily_coverage"]),
            )
            for m in raw.get("mass_testing", [])
        )
        faults = tuple(
            Fault(
                kind=str(f["kind"]),
                area_code=str(f["area"]),
                start=_date(f["start"], "faults.start"),
                days=int(f.get("days", 10_000)),
                factor=float(f.get("factor", 1.0)),
            )
            for f in raw.get("faults", [])
        )
        scenario = Scenario(
            name=str(s.get("name", default_name)),
            description=str(s.get("description", "")),
            start=_date(s.get("start"), "scenario.start"),
            days=int(s.get("days", 60)),
            seed=int(s.get("seed", 1)),
            scale=float(s.get("scale", 1.0)),
            city_seed=int(s.get("city_seed", 20200123)),
            r0=float(t["r0"]),
            mixing={k: float(v) for k, v in t.get("mixing", {}).items()},
            home_factor=float(t.get("home_factor", 0.5)),
            quarantine_factor=float(t.get("quarantine_factor", 0.05)),
            hospital_factor=float(t.get("hospital_factor", 0.03)),
            initial_infections=int(t.get("initial_infections", 100)),
            initial_districts=tuple(str(c) for c in t.get("initial_districts", [])),
            lockdown=Measure.parse(resp.get("lockdown", {}), "response.lockdown"),
            community_closure=Measure.parse(
                resp.get("community_closure", {}), "response.community_closure"
            ),
            admit_all=Measure.parse(resp.get("admit_all", {}), "response.admit_all"),
            central_isolation=Measure.parse(
                resp.get("central_isolation", {}), "response.central_isolation"
            ),
            seek_delay=Schedule.parse(resp.get("seek_delay", 4.0), "response.seek_delay"),
            tracing=Schedule.parse(resp.get("tracing", 0.5), "response.tracing"),
            test_capacity=Schedule.parse(tests.get("capacity", 10_000), "testing.capacity"),
            lab_delay=Schedule.parse(tests.get("lab_delay", 1), "testing.lab_delay"),
            sweep_start=_date(sweep["start"], "sweep.start") if "start" in sweep else None,
            sweep_end=_date(sweep["end"], "sweep.end") if "end" in sweep else None,
            sweep_find_prob=float(sweep.get("find_prob", 0.0)),
            mass_testing=mass,
            bed_scale=float(beds.get("scale", 1.0)),
            shelter_delay_days=int(beds.get("shelter_delay_days", 0)),
            extra_quarantine_beds=int(beds.get("extra_quarantine_beds", 0)),
            inspection_start=(
                _date(insp["start"], "inspections.start") if "start" in insp else None
            ),
            inspection_days=int(insp.get("days", 14)),
            inspection_fail_share=float(insp.get("fail_share", 0.0)),
            reinspect_days=int(insp.get("reinspect_days", 3)),
            faults=faults,
        )
    except KeyError as exc:
        raise ValueError(f"scenario is missing the key {exc.args[0]!r}") from exc
    except (TypeError, AttributeError) as exc:
        raise ValueError(f"scenario has a value of the wrong type: {exc}") from exc
    scenario.validate()
    return scenario
