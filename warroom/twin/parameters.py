"""Epidemiological and operational parameters of the twin, each with its source.

Every default carries its citation on the line that sets it. Values marked
"assumption" have no single published source: they are the twin's own choices,
documented so that a reviewer can change them; values marked "calibrated" were tuned
so that the ``wuhan-2020`` scenario reproduces the seed account's figures (see the
scenario file and ``tests/twin/test_twin_calibration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

# Severity classes of an infection (index into arrays below).
ASYMPTOMATIC, MILD, MODERATE, SEVERE, CRITICAL = 0, 1, 2, 3, 4
SEVERITY_NAMES = ("asymptomatic", "mild", "moderate", "severe", "critical")


@dataclass(frozen=True)
class Epidemiology:
    """Natural history of SARS-CoV-2 infection as the twin draws it.

    Times are in days. Probabilities are per infection unless stated.
    """

    # Incubation period: lognormal, mean 5.2 d, 95th percentile 12.5 d
    # (Li et al., NEJM 2020, doi:10.1056/NEJMoa2001316; fitted log-mean 1.434, log-sd 0.661).
    incubation_logmean: float = 1.434  # Li et al. NEJM 2020
    incubation_logsd: float = 0.661  # Li et al. NEJM 2020
    # Infectiousness profile over infection age: the serial interval gamma used as the
    # generation interval, mean 7.5 d, sd 3.4 d (Li et al. NEJM 2020), as in DESIGN §3.4.
    generation_mean: float = 7.5  # Li et al. NEJM 2020
    generation_sd: float = 3.4  # Li et al. NEJM 2020
    infectious_days: int = 21  # truncation of the generation interval (>99.5 % of mass)
    # Share of infections that never develop symptoms: 17.9 % on the Diamond Princess
    # (Mizumoto et al., Eurosurveillance 2020, doi:10.2807/1560-7917.ES.2020.25.10.2000180).
    p_asymptomatic: float = 0.179  # Mizumoto et al. 2020
    # Relative infectiousness of asymptomatic infections: 0.5 (Ferguson et al., Imperial
    # College Report 9, 2020; also Covasim's default asymp_factor = 0.5).
    rel_inf_asymptomatic: float = 0.5  # Ferguson et al. 2020
    # Severity among symptomatic cases: 81 % mild/moderate, 14 % severe, 5 % critical
    # (China CDC Weekly 2020;2(8):113-122, 72,314 cases). The report does not split
    # mild from moderate (non-pneumonia vs mild pneumonia): 40/41 is an assumption.
    p_symptomatic_severity: tuple[float, float, float, float] = (
        0.40,  # mild: assumption (split of China CDC's 81 %)
        0.41,  # moderate: assumption (split of China CDC's 81 %)
        0.14,  # severe: China CDC Weekly 2020
        0.05,  # critical: China CDC Weekly 2020
    )
    # Onset → severe (dyspnoea, admission) median 7 d; onset → ICU 10.5 d
    # (Wang et al., JAMA 2020, doi:10.1001/jama.2020.1585).
    onset_to_severe_mean: float = 7.0  # Wang et al. JAMA 2020
    onset_to_critical_mean: float = 10.5  # Wang et al. JAMA 2020
    # Onset → death mean 17.8 d; onset → recovery (discharge) mean 24.7 d among
    # hospitalised cases (Verity et al., Lancet Infect Dis 2020, doi:10.1016/S1473-3099(20)30243-7).
    onset_to_death_mean: float = 17.8  # Verity et al. 2020
    onset_to_recovery_severe_mean: float = 24.7  # Verity et al. 2020
    # Mild and moderate cases recover in about 2 weeks (WHO-China Joint Mission report,
    # 28 Feb 2020: "approximately 2 weeks" for mild cases).
    onset_to_recovery_mild_mean: float = 14.0  # WHO-China Joint Mission 2020
    # Length of stay of confirmed patients who survive: median 14 d (IQR 10-19) in China
    # (Rees et al., BMC Med 2020, doi:10.1186/s12916-020-01726-3); a case is cured (two
    # negative tests) at least this long after confirmation, in hospital or at home (gamma).
    los_mean: float = 14.0  # Rees et al. BMC Med 2020
    los_gamma_shape: float = 6.0  # assumption: spread (IQR ~10-18 d)
    # Case fatality among critical cases 49 %, none recorded among others
    # (China CDC Weekly 2020; Wu & McGoogan, JAMA 2020, doi:10.1001/jama.2020.2648).
    p_death_critical_treated: float = 0.49  # China CDC Weekly 2020
    # Without an ICU bed, most critical patients die; without a hospital bed, some
    # severe ones do. No clean source for Wuhan's home deaths: assumptions.
    p_death_critical_untreated: float = 0.85  # assumption
    p_death_severe_untreated: float = 0.10  # assumption
    # RT-PCR sensitivity ~80 % at its best, 3 days after onset (Kucirka et al., Ann
    # Intern Med 2020, doi:10.7326/M20-1495: false-negative rate 20 %).
    test_sensitivity: float = 0.80  # Kucirka et al. 2020
    # A positive test stays possible for about 3 weeks after infection (viral RNA
    # shedding median 20 d in survivors: Zhou et al., Lancet 2020,
    # doi:10.1016/S0140-6736(20)30566-3).
    shedding_days: int = 24  # Zhou et al. Lancet 2020 (20 d median after onset, + incubation)
    # Share of infected people who seek care at a fever clinic by severity (calibrated:
    # how many mild cases never reached a clinic in Wuhan is unknown; severe ones all did).
    p_seek_care: tuple[float, float, float, float, float] = (
        0.0,  # asymptomatic: no symptoms, no visit
        0.30,  # mild: calibrated
        0.65,  # moderate: calibrated
        1.0,  # severe
        1.0,  # critical
    )
    # Median symptom onset → first medical visit 4.6 d before 1 Jan, ~2.9 d later (Li
    # et al. NEJM 2020 report 5.8 → 4.6 d onset → visit); the scenario varies it by date.
    seek_delay_gamma_shape: float = 2.0  # assumption: spread of the delay
    # Infected people's chance that a fever-clinic doctor marks them suspected (CT
    # findings, epidemiological link) vs non-COVID febrile patients: assumptions.
    p_suspect_if_infected: float = 0.85  # assumption
    p_suspect_if_not_infected: float = 0.12  # assumption

    def severity_probabilities(self) -> np.ndarray:
        """Probabilities of the five severity classes of an infection."""
        sym = np.asarray(self.p_symptomatic_severity, dtype=float)
        return np.concatenate([[self.p_asymptomatic], (1 - self.p_asymptomatic) * sym])

    def generation_weights(self) -> np.ndarray:
        """Discretised infectiousness by infection age 0..``infectious_days`` (sums to 1).

        Weight k is the gamma mass of (k - 0.5, k + 0.5]; age 0 carries none.
        """
        shape = (self.generation_mean / self.generation_sd) ** 2
        scale = self.generation_sd**2 / self.generation_mean
        edges = np.arange(self.infectious_days + 1) + 0.5
        cdf = stats.gamma.cdf(edges, shape, scale=scale)
        w = np.zeros(self.infectious_days + 1)
        w[1:] = np.diff(cdf)
        w[1] += cdf[0]
        out: np.ndarray = w / w.sum()
        return out


@dataclass(frozen=True)
class Operations:
    """Rates of the operational records (appeals, supplies, waste). All synthetic.

    Per-capita rates apply to the simulated (scaled) population, so counts scale with it.
    """

    # Non-COVID febrile patients at fever clinics per resident per day (flu season).
    # Calibrated to DESIGN §5's W1 peak of ~10,000 febrile visits a day in 11 M people.
    background_febrile_rate: float = 4.5e-4  # calibrated to W1
    # Uninfected close contacts named per confirmed case (W1: 20,000 contacts for 2,000
    # confirmed → ~10; Wuhan traced far fewer before February): scenario-dependent,
    # this is the ceiling reached at full tracing intensity.
    contacts_per_case: float = 5.0  # calibrated (W1's 10 is a stress figure)
    contact_quarantine_days: int = 14  # national protocol: 14 days of medical observation
    household_contact_share: float = 0.6  # assumption: contacts living in the same compound
    # Appeals per day (Poisson means). Calibrated to W1's ~5,000 appeals on the peak day.
    appeal_rate_admission: float = 0.1  # per person waiting for a bed
    appeal_rate_medicine: float = 4.0e-3  # per vulnerable resident under closure
    appeal_rate_groceries: float = 6.0e-5  # per resident under closure
    appeal_rate_prices: float = 2.0e-5  # per resident under closure
    appeal_rate_complaint: float = 1.5e-5  # per resident, plus per waiting person below
    appeal_rate_complaint_waiting: float = 0.03  # per person waiting for a bed
    appeal_rate_rumour: float = 0.08  # per new confirmed case
    appeal_rate_other: float = 1.0e-5  # per resident
    # Medical waste: ~40 t/day before the outbreak (data README); hospital and shelter
    # beds produce more than quarantine rooms. kg per occupied bed-day: calibrated so
    # that the wuhan-2020 peak lands near the recorded 247 t/day.
    waste_baseline_t_per_day: float = 40.0  # data README (12.3 M residents)
    waste_kg_per_bed_day: float = 2.6  # calibrated
    waste_kg_per_quarantine_day: float = 1.2  # calibrated
    waste_kg_per_test: float = 0.05  # assumption: swab kit, PPE share
    # Supplies consumed per occupied bed-day (protective suits, N95, surgical masks,
    # goggles, gloves) and per test (kits): assumptions of the right order of magnitude.
    supply_per_bed_day: dict[str, float] = field(
        default_factory=lambda: {
            "protective_suit": 1.2,
            "n95_mask": 3.0,
            "surgical_mask": 6.0,
            "goggles": 0.3,
            "gloves_pair": 8.0,
        }
    )
    supply_per_test: dict[str, float] = field(
        default_factory=lambda: {"test_kit": 1.0, "swab": 1.0}
    )
    # Grid workers at compound gates use surgical masks (per resident per closure day).
    supply_surgical_mask_per_resident: float = 2.0e-3  # assumption
