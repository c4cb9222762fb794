"""Every default of the analytics core, with its unit and its source on the line.

Functions take these as keyword defaults, so a caller can always override one; nothing
in :mod:`warroom.analytics` hard-codes a number that is not named here. Sections belong
to their modules' owners; keep each block under its header.
"""

from __future__ import annotations

from typing import Final

# --- phases, Rt, forecasting ---

# Phase bands (四阶段划分法): lower bounds of daily new confirmed, cases/day.
# Source: DESIGN.md §3.1 (Wuhan headquarters' four-phase method, seed account 2020).
BAND_HIGH_MIN: Final[int] = 1000  # cases/day; HIGH n >= 1000 (DESIGN §3.1)
BAND_MIDDLE_MIN: Final[int] = 100  # cases/day; MIDDLE 100 <= n <= 999 (DESIGN §3.1)
BAND_LOW_MIN: Final[int] = 10  # cases/day; LOW 10 <= n <= 99, TAIL 0 <= n <= 9 (DESIGN §3.1)
PHASE_CONFIRM_DAYS: Final[int] = (
    3  # days; k consecutive days in a new band declare it (DESIGN §3.1)
)
CLEARED_ZERO_DAYS: Final[int] = 14  # days of zero new confirmed to declare CLEARED (DESIGN §3.1;
# 14 d = the maximum incubation period, WHO 2020 / China NHC protocol v7)
TREND_WINDOW_DAYS: Final[int] = 7  # days; direction compares the last 7-day sum with the
# previous 7 days (DESIGN §3.1 "7-day trend"; weekly cycle of reporting)
TREND_FLAT_TOLERANCE: Final[float] = 0.10  # fraction; |ratio - 1| <= 10 % counts as flat
# (warroom convention: week-on-week changes within +-10 % are noise at these counts)
TREND_FIT_DAYS: Final[int] = 14  # days; log-linear fit window for the next-band date
# (two serial intervals, Li et al., NEJM 2020: mean SI 7.5 d)
NEXT_BAND_MAX_DAYS: Final[int] = 60  # days; farther projected crossings are not reported
# (a log-linear extrapolation beyond ~2 months is not a forecast; warroom convention)

# Serial interval of SARS-CoV-2 in Wuhan: Li Q. et al., "Early transmission dynamics in
# Wuhan, China, of novel coronavirus-infected pneumonia", NEJM 2020;382:1199-1207.
SERIAL_INTERVAL_MEAN: Final[float] = 7.5  # days (Li et al., NEJM 2020)
SERIAL_INTERVAL_SD: Final[float] = 3.4  # days (Li et al., NEJM 2020)

# Rt by Cori A. et al., "A new framework and software to estimate time-varying
# reproduction numbers during epidemics", Am J Epidemiol 2013;178(9):1505-1512.
RT_WINDOW_DAYS: Final[int] = 7  # days; sliding weekly windows (Cori et al. 2013; EpiEstim default)
RT_PRIOR_MEAN: Final[float] = 5.0  # dimensionless; gamma prior mean (Cori et al. 2013; EpiEstim
# make_config(mean_prior = 5))
RT_PRIOR_SD: Final[float] = 5.0  # dimensionless; gamma prior sd (Cori et al. 2013; EpiEstim
# make_config(std_prior = 5))
RT_QUANTILES: Final[tuple[float, ...]] = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)  # as in
# EpiEstim estimate_R's output columns (Cori et al. 2013)

# Renewal-equation forecasts (Cori et al. 2013; Fraser C., PLoS One 2007;2(8):e758).
FORECAST_HORIZON_DAYS: Final[int] = 14  # days (one maximum incubation period; DESIGN §3.4)
FORECAST_SAMPLES: Final[int] = 2000  # trajectories; Monte Carlo error of a 5 % quantile
# ~ sqrt(.05*.95/2000) = 0.5 percentage points (warroom convention)
FORECAST_QUANTILES: Final[tuple[float, ...]] = (0.05, 0.25, 0.5, 0.75, 0.95)  # the 50 % and 90 %
# central intervals scored by the backtest (Bracher et al., PLoS Comput Biol 2021)
FORECAST_NB_DISPERSION: Final[float | None] = None  # NB size k; None = Poisson noise (Cori et
# al. 2013 model counts as Poisson given the infectivity)
BASELINE_MEAN_DAYS: Final[int] = 7  # days; moving-mean baseline (weekly reporting cycle)
BASELINE_TREND_DAYS: Final[int] = 14  # days; log-linear trend baseline window (as TREND_FIT_DAYS)
BASELINE_ERROR_DAYS: Final[int] = 28  # days of past h-step errors behind a baseline's intervals
# (the quantile-baseline idea of the US COVID-19 Forecast Hub, Cramer et al., PNAS 2022;
# four weeks, warroom convention)

# Backtests: Bracher J., Ray E.L., Gneiting T., Reich N.G., "Evaluating epidemic forecasts
# in an interval format", PLoS Comput Biol 2021;17(2):e1008618.
BACKTEST_MAX_HORIZON: Final[int] = 14  # days (horizons 1..14; DESIGN §3.4)
BACKTEST_MIN_HISTORY: Final[int] = 21  # days before the first origin (3 Rt windows, Cori 2013)
BACKTEST_STEP_DAYS: Final[int] = 1  # days between rolling origins
