"""Every default value of :mod:`warroom.analytics`, with its unit and its source.

One constant per line, the unit and the citation on the line that sets it (the covasim
habit). Each section expands its own short citation keys in a comment block.
"""

from __future__ import annotations

from typing import Final

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
