"""Rt for a 365-day series: warroom.analytics.rt vs R's EpiEstim estimate_R, same run.

EpiEstim is timed inside R (a loop of calls, each timed with proc.time), so R's start-up
and the package load are excluded. Prints both medians and the ratio. Targets: ours
<= 2 ms, >= 50x faster than EpiEstim.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common
from _common import finish, target

from warroom.analytics.rt import estimate_rt

DAYS = 365
RUNS_OURS = 200
RUNS_R = 15

R_TIMER = r"""
suppressPackageStartupMessages(library(EpiEstim))
args <- commandArgs(trailingOnly = TRUE)
incid <- read.csv(args[1])$I
runs <- as.integer(args[2])
cfg <- make_config(list(mean_si = 7.5, std_si = 3.4))
times <- numeric(runs)
for (i in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  res <- suppressMessages(suppressWarnings(
    estimate_R(incid, method = "parametric_si", config = cfg)))
  times[i] <- proc.time()[["elapsed"]] - t0
}
cat(median(times), "\n")
"""


def series() -> np.ndarray:
    days = np.arange(DAYS)
    curve = 2500 * np.exp(-0.5 * ((days - 60) / 12.0) ** 2) + 40 * (1 + np.sin(days / 20))
    return np.random.default_rng(2020).poisson(curve).astype(float)


def time_ours(incid: np.ndarray) -> float:
    estimate_rt(incid)  # warm-up
    samples = []
    for _ in range(RUNS_OURS):
        t0 = time.perf_counter()
        estimate_rt(incid)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def time_epiestim(incid: np.ndarray) -> float | None:
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp, "t.R"), Path(tmp, "i.csv")
        script.write_text(R_TIMER)
        data.write_text("I\n" + "\n".join(str(int(v)) for v in incid) + "\n")
        out = subprocess.run(
            ["Rscript", str(script), str(data), str(RUNS_R)],
            check=True,
            capture_output=True,
            text=True,
        )
    return float(out.stdout.split()[-1])


def main() -> None:
    incid = series()
    ours = time_ours(incid)
    print(f"rt, {DAYS}-day series, 7-day windows")
    print(
        f"  warroom  estimate_rt : median {ours * 1e3:8.3f} ms over {RUNS_OURS} runs"
        f" {target('estimate_rt', ours * 1e3, 2, 'ms')}"
    )
    theirs = time_epiestim(incid)
    if theirs is None:
        print("  EpiEstim estimate_R  : Rscript not found, no peer figure")
        return
    print(f"  EpiEstim estimate_R  : median {theirs * 1e3:8.3f} ms over {RUNS_R} runs (inside R)")
    ratio = theirs / ours
    met = target("ratio", ratio, 50, "x", at_least=True)
    print(f"  ratio                : {ratio:8.1f}x faster {met}")


if __name__ == "__main__":
    main()
    finish()
