"""Calibration from a randomised past campaign: Newcombe's published table, hand-worked cases,
refusals of tiny groups, and the demo base."""
import math

import polars as pl
import pytest
from scipy import optimize
from scipy.stats import norm

from lib.offers.calibration import (CalibrationMinimum, calibrate, calibrated_ranges, calibration_minimum,
                                    campaign_calibration, effect_range, newcombe_interval, wilson_interval)
from lib.store.filters import Filters
from lib.rules import RulesError, default_rules, parse_rules
from lib.demo.seed import seed_demo
from lib.pipeline.snapshots import stored_dates
from lib.pipeline.migrations import open_store

THIRTY = CalibrationMinimum(arm_customers=30, control_churners=1)


def score_interval(x: int, n: int, coverage: float = 0.95) -> tuple[float, float]:
    """Wilson's interval by its definition, not its closed form: the p whose score test
    |x/n − p| / √(p(1 − p)/n) = z, found by root search (scipy), 0 or 1 when x is."""
    z, share = norm.ppf((1 + coverage) / 2), x / n

    def score(p):
        return abs(share - p) / math.sqrt(p * (1 - p) / n) - z

    low = 0.0 if x == 0 else optimize.brentq(score, 1e-12, min(share, 1 - 1e-12), xtol=1e-14)
    high = 1.0 if x == n else optimize.brentq(score, max(share, 1e-12), 1 - 1e-12, xtol=1e-14)
    return low, high


def newcombe_by_hand(x1, n1, x2, n2, coverage=0.95):
    """Newcombe (1998) method 10 from the root-searched score intervals."""
    (l1, u1), (l2, u2), p1, p2 = score_interval(x1, n1, coverage), score_interval(x2, n2, coverage), x1 / n1, x2 / n2
    return (p1 - p2 - math.hypot(p1 - l1, u2 - p2), p1 - p2 + math.hypot(u1 - p1, p2 - l2))


# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (95 %), examples
# (a), (b), (d), (e), (g); four decimals as published.
@pytest.mark.parametrize("x1, n1, x2, n2, low, high", [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
])
def test_newcombe_interval_reproduces_newcombe_1998_table_ii(x1, n1, x2, n2, low, high):
    ours = newcombe_interval(x1, n1, x2, n2)
    assert ours == pytest.approx((low, high), abs=6e-5)
    assert ours == pytest.approx(newcombe_by_hand(x1, n1, x2, n2), abs=1e-9)


@pytest.mark.parametrize("x, n", [(56, 70), (0, 9), (3, 3), (5, 42)])
@pytest.mark.parametrize("coverage", [0.90, 0.95])
def test_wilson_interval_inverts_the_score_test(x, n, coverage):
    assert wilson_interval(x, n, coverage) == pytest.approx(score_interval(x, n, coverage), abs=1e-9)


def test_hand_worked_difference_interval_and_effect():
    outcomes = pl.DataFrame({"offer_id": ["X", "X"], "tier": [4, 4], "treated": [True, False],
                             "customers": [400, 100], "accepted": [120, 0], "churned": [20, 10]})
    row = calibrate(outcomes, THIRTY).row(0, named=True)
    assert row["refusal"] is None and row["coverage"] == 0.95
    assert row["churn_control"] == pytest.approx(0.10) and row["churn_treated"] == pytest.approx(0.05)
    assert row["difference"] == pytest.approx(0.05)
    # Newcombe: 0.10 − 0.05 from the score intervals of 10/100 and 20/400
    low, high = newcombe_by_hand(10, 100, 20, 400)
    assert (row["difference_low"], row["difference_high"]) == pytest.approx((low, high), abs=1e-9)
    assert row["take_up"] == pytest.approx(0.30)
    assert (row["take_up_low"], row["take_up_high"]) == pytest.approx(score_interval(120, 400), abs=1e-9)
    # effect = 0.05 / (0.30 × 0.10) = 1.667: more than all takers kept — clipped to 1, and said
    assert row["effect"] == 1.0 and row["effect_clipped"] is True
    assert row["effect_low"] == pytest.approx(max(low / 0.03, 0.0))
    assert row["effect_high"] == 1.0
    assert effect_range(row) == (row["effect_low"], 1.0)
    assert calibrated_ranges(row) == ((row["take_up_low"], row["take_up_high"]), (row["effect_low"], 1.0))


def test_effect_inside_0_1_is_not_clipped_and_follows_the_coverage():
    # control 600/2000 churn, treated 400/2000, 1000 takers: effect 0.1 / (0.5 × 0.3) = 2/3
    outcomes = pl.DataFrame({"offer_id": ["X", "X"], "tier": [2, 2], "treated": [True, False],
                             "customers": [2000, 2000], "accepted": [1000, 0], "churned": [400, 600]})
    wide, narrow = (calibrate(outcomes, THIRTY, c).row(0, named=True) for c in (0.95, 0.90))
    assert wide["effect"] == pytest.approx(2 / 3) and wide["effect_clipped"] is False
    low, high = newcombe_by_hand(600, 2000, 400, 2000, 0.90)
    assert 0 < low / 0.15 < high / 0.15 < 1
    assert (narrow["effect_low"], narrow["effect_high"]) == pytest.approx((low / 0.15, high / 0.15), abs=1e-9)
    assert narrow["effect_high"] - narrow["effect_low"] < wide["effect_high"] - wide["effect_low"]


@pytest.mark.parametrize("counts, reason", [
    # (control, control churned, treated, treated churned, accepted)
    ((5, 0, 40, 3, 10), "control_too_small"),          # the campaign: 3-7 controls, no churner
    ((40, 4, 12, 1, 4), "treated_too_small"),
    ((45, 0, 200, 9, 50), "control_churners_too_few"),  # no churn in control: the effect divides by 0
    ((45, 6, 200, 9, 0), "no_takers"),
])
def test_a_tiny_campaign_is_refused_with_its_reason(counts, reason):
    n_c, x_c, n_t, x_t, accepted = counts
    outcomes = pl.DataFrame({"offer_id": ["X", "X"], "tier": [3, 3], "treated": [True, False],
                             "customers": [n_t, n_c], "accepted": [accepted, 0], "churned": [x_t, x_c]})
    row = calibrate(outcomes, THIRTY).row(0, named=True)
    assert row["refusal"] == reason
    assert (row["control"], row["treated"], row["control_churned"]) == (n_c, n_t, x_c)
    assert all(row[k] is None for k in ("difference", "difference_low", "take_up", "effect", "effect_high"))
    with pytest.raises(ValueError):
        calibrated_ranges(row)
    # measured without a minimum (a plan's result), the same counts still give a bounded interval
    measured = calibrate(outcomes).row(0, named=True)
    assert measured["refusal"] is None
    assert -1 <= measured["difference_low"] <= measured["difference"] <= measured["difference_high"] <= 1


def test_minimum_comes_from_the_rules():
    assert calibration_minimum(default_rules()) == CalibrationMinimum(30, 1)
    text = default_rules().text
    edited = text.replace("calibration_min_arm_customers = 30", "calibration_min_arm_customers = 5")
    assert calibration_minimum(parse_rules(edited)).arm_customers == 5
    older = "\n".join(line for line in text.splitlines() if not line.startswith("calibration_min_"))
    assert calibration_minimum(parse_rules(older)) == CalibrationMinimum(30, 1)   # shipped value
    bad = text.replace("calibration_min_control_churners = 1", "calibration_min_control_churners = 0")
    with pytest.raises(RulesError):
        calibration_minimum(parse_rules(bad))


def test_demo_campaign_shows_a_positive_effect(tmp_path):
    engine = open_store(f"duckdb:///{tmp_path}/demo.duckdb")
    seed_demo(engine, customers=20_000, snapshots=12, seed=7)
    with engine.connect() as conn:
        table = campaign_calibration(conn, Filters(stored_dates(engine)[-1]))
    # the demo world's campaign: half of every tier, half of it control, half the treated accept
    assert table.height >= 5                                             # tiers 1 to 6 (or 5)
    # a tier with a small control group is refused, with the counts kept
    small = table.filter(pl.col("control") < 30)
    assert (small["refusal"] == "control_too_small").all() and small["effect"].is_null().all()
    assert (table["coverage"] == 0.90).all()                             # the catalogue ranges' coverage
    assert table["control"].sum() / (table["control"].sum() + table["treated"].sum()) == pytest.approx(0.50, abs=0.03)
    # from the counts every row keeps: the treated churn less on average, the demo's 50 % take-up
    assert table["treated_churned"].sum() / table["treated"].sum() < table["control_churned"].sum() / table["control"].sum()
    assert table["accepted"].sum() / table["treated"].sum() == pytest.approx(0.50, abs=0.03)


def test_campaign_query_is_identical_on_duckdb_and_postgresql(duckdb_url, pg_url):
    tables = []
    for url in (duckdb_url, pg_url):
        engine = open_store(url)
        seed_demo(engine, customers=3000, snapshots=8, seed=5)
        with engine.connect() as conn:
            tables.append(campaign_calibration(conn, Filters(stored_dates(engine)[-1])))
        engine.dispose()
    assert tables[0].height > 0
    assert tables[0].equals(tables[1])
