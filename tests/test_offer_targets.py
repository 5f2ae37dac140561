"""Targets for the Offers page from the store: observed-rate fallback, worked by hand."""
import pytest

from lib.offer_targets import Economics, offer_targets, tier_table
from lib.offers import default_catalogue, simple_clv
from lib.queries import Filters
from lib.rules_versions import current_rules
from lib.snapshots import write_snapshots
from lib.store import make_engine
from tests.factories import S2, two_snapshots


def test_observed_fallback_on_the_hand_base(db_url):
    engine = make_engine(db_url)
    rules = current_rules(engine)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand")
    economics = Economics(margin_share=0.5, annual_discount=0.0, horizon_months=12)
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
    # tier 1: C, E, F active (20 + 30 + 40); no counted churner
    tier1 = frame.row(0, named=True)
    assert tier1["customers"] == 3 and tier1["churn_probability"] == 0
    table = tier_table(result.frame, default_catalogue()[0], 1.0)      # care call: tiers 4-6
    assert table["tier"].to_list() == [4]
    engine.dispose()
