"""Once a churn model has scored the snapshot, the Overview's revenue at risk comes from the
scores (and says so); before, from the observed churn rate per tier."""
import pytest

from lib.churn.scores import revenue_at_risk_from_scores, train_and_score
from lib.overview.kpis import build_overview
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import stored_dates
from lib.pipeline.migrations import open_store
from tests.factories import churn_base as seeded


def test_overview_switches_to_the_model_once_scores_exist(duckdb_url):
    seeded(duckdb_url)
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    filters = Filters(stored_dates(engine)[-1])
    with engine.connect() as conn:
        before = build_overview(conn, filters, rules)
    assert before.risk_source == "observed"
    model_id, card = train_and_score(engine, filters.snapshot_date, rules)
    assert card.accepted
    with engine.connect() as conn:
        after = build_overview(conn, filters, rules)
        reference = revenue_at_risk_from_scores(conn, filters, rules.risk_horizon_months)
    assert after.risk_source == "model" and after.risk_model_id == model_id
    assert after.kpi("kpi_revenue_at_risk").value == pytest.approx(reference.total)
    assert after.risk_by_tier["revenue_at_risk"].sum() == pytest.approx(reference.total)
    assert after.risk_by_tier["monthly_churn"].is_between(0, 1).all()
    engine.dispose()


def test_offer_targets_restate_model_probabilities_over_the_chosen_horizon(duckdb_url):
    import polars as pl

    from lib.rules.economics import Economics
    from lib.offers.targets import offer_targets
    from lib.offers.queries import scored_groups

    seeded(duckdb_url)                                   # the model's horizon: 2 months
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    filters = Filters(stored_dates(engine)[-1])
    train_and_score(engine, filters.snapshot_date, rules)
    with engine.connect() as conn:
        targets = offer_targets(conn, filters, rules, Economics(0.35, 0.10, horizon_months=12, acquisition_cost=300.0))
        raw = pl.DataFrame(conn.execute(scored_groups(filters)).mappings().all())
    assert targets.risk_source == "model"
    assert raw["model_horizon"].unique().to_list() == [2]
    merged = targets.frame.join(raw.select("tier", "decile", "churn_probability"), on=["tier", "decile"])
    expected = 1 - (1 - merged["churn_probability_right"]) ** 6      # 12 months = 6 × 2
    assert merged["churn_probability"].to_list() == pytest.approx(expected.to_list())
    engine.dispose()
