"""The demo city's area tree: real districts and streets, a synthetic layer below them.

Real (from ``warroom/geo/data``, see its README): Wuhan's 15 reporting units with their
2020 census populations and approximate centroids, and its 198 township-level units
(NBS division codes, 2019). Synthetic, and marked so (``synthetic=True``): the street
populations and locations, about 1,400 urban communities, 1,900 villages and 7,100
compounds below them, with names and populations that sum exactly to their parents'.
The synthetic layer is a pure function of the seed: the same seed gives the same city.

Decisions (the reference data leaves them open):
- A street administered by a functional zone is placed under the zone, not under the
  district that codes it (the census counts it with the zone): see ``ADMINISTERED_BY``.
- Villages (村) are leaves at community level; compounds (小区) sit under urban
  communities only, as in Wuhan's certification scheme.
- Community codes follow the NBS convention: the street's 9 digits + 001-199 for
  communities (居委会), 200-399 for villages (村委会); a compound adds 3 digits.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CITY_CODE = "4201"
DEFAULT_SEED = 20200123  # the day Wuhan closed its outbound travel
N_COMMUNITIES = 1400
N_VILLAGES = 1900
N_COMPOUNDS = 7100
LEVELS = ("city", "district", "street", "community", "compound")
DATA_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"

# Streets that a functional zone administers although the NBS codes them under a
# district (districts CSV, `note` column; the census counts their people with the zone).
ADMINISTERED_BY = {
    # 东湖新技术开发区 (East Lake High-Tech Zone)
    "420111080": "420190",  # 关东街道
    "420111081": "420190",  # 花山街道
    "420111082": "420190",  # 左岭街道
    "420111083": "420190",  # 九峰街道
    "420115086": "420190",  # 佛祖岭街道
    "420115087": "420190",  # 豹澥街道
    "420115088": "420190",  # 龙泉街道
    "420115089": "420190",  # 滨湖街道
    # 东湖生态旅游风景区 (East Lake Scenic Area)
    "420106490": "420191",  # 东湖风景区街道（武昌）
    "420111491": "420191",  # 东湖风景区街道（洪山）
    # 武汉经开区 (Economic and Technological Development Zone)
    "420114070": "420113",  # 沌口街道
    "420114071": "420113",  # 军山街道
    "420114072": "420113",  # 沌阳街道
}

# Share of a district's people living in villages rather than urban communities.
# Synthetic: a coarse reading of which districts are central (0) and which far suburbs.
RURAL_SHARE = {
    "420102": 0.0,
    "420103": 0.0,
    "420104": 0.0,
    "420105": 0.05,
    "420106": 0.0,
    "420107": 0.05,
    "420111": 0.15,
    "420112": 0.45,
    "420113": 0.35,
    "420114": 0.6,
    "420115": 0.55,
    "420116": 0.75,
    "420117": 0.8,
    "420190": 0.25,
    "420191": 0.3,
}

_COMMUNITY_ROOTS = [
    "幸福",
    "和平",
    "建设",
    "光明",
    "友谊",
    "新华",
    "民主",
    "胜利",
    "红旗",
    "东风",
    "长青",
    "花园",
    "滨江",
    "南湖",
    "青年",
    "工人",
    "育才",
    "振兴",
    "同心",
    "安居",
    "文化",
    "复兴",
    "永安",
    "长丰",
    "华锦",
    "紫阳",
    "百花",
    "桃源",
    "翠微",
    "丽岛",
    "金桥",
    "银湖",
    "梅苑",
    "竹林",
    "荷塘",
    "松柏",
    "朝阳",
    "晴川",
    "汉兴",
    "楚雄",
    "江城",
    "龙湖",
    "凤凰",
    "玉带",
    "锦绣",
    "常青",
    "新村",
    "三眼桥",
    "西马",
    "后湖",
]
_VILLAGE_SURNAMES = [
    "李",
    "王",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
]
_VILLAGE_SUFFIXES = [
    "湾",
    "墩",
    "岭",
    "咀",
    "畈",
    "港",
    "岗",
    "庙",
    "坳",
    "冲",
    "铺",
    "店",
    "集",
    "寨",
    "洲",
]
_COMPOUND_SUFFIXES = (
    ("小区", "Compound"),
    ("花园", "Garden"),
    ("苑", "Court"),
    ("新村", "New Village"),
    ("家园", "Homes"),
    ("公寓", "Apartments"),
)
_STREET_SUFFIXES = (("街道", "Subdistrict"), ("乡", "Township"), ("镇", "Town"))


@dataclass(frozen=True)
class AreaSpec:
    """One node of the area tree, as a loader writes it."""

    code: str
    parent_code: str | None
    level: str
    kind: str
    name_zh: str
    name_en: str
    population: int
    lat: float | None
    lon: float | None
    synthetic: bool


def pinyin(text: str) -> str:
    """Chinese → capitalised pinyin without tones ("东湖" → "Donghu")."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).capitalize()


def split_total(total: int, weights: Sequence[float] | np.ndarray) -> list[int]:
    """Split an integer into parts proportional to ``weights`` that sum to it exactly.

    Largest-remainder (Hamilton) apportionment; ties go to the earlier part.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0 or w.size == 0 or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(
            "split_total needs total >= 0 and non-negative weights with a positive sum"
        )
    quota = w / w.sum() * total
    parts = np.floor(quota).astype(np.int64)
    short = total - int(parts.sum())
    order = np.argsort(-(quota - parts), kind="stable")
    parts[order[:short]] += 1
    return [int(p) for p in parts]


def apportion_with_minimum(total: int, weights: Sequence[float], minimum: list[int]) -> list[int]:
    """Like :func:`split_total`, but each part gets at least ``minimum[i]``."""
    base = sum(minimum)
    if base > total:
        raise ValueError("the minimums exceed the total")
    if total == base or sum(weights) <= 0:
        return list(minimum)
    extra = split_total(total - base, weights)
    return [m + e for m, e in zip(minimum, extra, strict=True)]


def _english_street(name: str) -> str:
    for zh, en in _STREET_SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            return f"{pinyin(name[: -len(zh)])} {en}"
    return pinyin(name)


def _street_kind(raw: str) -> str:
    for key in ("street", "township", "town"):
        if raw.startswith(key):
            return key
    return "other"


def load_real_units(data_dir: Path = DATA_DIR) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open(data_dir / "wuhan_districts.csv", encoding="utf-8") as f:
        districts = list(csv.DictReader(f))
    with open(data_dir / "wuhan_streets.csv", encoding="utf-8") as f:
        streets = list(csv.DictReader(f))
    return districts, streets


def build_demo_city(seed: int = DEFAULT_SEED, data_dir: Path = DATA_DIR) -> list[AreaSpec]:
    """The demo city, parents before children. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    districts, streets = load_real_units(data_dir)
    city_pop = sum(int(d["population_2020"]) for d in districts)
    out = [
        AreaSpec(
            CITY_CODE, None, "city", "city", "武汉市", "Wuhan", city_pop, 30.593, 114.305, False
        )
    ]
    centre: dict[str, tuple[float, float]] = {}
    for d in districts:
        lat, lon = float(d["approx_lat"]), float(d["approx_lon"])
        centre[d["code"]] = (lat, lon)
        out.append(
            AreaSpec(
                d["code"],
                CITY_CODE,
                "district",
                d["kind"],
                d["name_zh"],
                d["name_en"],
                int(d["population_2020"]),
                lat,
                lon,
                False,
            )
        )

    by_district: dict[str, list[dict[str, str]]] = {d["code"]: [] for d in districts}
    for s in streets:
        by_district[ADMINISTERED_BY.get(s["code"], s["district_code"])].append(s)

    # Street populations and the urban/rural split, district by district.
    street_rows: list[tuple[dict[str, str], str, str, int, int, float, float]] = []
    for d in districts:
        units = by_district[d["code"]]
        kinds = [_street_kind(s["kind"]) for s in units]
        weights = rng.uniform(0.6, 1.4, len(units)) * np.array(
            [0.25 if k == "other" else 1.0 for k in kinds]
        )
        pops = split_total(int(d["population_2020"]), weights)
        share = RURAL_SHARE[d["code"]]
        lat0, lon0 = centre[d["code"]]
        for s, kind, pop in zip(units, kinds, pops, strict=True):
            rural_pop = pop if kind in ("township", "town") else round(pop * share)
            lat = round(lat0 + rng.uniform(-0.06, 0.06), 5)
            lon = round(lon0 + rng.uniform(-0.06, 0.06), 5)
            street_rows.append((s, kind, d["code"], pop - rural_pop, rural_pop, lat, lon))

    urban = [r[3] for r in street_rows]
    rural_pops = [r[4] for r in street_rows]
    n_comm = apportion_with_minimum(N_COMMUNITIES, urban, [1 if u > 0 else 0 for u in urban])
    n_vill = apportion_with_minimum(N_VILLAGES, rural_pops, [int(r > 0) for r in rural_pops])

    communities: list[tuple[AreaSpec, int]] = []  # (spec, index) for the compound pass
    for (s, kind, parent, upop, rpop, lat, lon), nc, nv in zip(
        street_rows, n_comm, n_vill, strict=True
    ):
        out.append(
            AreaSpec(
                s["code"],
                parent,
                "street",
                kind,
                s["name"],
                _english_street(s["name"]),
                upop + rpop,
                lat,
                lon,
                True,
            )
        )
        used: set[str] = set()
        if nc:
            for i, pop in enumerate(split_total(upop, rng.uniform(0.5, 1.5, nc))):
                zh, en = _unique_name(rng, used, _community_name)
                spec = AreaSpec(
                    f"{s['code']}{i + 1:03d}",
                    s["code"],
                    "community",
                    "community",
                    zh,
                    en,
                    pop,
                    *_jitter(rng, lat, lon, 0.012),
                    True,
                )
                out.append(spec)
                communities.append((spec, len(communities)))
        if nv:
            for i, pop in enumerate(split_total(rpop, rng.uniform(0.5, 1.5, nv))):
                zh, en = _unique_name(rng, used, _village_name)
                out.append(
                    AreaSpec(
                        f"{s['code']}{200 + i:03d}",
                        s["code"],
                        "community",
                        "village",
                        zh,
                        en,
                        pop,
                        *_jitter(rng, lat, lon, 0.03),
                        True,
                    )
                )

    n_comp = apportion_with_minimum(
        N_COMPOUNDS, [c.population for c, _ in communities], [1] * len(communities)
    )
    for (comm, _), k in zip(communities, n_comp, strict=True):
        used = set()
        root = comm.name_zh.removesuffix("社区")
        for i, pop in enumerate(split_total(comm.population, rng.uniform(0.4, 1.6, k))):
            zh_suffix, en_suffix = _COMPOUND_SUFFIXES[int(rng.integers(len(_COMPOUND_SUFFIXES)))]
            zh = (
                f"{root}{zh_suffix}"
                if f"{root}{zh_suffix}" not in used
                else f"{root}{i + 1}号{zh_suffix}"
            )
            used.add(zh)
            en = f"{pinyin(root)} {en_suffix}" + (
                "" if zh.startswith(root + zh_suffix) else f" No. {i + 1}"
            )
            out.append(
                AreaSpec(
                    f"{comm.code}{i + 1:03d}",
                    comm.code,
                    "compound",
                    "compound",
                    zh,
                    en,
                    pop,
                    *_jitter(rng, comm.lat or 0.0, comm.lon or 0.0, 0.004),
                    True,
                )
            )
    return out


def _jitter(rng: np.random.Generator, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return round(lat + rng.uniform(-spread, spread), 5), round(
        lon + rng.uniform(-spread, spread), 5
    )


def _community_name(rng: np.random.Generator, attempt: int) -> tuple[str, str]:
    root = _COMMUNITY_ROOTS[int(rng.integers(len(_COMMUNITY_ROOTS)))]
    if attempt > 3:
        root += "一二三四五六七八九"[int(rng.integers(9))]
    return f"{root}社区", f"{pinyin(root)} Community"


def _village_name(rng: np.random.Generator, attempt: int) -> tuple[str, str]:
    surname = _VILLAGE_SURNAMES[int(rng.integers(len(_VILLAGE_SURNAMES)))]
    suffix = _VILLAGE_SUFFIXES[int(rng.integers(len(_VILLAGE_SUFFIXES)))]
    middle = "家" if attempt < 3 else "新"
    return f"{surname}{middle}{suffix}村", f"{pinyin(surname + middle + suffix)} Village"


def _unique_name(rng: np.random.Generator, used: set[str], make) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    for attempt in range(50):
        zh, en = make(rng, attempt)
        if zh not in used:
            used.add(zh)
            return zh, en
    raise RuntimeError("could not find a unique synthetic name")  # pragma: no cover
