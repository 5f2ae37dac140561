"""Calibration from a randomised past campaign: hand-worked, and on the demo base."""
import math

import polars as pl
import pytest

from lib.offers_calibration import calibrate, campaign_calibration, effect_range
from lib.queries import Filters
from lib.seed import seed_demo
from lib.snapshots import stored_dates
from lib.store import make_engine


def test_hand_worked_difference_interval_and_effect():
    outcomes = pl.DataFrame({"offer_id": ["X", "X"], "tier": [4, 4], "treated": [True, False],
                             "customers": [400, 100], "accepted": [120, 0], "churned": [20, 10]})
    row = calibrate(outcomes).row(0, named=True)
    assert row["churn_control"] == pytest.approx(0.10) and row["churn_treated"] == pytest.approx(0.05)
    assert row["difference"] == pytest.approx(0.05)
    half = 1.959964 * math.sqrt(0.1 * 0.9 / 100 + 0.05 * 0.95 / 400)   # = 0.0626...
    assert row["difference_low"] == pytest.approx(0.05 - half, abs=1e-6)
    assert row["take_up"] == pytest.approx(0.30)
    assert row["effect"] == pytest.approx(0.05 / (0.30 * 0.10))          # 1.667: all takers kept and more
    assert effect_range(row) == (0.0, 1.0)                               # clipped to shares


def test_demo_campaign_shows_a_positive_effect(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path}/demo.duckdb")
    seed_demo(engine, customers=20_000, snapshots=12, seed=7)
    with engine.connect() as conn:
        table = campaign_calibration(conn, Filters(stored_dates(engine)[-1]))
    assert table.height >= 3                                             # tiers 3 to 6
    pooled_control = (table["churn_control"] * table["control"]).sum() / table["control"].sum()
    pooled_treated = (table["churn_treated"] * table["treated"]).sum() / table["treated"].sum()
    assert pooled_treated < pooled_control                               # accepters churn less
    assert table["take_up"].mean() == pytest.approx(0.30, abs=0.08)      # the demo's 30 % take-up


def test_campaign_query_is_identical_on_duckdb_and_postgresql(duckdb_url, pg_url):
    tables = []
    for url in (duckdb_url, pg_url):
        engine = make_engine(url)
        seed_demo(engine, customers=3000, snapshots=8, seed=5)
        with engine.connect() as conn:
            tables.append(campaign_calibration(conn, Filters(stored_dates(engine)[-1])))
        engine.dispose()
    assert tables[0].height > 0
    assert tables[0].equals(tables[1])
