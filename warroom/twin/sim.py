"""The outbreak: a stochastic metapopulation model over the city's compounds and villages.

Susceptible people are aggregate counts per *patch* (compound, or village); an infection
is a row of an internal table only once it happens, and a person becomes an individual
record only when operations learn of him (a fever-clinic visit, a trace as a close
contact, a mass test): the cost follows the epidemic, not the population.

Each day (:meth:`Simulation.step`):

1. capacity of the day's facilities; progression (severe, critical) and outcomes
   (death, discharge, recovery at home, release from quarantine);
2. transmission: hierarchical mixing — every infectious person spreads his infectiousness
   (the generation-interval weight of his infection age) over his compound, community,
   district and the city with the scenario's weights, cut by the response's measures
   (lockdown, community closure); people known to operations transmit at home
   (compound only, ``home_factor``), in quarantine (``quarantine_factor``) or in hospital
   (``hospital_factor``, at the facility's compound). New infections per patch are
   binomial draws, split over the mixing levels by a multinomial draw, and each is given
   its infector (chains are true);
3. detection: fever-clinic visits (infected people who seek care, and the flu-season
   background), the door-to-door sweep, mass testing;
4. tests: results due today (lab delay), then the day's samples within the test capacity
   by priority (suspected > febrile > contacts);
5. contact tracing of yesterday's confirmed cases (true infectees with the tracing
   intensity, and uninfected contacts who leave the susceptible pool while quarantined);
6. the waiting list (admission requests) and its placement — by the :class:`PlacementPolicy`
   (default :class:`NearestFreeBedPolicy`), or by the caller between :meth:`open_day` and
   :meth:`close_day` through :meth:`place`: the platform's own allocations feed back in;
7. appeals, supplies, medical waste, and the daily aggregate report of every area.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from warroom.analytics.vocabulary import ALLOWED_BEDS, BedType, Need, steps_above_need
from warroom.twin import records as R
from warroom.twin.facilities import Facility, build_facilities, capacity_on, districts_of
from warroom.twin.parameters import (
    ASYMPTOMATIC,
    CRITICAL,
    SEVERE,
    Epidemiology,
    Operations,
)
from warroom.twin.population import CityModel, build_city_model
from warroom.twin.scenario import LEVELS, Scenario

NEVER = 1 << 30
# Status of a known person.
AT_HOME, IN_FACILITY, CLOSED = 0, 1, 2
# The placement rule is the platform's (DESIGN §3.3, warroom.analytics.allocate), never a
# copy: a twin need is the lowest bed type that will do (records.NEED_NAMES), i.e. the
# platform's need class below; suspected people and contacts go to QUARANTINE only.
NEED_CLASS = {
    BedType.ICU: Need.CRITICAL,
    BedType.SEVERE: Need.SEVERE,
    BedType.GENERAL: Need.CONFIRMED,
    BedType.SHELTER: Need.CONFIRMED,
    BedType.QUARANTINE: Need.SUSPECTED,  # suspected, febrile, close contacts alike
}
# MEETS[need, bed]: a bed of that type meets the need (at it or above it).
MEETS = np.array([steps_above_need[NEED_CLASS[BedType(n)]] >= 0 for n in range(len(BedType))])
MEETS.setflags(write=False)


# Bed types acceptable for each need, in order of preference: at the need first (SHELTER
# before GENERAL), then the fewest steps above it (only when nothing else is free).
def _preference(need: int) -> tuple[int, ...]:
    cls = NEED_CLASS[BedType(need)]
    return tuple(
        sorted((int(b) for b in ALLOWED_BEDS[cls]), key=lambda b: (steps_above_need[cls, b], -b))
    )


ACCEPT: dict[int, tuple[int, ...]] = {
    int(n): _preference(n)
    for n in (BedType.ICU, BedType.SEVERE, BedType.SHELTER, BedType.QUARANTINE)
}


def meets_need(bed: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Whether each person's bed (-1: none) meets his need (-1: none; always met)."""
    bed, need = np.asarray(bed), np.asarray(need)
    has = (bed >= 0) & (need >= 0)
    met = np.where(has, MEETS[np.maximum(need, 0), np.maximum(bed, 0)], False)
    return met | (need < 0)


# A suspected case is excluded after this many negative tests taken since he became
# suspected, each two days after the last (NHC protocol, 7th ed.: two, >= 24 h apart).
EXCLUDE_NEGATIVES = 2  # critical > severe > confirmed > suspected/contacts


class _Store:
    """Growable columns (amortised doubling), rows addressed by index."""

    def __init__(self, dtype: dict[str, str], capacity: int = 1024) -> None:
        self.n = 0
        self.cols = {k: np.empty(capacity, dtype=v) for k, v in dtype.items()}

    def __getitem__(self, key: str) -> np.ndarray:
        return self.cols[key][: self.n]

    def append(self, **values: np.ndarray) -> np.ndarray:
        k = int(next(iter(values.values())).size)
        need = self.n + k
        cap = next(iter(self.cols.values())).size
        if need > cap:
            new_cap = max(need, 2 * cap)
            for name, arr in self.cols.items():
                grown = np.empty(new_cap, dtype=arr.dtype)
                grown[: self.n] = arr[: self.n]
                self.cols[name] = grown
        for name, arr in self.cols.items():
            arr[self.n : need] = values[name]
        ids = np.arange(self.n, need)
        self.n = need
        return ids


_INFECTION = {
    "patch": "i4",
    "t_inf": "i4",
    "infector": "i8",
    "sev": "i1",
    "t_onset": "i4",
    "t_seek": "i4",
    "t_severe": "i4",
    "t_critical": "i4",
    "t_end": "i4",
    "dies": "?",
    "person": "i8",
}
_PERSON = {
    "infection": "i8",
    "patch": "i4",
    "age_band": "i1",
    "sex": "U1",
    "entry": "i1",
    "category": "i1",
    "status": "i1",
    "facility": "i4",
    "bed": "i1",
    "need": "i1",
    "wait_since": "i4",
    "t_known": "i4",
    "t_confirmed": "i4",
    "t_out": "i4",
    "t_admit": "i4",
    "next_test": "i4",
    "tests": "i2",
    "pending": "?",
    "t_release": "i4",
    "index": "i8",
}


@dataclass(frozen=True)
class PlacementView:
    """What a placement policy sees: the waiting list and the free beds.

    ``free[f, b]`` is the number of free beds of type ``b`` (:data:`BED_TYPES`) in
    facility ``f``; ``distance[p, f]`` the distance (km) from patch ``p`` to facility ``f``.
    """

    date: dt.date
    waiting: np.ndarray  # records.WAITING
    free: np.ndarray
    distance: np.ndarray
    accept: dict[int, tuple[int, ...]]


class PlacementPolicy(Protocol):
    """Decides who gets a bed today: returns (person_ids, facility_ids) to place."""

    def __call__(self, view: PlacementView) -> tuple[np.ndarray, np.ndarray]: ...


class NearestFreeBedPolicy:
    """The standalone default: by priority (critical > severe > confirmed > suspected and
    contacts, then longest wait), each person to the nearest facility with a free bed
    that meets his need. Greedy, not the platform's min-cost flow (DESIGN §3.3).

    ``reserve_severe_beds`` (default True) keeps ICU and SEVERE beds for severe and
    critical patients, as Wuhan's headquarters did: mild patients wait for a shelter or
    general bed rather than take one (DESIGN §3.3 allows, does not require, placing above
    the need).
    """

    def __init__(self, reserve_severe_beds: bool = True) -> None:
        self.reserve_severe_beds = reserve_severe_beds

    def __call__(self, view: PlacementView) -> tuple[np.ndarray, np.ndarray]:
        w = view.waiting
        if w.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        free = view.free.copy()
        # Priority by need: critical > severe > confirmed > suspected and contacts.
        prio = np.select([w["need"] == 0, w["need"] == 1, w["need"] == 3], [0, 1, 2], 3)
        order = np.lexsort((w["person_id"], w["since"], prio))
        persons, facs = [], []
        for need in (0, 1, 3, 4):
            acc = list(view.accept[need])
            if self.reserve_severe_beds and need >= 3:
                acc = [b for b in acc if b >= 2]
            rows = order[w["need"][order] == need]
            if rows.size == 0:
                continue
            avail = free[:, acc].sum(axis=1)
            for i in rows:
                if not avail.any():
                    break
                d = np.where(avail > 0, view.distance[w["patch"][i]], np.inf)
                f = int(np.argmin(d))
                for b in acc:
                    if free[f, b] > 0:
                        free[f, b] -= 1
                        avail[f] -= 1
                        break
                persons.append(int(w["person_id"][i]))
                facs.append(f)
        return np.array(persons, dtype=np.int64), np.array(facs, dtype=np.int64)


class NoPlacementPolicy:
    """Places nobody (what-if: no beds at all, or a platform that never allocates)."""

    def __call__(self, view: PlacementView) -> tuple[np.ndarray, np.ndarray]:
        return np.empty(0, np.int64), np.empty(0, np.int64)


def _gamma_days(
    rng: np.random.Generator, mean: np.ndarray | float, shape: float, size: int
) -> np.ndarray:
    return np.rint(rng.gamma(shape, np.asarray(mean) / shape, size)).astype(np.int64)


class Simulation:
    """One run of a scenario. Deterministic for ``scenario.seed`` (and the policy's choices).

    Use :meth:`step` day by day (or :meth:`run`); for external placement call
    :meth:`open_day`, read :attr:`waiting` and :meth:`free_beds`, :meth:`place` people,
    then :meth:`close_day`.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        policy: PlacementPolicy | None = None,
        epidemiology: Epidemiology | None = None,
        operations: Operations | None = None,
        city: CityModel | None = None,
    ) -> None:
        scenario.validate()
        self.scenario = sc = scenario
        self.epi = epi = epidemiology or Epidemiology()
        self.ops = operations or Operations()
        self.policy: PlacementPolicy = policy or NearestFreeBedPolicy()
        self.rng = np.random.default_rng(sc.seed)
        # Appeals, supplies and waste draw from their own stream, so that changing their
        # rates leaves the epidemic's draws untouched.
        self.ops_rng = np.random.default_rng([sc.seed, 0x0A95])
        if city is not None and (city.seed != sc.city_seed or city.scale != sc.scale):
            raise ValueError("city was built for another city_seed or scale than the scenario")
        self.city = city or build_city_model(sc.city_seed, sc.scale)
        P = self.city.patches
        self.n_patch = len(P)
        self.patch_codes = P.code
        self.area_codes = self.city.area_code
        self.S = P.population.copy()
        pop = np.maximum(P.population.astype(float), 1.0)
        # Mixing units of each patch at each level (compound, community, district, city).
        self.units = [
            np.arange(self.n_patch),
            np.unique(P.community, return_inverse=True)[1],
            np.unique(P.district, return_inverse=True)[1],
            np.zeros(self.n_patch, dtype=np.int64),
        ]
        self.unit_pop = [np.bincount(u, weights=pop) for u in self.units]
        self.gen_w = epi.generation_weights()
        self.K = epi.infectious_days
        self.sev_p = epi.severity_probabilities()
        self._district_patches = [np.flatnonzero(P.district == d) for d in np.unique(P.district)]
        self._patch_district_rank = self.units[2]
        # Facilities (the platform's demo facilities, 1:1 by code), capacity, occupancy.
        self.facilities: list[Facility] = build_facilities(
            districts_of(self.city.areas),
            scale=sc.scale * sc.bed_scale,
            extra_quarantine_beds=sc.extra_quarantine_beds,
            shelter_delay_days=sc.shelter_delay_days,
        )
        flat = np.array([f.lat for f in self.facilities])
        flon = np.array([f.lon for f in self.facilities])
        kx = 111.0 * np.cos(np.radians(30.6))
        self.distance = np.hypot(
            (P.lat[:, None] - flat[None, :]) * 111.0, (P.lon[:, None] - flon[None, :]) * kx
        )
        self.fac_patch = np.argmin(self.distance, axis=0)
        self.fac_district = np.array([f.district_code for f in self.facilities])
        self.capacity = np.zeros((len(self.facilities), 5), dtype=np.int64)
        self.occupied = np.zeros_like(self.capacity)
        self.inf = _Store(_INFECTION, 4096)
        self.per = _Store(_PERSON, 4096)
        self.samples = _Store({"person": "i8", "due": "i4", "positive": "?", "id": "i8"}, 4096)
        self._pending_samples = np.empty(0, dtype=np.int64)
        self.n_tests = 0
        self.n_appeals = 0
        self.t = 0
        self._open = False
        self._confirmed_yesterday = np.empty(0, dtype=np.int64)
        self._confirmed_today = np.empty(0, dtype=np.int64)
        self.cum = np.zeros((3, self.n_patch), dtype=np.int64)  # confirmed, deaths, discharged
        self._reported_prev: dict[int, np.ndarray] = {}
        self._under_cum: dict[int, np.ndarray] = {}
        self._rollup_order = self._rollup_levels()
        self._fault_rows = {
            f: int(np.flatnonzero(self.area_codes == f.area_code)[0])
            for f in sc.faults
            if (self.area_codes == f.area_code).any()
        }
        missing = [f.area_code for f in sc.faults if f not in self._fault_rows]
        if missing:
            raise ValueError(f"faults name unknown areas: {missing}")
        # Seek-delay mean by day index (evaluated at onset), far enough ahead.
        horizon = sc.days + 80
        self._seek_mean = np.array(
            [sc.seek_delay.value(sc.start + dt.timedelta(days=int(d))) for d in range(horizon)]
        )
        self._inspection_plan = self._plan_inspections()
        self._seed_infections()

    # ------------------------------------------------------------------ set-up
    def _rollup_levels(self) -> list[np.ndarray]:
        lv = self.city.area_level
        return [np.flatnonzero(lv == x) for x in ("compound", "community", "street", "district")]

    def _seed_infections(self) -> None:
        sc, P = self.scenario, self.city.patches
        n = max(1, round(sc.initial_infections * sc.scale))
        codes = self.city.area_code[P.district]
        mask = (
            np.isin(codes, sc.initial_districts)
            if sc.initial_districts
            else np.ones(self.n_patch, dtype=bool)
        )
        w = np.where(mask, P.population, 0).astype(float)
        patches = self.rng.choice(self.n_patch, size=n, p=w / w.sum())
        t_inf = np.sort(-self.rng.integers(0, 10, size=n))  # the table is kept in t_inf order
        self._new_infections(patches, t_inf, np.full(n, -1, dtype=np.int64))

    @property
    def date(self) -> dt.date:
        """The date of the current (or next) day."""
        return self.scenario.start + dt.timedelta(days=self.t)

    def _day(self, t: int) -> np.datetime64:
        return np.datetime64(self.scenario.start + dt.timedelta(days=int(t)), "D")

    # ------------------------------------------------------------------ infections
    def _new_infections(self, patches: np.ndarray, t_inf: np.ndarray, infector: np.ndarray) -> None:
        rng, epi, n = self.rng, self.epi, patches.size
        if n == 0:
            return
        np.subtract.at(self.S, patches, 1)
        np.maximum(self.S, 0, out=self.S)
        sev = rng.choice(5, size=n, p=self.sev_p).astype(np.int8)
        incub = np.maximum(
            1, np.rint(rng.lognormal(epi.incubation_logmean, epi.incubation_logsd, n))
        ).astype(np.int64)
        t_onset = t_inf + incub
        symptomatic = sev != ASYMPTOMATIC
        seeks = symptomatic & (rng.random(n) < np.asarray(epi.p_seek_care)[sev])
        idx = np.clip(t_onset, 0, self._seek_mean.size - 1)
        delay = _gamma_days(
            rng, np.maximum(self._seek_mean[idx], 0.1), epi.seek_delay_gamma_shape, n
        )
        t_seek = np.where(seeks, t_onset + delay, NEVER)
        t_severe = np.where(
            sev >= SEVERE,
            t_onset + np.maximum(1, _gamma_days(rng, epi.onset_to_severe_mean, 4, n)),
            NEVER,
        )
        t_critical = np.where(
            sev == CRITICAL,
            np.maximum(t_severe + 1, t_onset + _gamma_days(rng, epi.onset_to_critical_mean, 4, n)),
            NEVER,
        )
        t_seek = np.minimum(t_seek, t_severe)  # severe illness brings everyone to a clinic
        dies = (sev == CRITICAL) & (rng.random(n) < epi.p_death_critical_treated)
        end_mean = np.select(
            [sev == ASYMPTOMATIC, sev <= 2, sev == SEVERE, dies],
            [
                10.0,
                epi.onset_to_recovery_mild_mean,
                epi.onset_to_recovery_severe_mean,
                epi.onset_to_death_mean,
            ],
            epi.onset_to_recovery_severe_mean,
        )
        t_end = t_onset + _gamma_days(rng, end_mean, 6.0, n)
        t_end = np.maximum(t_end, np.where(t_critical < NEVER, t_critical + 2, t_onset + 1))
        self.inf.append(
            patch=patches,
            t_inf=t_inf,
            infector=infector,
            sev=sev,
            t_onset=t_onset,
            t_seek=t_seek,
            t_severe=t_severe,
            t_critical=t_critical,
            t_end=t_end,
            dies=dies,
            person=np.full(n, -1, dtype=np.int64),
        )

    def _level_multipliers(self) -> np.ndarray:
        sc, day = self.scenario, self.date
        m = np.array([sc.mixing[lv] for lv in LEVELS])
        for measure in (sc.lockdown, sc.community_closure):
            if measure.active(day):
                m = m * np.array([measure.multipliers.get(lv, 1.0) for lv in LEVELS])
        return m

    def _transmit(self) -> int:
        t, inf, per, sc = self.t, self.inf, self.per, self.scenario
        t_inf = inf["t_inf"]
        lo = int(np.searchsorted(t_inf, t - self.K, side="left")) if inf.n else 0
        ids = np.arange(lo, inf.n)
        ids = ids[(t - t_inf[ids] >= 1) & (t - t_inf[ids] <= self.K) & (inf["t_end"][ids] > t)]
        if ids.size == 0:
            return 0
        age = t - t_inf[ids]
        c = self.gen_w[age] * np.where(
            inf["sev"][ids] == ASYMPTOMATIC, self.epi.rel_inf_asymptomatic, 1.0
        )
        pid = inf["person"][ids]
        known = pid >= 0
        status = np.full(ids.size, CLOSED, dtype=np.int8)
        bed = np.full(ids.size, -1, dtype=np.int8)
        fac = np.full(ids.size, -1, dtype=np.int64)
        status[known] = per["status"][pid[known]]
        bed[known] = per["bed"][pid[known]]
        fac[known] = per["facility"][pid[known]]
        community = status == CLOSED  # unknown, released or ruled out: moves freely
        home = status == AT_HOME
        in_fac = status == IN_FACILITY
        where = inf["patch"][ids].astype(np.int64).copy()
        where[in_fac] = self.fac_patch[fac[in_fac]]
        mult = self._level_multipliers()
        beta = sc.r0
        shares = np.zeros((ids.size, 4))
        shares[community] = mult
        shares[home, 0] = sc.home_factor
        shares[in_fac, 0] = np.where(bed[in_fac] == 4, sc.quarantine_factor, sc.hospital_factor)
        contrib = c[:, None] * shares
        lam = np.zeros((self.n_patch, 4))
        per_level = []
        for lvl in range(4):
            u = self.units[lvl][where]
            pressure = np.bincount(u, weights=contrib[:, lvl], minlength=self.unit_pop[lvl].size)
            per_level.append((u, contrib[:, lvl]))
            lam[:, lvl] = beta * (pressure / self.unit_pop[lvl])[self.units[lvl]]
        total = lam.sum(axis=1)
        p = -np.expm1(-total)
        new = self.rng.binomial(self.S, p)
        hit = np.flatnonzero(new)
        if hit.size == 0:
            return 0
        split = self.rng.multinomial(new[hit], lam[hit] / total[hit, None])
        patches_out, infectors = [], []
        for lvl in range(4):
            k = split[:, lvl]
            if not k.any():
                continue
            tgt = np.repeat(hit, k)
            u_ind, w_ind = per_level[lvl]
            order = np.argsort(u_ind, kind="stable")
            cs = np.cumsum(w_ind[order])
            tot = np.bincount(u_ind, weights=w_ind, minlength=self.unit_pop[lvl].size)
            start = np.cumsum(tot) - tot
            unit_t = self.units[lvl][tgt]
            r = start[unit_t] + self.rng.random(tgt.size) * tot[unit_t]
            j = np.clip(np.searchsorted(cs, r, side="right"), 0, cs.size - 1)
            patches_out.append(tgt)
            infectors.append(ids[order[j]])
        patches_arr = np.concatenate(patches_out)
        n = patches_arr.size
        self._new_infections(patches_arr, np.full(n, t, dtype=np.int64), np.concatenate(infectors))
        return int(n)

    # ------------------------------------------------------------------ people
    def _new_people(
        self,
        infection: np.ndarray,
        patch: np.ndarray,
        category: int,
        status: int = AT_HOME,
        index: np.ndarray | None = None,
    ) -> np.ndarray:
        n = patch.size
        if n == 0:
            return np.empty(0, dtype=np.int64)
        P = self.city.patches
        age = P.age[patch].astype(float) + 1e-9
        cum = np.cumsum(age / age.sum(axis=1, keepdims=True), axis=1)
        band = (self.rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 3)
        sex = np.where(self.rng.random(n) < 0.51, "M", "F")
        ids = self.per.append(
            infection=infection,
            patch=patch,
            age_band=band,
            sex=sex,
            entry=np.full(n, category),
            category=np.full(n, category),
            status=np.full(n, status),
            facility=np.full(n, -1),
            bed=np.full(n, -1),
            need=np.full(n, -1),
            wait_since=np.full(n, -1),
            t_known=np.full(n, self.t),
            t_confirmed=np.full(n, NEVER),
            t_out=np.full(n, NEVER),
            t_admit=np.full(n, NEVER),
            next_test=np.full(n, self.t),
            tests=np.zeros(n),
            pending=np.zeros(n, dtype=bool),
            t_release=np.full(n, NEVER),
            index=index if index is not None else np.full(n, -1),
        )
        has = infection >= 0
        self.inf.cols["person"][infection[has]] = ids[has]
        self._today_people.append(ids)
        return ids

    def _event(self, persons: np.ndarray, kind: int) -> None:
        if persons.size:
            self._events.append((persons.astype(np.int64), kind))

    def _close(self, persons: np.ndarray) -> None:
        """Close people (released, ruled out, dead, discharged) and free their beds."""
        per = self.per
        inside = persons[per["status"][persons] == IN_FACILITY]
        np.subtract.at(self.occupied, (per["facility"][inside], per["bed"][inside]), 1)
        per.cols["status"][persons] = CLOSED
        per.cols["facility"][persons] = -1
        per.cols["bed"][persons] = -1
        per.cols["need"][persons] = -1
        per.cols["wait_since"][persons] = -1
        per.cols["pending"][persons] = False
        per.cols["next_test"][persons] = NEVER

    def _outcome(self, persons: np.ndarray, kind: int) -> None:
        if persons.size:
            fac = self.per["facility"][persons].copy()
            self._outcomes.append((persons.astype(np.int64), kind, fac))

    # ------------------------------------------------------------------ the day
    def open_day(self) -> np.ndarray:
        """Run the day up to placement; returns the waiting list (records.WAITING)."""
        if self._open:
            raise RuntimeError("open_day called twice without close_day")
        if self.t >= self.scenario.days:
            raise RuntimeError("the scenario's days are over")
        self._open = True
        self._today_people: list[np.ndarray] = []
        self._events: list[tuple[np.ndarray, int]] = []
        self._outcomes: list[tuple[np.ndarray, int, np.ndarray]] = []
        self._contacts: list[np.ndarray] = []
        self._admissions: list[np.ndarray] = []
        self._samples_today: list[np.ndarray] = []
        self._results_today: list[np.ndarray] = []
        self.capacity = capacity_on(self.facilities, self.date)
        self._progress_and_outcomes()
        self.new_infections = self._transmit()
        self._detect()
        self._test()
        self._trace()
        self.waiting = self._waiting_list()
        return self.waiting

    def free_beds(self) -> np.ndarray:
        """Free beds by facility and type today, shape (n_facilities, 5), never negative."""
        free: np.ndarray = np.maximum(self.capacity - self.occupied, 0)
        return free

    def place(
        self,
        person_ids: np.ndarray,
        facility_ids: np.ndarray,
        bed_types: np.ndarray | None = None,
    ) -> None:
        """Admit waiting people to facilities (the platform's allocation feeds back here).

        Each person gets the bed type ``bed_types`` names (the platform's choice; it must
        meet his need, :data:`ACCEPT`) or, without ``bed_types``, the most suitable free bed
        type at the facility that meets his need. Besides the waiting list, the platform may
        place any open confirmed or suspected case or contact who has no bed meeting his
        need (one the twin's own asking rule has not queued yet, e.g. a mild case before the
        admit-all campaign), and any open febrile patient into a quarantine room. Raises
        ``ValueError`` if someone is neither, or the facility has no free bed he may take;
        nothing is placed then.
        """
        if not self._open:
            raise RuntimeError("place is called between open_day and close_day")
        person_ids = np.asarray(person_ids, dtype=np.int64)
        facility_ids = np.asarray(facility_ids, dtype=np.int64)
        if person_ids.shape != facility_ids.shape:
            raise ValueError("person_ids and facility_ids must have the same length")
        if bed_types is not None:
            bed_types = np.asarray(bed_types, dtype=np.int64)
            if bed_types.shape != person_ids.shape:
                raise ValueError("bed_types and person_ids must have the same length")
        if np.unique(person_ids).size != person_ids.size:
            raise ValueError("a person is placed twice")
        waiting = dict(
            zip(self.waiting["person_id"].tolist(), self.waiting["need"].tolist(), strict=True)
        )
        per = self.per
        known = person_ids[(person_ids >= 0) & (person_ids < per.n)]
        known = known[(per["status"][known] != CLOSED) & (per["need"][known] >= 0)]
        bed, need = per["bed"][known], per["need"][known]
        below = ~meets_need(bed, need)
        for p, n in zip(known[below].tolist(), need[below].tolist(), strict=True):
            waiting.setdefault(p, n)
        # Febrile patients are the fourth of the four categories: the platform may isolate
        # them in a quarantine room while their tests are pending (the twin itself sends
        # them home to wait).
        valid = person_ids[(person_ids >= 0) & (person_ids < per.n)]
        febrile = valid[
            (per["category"][valid] == R.FEBRILE)
            & (per["status"][valid] != CLOSED)
            & (per["need"][valid] < 0)
        ]
        for p in febrile.tolist():
            waiting.setdefault(p, 4)
        free = self.free_beds()
        beds = np.empty(person_ids.size, dtype=np.int64)
        for i, (p, f) in enumerate(zip(person_ids.tolist(), facility_ids.tolist(), strict=True)):
            if p not in waiting:
                raise ValueError(f"person {p} is not on the waiting list")
            if not 0 <= f < len(self.facilities):
                raise ValueError(f"no facility {f}")
            choices = ACCEPT[waiting[p]]
            if bed_types is not None:
                asked = int(bed_types[i])
                if asked not in choices:
                    raise ValueError(
                        f"person {p} needs one of bed types {choices}, not bed type {asked}"
                    )
                choices = (asked,)
            for b in choices:
                if free[f, b] > 0:
                    free[f, b] -= 1
                    beds[i] = b
                    break
            else:
                raise ValueError(f"facility {f} has no free bed of types {choices} for person {p}")
            if per["status"][p] == IN_FACILITY:  # his old bed is free for the next in line
                free[per["facility"][p], per["bed"][p]] += 1
        moving = person_ids[per["status"][person_ids] == IN_FACILITY]
        np.subtract.at(self.occupied, (per["facility"][moving], per["bed"][moving]), 1)
        np.add.at(self.occupied, (facility_ids, beds), 1)
        since = per["wait_since"][person_ids]
        wait = np.where(since >= 0, self.t - since, 0)
        per.cols["need"][febrile] = 4
        need = per["need"][person_ids].copy()
        per.cols["status"][person_ids] = IN_FACILITY
        per.cols["facility"][person_ids] = facility_ids
        per.cols["bed"][person_ids] = beds
        per.cols["wait_since"][person_ids] = -1
        conf = person_ids[per["category"][person_ids] == R.CONFIRMED]
        per.cols["t_out"][conf] = np.maximum(per["t_out"][conf], self.t + 3)
        first = person_ids[per["t_admit"][person_ids] == NEVER]
        per.cols["t_admit"][first] = self.t
        rec = np.zeros(person_ids.size, dtype=R.ADMISSION)
        rec["date"] = self._day(self.t)
        rec["person_id"] = person_ids
        rec["facility_id"] = facility_ids
        rec["bed_type"] = beds
        rec["need"] = need
        rec["wait_days"] = wait
        self._admissions.append(rec)
        placed = np.isin(self.waiting["person_id"], person_ids)
        self.waiting = self.waiting[~placed]

    def close_day(self) -> R.DayRecords:
        """Finish the day: appeals, supplies, waste, the report; returns the day's records."""
        if not self._open:
            raise RuntimeError("close_day without open_day")
        out = self._assemble()
        self._open = False
        self.t += 1
        return out

    def place_by_policy(self) -> None:
        """Place today's waiting people by the simulation's own :class:`PlacementPolicy`."""
        view = PlacementView(self.date, self.waiting, self.free_beds(), self.distance, ACCEPT)
        persons, facs = self.policy(view)
        if persons.size:
            self.place(persons, facs)

    def records_before_placement(self) -> R.DayRecords:
        """The day's records so far, between :meth:`open_day` and :meth:`close_day`.

        People, events, outcomes, samples, results and contacts are final (placement adds
        none of them); ``waiting`` is the list before placement; admissions, appeals,
        supplies, waste and the reports are empty until :meth:`close_day`. No side effects:
        a platform reads the day's line lists here, then places the waiting people.
        """
        if not self._open:
            raise RuntimeError("records_before_placement is called after open_day")
        known = self._known_today()
        empty_report = np.zeros(0, dtype=R.REPORT)
        return R.DayRecords(
            date=self.date,
            waiting=self.waiting,
            admissions=np.zeros(0, dtype=R.ADMISSION),
            appeals=np.zeros(0, dtype=R.APPEAL),
            supplies=np.zeros(0, dtype=R.SUPPLY),
            waste=np.zeros(0, dtype=R.WASTE),
            inspections=np.zeros(0, dtype=R.INSPECTION),
            report=empty_report,
            true_report=empty_report,
            true_new_infections=self.new_infections,
            **known,
        )

    def step(self) -> R.DayRecords:
        """One whole day with the policy's placements."""
        self.open_day()
        self.place_by_policy()
        return self.close_day()

    def run(self) -> list[R.DayRecords]:
        """All the scenario's remaining days."""
        return [self.step() for _ in range(self.t, self.scenario.days)]

    # ------------------------------------------------------------------ stages
    def _current_severity(self, infections: np.ndarray) -> np.ndarray:
        inf, t = self.inf, self.t
        sev = inf["sev"][infections].astype(np.int64)
        shown = np.where(sev >= SEVERE, 2, sev)
        shown = np.where(inf["t_severe"][infections] <= t, SEVERE, shown)
        return np.where(inf["t_critical"][infections] <= t, CRITICAL, shown)

    def current_severity(self, person_ids: np.ndarray) -> np.ndarray:
        """The severity operations see today (:data:`records.SEVERITY_NAMES` index) of
        known infected people; -1 for people who are not infected."""
        person_ids = np.asarray(person_ids, dtype=np.int64)
        infections = self.per["infection"][person_ids]
        out = np.full(person_ids.size, -1, dtype=np.int64)
        has = infections >= 0
        if has.any():
            out[has] = self._current_severity(infections[has])
        return out

    def _need_of_confirmed(self, persons: np.ndarray) -> np.ndarray:
        sev = self._current_severity(self.per["infection"][persons])
        return np.select([sev == CRITICAL, sev == SEVERE], [0, 1], 3).astype(np.int8)

    def _progress_and_outcomes(self) -> None:
        per, inf, t, epi = self.per, self.inf, self.t, self.epi
        if per.n == 0:
            return
        cat, status = per["category"], per["status"]
        open_conf = np.flatnonzero((cat == R.CONFIRMED) & (status != CLOSED))
        infs = per["infection"][open_conf]
        self._event(open_conf[inf["t_severe"][infs] == t], R.EV_SEVERE)
        self._event(open_conf[inf["t_critical"][infs] == t], R.EV_CRITICAL)
        per.cols["need"][open_conf] = self._need_of_confirmed(open_conf)
        # Outcomes of confirmed cases.
        done = open_conf[per["t_out"][open_conf] <= t]
        if done.size:
            di = per["infection"][done]
            sev = inf["sev"][di]
            bed = per["bed"][done]
            dies = inf["dies"][di].copy()
            untreated_crit = (sev == CRITICAL) & (bed != 0) & ~dies
            extra = (epi.p_death_critical_untreated - epi.p_death_critical_treated) / (
                1 - epi.p_death_critical_treated
            )
            dies |= untreated_crit & (self.rng.random(done.size) < extra)
            untreated_sev = (sev == SEVERE) & (per["status"][done] != IN_FACILITY)
            dies |= untreated_sev & (self.rng.random(done.size) < epi.p_death_severe_untreated)
            died = done[dies]
            home = done[~dies & (per["status"][done] != IN_FACILITY)]
            disch = done[~dies & (per["status"][done] == IN_FACILITY)]
            self._outcome(died, R.DIED)
            self._outcome(disch, R.DISCHARGED)
            self._outcome(home, R.RECOVERED_AT_HOME)
            self._close(done)
        # Contacts at the end of quarantine.
        rel = np.flatnonzero(
            (cat == R.CONTACT) & (per["status"] != CLOSED) & (per["t_release"] <= t)
        )
        if rel.size:
            self._event(rel, R.EV_RELEASED)
            self._outcome(rel, R.RELEASED_Q)
            uninfected = rel[per["infection"][rel] < 0]
            np.add.at(self.S, per["patch"][uninfected], 1)
            self._close(rel)

    def _detect(self) -> None:
        inf, per, t, sc, ops, epi = self.inf, self.per, self.t, self.scenario, self.ops, self.epi
        # Infected people reaching a fever clinic today (care-seeking or the sweep).
        lo = int(np.searchsorted(inf["t_inf"], t - 60, side="left"))
        ids = np.arange(lo, inf.n)
        seek = ids[inf["t_seek"][ids] == t]
        day = self.date
        if sc.sweep_start and sc.sweep_end and sc.sweep_start <= day <= sc.sweep_end:
            cand = ids[
                (inf["t_onset"][ids] <= t)
                & (inf["t_end"][ids] > t)
                & (inf["sev"][ids] != ASYMPTOMATIC)
            ]
            pid = inf["person"][cand]
            cand = cand[(pid < 0) | (per["status"][np.maximum(pid, 0)] == CLOSED)]
            found = cand[self.rng.random(cand.size) < sc.sweep_find_prob]
            seek = np.union1d(seek, found)
        for start, end, cover in sc.mass_testing:
            if start <= day <= end:
                cand = ids[
                    (t - inf["t_inf"][ids] <= epi.shedding_days)
                    & (inf["t_end"][ids] > t)
                    & (inf["person"][ids] < 0)
                ]
                seek = np.union1d(seek, cand[self.rng.random(cand.size) < cover])
        pid = inf["person"][seek]
        new_inf = seek[pid < 0]
        again = pid[pid >= 0]
        again = again[(per["status"][again] == CLOSED) | (per["category"][again] == R.CONTACT)]
        again = again[per["category"][again] != R.CONFIRMED]
        # Flu-season background: febrile, not infected.
        lam = ops.background_febrile_rate * self.city.patches.population
        k = self.rng.poisson(lam)
        bg_patch = np.repeat(np.arange(self.n_patch), k)
        visitors = np.concatenate(
            [
                self._new_people(new_inf, inf["patch"][new_inf].astype(np.int64), R.FEBRILE),
                self._new_people(np.full(bg_patch.size, -1), bg_patch, R.FEBRILE),
            ]
        )
        # Returning people (contacts falling ill, ruled-out people still ill) visit again.
        was_contact = again[per["category"][again] == R.CONTACT]
        reopen = again[per["category"][again] != R.CONTACT]
        per.cols["status"][reopen] = AT_HOME
        per.cols["category"][reopen] = R.FEBRILE
        per.cols["tests"][reopen] = 0
        self._event(np.concatenate([visitors, reopen]), R.EV_FEBRILE)
        visitors = np.concatenate([visitors, reopen])
        infected = per["infection"][visitors] >= 0
        p = np.where(infected, epi.p_suspect_if_infected, epi.p_suspect_if_not_infected)
        sus = np.concatenate([visitors[self.rng.random(visitors.size) < p], was_contact])
        per.cols["category"][sus] = R.SUSPECTED
        # A released contact who falls ill is open again (at home until placed).
        per.cols["status"][was_contact[per["status"][was_contact] == CLOSED]] = AT_HOME
        # Exclusion counts the negatives taken since he became suspected (NHC protocol,
        # 7th ed.: two consecutive negatives at least 24 h apart), as the platform does.
        per.cols["tests"][sus] = 0
        self._event(sus, R.EV_SUSPECTED)
        per.cols["next_test"][visitors] = t
        per.cols["next_test"][was_contact] = t

    def _test(self) -> None:
        per, t, sc, epi, inf = self.per, self.t, self.scenario, self.epi, self.inf
        # Results due today.
        s = self.samples
        pend = self._pending_samples
        due = pend[s["due"][pend] <= t]
        self._pending_samples = pend[s["due"][pend] > t]
        if due.size:
            persons = s["person"][due]
            pos = s["positive"][due]
            res = np.zeros(due.size, dtype=R.RESULT)
            res["test_id"], res["person_id"] = s["id"][due], persons
            res["date"], res["positive"] = self._day(t), pos
            self._results_today.append(res)
            per.cols["pending"][persons] = False
            open_ = per["status"][persons] != CLOSED
            conf = np.unique(persons[pos & open_ & (per["category"][persons] != R.CONFIRMED)])
            if conf.size:
                per.cols["category"][conf] = R.CONFIRMED
                per.cols["t_confirmed"][conf] = t
                per.cols["next_test"][conf] = NEVER
                per.cols["t_release"][conf] = NEVER
                ci = per["infection"][conf]
                # Cured (discharged, or recovered at home) after a length of stay from
                # confirmation: discharge needs negative tests. Deaths keep their date.
                los = _gamma_days(self.rng, epi.los_mean, epi.los_gamma_shape, conf.size)
                per.cols["t_out"][conf] = np.where(
                    inf["dies"][ci],
                    np.maximum(inf["t_end"][ci], t + 1),
                    np.maximum(inf["t_end"][ci], t + np.maximum(los, 3)),
                )
                per.cols["need"][conf] = self._need_of_confirmed(conf)
                self.cum[0] += np.bincount(per["patch"][conf], minlength=self.n_patch)
                self._event(conf, R.EV_CONFIRMED)
                self._confirmed_today = conf
            neg = np.unique(persons[~pos & open_])
            neg = neg[per["category"][neg] != R.CONFIRMED]
            cat = per["category"][neg]
            excluded = (cat == R.SUSPECTED) & (per["tests"][neg] >= EXCLUDE_NEGATIVES)
            out = neg[(cat == R.FEBRILE) | excluded]
            retest = neg[(cat == R.SUSPECTED) & ~excluded]
            per.cols["next_test"][retest] = t + 2
            c_neg = neg[cat == R.CONTACT]
            per.cols["next_test"][c_neg] = np.where(
                per["t_release"][c_neg] - 1 > t, per["t_release"][c_neg] - 1, NEVER
            )
            self._event(out, R.EV_RULED_OUT)
            self._close(out)
        # Today's samples, within capacity, by priority.
        cand = np.flatnonzero((per["next_test"] <= t) & ~per["pending"] & (per["status"] != CLOSED))
        cap = round(sc.test_capacity.value(self.date) * sc.scale)
        cat = per["category"][cand]
        prio = np.select([cat == R.SUSPECTED, cat == R.FEBRILE], [0, 1], 2)
        order = np.lexsort((cand, per["next_test"][cand], prio))
        take = cand[order[:cap]]
        left = cand[order[cap:]]
        # Febrile patients not tested within 2 days are sent home (clinically ruled out).
        stale = left[(per["category"][left] == R.FEBRILE) & (t - per["next_test"][left] >= 2)]
        self._event(stale, R.EV_RULED_OUT)
        self._close(stale)
        if take.size == 0:
            return
        ii = per["infection"][take]
        age = t - inf["t_inf"][np.maximum(ii, 0)]
        detectable = (ii >= 0) & (age >= 2) & (age <= epi.shedding_days)
        positive = detectable & (self.rng.random(take.size) < epi.test_sensitivity)
        delay = int(sc.lab_delay.value(self.date))
        ids = np.arange(self.n_tests, self.n_tests + take.size)
        self.n_tests += take.size
        rows = self.samples.append(
            person=take, due=np.full(take.size, t + delay), positive=positive, id=ids
        )
        self._pending_samples = np.concatenate([self._pending_samples, rows])
        per.cols["pending"][take] = True
        per.cols["tests"][take] += 1
        per.cols["next_test"][take] = NEVER
        rec = np.zeros(take.size, dtype=R.SAMPLE)
        rec["test_id"], rec["person_id"] = ids, take
        rec["sampled"], rec["result_due"] = self._day(t), self._day(t + delay)
        rec["reason"] = per["category"][take]
        self._samples_today.append(rec)

    def _trace(self) -> None:
        """Trace the contacts of the cases confirmed yesterday."""
        per, inf, t, sc, ops = self.per, self.inf, self.t, self.scenario, self.ops
        index = self._confirmed_yesterday
        self._confirmed_yesterday = self._confirmed_today
        self._confirmed_today = np.empty(0, dtype=np.int64)
        if index.size == 0:
            return
        intensity = sc.tracing.value(self.date)
        idx_inf = per["infection"][index]
        lo = int(np.searchsorted(inf["t_inf"], t - 45, side="left"))
        cand = np.arange(lo, inf.n)
        by = inf["infector"][cand]
        hit = cand[np.isin(by, idx_inf) & (inf["person"][cand] < 0) & (inf["t_end"][cand] > t)]
        hit = hit[self.rng.random(hit.size) < intensity]
        inf_to_person = dict(zip(idx_inf.tolist(), index.tolist(), strict=True))
        idx_of_hit = np.array(
            [inf_to_person[i] for i in inf["infector"][hit].tolist()], dtype=np.int64
        )
        # Uninfected contacts.
        k = self.rng.poisson(ops.contacts_per_case * intensity, index.size)
        src = np.repeat(index, k)
        home = self.rng.random(src.size) < ops.household_contact_share
        patch = per["patch"][src].astype(np.int64).copy()
        away = np.flatnonzero(~home)
        if away.size:
            d = self._patch_district_rank[patch[away]]
            for di in np.unique(d):
                rows = away[d == di]
                patch[rows] = self.rng.choice(self._district_patches[di], size=rows.size)
        ok = self.S[patch] > 0
        src, patch, home = src[ok], patch[ok], home[ok]
        np.subtract.at(self.S, patch, 1)
        np.maximum(self.S, 0, out=self.S)
        c1 = self._new_people(hit, inf["patch"][hit].astype(np.int64), R.CONTACT, index=idx_of_hit)
        c2 = self._new_people(np.full(src.size, -1), patch, R.CONTACT, index=src)
        contacts = np.concatenate([c1, c2])
        per.cols["t_release"][contacts] = t + ops.contact_quarantine_days
        self._event(contacts, R.EV_CONTACT)
        rec = np.zeros(contacts.size, dtype=R.CONTACT_LINK)
        rec["person_id"] = contacts
        rec["index_person_id"] = np.concatenate([idx_of_hit, src])
        rec["date"] = self._day(t)
        rec["patch"] = per["patch"][contacts]
        rec["household"] = per["patch"][contacts] == per["patch"][rec["index_person_id"]]
        rec["true_infected_by_index"] = np.concatenate(
            [np.ones(c1.size, bool), np.zeros(c2.size, bool)]
        )
        self._contacts.append(rec)

    def _waiting_list(self) -> np.ndarray:
        per, t, sc = self.per, self.t, self.scenario
        if per.n == 0:
            return np.zeros(0, dtype=R.WAITING)
        campaign = sc.admit_all.active(self.date)
        cat, status = per["category"], per["status"]
        open_ = status != CLOSED
        need = per["need"].copy()
        need[open_ & ((cat == R.SUSPECTED) | (cat == R.CONTACT))] = 4
        per.cols["need"][: per.n] = need
        bed = per["bed"]
        eligible = open_ & (need >= 0) & ~meets_need(bed, need)
        # Severe and critical patients always ask for a bed. Suspected people once
        # centralised isolation starts; mild confirmed patients and close contacts once the
        # admit-all campaign starts (before it they were told to stay home).
        allowed = need <= 1
        if campaign:
            allowed |= (need == 3) | (need == 4)
        if sc.central_isolation.active(self.date):
            allowed |= (need == 4) & (cat == R.SUSPECTED)
        eligible &= allowed
        ws = per["wait_since"]
        fresh = eligible & (ws < 0)
        per.cols["wait_since"][np.flatnonzero(fresh)] = t
        per.cols["wait_since"][np.flatnonzero(~eligible & (status != IN_FACILITY))] = -1
        rows = np.flatnonzero(eligible)
        out = np.zeros(rows.size, dtype=R.WAITING)
        out["person_id"] = rows
        out["category"] = cat[rows]
        out["need"] = need[rows]
        out["patch"] = per["patch"][rows]
        since = per["wait_since"][rows]
        out["since"] = np.datetime64(self.scenario.start, "D") + since.astype("m8[D]")
        out["wait_days"] = t - since
        return out

    # ------------------------------------------------------------------ outputs
    def _assemble(self) -> R.DayRecords:
        known = self._known_today()
        samples, events, outcomes = known["samples"], known["events"], known["outcomes"]
        report, true_report = self._report(events, outcomes)
        return R.DayRecords(
            date=self.date,
            waiting=self.waiting,
            admissions=self._cat(self._admissions, R.ADMISSION),
            appeals=self._appeals(events),
            supplies=self._supplies(samples),
            waste=self._waste(samples),
            inspections=self._inspections(),
            report=report,
            true_report=true_report,
            true_new_infections=self.new_infections,
            **known,
        )

    @staticmethod
    def _cat(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    def _known_today(self) -> dict[str, np.ndarray]:
        """People, events, outcomes, samples, results and contacts of the day so far."""
        per, day = self.per, self._day(self.t)
        people_ids = (
            np.concatenate(self._today_people) if self._today_people else np.empty(0, np.int64)
        )
        people = np.zeros(people_ids.size, dtype=R.PERSON)
        people["person_id"] = people_ids
        people["patch"] = per["patch"][people_ids]
        people["age_band"] = per["age_band"][people_ids]
        people["sex"] = per["sex"][people_ids]
        people["entry_category"] = per["entry"][people_ids]
        ii = per["infection"][people_ids]
        infected = ii >= 0
        people["true_infected"] = infected
        people["true_severity"] = np.where(infected, self.inf["sev"][np.maximum(ii, 0)], -1)
        t_inf = self.inf["t_inf"][np.maximum(ii, 0)]
        people["true_infection_date"] = np.where(
            infected,
            np.datetime64(self.scenario.start, "D") + t_inf.astype("m8[D]"),
            np.datetime64("NaT"),
        )
        infector = np.where(infected, self.inf["infector"][np.maximum(ii, 0)], -1)
        people["true_infector_person_id"] = np.where(
            infector >= 0, self.inf["person"][np.maximum(infector, 0)], -1
        )

        ev_p = [e[0] for e in self._events]
        ev_k = [np.full(e[0].size, e[1], dtype=np.int8) for e in self._events]
        ev_persons = np.concatenate(ev_p) if ev_p else np.empty(0, np.int64)
        events = np.zeros(ev_persons.size, dtype=R.EVENT)
        events["date"] = day
        events["person_id"] = ev_persons
        events["event"] = np.concatenate(ev_k) if ev_k else np.empty(0, np.int8)
        events["patch"] = per["patch"][ev_persons]

        oc = self._outcomes
        oc_p = np.concatenate([o[0] for o in oc]) if oc else np.empty(0, np.int64)
        outcomes = np.zeros(oc_p.size, dtype=R.OUTCOME)
        outcomes["date"] = day
        outcomes["person_id"] = oc_p
        outcomes["outcome"] = np.concatenate([np.full(o[0].size, o[1]) for o in oc]) if oc else []
        outcomes["facility_id"] = np.concatenate([o[2] for o in oc]) if oc else []
        outcomes["patch"] = per["patch"][oc_p]

        return {
            "people": people,
            "events": events,
            "samples": self._cat(self._samples_today, R.SAMPLE),
            "results": self._cat(self._results_today, R.RESULT),
            "contacts": self._cat(self._contacts, R.CONTACT_LINK),
            "outcomes": outcomes,
        }

    def _closure_level(self) -> float:
        sc, day = self.scenario, self.date
        if sc.community_closure.active(day):
            return 1.0
        return 0.5 if sc.lockdown.active(day) else 0.0

    def _appeals(self, events: np.ndarray) -> np.ndarray:
        ops, rng, P = self.ops, self.ops_rng, self.city.patches
        closure = self._closure_level()
        pop = P.population.astype(float)
        vuln = P.vulnerable[:, :3].sum(axis=1).astype(float)
        n_wait = np.bincount(self.waiting["patch"], minlength=self.n_patch).astype(float)
        n_conf = np.bincount(
            events["patch"][events["event"] == R.EV_CONFIRMED], minlength=self.n_patch
        ).astype(float)
        means = np.stack(
            [
                np.zeros(self.n_patch),  # admission requests are drawn per waiting person below
                ops.appeal_rate_medicine * vuln * closure,
                ops.appeal_rate_groceries * pop * closure,
                ops.appeal_rate_prices * pop * closure,
                ops.appeal_rate_complaint * pop + ops.appeal_rate_complaint_waiting * n_wait,
                ops.appeal_rate_rumour * n_conf,
                ops.appeal_rate_other * pop,
            ],
            axis=1,
        )
        k = rng.poisson(means)
        kind = np.repeat(np.tile(np.arange(7), self.n_patch), k.ravel())
        patch = np.repeat(np.repeat(np.arange(self.n_patch), 7), k.ravel())
        asking = self.waiting[rng.random(self.waiting.size) < ops.appeal_rate_admission]
        n = asking.size + kind.size
        out = np.zeros(n, dtype=R.APPEAL)
        out["appeal_id"] = np.arange(self.n_appeals, self.n_appeals + n)
        self.n_appeals += n
        out["date"] = self._day(self.t)
        out["patch"] = np.concatenate([asking["patch"], patch])
        out["kind"] = np.concatenate([np.zeros(asking.size, np.int8), kind])
        out["channel"] = (rng.random(n) < 0.3).astype(np.int8)
        out["person_id"] = np.concatenate([asking["person_id"], np.full(kind.size, -1)])
        return out

    def _plan_inspections(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each patch's inspection day (index), failed item (-1: none) and re-inspection day.

        Drawn once, from a stream of their own: the plan never moves the epidemic's draws.
        No inspections (all -1) without ``inspection_start``.
        """
        sc, n = self.scenario, self.n_patch
        none = np.full(n, -1, dtype=np.int64)
        if sc.inspection_start is None:
            return none, none, none
        rng = np.random.default_rng([sc.seed, 0x15EC])
        first = (sc.inspection_start - sc.start).days + rng.integers(0, sc.inspection_days, n)
        fails = rng.random(n) < sc.inspection_fail_share
        item = np.where(fails, rng.integers(0, len(R.SIX_IN_PLACE_NAMES), n), -1)
        again = np.where(fails, first + sc.reinspect_days, -1)
        return first, item, again

    def _inspections(self) -> np.ndarray:
        """Today's inspections: first visits (some failing an item) and re-inspections."""
        first, item, again = self._inspection_plan
        visits = np.flatnonzero(first == self.t)
        repeats = np.flatnonzero(again == self.t)
        out = np.zeros(visits.size + repeats.size, dtype=R.INSPECTION)
        out["date"] = self._day(self.t)
        out["patch"] = np.concatenate([visits, repeats])
        out["failed_item"] = np.concatenate([item[visits], np.full(repeats.size, -1)])
        return out

    def _district_codes(self) -> np.ndarray:
        codes: np.ndarray = self.city.area_code[self.city.area_level == "district"]
        return codes

    def _occupancy_by_district(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes = self._district_codes()
        rank = np.searchsorted(np.sort(codes), self.fac_district)
        order = np.argsort(codes)
        hosp = self.occupied[:, :4].sum(axis=1)
        quar = self.occupied[:, 4]
        h = np.zeros(codes.size)
        q = np.zeros(codes.size)
        np.add.at(h, order[rank], hosp)
        np.add.at(q, order[rank], quar)
        return codes, h, q

    def _tests_by_district(self, samples: np.ndarray) -> np.ndarray:
        codes = self._district_codes()
        P = self.city.patches
        dist_area = P.district[self.per["patch"][samples["person_id"]]]
        idx = np.searchsorted(np.flatnonzero(self.city.area_level == "district"), dist_area)
        return np.bincount(idx, minlength=codes.size).astype(float)

    def _supplies(self, samples: np.ndarray) -> np.ndarray:
        ops, rng = self.ops, self.ops_rng
        codes, hosp, quar = self._occupancy_by_district()
        tests = self._tests_by_district(samples)
        P = self.city.patches
        didx = np.searchsorted(np.flatnonzero(self.city.area_level == "district"), P.district)
        residents = np.bincount(didx, weights=P.population, minlength=codes.size)
        bed_days = hosp + 0.3 * quar
        rows = []
        for item, name in enumerate(R.SUPPLY_NAMES):
            mean = bed_days * ops.supply_per_bed_day.get(
                name, 0.0
            ) + tests * ops.supply_per_test.get(name, 0.0)
            if name == "surgical_mask":
                mean = (
                    mean + residents * ops.supply_surgical_mask_per_resident * self._closure_level()
                )
            q = rng.poisson(mean)
            rec = np.zeros(codes.size, dtype=R.SUPPLY)
            rec["date"], rec["district_code"], rec["item"], rec["quantity"] = (
                self._day(self.t),
                codes,
                item,
                q,
            )
            rows.append(rec[q > 0])
        return np.concatenate(rows)

    def _waste(self, samples: np.ndarray) -> np.ndarray:
        ops, rng, sc = self.ops, self.ops_rng, self.scenario
        codes = self._district_codes()
        P = self.city.patches
        didx = np.searchsorted(np.flatnonzero(self.city.area_level == "district"), P.district)
        share = np.bincount(didx, weights=P.population, minlength=codes.size)
        share = share / share.sum()
        tests = self._tests_by_district(samples)
        base = (
            ops.waste_baseline_t_per_day * sc.scale * share + tests * ops.waste_kg_per_test / 1000.0
        ) * rng.normal(1.0, 0.03, codes.size)
        fac_t = (
            self.occupied[:, :4].sum(axis=1) * ops.waste_kg_per_bed_day
            + self.occupied[:, 4] * ops.waste_kg_per_quarantine_day
        ) / 1000.0
        used = np.flatnonzero(fac_t > 0)
        out = np.zeros(codes.size + used.size, dtype=R.WASTE)
        out["date"] = self._day(self.t)
        out["district_code"] = np.concatenate([codes, self.fac_district[used]])
        out["facility_id"] = np.concatenate([np.full(codes.size, -1), used])
        out["tonnes"] = np.round(
            np.concatenate([base, fac_t[used] * rng.normal(1.0, 0.05, used.size)]), 4
        )
        return out

    def _report(self, events: np.ndarray, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per, n = self.per, self.n_patch
        vals = np.zeros((len(R.REPORT_FIELDS), n), dtype=np.int64)
        for row, kind in (
            (0, R.EV_CONFIRMED),
            (1, R.EV_SUSPECTED),
            (2, R.EV_FEBRILE),
            (3, R.EV_CONTACT),
        ):
            vals[row] = np.bincount(events["patch"][events["event"] == kind], minlength=n)
        vals[4] = np.bincount(outcomes["patch"][outcomes["outcome"] == R.DIED], minlength=n)
        vals[5] = np.bincount(
            outcomes["patch"][np.isin(outcomes["outcome"], (R.DISCHARGED, R.RECOVERED_AT_HOME))],
            minlength=n,
        )
        self.cum[1] += vals[4]
        self.cum[2] += vals[5]
        vals[6:9] = self.cum
        active = (
            np.flatnonzero((per["category"] == R.CONFIRMED) & (per["status"] != CLOSED))
            if per.n
            else np.empty(0, np.int64)
        )
        ap = per["patch"][active] if per.n else np.empty(0, np.int64)
        sev = self._current_severity(per["infection"][active]) if active.size else np.empty(0)
        vals[9] = np.bincount(ap, minlength=n)
        vals[10] = np.bincount(ap[sev == SEVERE], minlength=n)
        vals[11] = np.bincount(ap[sev == CRITICAL], minlength=n)
        area = np.zeros((len(R.REPORT_FIELDS), self.area_codes.size), dtype=np.int64)
        area[:, self.city.patches.area] = vals
        parent = self.city.area_parent
        for idx in self._rollup_order:
            np.add.at(area.T, parent[idx], area.T[idx])
        true = np.zeros(self.area_codes.size, dtype=R.REPORT)
        true["area"] = np.arange(self.area_codes.size)
        for i, f in enumerate(R.REPORT_FIELDS):
            true[f] = area[i]
        reported = true.copy()
        for fault, row in self._fault_rows.items():
            day = self.date
            if not fault.start <= day < fault.start + dt.timedelta(days=fault.days):
                continue
            if fault.kind == "under_report":
                rec = reported[row]
                cum = self._under_cum.setdefault(
                    row,
                    np.array(
                        [
                            rec["cum_confirmed"] - rec["new_confirmed"],
                            rec["cum_deaths"] - rec["new_deaths"],
                            rec["cum_discharged"] - rec["new_discharged"],
                        ]
                    ),
                )
                for f in R.REPORT_FIELDS[:6]:
                    reported[f][row] = round(int(rec[f]) * fault.factor)
                cum += [
                    reported["new_confirmed"][row],
                    reported["new_deaths"][row],
                    reported["new_discharged"][row],
                ]
                (
                    reported["cum_confirmed"][row],
                    reported["cum_deaths"][row],
                    reported["cum_discharged"][row],
                ) = cum
            elif fault.kind == "stale" and row in self._reported_prev:
                reported[row] = self._reported_prev[row]
        for row in self._fault_rows.values():
            self._reported_prev[row] = reported[row].copy()
        return reported, true
