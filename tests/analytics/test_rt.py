"""Rt agrees with R's EpiEstim estimate_R(method = "parametric_si") to 1e-6 relative."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.analytics.rt import discretise_serial_interval, estimate_rt, total_infectivity

pytestmark = pytest.mark.rscript

R_SCRIPT = r"""
suppressPackageStartupMessages(library(EpiEstim))
args <- commandArgs(trailingOnly = TRUE)
incid <- read.csv(args[1])$I
window <- as.integer(args[3])
T <- length(incid)
cfg <- make_config(list(mean_si = as.numeric(args[4]), std_si = as.numeric(args[5]),
                        mean_prior = as.numeric(args[6]), std_prior = as.numeric(args[7]),
                        t_start = seq(2, T - window + 1), t_end = seq(window + 1, T)))
res <- suppressWarnings(estimate_R(incid, method = "parametric_si", config = cfg))
out <- res$R
out$si_mean <- res$SI.Moments$Mean
out$si_sd <- res$SI.Moments$Std
write.csv(format(out, digits = 17), args[2], row.names = FALSE, quote = FALSE)
si <- data.frame(w = discr_si(seq(0, T - 1), as.numeric(args[4]), as.numeric(args[5])))
write.csv(format(si, digits = 17), args[8], row.names = FALSE, quote = FALSE)
"""


def run_epiestim(
    tmp_path: Path,
    incid: np.ndarray,
    *,
    window: int = 7,
    si: tuple[float, float] = (7.5, 3.4),
    prior: tuple[float, float] = (5.0, 5.0),
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    assert shutil.which("Rscript"), "Rscript (with EpiEstim) is required for these tests"
    script = tmp_path / "epiestim.R"
    script.write_text(R_SCRIPT)
    data = tmp_path / "incid.csv"
    data.write_text("I\n" + "\n".join(repr(float(v)) for v in incid) + "\n")
    out, si_out = tmp_path / "r.csv", tmp_path / "si.csv"
    subprocess.run(
        [
            "Rscript",
            str(script),
            str(data),
            str(out),
            str(window),
            *map(str, si),
            *map(str, prior),
            str(si_out),
        ],
        check=True,
        capture_output=True,
    )
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    cols = {
        k.strip(): np.array([float(r[k]) if r[k].strip() != "NA" else np.nan for r in rows])
        for k in rows[0]
    }
    with si_out.open() as fh:
        w = np.array([float(r["w"]) for r in csv.DictReader(fh)])
    return cols, w


def assert_matches(ours, theirs: dict[str, np.ndarray]) -> None:
    """Every posterior EpiEstim gives is ours (from ``shape``/``scale``), and every number
    we publish (``mean``, ``sd``, ``quantiles``) is EpiEstim's; where we publish none,
    ``status`` says why (insufficient data, Cori et al. 2013's guidance)."""
    from warroom.analytics.rt import STATUS_ESTIMATED, gamma_quantiles

    np.testing.assert_array_equal(ours.t_start + 1, theirs["t_start"])
    np.testing.assert_array_equal(ours.t_end + 1, theirs["t_end"])
    levels = (0.025, 0.05, 0.25, 0.5, 0.75, 0.975, 0.95)
    raw_q = gamma_quantiles(ours.shape, levels) * ours.scale[:, None]
    published = ours.status == STATUS_ESTIMATED
    assert np.isfinite(ours.mean[published]).all()
    assert np.isnan(ours.mean[~published]).all() and np.isnan(ours.quantiles[~published]).all()
    pairs = {
        "Mean(R)": (ours.shape * ours.scale, ours.mean),
        "Std(R)": (np.sqrt(ours.shape) * ours.scale, ours.sd),
        "Median(R)": (raw_q[:, 3], ours.quantile(0.5)),
    }
    for j, level in enumerate(levels):
        if level != 0.5:
            pairs[f"Quantile.{level:g}(R)"] = (raw_q[:, j], ours.quantile(level))
    for name, (raw, shown) in pairs.items():
        np.testing.assert_array_equal(np.isnan(raw), np.isnan(theirs[name]), err_msg=name)
        np.testing.assert_allclose(raw, theirs[name], rtol=1e-6, atol=0, err_msg=name)
        np.testing.assert_allclose(
            shown[published], theirs[name][published], rtol=1e-6, atol=0, err_msg=name
        )
    np.testing.assert_allclose(ours.serial_interval_mean, theirs["si_mean"][0], rtol=1e-9)
    np.testing.assert_allclose(ours.serial_interval_sd, theirs["si_sd"][0], rtol=1e-9)


def wuhan_like() -> np.ndarray:
    days = np.arange(100)
    curve = 2500 * np.exp(-0.5 * ((days - 40) / 9.0) ** 2) + 3
    rng = np.random.default_rng(2020)
    return rng.poisson(curve).astype(float)


def epidemic(growth: float, days: int = 80, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(5 * np.exp(growth * np.arange(days))).astype(float)


def sample_city() -> np.ndarray:
    """new_confirmed of the city in the committed synthetic sample (tests/series/data)."""
    path = Path(__file__).resolve().parent.parent / "series" / "data" / "wuhan_like_synthetic.csv"
    with path.open(encoding="utf-8") as fh:
        return np.array(
            [float(r["new_confirmed"]) for r in csv.DictReader(fh) if r["area_code"] == "4201"]
        )


SERIES = {
    "sample_file_city": sample_city(),
    "wuhan_like": wuhan_like(),
    "growing": epidemic(0.08),
    "declining": epidemic(-0.04, seed=2) + np.r_[np.full(10, 400), np.zeros(70)],
    "with_zeros": np.tile([0, 0, 3, 0, 1, 0, 0, 5, 0, 0], 6).astype(float),
    "long_flat_tail": np.r_[wuhan_like()[:70], np.zeros(120)],
    "all_zero": np.zeros(30),
    "short": np.array([10, 12, 15, 11, 20, 25, 30, 28, 35.0]),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_every_number_matches_epiestim(tmp_path: Path, name: str) -> None:
    incid = SERIES[name]
    theirs, w = run_epiestim(tmp_path, incid)
    ours = estimate_rt(incid)
    assert_matches(ours, theirs)
    mask = w > 1e-300
    np.testing.assert_allclose(ours.serial_interval[:-1][mask], w[mask], rtol=1e-9)


def test_refused_early_windows_are_nan_as_in_epiestim(tmp_path: Path) -> None:
    # A 3-day window ends on days 4.. (1-based); EpiEstim refuses t_end <= mean SI (~7.5).
    incid = SERIES["growing"]
    theirs, _ = run_epiestim(tmp_path, incid, window=3)
    ours = estimate_rt(incid, window=3)
    assert np.isnan(ours.shape[:4]).all() and np.isfinite(ours.shape[4:]).all()
    assert (ours.status[:4] == 1).all()  # STATUS_REFUSED
    assert_matches(ours, theirs)


def test_other_serial_interval_prior_and_window_match(tmp_path: Path) -> None:
    incid = SERIES["wuhan_like"]
    theirs, _ = run_epiestim(tmp_path, incid, window=14, si=(4.7, 2.9), prior=(2.0, 1.0))
    ours = estimate_rt(incid, window=14, si_mean=4.7, si_sd=2.9, prior_mean=2.0, prior_sd=1.0)
    assert_matches(ours, theirs)


def test_serial_interval_is_a_distribution_with_the_requested_moments() -> None:
    w = discretise_serial_interval(200)
    assert w[0] == 0
    assert abs(w.sum() - 1) < 1e-9
    # discr_si's offset gamma keeps the mean; the sd of the discretisation grows slightly.
    assert abs((w * np.arange(200)).sum() - 7.5) < 1e-6


def test_constant_growth_gives_the_renewal_rt() -> None:
    # I_t = Rt * Lambda_t exactly: the posterior mean approaches 2 when counts are large.
    w = discretise_serial_interval(60)
    incid = np.zeros(60)
    incid[0] = 1e6
    for t in range(1, 60):
        incid[t] = 2.0 * total_infectivity(incid[: t + 1], w[: t + 1])[t]
    est = estimate_rt(incid[:40])
    finite = est.mean[np.isfinite(est.mean)]
    np.testing.assert_allclose(finite, 2.0, rtol=1e-4)


@given(st.lists(st.integers(0, 5000), min_size=9, max_size=120))
@settings(max_examples=60, deadline=None)
def test_posterior_quantiles_are_ordered_and_bracket_the_median(counts: list[int]) -> None:
    est = estimate_rt(np.array(counts, dtype=float))
    q = est.quantiles[est.estimated]
    assert np.all(np.diff(q, axis=1) >= 0)
    assert np.all(q > 0)
    assert np.all(est.sd[est.estimated] > 0)


@pytest.mark.parametrize(
    ("incid", "kwargs", "message"),
    [
        ([1, 2, np.nan, 3, 4, 5, 6, 7, 8], {}, "missing day"),
        ([1, 2, -1, 3, 4, 5, 6, 7, 8], {}, ">= 0"),
        ([1, 2, 3], {}, "at least window"),
        ([1.0] * 20, {"window": 0}, "window must be"),
        ([1.0] * 20, {"si_mean": 1.0}, "si_mean must be"),
        ([1.0] * 20, {"si_sd": 0.0}, "si_sd must be"),
        ([1.0] * 20, {"prior_sd": -1}, "prior_sd must be"),
        ([[1.0, 2.0]], {}, "1-D"),
    ],
)
def test_bad_input_is_a_value_error(incid: object, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate_rt(incid, **kwargs)  # type: ignore[arg-type]


@given(
    st.lists(st.floats(0.05, 1e7), min_size=1, max_size=30),
    st.lists(st.floats(1e-6, 1 - 1e-6), min_size=1, max_size=7),
)
@settings(max_examples=300, deadline=None)
def test_gamma_quantiles_agree_with_scipy_gammaincinv(
    shapes: list[float], probs: list[float]
) -> None:
    from scipy import special

    from warroom.analytics.rt import gamma_quantiles

    a, p = np.array(shapes), np.array(probs)
    expected = special.gammaincinv(a[:, None], p[None, :])
    np.testing.assert_allclose(gamma_quantiles(a, p), expected, rtol=1e-9)


def test_gamma_quantiles_on_a_dense_grid_of_the_fast_path() -> None:
    from scipy import special

    from warroom.analytics.rt import gamma_quantiles

    a = np.geomspace(1.0, 1e8, 400)
    p = np.linspace(0.005, 0.995, 199)
    expected = special.gammaincinv(a[:, None], p[None, :])
    np.testing.assert_allclose(gamma_quantiles(a, p), expected, rtol=1e-9)


# --- insufficient data: Cori et al. 2013's guidance (DESIGN §3.4) ----------------------


def test_no_estimate_before_any_case_nor_weeks_after_the_last() -> None:
    # A district: nothing for 30 days, one cluster, then nothing for five weeks. EpiEstim
    # prints Rt ~ 5 (the prior) on every empty window; warroom prints none.
    from warroom.analytics.rt import STATUS_CV_TOO_HIGH, STATUS_TOO_FEW_CASES

    incid = np.r_[np.zeros(30), [3, 5, 8, 12, 15, 14, 12, 9, 7, 5, 3, 2, 1], np.zeros(35)]
    est = estimate_rt(incid)
    before = est.t_end < 30
    assert np.isnan(est.mean[before]).all()
    assert (est.status[before] == STATUS_TOO_FEW_CASES).all()
    quiet = est.cases == 0
    assert quiet.sum() > 20 and np.isnan(est.mean[quiet]).all()
    assert np.isfinite(est.mean).any()  # the cluster itself is estimated
    assert "no case in the window" in est.reason(int(np.flatnonzero(quiet)[-1]))
    few = np.flatnonzero(est.status == STATUS_CV_TOO_HIGH)
    assert few.size and "CV" in est.reason(int(few[0])) and "> 0.3" in est.reason(int(few[0]))


def test_the_cv_threshold_and_the_cumulative_threshold_are_parameters() -> None:
    incid = np.r_[[0.0] * 8, np.full(30, 2.0)]  # 14 cases a week: CV 1/sqrt(15) = 0.26
    strict = estimate_rt(incid, max_cv=0.2)
    default = estimate_rt(incid)
    assert np.isnan(strict.mean).all() and np.isfinite(default.mean[-1])
    assert np.isnan(estimate_rt(incid, min_cases=1000).mean).all()
    with pytest.raises(ValueError, match="max_cv"):
        estimate_rt(incid, max_cv=0)
    with pytest.raises(ValueError, match="min_cases"):
        estimate_rt(incid, min_cases=-1)


@given(
    st.lists(st.integers(0, 3000), min_size=9, max_size=90),
    st.integers(0, 80),
    st.integers(8, 30),
    st.floats(0.5, 50),
    st.floats(0.05, 20),
    st.floats(0.05, 10.0),
)
@settings(max_examples=150, deadline=None)
def test_a_window_without_cases_never_yields_a_number(
    counts: list[int], at: int, gap: int, prior_mean: float, prior_sd: float, max_cv: float
) -> None:
    # Zero-case windows, whatever the prior (even one confident enough to pass the CV
    # rule) and whatever the threshold: no number, and the reason says so.
    incid = np.array(counts, dtype=float)
    at = min(at, incid.size)
    incid = np.r_[incid[:at], np.zeros(gap), incid[at:]]
    est = estimate_rt(incid, prior_mean=prior_mean, prior_sd=prior_sd, max_cv=max_cv)
    empty = est.cases == 0
    assert empty.any()
    assert np.isnan(est.mean[empty]).all() and np.isnan(est.quantiles[empty]).all()
    assert np.isnan(est.sd[empty]).all()
    for i in np.flatnonzero(empty):
        assert est.reason(int(i)).startswith("insufficient data")
    shown = est.estimated
    assert (est.cases[shown] > 0).all() and (est.cv[shown] <= max_cv).all()
    assert (est.cumulative[shown] >= 12).all()
