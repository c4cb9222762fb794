"""Write the SYNTHETIC Wuhan-like daily report used by the tests and the docs.

Synthetic: the numbers are generated, not Wuhan's; only the shape (a surge in late
January, a peak in mid-February, a tail through March, zero days in April) is
Wuhan-like. Deterministic: `python tests/series/data/generate_sample.py` rewrites the
same two files, byte for byte:

* ``wuhan_like_synthetic.csv`` — UTF-8, English headers, the city (4201) and two of its
  districts (420102 江岸区, 420106 武昌区); the city row is the sum of its districts
  plus the rest of the city. Some cells are empty (unknown), as real reports have,
  and 武昌区 has no row for 2020-02-20 (a missing day).
* ``wuhan_like_synthetic_gbk.csv`` — the same rows, GBK-encoded, Chinese headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
START = dt.date(2020, 1, 10)
DAYS = 112  # to 2020-05-01
HEADER = [
    "date",
    "area_code",
    "new_confirmed",
    "new_suspected",
    "new_febrile",
    "new_contacts",
    "new_deaths",
    "new_discharged",
    "cum_confirmed",
    "cum_deaths",
    "cum_discharged",
    "under_treatment",
    "severe",
    "critical",
]
HEADER_ZH = [
    "日期",
    "地区编码",
    "新增确诊",
    "新增疑似",
    "新增发热",
    "新增密接",
    "新增死亡",
    "新增出院",
    "累计确诊",
    "累计死亡",
    "累计出院",
    "在院治疗",
    "重症",
    "危重症",
]


def curve(rng: np.random.Generator, peak: float, scale: float) -> np.ndarray:
    t = np.arange(DAYS)
    rise = np.exp(-0.5 * ((t - 33) / 8.0) ** 2)  # peak around 12 February
    fall = np.exp(-0.5 * ((t - 33) / 13.0) ** 2)
    shape = np.where(t < 33, rise, fall)
    mean = peak * shape * scale
    mean[t >= 80] = 0  # zero days from 30 March
    return rng.poisson(mean).astype(int)


def rows_for(code: str, new: np.ndarray, rng: np.random.Generator) -> list[list[object]]:
    deaths = rng.binomial(new, 0.04)
    discharged = np.concatenate([np.zeros(14, int), new[:-14]]) - np.concatenate(
        [np.zeros(14, int), deaths[:-14]]
    )
    discharged = np.maximum(discharged, 0)
    cum_c, cum_d, cum_h = np.cumsum(new), np.cumsum(deaths), np.cumsum(discharged)
    under = cum_c - cum_d - cum_h
    out = []
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        febrile = "" if i < 12 else int(rng.poisson(3 * new[i] + 20))  # unknown at first
        out.append(
            [
                day.isoformat(),
                code,
                int(new[i]),
                int(rng.poisson(0.8 * new[i])),
                febrile,
                int(rng.poisson(4 * new[i])),
                int(deaths[i]),
                int(discharged[i]),
                int(cum_c[i]),
                int(cum_d[i]),
                int(cum_h[i]),
                int(under[i]),
                int(0.15 * under[i]),
                int(0.05 * under[i]),
            ]
        )
    return out


def main() -> None:
    rng = np.random.default_rng(20200123)
    jiangan = curve(rng, 2200, 0.11)
    wuchang = curve(rng, 2200, 0.13)
    rest = curve(rng, 2200, 0.76)
    wuchang_rows = rows_for("420106", wuchang, rng)
    del wuchang_rows[41]  # 2020-02-20: the district did not report (a missing day)
    rows = rows_for("4201", jiangan + wuchang + rest, rng) + rows_for("420102", jiangan, rng)
    rows += wuchang_rows
    for name, header, encoding in (
        ("wuhan_like_synthetic.csv", HEADER, "utf-8"),
        ("wuhan_like_synthetic_gbk.csv", HEADER_ZH, "gbk"),
    ):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        (HERE / name).write_bytes(buf.getvalue().encode(encoding))


if __name__ == "__main__":
    main()
