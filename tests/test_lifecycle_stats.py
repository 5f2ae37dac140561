"""Survival statistics and the sBG model against independent references.

- Kaplan–Meier survival, 95 % bounds, median and the log-rank test against lifelines 0.30.3
  (installed for tests only: it declares pandas<3, the app pins pandas 3; see docs/architecture.md, Dependencies).
- sBG: the parameters published in Fader & Hardie (2007), "How to project customer retention",
  Journal of Interactive Marketing 21(1), 76–90, for the "regular" and "high end" datasets
  (Table 1: survivors of 1,000 customers over years 0–7). The paper reports the maximum
  likelihood estimates fitted to the seven years: regular gamma = 0.704, delta = 1.182;
  high end gamma = 0.668, delta = 3.806 (the same numbers appear in the authors' note
  "Fitting the sBG Model to Multi-Cohort Data" and its spreadsheet). We reproduce them to the
  three decimals printed.
- DERL: the closed form of Fader & Hardie (2010), Marketing Science 29(1), eq. for
  DERL(d | gamma, delta, n), against a direct numeric sum of the discounted survival series.
- Kaplan–Meier from an origin (conditional on surviving it, the minimum-tenure exclusion)
  against lifelines with every entry raised to the origin, and against S(t) / S(origin).
- The cohort matrix on hand-worked cases with censoring, with and without truncation.
"""
import os

import numpy as np
import polars as pl
import pytest

from lib.lifecycle.cohort_matrix import cohort_matrix
from lib.lifecycle.sbg import (SBG, derl, fit_survival_curve, log_likelihood, log_likelihood_gradient,
                                monthly_rate, survival)
from lib.lifecycle.survival import KaplanMeier, logrank

try:
    import lifelines  # noqa: F401
except ImportError:  # pragma: no cover - the reference is installed by requirements-reference.txt
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        raise
    pytest.skip("lifelines (requirements-reference.txt) is not installed", allow_module_level=True)
from lifelines import KaplanMeierFitter  # noqa: E402
from lifelines.statistics import logrank_test  # noqa: E402

# lifelines 0.30 calls pandas in ways pandas 3 warns about; not ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning",
                                        "ignore:Starting with pandas version 4.0")

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def grouped_sample(rng, n_rows=300, entry=False):
    """Random censored lifetimes as SQL returns them: one row per (duration, event, entry)
    with a customer count."""
    durations = rng.integers(1, 40, n_rows)
    events = rng.integers(0, 2, n_rows)
    weights = rng.integers(1, 50, n_rows)
    entries = np.where(rng.random(n_rows) < 0.4, rng.integers(0, 20, n_rows), 0) if entry else None
    if entry:
        entries = np.minimum(entries, durations - 1)
    return durations, events, weights, entries


def lifelines_at(fitter, times):
    frame = fitter.survival_function_.join(fitter.confidence_interval_)
    frame = frame.reindex(sorted(set(frame.index) | set(times))).ffill()
    return frame.loc[times].to_numpy()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("entry", [False, True], ids=["no_truncation", "left_truncation"])
def test_kaplan_meier_equals_lifelines(seed, entry):
    rng = np.random.default_rng(seed)
    d, e, w, s = grouped_sample(rng, entry=entry)
    ours = KaplanMeier().fit(d, e, w, s)
    ref = KaplanMeierFitter().fit(d, e, weights=w, entry=s)
    times = ours.survival_["months"].to_list()
    expected = lifelines_at(ref, times)
    got = ours.survival_.select("survival", "lower", "upper").to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert ours.median_months_ == pytest.approx(ref.median_survival_time_)


@pytest.mark.parametrize("seed", [6, 7])
@pytest.mark.parametrize("origin", [3, 10])
def test_kaplan_meier_from_an_origin_equals_lifelines_with_raised_entries(seed, origin):
    """Conditional on surviving ``origin`` months: lifelines fitted on the rows still observed
    after it with every entry raised to it, and S(t) / S(origin) of lifelines' curve from 0."""
    rng = np.random.default_rng(seed)
    d, e, w, s = grouped_sample(rng, entry=True)
    ours = KaplanMeier().fit(d, e, w, s, origin=origin)
    frame = ours.survival_
    assert frame["months"][0] == origin and frame["survival"][0] == 1.0
    assert frame["months"].min() == origin
    stayed = d > np.maximum(s, origin)
    ref = KaplanMeierFitter().fit(d[stayed], e[stayed], weights=w[stayed],
                                  entry=np.maximum(s[stayed], origin))
    times = frame["months"].to_list()[1:]
    expected = lifelines_at(ref, times)
    got = frame.select("survival", "lower", "upper").to_numpy()[1:]
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert ours.median_months_ == pytest.approx(ref.median_survival_time_)
    plain = KaplanMeierFitter().fit(d, e, weights=w, entry=s)
    at_origin = float(plain.survival_function_at_times(origin).iloc[0])
    np.testing.assert_allclose(frame["survival"].to_numpy()[1:],
                               plain.survival_function_at_times(times).to_numpy() / at_origin,
                               atol=1e-9)
    assert np.isnan(ours.survival_at(origin - 1)) and ours.survival_at(origin) == 1.0


def test_kaplan_meier_hand_case():
    # 4 customers: churn at 1, 2; censored at 2; churn at 3
    km = KaplanMeier().fit([1, 2, 2, 3], [1, 1, 0, 1])
    assert km.survival_at(1) == pytest.approx(3 / 4)
    assert km.survival_at(2) == pytest.approx(3 / 4 * 2 / 3)
    assert km.survival_at(3) == 0
    assert km.median_months_ == 2


def test_median_beyond_the_data_is_none():
    km = KaplanMeier().fit([1, 5, 9], [1, 0, 0], [1, 10, 10])
    assert km.median_months_ is None


@pytest.mark.parametrize("seed", [4, 5])
def test_logrank_equals_lifelines(seed):
    rng = np.random.default_rng(seed)
    a = grouped_sample(rng, 120)[:3]
    b = grouped_sample(rng, 120)
    b = (b[0] + rng.integers(0, 4, b[0].size), b[1], b[2])
    ours = logrank((*a, None), (*b, None))
    ref = logrank_test(a[0], b[0], a[1], b[1], weights_A=a[2], weights_B=b[2])
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-6)
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-6)


@pytest.mark.parametrize("data, gamma, delta", [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)],
                         ids=["regular", "high_end"])
def test_sbg_reproduces_fader_hardie_2007(data, gamma, delta):
    model = fit_survival_curve(data)
    assert round(model.gamma_, 3) == gamma
    assert round(model.delta_, 3) == delta
    # the fitted curve follows the data (the paper's Figure 2): within 2 % of the cohort
    np.testing.assert_allclose(model.survival(np.arange(8)) * 1000, data, atol=20)


@pytest.mark.parametrize("gamma, delta", [(0.7, 1.2), (0.3, 8.0), (2.5, 0.4)])
def test_sbg_gradient_equals_central_differences_of_the_likelihood(gamma, delta):
    """The analytic gradient the fit uses, against central differences of the likelihood on
    censored, weighted and left-truncated rows."""
    rng = np.random.default_rng(5)
    durations = rng.integers(1, 30, 200).astype(float)
    events = rng.integers(0, 2, 200).astype(float)
    weights = rng.integers(1, 50, 200).astype(float)
    entries = np.minimum(rng.integers(0, 10, 200), durations - 1).astype(float)
    rows = (durations, events, weights, entries)
    h = 1e-6
    by_gamma = (log_likelihood(gamma + h, delta, *rows) - log_likelihood(gamma - h, delta, *rows)) / (2 * h)
    by_delta = (log_likelihood(gamma, delta + h, *rows) - log_likelihood(gamma, delta - h, *rows)) / (2 * h)
    ours = log_likelihood_gradient(gamma, delta, *rows)
    assert ours == pytest.approx((by_gamma, by_delta), rel=1e-5)


def test_sbg_fit_from_censored_grouped_rows_equals_the_curve_fit():
    """The same likelihood from lifetime rows (as SQL returns them) gives the same fit."""
    n = np.array(REGULAR, dtype=float)
    durations = np.concatenate([np.arange(1, 8), [7]])
    events = np.concatenate([np.ones(7), [0]])
    weights = np.concatenate([n[:-1] - n[1:], [n[-1]]])
    model = SBG().fit(durations, events, weights)
    assert model.gamma_ == pytest.approx(0.704, abs=5e-4)
    assert model.delta_ == pytest.approx(1.182, abs=5e-4)


def test_sbg_with_left_truncation_recovers_simulated_parameters():
    rng = np.random.default_rng(11)
    theta = rng.beta(0.8, 6.0, 60_000)
    life = rng.geometric(theta)                        # churn period, 1, 2, ...
    entry = rng.integers(0, 30, theta.size)            # observed from period entry on
    seen = life > entry
    end = entry + 12                                   # twelve periods of observation
    duration = np.minimum(life, end)[seen]
    event = (life <= end)[seen].astype(int)
    model = SBG().fit(duration, event, None, entry[seen])
    assert model.gamma_ == pytest.approx(0.8, rel=0.1)
    assert model.delta_ == pytest.approx(6.0, rel=0.1)


@pytest.mark.parametrize("gamma, delta", [(0.704, 1.182), (0.668, 3.806), (2.1, 50.0)])
@pytest.mark.parametrize("survived", [0, 1, 5, 24])
@pytest.mark.parametrize("discount", [0.1, monthly_rate(0.1)])
def test_derl_closed_form_equals_direct_sum(gamma, delta, survived, discount):
    t = np.arange(survived + 1, survived + 20_000)
    discount_factor = np.exp(-(t - survived - 1) * np.log1p(discount))
    direct = np.sum(survival(t, gamma, delta) / survival(survived, gamma, delta) * discount_factor)
    assert derl(discount, gamma, delta, survived) == pytest.approx(direct, rel=1e-6)


def test_monthly_rate():
    assert (1 + monthly_rate(0.1)) ** 12 == pytest.approx(1.1)


def test_cohort_matrix_hand_case_with_censoring():
    # chosen month 102. Cohort 100: 3 customers, one lost in month 1, one in month 2.
    # Cohort 101: 2 customers, none lost. Cohort 102: 1 customer.
    rows = pl.DataFrame({
        "join_month": [100, 100, 100, 101, 101, 102],
        "duration_months": [1, 2, 3, 2, 2, 1],
        "event": [1, 1, 0, 0, 0, 0],
        "customers": [1, 1, 1, 1, 1, 1],
    })
    m = cohort_matrix(rows, 102)
    cell = {(r["join_month"], r["months"]): r["share"] for r in m.iter_rows(named=True)}
    assert cell[(100, 1)] == pytest.approx(2 / 3)
    assert cell[(100, 2)] == pytest.approx(1 / 3)
    assert cell[(100, 3)] == pytest.approx(1 / 3)
    assert cell[(101, 1)] == cell[(101, 2)] == 1.0
    assert cell[(101, 3)] is None                      # not observed yet: blank, not zero
    assert cell[(102, 1)] == 1.0
    assert cell[(102, 2)] is None and cell[(102, 3)] is None
    active = {(r["join_month"], r["months"]): r["active"] for r in m.iter_rows(named=True)}
    assert active[(100, 2)] == 1 and active[(101, 3)] is None


def test_cohort_matrix_conditional_on_staying_two_months():
    # chosen month 104, customers who stayed 2 months (truncation 2).
    # Cohort 100 (5 joiners): lost in month 1 (1) and 2 (1): out; lost in month 3 (1); two
    #   active at 5 months -> 3 stayed; month 2 = 3/3, month 3 = 2/3, months 4-5 = 2/3.
    # Cohort 103 (2 joiners, 2 months old): one lost in month 2 (out), one active at the end of
    #   month 2 (stayed) -> month 2 = 1/1, month 3 not observed yet.
    # Cohort 104 (1 joiner, 1 month old): nobody can have stayed 2 months yet: size 0.
    rows = pl.DataFrame({
        "join_month": [100, 100, 100, 100, 103, 103, 104],
        "duration_months": [1, 2, 3, 5, 2, 2, 1],
        "event": [1, 1, 1, 0, 1, 0, 0],
        "customers": [1, 1, 1, 2, 1, 1, 1],
    })
    m = cohort_matrix(rows, 104, truncation_months=2)
    cell = {(r["join_month"], r["months"]): r for r in m.iter_rows(named=True)}
    assert sorted({j for j, _ in cell}) == [100, 103, 104]
    assert all(cell[(j, 1)]["applicable"] is False and cell[(j, 1)]["share"] is None
               for j in (100, 103, 104))
    assert [cell[(100, k)]["share"] for k in range(2, 6)] == pytest.approx([1, 2 / 3, 2 / 3, 2 / 3])
    assert cell[(100, 2)]["cohort_size"] == 3 and cell[(100, 3)]["active"] == 2
    assert cell[(103, 2)]["share"] == 1.0 and cell[(103, 2)]["cohort_size"] == 1
    assert cell[(103, 3)]["share"] is None and cell[(103, 3)]["applicable"] is True
    assert cell[(104, 2)]["cohort_size"] == 0 and cell[(104, 2)]["share"] is None
    # without truncation every cell is applicable and cohort 100 starts at 4/5
    plain = cohort_matrix(rows, 104)
    assert plain["applicable"].all()
    assert plain.filter((pl.col("join_month") == 100) & (pl.col("months") == 1))["share"][0] == 0.8


@pytest.mark.parametrize("gamma, delta", [(0.704, 1.182), (0.668, 3.806)])
def test_new_customer_lifetime_is_the_papers_del(gamma, delta):
    """A new customer's discounted expected lifetime (joining month included), as
    lib.lifecycle.value computes it, equals DEL = 2F1(1, delta; gamma + delta; 1/(1+d)) of
    Fader & Hardie (2010)."""
    from scipy.special import hyp2f1

    d = monthly_rate(0.1)
    ours = 1.0 + derl(d, gamma, delta, 0) / (1.0 + d)
    assert ours == pytest.approx(hyp2f1(1.0, delta, gamma + delta, 1.0 / (1.0 + d)), rel=1e-10)


# --- fits the data do not identify --------------------------------------------------------------

FALLING = [1000, 900, 800, 700, 600]       # retention 0.900, 0.889, 0.875, 0.857: falling


def test_sbg_fit_at_the_optimisers_bound_is_flagged():
    """sBG retention (δ + t − 1)/(γ + δ + t − 1) can only rise with t; on falling retention the
    likelihood keeps rising as γ and δ grow at a fixed ratio (a point-mass Beta): the fit ends on
    the box and is not identifiable. The published cohorts fit inside it."""
    from lib.lifecycle.sbg import LOG_BOUND

    model = fit_survival_curve(FALLING)
    assert model.problem_ == "at_bound" and not model.identifiable
    assert max(abs(np.log(model.gamma_)), abs(np.log(model.delta_))) == pytest.approx(LOG_BOUND, abs=0.5)
    assert fit_survival_curve(REGULAR).identifiable and fit_survival_curve(REGULAR).problem_ is None


def test_sbg_without_churners_runs_to_the_bound():
    model = SBG().fit(np.array([3.0, 5.0, 8.0]), np.zeros(3), np.array([10.0, 20.0, 5.0]))
    assert model.problem_ == "at_bound"


def lifetime_rows(survivors):
    """``lifecycle.lifetime_counts`` rows of one tier from a cohort's survivor counts."""
    n = np.asarray(survivors, dtype=float)
    periods = len(n) - 1
    return pl.DataFrame({
        "segment": ["4"] * (periods + 1), "duration_months": [*range(1, periods + 1), periods],
        "event": [1] * periods + [0], "entry_months": [0] * (periods + 1),
        "customers": [*(n[:-1] - n[1:]), n[-1]], "active": [0] * periods + [1]})


def test_fit_status_and_the_observed_churn_of_a_tier():
    from lib.lifecycle.value import fit_status, fit_tiers, observed_monthly_churn

    rows = lifetime_rows(FALLING)
    fits = fit_tiers(rows, min_customers=100)
    assert fit_status(rows, fits.get(4), 100) == "at_bound"
    assert fit_status(rows, fits.get(4), 5000) == "too_few_customers"
    assert fit_status(rows.with_columns(event=pl.lit(0)), None, 100) == "no_churners"
    assert fit_status(rows.head(0), None, 100) == "no_lifetimes"
    assert fit_status(lifetime_rows(REGULAR), fit_tiers(lifetime_rows(REGULAR), 100)[4], 100) == "fitted"
    # 100 churn in each of months 1-4, 600 stay 4 months: 400 / (100·(1+2+3+4) + 600·4) = 2/17
    assert observed_monthly_churn(rows) == pytest.approx(400 / 3400)
    # left truncation: observed from month 2 on, a row is at risk duration − entry months
    truncated = pl.DataFrame({"duration_months": [4, 6, 1], "entry_months": [0, 2, 0],
                              "event": [1, 0, 1], "customers": [2, 3, 1]})
    assert observed_monthly_churn(truncated) == pytest.approx(3 / (2 * 4 + 3 * 4 + 1 * 1))   # 1/7


def test_observed_churn_is_the_geometric_maximum_likelihood():
    """Against scipy: the churn rate θ maximising the likelihood of one geometric lifetime for
    everyone (churn in month t: θ(1 − θ)^(t − 1 − s); alive after t: (1 − θ)^(t − s))."""
    from scipy.optimize import minimize_scalar

    from lib.lifecycle.value import observed_monthly_churn

    rng = np.random.default_rng(3)
    entry = rng.integers(0, 6, 300)
    duration = entry + rng.integers(1, 20, 300)
    event = rng.integers(0, 2, 300)
    weight = rng.integers(1, 9, 300)

    def minus_log_likelihood(theta):
        stay = np.where(event == 1, duration - 1 - entry, duration - entry)
        return -np.sum(weight * (event * np.log(theta) + stay * np.log1p(-theta)))

    reference = minimize_scalar(minus_log_likelihood, bounds=(1e-9, 1 - 1e-9), method="bounded",
                                options={"xatol": 1e-12}).x
    rows = pl.DataFrame({"duration_months": duration, "entry_months": entry, "event": event,
                         "customers": weight})
    assert observed_monthly_churn(rows) == pytest.approx(reference, rel=1e-6)
