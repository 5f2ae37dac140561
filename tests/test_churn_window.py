"""A file's churn window (months its churn flag covers) is asked for, never assumed: unknown
windows are stored as unknown and no rate per month is made from them."""
import datetime as dt

import pytest
import sqlalchemy as sa

from lib.churn.train import train_churn_model, training_target
from lib.overview.kpis import build_overview, risk_by_tier
from lib.rules.economics import economics
from lib.offers.targets import offer_targets
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.segments.tiers import churn_window, value_view
from lib.pipeline.snapshots import list_snapshots, write_snapshots
from lib.store import SCHEMA_VERSION, StoreError, schema_version
from lib.pipeline.migrations import open_store
from tests.factories import S2, customer, snapshot

# Eight customers of 24 months' tenure (no rule excludes any), c0, c1 and c2 flagged churned.
# Hand count: churn share of the file = 3 / 8 = 0.375.
TINY = [customer(f"c{i}", 10.0 * (i + 1), 24, churned=i < 3) for i in range(8)]
SHARE = 3 / 8
# Over a 3-month window the constant monthly rate r solves (1 - r) ** 3 = 1 - 0.375 = 0.625:
# 0.625 ** (1/3) = 0.854988 (0.854988 ** 3 = 0.625000), so r = 0.145012 a month.
RATE_3 = 1 - (1 - SHARE) ** (1 / 3)


def store(engine, window):
    write_snapshots(engine, snapshot(S2, TINY), rules=current_rules(engine), source_name="tiny.csv",
                    churn_window_months=window)


def test_the_window_has_no_default():
    with pytest.raises(TypeError):
        write_snapshots(None, snapshot(S2, TINY), rules=None, source_name="tiny.csv")


def test_an_unknown_window_is_stored_as_unknown(engine):
    store(engine, None)
    assert list_snapshots(engine)["churn_window_months"].to_list() == [None]
    with engine.connect() as conn:
        assert churn_window(conn, S2) is None


def test_an_unknown_window_gives_the_churn_share_and_no_rate(engine):
    store(engine, None)
    with engine.connect() as conn:
        view = build_overview(conn, Filters(S2), current_rules(engine))
    keys = [k.key for k in view.kpis]
    assert "kpi_monthly_churn" not in keys
    share = view.kpi("kpi_churn_share_unknown_window")
    assert share.value == pytest.approx(SHARE)
    assert share.target is None and share.meets_target is None   # the ceiling is per month
    assert view.kpi("kpi_revenue_at_risk").value is None
    assert view.churn_window_months is None
    assert view.trend["monthly_churn"].to_list() == [None]
    assert view.risk_by_tier["revenue_at_risk"].null_count() == view.risk_by_tier.height


def test_a_three_month_window_gives_the_monthly_rate(engine):
    store(engine, 3)
    with engine.connect() as conn:
        view = build_overview(conn, Filters(S2), current_rules(engine))
    assert RATE_3 == pytest.approx(0.145012, abs=1e-6)
    assert view.kpi("kpi_monthly_churn").value == pytest.approx(RATE_3)
    assert view.trend["churn_share"].to_list() == [pytest.approx(SHARE)]
    assert view.churn_window_months == 3


def test_risk_by_tier_makes_no_rate_of_an_unknown_window():
    import polars as pl

    tiers = pl.DataFrame({"tier": [1], "active": [5], "revenue": [100.0],
                          "churners_counted": [3], "base_counted": [8]})
    unknown = risk_by_tier(tiers, None, 12).row(0, named=True)
    assert (unknown["monthly_churn"], unknown["revenue_at_risk"]) == (None, None)
    # one month at a 37.5 % monthly rate: 100 × 0.375 lost (hand)
    assert risk_by_tier(tiers, 1, 1).row(0, named=True)["revenue_at_risk"] == pytest.approx(37.5)


def test_segments_and_offers_make_no_rate_of_an_unknown_window(engine):
    store(engine, None)
    rules = current_rules(engine)
    with engine.connect() as conn:
        tiers = value_view(conn, Filters(S2), rules).tiers
        assert tiers["monthly_churn"].null_count() == tiers.height
        with pytest.raises(StoreError) as refused:
            offer_targets(conn, Filters(S2), rules, economics(rules))
    assert refused.value.code == "offers_window_unknown"


def test_the_churn_model_states_the_stored_window_or_refuses(engine):
    rules = current_rules(engine)
    store(engine, None)
    with engine.connect() as conn:
        target = training_target(conn, S2, rules)
        assert (target.label, target.months) == ("same_row", None)
        with pytest.raises(StoreError) as refused:
            train_churn_model(conn, S2, rules)
    assert refused.value.code == "churn_window_unknown"
    write_snapshots(engine, snapshot(S2, TINY), rules=rules, source_name="tiny.csv",
                    churn_window_months=3, replace=True)
    with engine.connect() as conn:
        target = training_target(conn, S2, rules)
    assert (target.label, target.months) == ("same_row", 3)   # not the rules' horizon


def test_an_older_store_is_migrated_to_allow_an_unknown_window(db_url):
    open_store(db_url).dispose()
    engine = sa.create_engine(db_url)   # put the database back as version 5 made it
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE snapshots ALTER COLUMN churn_window_months SET NOT NULL"))
        conn.execute(sa.delete(schema_version))
        conn.execute(sa.insert(schema_version).values(version=5, applied_at=dt.datetime(2026, 1, 1)))
    engine.dispose()
    engine = open_store(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() == SCHEMA_VERSION
    store(engine, None)
    assert list_snapshots(engine)["churn_window_months"].to_list() == [None]
    engine.dispose()
