"""Targets for the Offers page from the store: observed-rate fallback, worked by hand."""
import pytest

from lib.rules.economics import Economics
from lib.offers.targets import offer_targets, tier_table
from lib.offers.roi import default_catalogue, simple_clv
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store
from tests.factories import S2, two_snapshots


def test_observed_fallback_on_the_hand_base(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    economics = Economics(margin_share=0.5, annual_discount=0.0, horizon_months=12, acquisition_cost=300.0)
    with engine.connect() as conn:
        result = offer_targets(conn, Filters(S2), rules, economics)
    assert result.risk_source == "observed"
    frame = result.frame.sort("tier")
    assert frame["tier"].to_list() == [1, 4]
    # tier 4: A active (300/month); B churned of A, B counted -> 0.5 a month
    tier4 = frame.row(1, named=True)
    assert tier4["customers"] == 1
    assert tier4["churn_probability"] == pytest.approx(1 - 0.5 ** 12)
    assert tier4["monthly_margin"] == pytest.approx(150)
    assert tier4["clv"] == pytest.approx(simple_clv(150, 0.5, 0.0))   # 150 / 0.5 = 300
    # two customers are far too few for an sBG fit: the caption's per-tier source says so
    sources = {r["tier"]: r for r in result.clv_sources.iter_rows(named=True)}
    assert sources[4]["clv_source"] == "simple" and sources[4]["monthly_churn"] == pytest.approx(0.5)
    assert sources[4]["fit_status"] == "too_few_customers"
    assert result.clv_source == "simple"
    # tier 1: C, E, F active (20 + 30 + 40); no counted churner
    tier1 = frame.row(0, named=True)
    assert tier1["customers"] == 3 and tier1["churn_probability"] == 0
    table = tier_table(result.frame, default_catalogue()[0], 1.0)      # care call: tiers 4-6
    assert table["tier"].to_list() == [4]
    engine.dispose()


def test_sbg_clv_is_used_where_the_lifecycle_fit_exists(duckdb_url):
    from lib.lifecycle.value import tier_clv
    from lib.demo.seed import seed_demo
    from lib.pipeline.snapshots import stored_dates

    engine = open_store(duckdb_url)
    seed_demo(engine, customers=5000, snapshots=12, seed=3)
    rules = current_rules(engine)
    filters = Filters(stored_dates(engine)[-1])
    economics = Economics(margin_share=0.5, annual_discount=0.08, horizon_months=12, acquisition_cost=300.0)
    with engine.connect() as conn:
        result = offer_targets(conn, filters, rules, economics)
        reference = tier_clv(conn, filters, rules, 0.5, 0.08)
    assert result.clv_source == "sbg"
    fitted = {r["tier"]: r["residual_clv_per_customer_currency"] for r in reference.iter_rows(named=True)
              if r["clv_source"] == "sbg"}
    assert fitted
    for row in result.frame.iter_rows(named=True):
        if row["tier"] in fitted:
            assert row["clv"] == pytest.approx(fitted[row["tier"]], rel=2e-3)  # two fits, optimiser tolerance
    status = dict(zip(reference["tier"].to_list(), reference["fit_status"].to_list()))
    for row in result.clv_sources.iter_rows(named=True):
        assert row["fit_status"] == status[row["tier"]]
        assert row["clv_source"] == ("sbg" if status[row["tier"]] == "fitted" else "simple")
    engine.dispose()
