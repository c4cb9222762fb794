"""A day of mass screening from the twin city: the results file the labs send.

Wuhan's citywide nucleic-acid campaign (14 May - 1 June 2020) tested about 9.9 million
people in 19 days, up to ~1.47 million samples a day, and found ~300 asymptomatic
positives (about 3 per 100,000). :func:`write_screening_day` writes one such day for the
twin city (:func:`warroom.twin.city.build_demo_city`): ``samples`` residents drawn without
repetition, each weighted by his compound's (or village's) population, with

- a valid resident ID (GB 11643) that is the same for the same resident in every file of
  the same city: region = his district, birth date and sequence from his number in the
  city (so the day's file can be re-made, and two days share the people they share);
- his home compound's code, a name, a phone;
- a lab (``labs`` of them, "武汉核酸检测实验室NN"), a sample code unique per lab and day,
  the sampling time (07:00-20:59 that day) and the report time (6-18 hours later);
- the result: positive with probability ``positive_rate``.

The file is the screening import's (``warroom cases import-screening``). No Django here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from warroom.cases.identity import make_resident_id
from warroom.exports import csv_writer  # user text as text (OWASP CSV injection)
from warroom.twin.city import DEFAULT_SEED, AreaSpec, build_demo_city

HEADER = [
    "id_number",
    "name",
    "phone",
    "home_code",
    "lab",
    "sample_code",
    "taken_at",
    "reported_at",
    "result",
]
# Wuhan, May 2020: ~300 positives in ~9.9 million tested.
POSITIVE_RATE = 3e-5
LABS = 63  # laboratories that tested the campaign's samples (assumption in its order)
_BORN_FROM = dt.date(1935, 1, 1)
_PER_DAY = 450  # residents per birth date: 12.3 M over ~27,000 days (1935-2009)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌海波鹏辉"


def homes(areas: Sequence[AreaSpec]) -> list[AreaSpec]:
    """The places people live in (compounds, and villages that have none), in code order."""
    return sorted(
        (a for a in areas if a.level == "compound" or a.kind == "village"), key=lambda a: a.code
    )


def resident_id(number: int, district: str) -> str:
    """The ID of the city's resident ``number`` (0, 1, ...), living in ``district``."""
    born = _BORN_FROM + dt.timedelta(days=number // _PER_DAY)
    return make_resident_id(district, born, 2 * (number % _PER_DAY) + (number // 7) % 2)


def write_screening_day(
    out: Path,
    *,
    day: dt.date,
    samples: int,
    seed: int = 2020,
    city_seed: int = DEFAULT_SEED,
    positive_rate: float = POSITIVE_RATE,
    labs: int = LABS,
    areas: Sequence[AreaSpec] | None = None,
    region: str | None = None,
) -> dict[str, int]:
    """Write the day's results file (CSV, UTF-8) to ``out``; return its counts.

    ``areas``: the city (default: the twin city of ``city_seed``); ``region``: the IDs'
    region code (default: each home's district, its code's first six digits)."""
    places = homes(areas if areas is not None else build_demo_city(city_seed))
    population = np.array([a.population for a in places], dtype=np.int64)
    people = int(population.sum())
    if not 0 < samples <= people:
        raise ValueError(f"samples must be between 1 and the city's {people:,} residents")
    if not 0.0 <= positive_rate <= 1.0:
        raise ValueError("the positive rate is a probability (0-1)")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(people, size=samples, replace=False))
    starts = np.cumsum(population) - population
    place_of = np.searchsorted(starts, chosen, side="right") - 1
    order = rng.permutation(samples)  # the file is in sampling order, not by compound
    taken_minutes = np.sort(rng.integers(7 * 60, 21 * 60, size=samples))
    delay_minutes = rng.integers(6 * 60, 18 * 60 + 1, size=samples)
    lab_of = rng.integers(0, labs, size=samples)
    positive = rng.random(samples) < positive_rate
    surname = rng.integers(0, len(_SURNAMES), size=samples)
    given = rng.integers(0, len(_GIVEN), size=(samples, 2))
    phone_tail = rng.integers(0, 10**8, size=samples)
    midnight = dt.datetime.combine(day, dt.time(0, 0))
    per_lab = [0] * labs
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(HEADER)
        for k in range(samples):
            i = int(order[k])
            number = int(chosen[i])
            place = places[int(place_of[i])]
            lab = int(lab_of[k])
            per_lab[lab] += 1
            taken = midnight + dt.timedelta(minutes=int(taken_minutes[k]))
            reported = taken + dt.timedelta(minutes=int(delay_minutes[k]))
            writer.writerow(
                [
                    resident_id(number, region or place.code[:6]),
                    _SURNAMES[surname[i]] + _GIVEN[given[i, 0]] + _GIVEN[given[i, 1]],
                    f"13{phone_tail[i] % 10:01d}{phone_tail[i]:08d}",
                    place.code,
                    f"武汉核酸检测实验室{lab + 1:02d}",
                    f"L{lab + 1:02d}-{day:%Y%m%d}-{per_lab[lab]:07d}",
                    f"{taken:%Y-%m-%d %H:%M}",
                    f"{reported:%Y-%m-%d %H:%M}",
                    "positive" if positive[k] else "negative",
                ]
            )
    return {"samples": samples, "positives": int(positive.sum()), "homes": len(places)}
