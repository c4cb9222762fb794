"""What the outbreak needs of the demo city: residents, households, vulnerable people, businesses.

Built around :func:`warroom.twin.city.build_demo_city` (whose output is unchanged): the
area tree gives the populations; this module adds, per *patch* (the leaves where people
live: compounds under urban communities, and villages, which have no compounds), the
household count, the age structure and the counts of vulnerable residents, and per
street the businesses by sector. All of it is aggregate (counts), synthetic, and a pure
function of the seed (drawn from its own random stream, so the area tree is untouched).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warroom.twin.city import DEFAULT_SEED, AreaSpec, build_demo_city

# Age bands of the census tables used here.
AGE_BANDS = ("0-14", "15-59", "60-64", "65+")
# China's 7th census (2020) national shares: 0-14 17.95 %, 15-59 63.35 %, 60+ 18.70 %,
# 65+ 13.50 % (NBS census bulletin No. 5, 2021-05-11); Wuhan's own table is not in data/.
AGE_SHARES = np.array([0.1795, 0.6335, 0.0520, 0.1350])  # NBS 7th census bulletin No. 5
# Average household size 2.62 persons (7th census bulletin No. 1, national).
MEAN_HOUSEHOLD_SIZE = 2.62  # NBS 7th census bulletin No. 1
# Vulnerable residents (the caretakers' lists, DESIGN §1 "包保联系人"):
# - elderly living alone: ~12 % of people 65+ live alone (CHARLS/census 2010 one-person
#   households of the elderly; assumption for Wuhan);
# - disabled: 6.34 % of the population (2nd national sample survey on disability, 2006);
# - on dialysis: ~0.04 % (Wuhan had ~5,000 haemodialysis patients in 2020, news reports
#   of the municipal health commission; assumption);
# - pregnant: ~0.75 % (birth rate ~10 per 1,000 × 0.75 year of pregnancy; assumption).
P_ELDERLY_ALONE_OF_65 = 0.12  # assumption (CHARLS-order figure)
P_DISABLED = 0.0634  # 2nd national sample survey on disability, 2006
P_DIALYSIS = 0.0004  # assumption (~5,000 patients in Wuhan)
P_PREGNANT = 0.0075  # assumption (birth rate × pregnancy length)
VULNERABLE_KINDS = ("elderly_alone", "disabled", "dialysis", "pregnant")
# Businesses (市场主体) per 1,000 residents by sector: synthetic, of the order of a large
# Chinese city (~120 registered market entities per 1,000, most of them sole traders).
BUSINESS_SECTORS = (
    "retail",
    "catering",
    "manufacturing",
    "construction",
    "logistics",
    "services",
    "healthcare",
    "pharmacy",
)
BUSINESS_PER_1000 = np.array([40.0, 18.0, 6.0, 3.0, 5.0, 35.0, 1.2, 0.8])  # synthetic


@dataclass(frozen=True)
class Patches:
    """The leaves where people live, as parallel arrays (index = patch number).

    ``community``, ``street``, ``district`` index :attr:`CityModel.areas`; for a village
    the community is the village itself.
    """

    code: np.ndarray  # str, the leaf's area code
    area: np.ndarray  # int, index of the leaf in CityModel.areas
    community: np.ndarray  # int, area index of the community (or village)
    street: np.ndarray  # int, area index of the street
    district: np.ndarray  # int, area index of the district
    population: np.ndarray  # int64
    households: np.ndarray  # int64
    age: np.ndarray  # int64, shape (n, 4), AGE_BANDS
    vulnerable: np.ndarray  # int64, shape (n, 4), VULNERABLE_KINDS
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return int(self.code.size)


@dataclass(frozen=True)
class CityModel:
    """The demo city with everything the outbreak needs. Build with :func:`build_city_model`."""

    seed: int
    scale: float
    areas: tuple[AreaSpec, ...]
    area_code: np.ndarray  # str
    area_level: np.ndarray  # str
    area_parent: np.ndarray  # int, -1 for the city
    patches: Patches
    business_street: np.ndarray  # int, area index of the street
    businesses: np.ndarray  # int64, shape (n_streets, len(BUSINESS_SECTORS))

    @property
    def population(self) -> int:
        return int(self.patches.population.sum())


def build_city_model(seed: int = DEFAULT_SEED, scale: float = 1.0) -> CityModel:
    """The demo city of ``build_demo_city(seed)`` plus residents' structure, scaled.

    ``scale`` (0 < scale ≤ 1) keeps the fraction of the residents of every patch
    (rounded); the area tree keeps its full populations in ``areas`` (the official figures).
    """
    if not 0 < scale <= 1:
        raise ValueError("scale must be in (0, 1]")
    areas = tuple(build_demo_city(seed))
    rng = np.random.default_rng([seed, 0x7717])  # own stream: the area tree is unchanged
    index = {a.code: i for i, a in enumerate(areas)}
    area_code = np.array([a.code for a in areas])
    area_level = np.array([a.level for a in areas])
    area_parent = np.array([index[a.parent_code] if a.parent_code else -1 for a in areas])
    has_child = np.zeros(len(areas), dtype=bool)
    has_child[area_parent[area_parent >= 0]] = True
    leaf = np.array(
        [
            (a.level == "compound") or (a.level == "community" and not has_child[i])
            for i, a in enumerate(areas)
        ]
    )
    leaf_idx = np.flatnonzero(leaf)

    def ancestor(i: int, level: str) -> int:
        while area_level[i] != level:
            i = int(area_parent[i])
        return i

    community = np.array([ancestor(int(i), "community") for i in leaf_idx])
    street = np.array([ancestor(int(i), "street") for i in leaf_idx])
    district = np.array([ancestor(int(i), "district") for i in leaf_idx])
    full_pop = np.array([areas[i].population for i in leaf_idx], dtype=np.int64)
    pop = np.rint(full_pop * scale).astype(np.int64)

    # Age structure: national shares, perturbed per patch (older centres, younger suburbs
    # are not modelled: a Dirichlet spread around the census mix).
    shares = rng.dirichlet(AGE_SHARES * 200.0, size=pop.size)
    age = np.array([rng.multinomial(n, p) for n, p in zip(pop, shares, strict=True)])
    households = np.maximum(
        np.rint(pop / rng.normal(MEAN_HOUSEHOLD_SIZE, 0.15, pop.size)).astype(np.int64),
        (pop > 0).astype(np.int64),
    )
    vulnerable = np.stack(
        [
            rng.binomial(age[:, 3], P_ELDERLY_ALONE_OF_65),
            rng.binomial(pop, P_DISABLED),
            rng.binomial(pop, P_DIALYSIS),
            rng.binomial(age[:, 1], P_PREGNANT * pop.sum() / max(age[:, 1].sum(), 1)),
        ],
        axis=1,
    ).astype(np.int64)
    patches = Patches(
        code=area_code[leaf_idx],
        area=leaf_idx,
        community=community,
        street=street,
        district=district,
        population=pop,
        households=households,
        age=age.astype(np.int64),
        vulnerable=vulnerable,
        lat=np.array([areas[i].lat or 0.0 for i in leaf_idx]),
        lon=np.array([areas[i].lon or 0.0 for i in leaf_idx]),
    )
    street_idx = np.flatnonzero(area_level == "street")
    street_pop = np.bincount(
        np.searchsorted(street_idx, street), weights=pop, minlength=street_idx.size
    )
    businesses = rng.poisson(np.outer(street_pop / 1000.0, BUSINESS_PER_1000)).astype(np.int64)
    return CityModel(
        seed=seed,
        scale=scale,
        areas=areas,
        area_code=area_code,
        area_level=area_level,
        area_parent=area_parent,
        patches=patches,
        business_street=street_idx,
        businesses=businesses,
    )
