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
RT_MIN_CUMULATIVE_CASES: Final[int] = 12  # cases; no Rt before the cumulative incidence
# reaches 12 (Cori et al. 2013, Web Appendix 4: "at least 12 cases", 1/0.3^2 ~ 11; the
# ``minimum_cumul_incidence = 12`` of estimateR, Huisman et al., eLife 2022)
RT_MAX_POSTERIOR_CV: Final[float] = 0.3  # dimensionless; a window whose gamma posterior has
# sd/mean above 0.3 is "insufficient data" (Cori et al. 2013; EpiEstim make_config(cv_posterior
# = 0.3)); with the default prior (shape 1) that needs >= 11 cases in the window
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

# The published forecast: a robust ensemble weighted by its own recent errors (DESIGN §3.4).
# Robust preprocessing: Hampel F.R., J Am Stat Assoc 1974;69:383-93 (median-based outlier
# rejection); Theil H. 1950 / Sen P.K., J Am Stat Assoc 1968;63:1379-89 (median slope);
# forecast combination weighted by recent errors: Bates J.M., Granger C.W.J., Oper Res Q
# 1969;20:451-68; the baselines in the pool: Cramer et al., PNAS 2022.
SPIKE_FACTOR: Final[float] = 3.0  # a day over 3x (or under 1/3 of) the local level on both
# sides is an isolated reporting artefact, a level shift in cumulative terms, not growth (the
# 12-13 Feb 2020 reclassification in Wuhan was 6-7x its neighbours; warroom convention)
SPIKE_NOISE_Z: Final[float] = 5.0  # plus 5 Poisson sd (sqrt(level)): small counts are noisy
SPIKE_BEFORE_DAYS: Final[int] = 7  # days; the local level before a day: one weekly cycle
SPIKE_AFTER_DAYS: Final[int] = 2  # days; the level after: a spike is isolated only in
# retrospect, so the last 2 days of a history are never cleaned (their effect is bounded by
# the median-based level instead)
SPIKE_LAST_FACTOR: Final[float] = 3.5  # the last day, with nothing after it, is taken as an
# artefact only beyond 3.5x both the day before and the week's median, plus SPIKE_NOISE_Z
# Poisson sd: a 6-7x reclassification is caught even when it lands after a weekend dip
# (4.3x the week's median on a planted twin series); an early rise from a few cases a day
# stays inside the noise term and is kept; at a level of 100 a day no epidemic grows 3.5x
# in one day (warroom convention)
DIP_MIN_LEVEL: Final[float] = 10.0  # cases/day; dips below a lower level are ordinary noise
LEVEL_FIT_DAYS: Final[int] = 7  # days; Theil-Sen line through log(n+1) for the level
LEVEL_LAST_WEIGHT: Final[float] = 0.5  # weight of the cleaned last day vs the robust level
TREND_DAMPING: Final[float] = 0.8  # per day; damped trend, the slope's effect fades (Gardner
# E.S., McKenzie E., Management Science 1985;31:1237-46); h days ahead move by at most
# slope * 0.8/(1-0.8) = 4 days of the current slope
TREND_MAX_SLOPE: Final[float] = 0.3  # per day on log scale (doubling in ~2.3 days): steeper
# is a reporting jump, not growth (warroom convention)
WEEKLY_TREND_DAMPING_DOWN: Final[float] = 0.9  # per day; the weekly-sum trend member's
# damping of a falling growth rate (a decline after the peak is long and smooth: its h-day
# move is up to 0.9/(1-0.9) = 9 days of the current rate)
WEEKLY_TREND_DAMPING_UP: Final[float] = 0.5  # per day; of a rising one (at most 1 day of the
# rate: a rise ends at a peak nobody sees coming, and overshooting it cost more than
# under-forecasting the rise on every twin and hand-built series tried)
WEEKLY_TREND_MAX_SLOPE: Final[float] = 0.25  # per day on log scale, as TREND_MAX_SLOPE
WEEKDAY_WEEKS: Final[int] = 5  # weeks of day-of-week ratios behind the weekly factors
WEEKDAY_MAX_FACTOR: Final[float] = 2.0  # a weekday factor is kept within [1/2, 2]: a
# reporting cycle moves cases between days, it does not multiply them (warroom convention)
FILL_DAYS: Final[int] = 3  # days each side whose median fills a missing day for fitting
WEEKDAY_MIN_LEVEL: Final[float] = 5.0  # cases/day; below, weekday ratios are noise
ENSEMBLE_ERROR_DAYS: Final[int] = 21  # days of past origins scoring each pool member per
# horizon (three weekly cycles; warroom convention)
ENSEMBLE_KEEP_RATIO: Final[float] = 2.5  # members whose recent MAE exceeds 2.5x the best
# member's get no weight at that horizon (a model without skill falls back to the others;
# 2.5 chosen on the twin backtests with planted artefacts: 1.25 dropped members too often)
ENSEMBLE_NAIVE_WEIGHT: Final[float] = 0.5  # weight the published forecast keeps on its
# anchor from 2 days ahead (forecast.shrink_to_naive; the anchor is the spike-guarded last
# value, moved along the series' own weekly decline when there is one): the members' weights
# come from errors h days old; on the twin backtests with planted artefacts 0.5 lowered the
# worst 7-day ratio against tomorrow = today from 1.08 to 1.03 (0.3: 1.05), with the
# decline anchor to 0.995 (bench/bench_forecast_sweep.py)
SKILL_ORIGINS: Final[int] = 42  # days of rolling origins behind the skill shown beside the
# fan (6 weeks; warroom convention)
SKILL_STEP_DAYS: Final[int] = 7  # days between those origins: one a week, so that the daily
# cycle refits the ensemble 6 times per area, not 42 (each origin is scored at every horizon)

# Backtests: Bracher J., Ray E.L., Gneiting T., Reich N.G., "Evaluating epidemic forecasts
# in an interval format", PLoS Comput Biol 2021;17(2):e1008618.
BACKTEST_MAX_HORIZON: Final[int] = 14  # days (horizons 1..14; DESIGN §3.4)
BACKTEST_MIN_HISTORY: Final[int] = 21  # days before the first origin (3 Rt windows, Cori 2013)
BACKTEST_STEP_DAYS: Final[int] = 1  # days between rolling origins

# --- beds, allocation, quality, certification ---
#
# Citation keys of this section:
# - [DESIGN] ``DESIGN.md`` of this project (section given on the line).
# - [Zhou2020] Zhou F. et al. Clinical course and risk factors for mortality of adult
#   inpatients with COVID-19 in Wuhan. Lancet 2020;395:1054-62, Table 2.
# - [Rees2020] Rees E.M. et al. COVID-19 length of hospital stay: a systematic review and
#   data synthesis. BMC Medicine 2020;18:270 (China: median hospital stay 4-53 days).
# - [Bagust1999] Bagust A., Place M., Posnett J. Dynamics of bed use in accommodating
#   emergency admissions. BMJ 1999;319:155-8 (bed crises above 85 % occupancy).
# - [NHC2020] National Health Commission of China, COVID-19 prevention and control
#   protocol, 5th ed. (2020): 14 days of medical observation for close contacts.
# - [Wu2020] Wu Z., McGoogan J.M. Characteristics of and important lessons from the COVID-19
#   outbreak in China (72,314 cases). JAMA 2020;323:1239-42: 81 % mild, 14 % severe,
#   5 % critical.
# - [Anscombe1948] Anscombe F.J. The transformation of Poisson, binomial and negative-binomial
#   data. Biometrika 1948;35:246-54 (2·sqrt(x + 3/8) has variance ~1).
# - [Nigrini2012] Nigrini M.J. Benford's Law. Wiley 2012 (data must span several orders of
#   magnitude for the first-digit law to apply).
# - [IH1993] Iglewicz B., Hoaglin D. How to Detect and Handle Outliers. ASQC 1993.
# - [Cochran1954] Cochran W.G. Some methods for strengthening the common chi-square tests.
#   Biometrics 1954;10:417-51 (every expected count >= 5).
# - [Benford1938] Benford F. The law of anomalous numbers. Proc. Am. Phil. Soc. 1938;78:551.
# - [Beber2012] Beber B., Scacco A. What the numbers say: a digit-based test for election
#   fraud. Political Analysis 2012;20:211-34 (last digits of counts >= 10).

# allocate.py — placement as a min-cost flow [DESIGN §3.3]
DISTANCE_RESOLUTION_KM: Final = 0.01  # km per integer cost unit (10 m); below geocoding error

# beds.py — bed demand and the 30-day capacity plan [DESIGN §3.3]
OCCUPANCY_TARGET: Final = 0.85  # fraction of beds occupied; [DESIGN §3.3], [Bagust1999]
PLAN_HORIZON_DAYS: Final = 30  # days planned ahead, "长统筹"; [DESIGN §1, §3.3]
PLAN_BATCH_DAYS: Final = 3  # days per opening window, "短安排"; [DESIGN §1, §3.3]
LOS_MAX_DAYS: Final = 60  # days, support of every length-of-stay pmf; [Rees2020] max 53
LOS_ICU_MEDIAN_DAYS: Final = 8.0  # days in ICU, median; [Zhou2020] (IQR 4-12)
LOS_ICU_IQR_DAYS: Final = (4.0, 12.0)  # days, ICU stay quartiles; [Zhou2020]
LOS_SEVERE_MEDIAN_DAYS: Final = 11.0  # days in hospital, median; [Zhou2020] (IQR 7-14)
LOS_SEVERE_IQR_DAYS: Final = (7.0, 14.0)  # days, hospital stay quartiles; [Zhou2020]
LOS_GENERAL_MEDIAN_DAYS: Final = 11.0  # days in hospital, median; [Zhou2020], [Rees2020]
LOS_GENERAL_IQR_DAYS: Final = (7.0, 14.0)  # days, hospital stay quartiles; [Zhou2020]
LOS_SHELTER_MEDIAN_DAYS: Final = 12.0  # days, shelter stay; assumption in [Rees2020] range
LOS_SHELTER_IQR_DAYS: Final = (9.0, 16.0)  # days; assumption, spread as in [Zhou2020]
QUARANTINE_STAY_DAYS: Final = 14  # days of observation in a single room; [NHC2020]
SHARE_CRITICAL: Final = 0.05  # fraction of confirmed needing ICU; [Wu2020]
SHARE_SEVERE: Final = 0.14  # fraction of confirmed needing a SEVERE bed; [Wu2020]
SHARE_GENERAL: Final = 0.0  # fraction to GENERAL wards; DESIGN §3.3 sends mild to SHELTER
SHARE_SHELTER: Final = 0.81  # fraction mild/moderate, to shelter hospitals; [Wu2020]

# quality.py — data-quality rules [DESIGN §3.5]
STALE_MIN_DAYS: Final = 5  # days unchanged while siblings move; assumption > a weekend gap
ROBUST_Z_THRESHOLD: Final = 3.5  # modified z-score cut-off; [IH1993]
MAD_TO_SIGMA: Final = 0.6745  # Φ⁻¹(0.75), modified z = 0.6745 (x − median) / MAD; [IH1993]
MEANAD_TO_SIGMA: Final = 0.7979  # √(2/π), z = (x − median) / (1.2533 MeanAD) if MAD = 0; [IH1993]
OUTLIER_SERIES_ALPHA: Final = 0.001  # false-alarm rate per area series, Bonferroni over jumps
OUTLIER_MIN_N: Final = 14  # daily differences needed for a robust z; assumption, two weeks
DIGIT_TEST_ALPHA: Final = 0.001  # chi-square significance; strict, many reporters tested
LAST_DIGIT_MIN_N: Final = 50  # values: 10 digits × 5 expected per cell; [Cochran1954]
BENFORD_MIN_N: Final = 110  # values: 5 / P(first digit 9) = 5 / 0.0458; [Cochran1954]
LAST_DIGIT_MIN_VALUE: Final = 10  # only counts >= 10 have a free last digit; [Beber2012]
BENFORD_MIN_DECADES: Final = 3.0  # log10(max / min) of values; [Nigrini2012] asks several

# certify.py — epidemic-free certification [DESIGN §3.6]
CERTIFICATION_WINDOW_DAYS: Final = 14  # days without a confirmed case; [DESIGN §3.6]
INSPECTION_MAX_AGE_DAYS: Final = 14  # days since last passed "six in place"; assumption
