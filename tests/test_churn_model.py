"""The churn model on synthetic data with a planted signal; leak-proof features; metrics
against scikit-learn and hand-worked cases; reason codes; the revenue-at-risk formula."""
import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa
from sklearn.metrics import roc_auc_score

from lib.churn.model import (
    EXCLUDED,
    FEATURES,
    BaselineModel,
    ChurnModel,
    Metrics,
    churn_settings,
    decile_table,
    evaluate,
    feature_frame,
    refusal,
    risk_deciles,
)
from lib.churn.explain import group_effects, parse_reasons, reason_codes
from lib.churn.train import plan_training
from lib.overview.kpis import revenue_at_risk
from lib.churn.queries import expected_months_lost
from lib.rules import default_rules


def planted(n: int, seed: int, signal: bool = True) -> tuple[pl.DataFrame, np.ndarray]:
    """Customers whose churn follows step rules (complaints, short tenure, monthly contract,
    falling spend) — thresholds a linear model can only approximate — plus noise columns."""
    rng = np.random.default_rng(seed)
    complaints = rng.poisson(0.6, n)
    tenure = rng.uniform(0, 60, n)
    contract = rng.choice(["monthly", "12m", "24m"], n)
    trend = rng.normal(0, 0.2, n)
    spend = rng.lognormal(4, 0.6, n)
    logit = -3.2 + np.where(signal, 1.0, 0.0) * (
        2.2 * (complaints >= 2) + 1.8 * (tenure < 6) + 1.2 * (contract == "monthly")
        + 1.6 * (trend < -0.25) + 1.5 * ((complaints >= 1) & (tenure < 12)))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    frame = pl.DataFrame({
        "customer_id": [f"C{i:06d}" for i in range(n)], "complaints": complaints,
        "tenure_months": tenure, "contract": contract, "spend_trend": trend, "spend_m1": spend,
        "spend_avg_6m": spend * np.exp(-trend), "age": rng.integers(18, 70, n),
        "province": rng.choice(["广东", "山东", "河南", "江苏"], n),
    })
    return frame, y


@pytest.fixture(scope="module")
def fitted():
    frame, y = planted(12_000, seed=1)
    X = feature_frame(frame)
    half = 8_000
    model = ChurnModel(random_state=0).fit(X.iloc[:half], y[:half])
    baseline = BaselineModel().fit(X.iloc[:half], y[:half])
    return model, baseline, X.iloc[half:], y[half:]


def test_the_model_recovers_a_planted_signal(fitted):
    model, baseline, X_test, y_test = fitted
    p = model.predict_proba(X_test)
    metrics = evaluate(y_test, p)
    assert metrics.roc_auc >= 0.8
    # independent AUC: the share of (churner, stayer) pairs ranked right (Mann-Whitney)
    pos, neg = p[y_test == 1], p[y_test == 0]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert metrics.roc_auc == pytest.approx(pairs, abs=1e-9)
    assert set(model.features_) <= set(FEATURES)


def test_the_baseline_comparison_accepts_a_better_model_and_refuses_an_equal_one(fitted):
    model, baseline, X_test, y_test = fitted
    settings = churn_settings(default_rules())
    m, b = evaluate(y_test, model.predict_proba(X_test)), evaluate(y_test, baseline.predict_proba(X_test))
    assert m.roc_auc > b.roc_auc                       # the step rules beat a linear fit
    assert refusal(m, b, train_churners=10_000, settings=settings) is None
    assert refusal(m, m, 10_000, settings) == "churn_refused_not_better"
    assert refusal(m, b, train_churners=5, settings=settings) == "churn_refused_few_train_churners"
    few = Metrics(rows=100, churners=3, base_rate=0.03, roc_auc=0.9, pr_auc=0.5, top_decile_lift=3)
    assert refusal(few, b, 10_000, settings) == "churn_refused_few_test_churners"


def test_no_signal_finds_nothing():
    frame, y = planted(6_000, seed=2, signal=False)
    X = feature_frame(frame)
    model = ChurnModel(random_state=0).fit(X.iloc[:4000], y[:4000])
    assert evaluate(y[4000:], model.predict_proba(X.iloc[4000:])).roc_auc < 0.62


def test_a_column_that_leaks_the_label_cannot_enter_the_model():
    frame, _ = planted(4_000, seed=3, signal=False)
    rng = np.random.default_rng(3)
    y = (rng.random(frame.height) < 0.2).astype(np.int8)
    leaky = frame.with_columns(
        churned=pl.Series(y.astype(bool)),
        churn_month=pl.Series(np.where(y == 1, 24321, None)),
        churn_date=pl.Series(np.where(y == 1, "2026-10-15", None)),
        churn_type=pl.Series(np.where(y == 1, "switch", None)),
        churn_reason=pl.Series(np.where(y == 1, "price", None)),
        stage=pl.Series(np.where(y == 1, "churned", "maturity")),
        churned_later=pl.Series(y),
    )
    X = feature_frame(leaky)
    assert list(X.columns) == list(FEATURES)
    assert not set(X.columns) & EXCLUDED
    model = ChurnModel(random_state=0).fit(X.iloc[:3000], y[:3000])
    assert not set(model.features_) & {"churned", "churn_month", "churn_date", "churn_type",
                                       "churn_reason", "stage", "churned_later"}
    # with the label one column away, a leak would give AUC ≈ 1; the model sees only noise
    assert roc_auc_score(y[3000:], model.predict_proba(X.iloc[3000:])) < 0.62
    assert {"churned", "churn_date", "churn_type", "churn_reason", "churn_month", "stage"} <= EXCLUDED


def test_deciles_lift_and_gains_by_hand():
    # 20 customers, probabilities 20..1; churners ranked 1st, 2nd and 11th
    p = np.arange(20, 0, -1) / 20
    y = np.zeros(20, dtype=int)
    y[[0, 1, 10]] = 1
    table = decile_table(y, p)
    assert table["decile"].to_list() == list(range(10, 0, -1))
    assert table["customers"].to_list() == [2] * 10
    assert table["churners"].to_list() == [2, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert table["lift"][0] == pytest.approx((2 / 2) / (3 / 20))
    assert table["gain"].to_list() == pytest.approx([2 / 3] * 5 + [1.0] * 5)
    assert np.bincount(risk_deciles(np.r_[np.zeros(50), np.ones(50)]))[1:].tolist() == [10] * 10


def test_reason_codes_name_the_planted_driver(fitted):
    model, _, X_test, _ = fitted
    complainers = X_test[(X_test["complaints"] >= 3) & (X_test["tenure_months"] > 24)
                         & (X_test["contract"] == "24m") & (X_test["spend_trend"] > 0)]
    p, effects, groups = group_effects(model, complainers)
    reasons = reason_codes(effects, groups, top=3, min_effect=0.005)
    firsts = [parse_reasons(r)[0][0] for r in reasons if r]
    assert len(firsts) >= 0.9 * len(complainers)
    assert sum(f == "complaints" for f in firsts) >= 0.9 * len(firsts)
    assert all(effect > 0 for r in reasons for _, effect in parse_reasons(r))


def test_training_plan_prefers_time_validation():
    settings = churn_settings(default_rules())          # horizon 3, up to 3 training snapshots
    months = {f"s{i}": 100 + i for i in range(8)}       # 8 monthly snapshots
    plan = plan_training(months, "s7", settings)
    assert (plan.label, plan.scheme, plan.test_date) == ("window", "time", "s4")
    assert plan.train_dates == ("s0", "s1")             # horizons ended by s4
    assert plan_training(months, "s3", settings).scheme == "cv"     # s0 labelled only
    single = plan_training({"only": 100}, "only", settings)
    assert (single.label, single.scheme) == ("same_row", "cv")


@pytest.mark.parametrize("p", [0.0, 0.05, 0.3, 0.999, 1.0])
def test_expected_months_lost_matches_the_overview_formula(p):
    h, horizon = 3, 12
    monthly = 1 - (1 - p) ** (1 / h)
    expected = revenue_at_risk(1.0, monthly, horizon)      # lib.overview.kpis: R Σ (1 - (1 - c)^k)
    engine = sa.create_engine("duckdb:///:memory:")
    with engine.connect() as conn:
        value = conn.execute(sa.select(sa.cast(expected_months_lost(
            sa.literal(p, sa.Double), h, horizon), sa.Double))).scalar()
    assert value == pytest.approx(expected, abs=1e-9)
