"""Risk-based against uplift-based targeting for one budget: a hand-worked case of 8 customers."""
import polars as pl
import pytest

from lib.offers.roi import Offer
from lib.uplift.targeting import compare_targeting, offer_cost_per_customer

#: id, tier, churn risk (share), predicted uplift (share), clv (currency)
CUSTOMERS = pl.DataFrame({
    "customer_id": ["A", "B", "C", "D", "E", "F", "G", "H"],
    "tier": [3, 3, 4, 3, 5, 6, 2, 1],
    "churn_probability": [0.90, 0.80, 0.70, 0.40, 0.30, 0.20, 0.10, 0.95],
    "uplift": [0.00, -0.10, -0.05, 0.20, 0.15, 0.10, 0.02, 0.30],
    "clv": [500.0, 400.0, 300.0, 600.0, 200.0, 1000.0, 100.0, 50.0],
})
#: contact 2 + acceptance 20 × take-up mid (0.4 + 0.6) / 2 = 12 a customer; tiers 2-6 only
OFFER = Offer("o", "o", "o", "points", (2, 3, 4, 5, 6), 2.0, 20.0, (0.4, 0.6), (0.3, 0.5), 6)


def by_strategy(budget: float) -> dict[str, dict]:
    return {r["strategy"]: r for r in compare_targeting(CUSTOMERS, OFFER, budget).iter_rows(named=True)}


def test_cost_per_customer():
    assert offer_cost_per_customer(OFFER) == pytest.approx(12.0)


def test_a_small_budget_buys_lost_causes_and_sleeping_dogs_by_risk():
    """Budget 40: 3 customers (36 ≤ 40 < 48). H (risk 0.95) is tier 1, not eligible.
    Risk: A, B, C (0.90, 0.80, 0.70): saves 0 - 0.10 - 0.05 = -0.15; value 0·500 - 0.10·400
    - 0.05·300 = -55; cost 36; net -91; 2 sleeping dogs (B, C).
    Uplift: D, E, F (0.20, 0.15, 0.10): saves 0.45; value 0.20·600 + 0.15·200 + 0.10·1000 = 250;
    cost 36; net 214; no sleeping dog."""
    rows = by_strategy(40.0)
    assert rows["risk"] == pytest.approx({"strategy": "risk", "customers": 3, "cost": 36.0, "saves": -0.15,
                                          "value_saved": -55.0, "net_value": -91.0, "sleeping_dogs": 2})
    assert rows["uplift"] == pytest.approx({"strategy": "uplift", "customers": 3, "cost": 36.0, "saves": 0.45,
                                            "value_saved": 250.0, "net_value": 214.0, "sleeping_dogs": 0})


def test_a_large_budget_reaches_everyone_eligible_but_uplift_stops_at_zero():
    """Budget 1000: risk takes all 7 eligible (A-G, cost 84): saves 0 - 0.10 - 0.05 + 0.20 + 0.15
    + 0.10 + 0.02 = 0.32; value -40 - 15 + 120 + 30 + 100 + 2 = 197; net 113; 2 sleeping dogs.
    Uplift takes only uplift > 0 (D, E, F, G; not A at 0): cost 48, saves 0.47, value 252, net 204."""
    rows = by_strategy(1000.0)
    assert (rows["risk"]["customers"], rows["risk"]["cost"]) == (7, pytest.approx(84.0))
    assert rows["risk"]["saves"] == pytest.approx(0.32)
    assert rows["risk"]["value_saved"] == pytest.approx(197.0)
    assert rows["risk"]["net_value"] == pytest.approx(113.0)
    assert rows["risk"]["sleeping_dogs"] == 2
    assert (rows["uplift"]["customers"], rows["uplift"]["cost"]) == (4, pytest.approx(48.0))
    assert rows["uplift"]["saves"] == pytest.approx(0.47)
    assert rows["uplift"]["value_saved"] == pytest.approx(252.0)
    assert rows["uplift"]["net_value"] == pytest.approx(204.0)


def test_a_budget_below_one_contact_targets_no_one():
    rows = by_strategy(11.99)
    assert rows["risk"]["customers"] == rows["uplift"]["customers"] == 0
    assert rows["risk"]["net_value"] == rows["uplift"]["net_value"] == 0.0
