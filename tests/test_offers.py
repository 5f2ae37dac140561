"""Offer ROI arithmetic, uncertainty and the budget optimiser against hand-worked cases,
properties, an analytic expectation and brute force."""
import itertools
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lib.offers.optimiser import candidates, greedy, optimise, single_offer
from lib.offers.roi import (
    Offer,
    beta_from_range,
    default_catalogue,
    depth_curve,
    depth_weights,
    monte_carlo,
    parse_catalogue,
    simple_clv,
    simulate,
)
from lib.rules import RulesError


def offer(take_up=(0.3, 0.3), effect=(0.5, 0.5), contact=2.0, acceptance=50.0, tiers=(1, 2, 3, 4, 5, 6),
          offer_id="o"):
    return Offer(offer_id, offer_id, offer_id, "points", tiers, contact, acceptance, take_up, effect, 6)


def targets(rows):
    return pl.DataFrame(rows, schema={"tier": pl.Int64, "decile": pl.Int64, "customers": pl.Float64,
                                      "churn_probability": pl.Float64, "clv": pl.Float64,
                                      "monthly_margin": pl.Float64})


ONE_GROUP = targets([{"tier": 4, "decile": 1, "customers": 1000, "churn_probability": 0.2,
                      "clv": 1000.0, "monthly_margin": 50.0}])


def test_hand_worked_roi_with_the_giveaway():
    result = simulate(ONE_GROUP, offer(), 1.0)
    assert result.takers == pytest.approx(300)            # 1000 × 0.3
    assert result.saves == pytest.approx(30)              # 300 × 0.2 × 0.5
    assert result.value_saved == pytest.approx(30_000)    # 30 × 1000
    assert result.contact_cost == pytest.approx(2_000)    # 1000 × 2
    assert result.offer_cost == pytest.approx(15_000)     # 300 × 50
    assert result.giveaway_cost == pytest.approx(12_000)  # 300 × 0.8 stayers × 50
    assert result.net_value == pytest.approx(13_000)      # 30000 − 17000
    assert result.roi == pytest.approx(13 / 17)
    assert result.cost_per_save == pytest.approx(17_000 / 30)
    assert result.payback_months == pytest.approx(17_000 / (30 * 50))


def test_depth_weights_are_linear_inside_a_decile():
    n = np.array([100.0, 100.0])
    assert depth_weights(n, 0.25).tolist() == [0.5, 0.0]
    assert depth_weights(n, 0.75).tolist() == [1.0, 0.5]
    assert depth_weights(n, 1.0).tolist() == [1.0, 1.0]


def test_depth_curve_marks_one_optimum():
    # decile 10 is the riskiest (lib.churn.model.risk_deciles); targeting it alone is best: each of
    # its customers returns 0.3 × 0.5 × 0.4 × 1000 − 2 − 0.3 × 50 = 43, each of decile 1's
    # 0.3 × 0.5 × 0.01 × 1000 − 17 = −15.5
    two = targets([
        {"tier": 4, "decile": 1, "customers": 500, "churn_probability": 0.01, "clv": 1000.0, "monthly_margin": 50.0},
        {"tier": 4, "decile": 10, "customers": 500, "churn_probability": 0.4, "clv": 1000.0, "monthly_margin": 50.0},
    ])
    curve = depth_curve(two, offer(), steps=10)
    assert curve.filter(pl.col("optimum"))["depth"].to_list() == [pytest.approx(0.5)]
    assert curve.filter(pl.col("optimum"))["net_value"].to_list() == [pytest.approx(500 * 43)]


# A tier whose risk is known by construction: ten deciles of 100 customers, decile d churning
# with probability d / 20 (decile 10: 0.5, decile 1: 0.05), each saved customer worth 1000.
KNOWN_RISK = targets([{"tier": 5, "decile": d, "customers": 100, "churn_probability": d / 20,
                       "clv": 1000.0, "monthly_margin": 40.0} for d in range(1, 11)])


@pytest.mark.parametrize("depth, riskiest", [(0.1, [10]), (0.3, [10, 9, 8]), (0.5, [10, 9, 8, 7, 6])])
def test_shallow_targeting_takes_the_riskiest_deciles(depth, riskiest):
    o = offer()   # take-up 0.3, effect 0.5
    result = simulate(KNOWN_RISK, o, depth)
    churn_targeted = sum(d / 20 for d in riskiest) * 100       # expected churners among them
    assert result.targeted == pytest.approx(100 * len(riskiest))
    assert result.saves == pytest.approx(0.3 * 0.5 * churn_targeted)
    assert result.value_saved == pytest.approx(0.3 * 0.5 * churn_targeted * 1000)


def test_saves_per_targeted_customer_fall_as_targeting_deepens():
    # the audit saw 0.0027 saves per customer at 10 % depth and 0.0062 at 100 %: the wrong way
    per_customer = [simulate(KNOWN_RISK, offer(), d).saves / simulate(KNOWN_RISK, offer(), d).targeted
                    for d in (0.1, 0.3, 0.6, 1.0)]
    assert per_customer[0] == pytest.approx(0.15 * 0.5)                  # decile 10 only
    assert per_customer[-1] == pytest.approx(0.15 * sum(range(1, 11)) / 20 / 10)
    assert per_customer == sorted(per_customer, reverse=True)


def test_same_offer_to_everyone_buys_the_riskiest_groups_first():
    # each group costs 100 × (2 + 0.3 × 50) = 1700: a budget of 3400 buys exactly two groups
    plan = single_offer(KNOWN_RISK, offer(), 3_400)
    assert sorted(plan.rows["decile"].to_list()) == [9, 10]
    assert plan.cost == pytest.approx(3_400)


groups = st.lists(st.fixed_dictionaries({
    "tier": st.integers(1, 6), "decile": st.integers(1, 10), "customers": st.floats(1, 1e5),
    "churn_probability": st.floats(0, 1), "clv": st.floats(0, 1e4), "monthly_margin": st.floats(0, 500),
}), min_size=1, max_size=12, unique_by=lambda g: (g["tier"], g["decile"]))
shares = st.floats(0, 1)


@settings(max_examples=60, deadline=None)
@given(groups, shares, shares, shares, shares)
def test_more_take_up_never_lowers_saves(rows, low, high, effect, depth):
    low, high = sorted((low, high))
    data, o = targets(rows), offer(effect=(effect, effect))
    assert simulate(data, o, depth, take_up=high).saves >= simulate(data, o, depth, take_up=low).saves - 1e-9


@settings(max_examples=60, deadline=None)
@given(groups, shares, shares)
def test_zero_effect_never_pays(rows, take_up, depth):
    assert simulate(targets(rows), offer(), depth, take_up=take_up, effect=0.0).net_value <= 1e-9


@settings(max_examples=60, deadline=None)
@given(groups, st.integers(0, 9), shares)
def test_cost_is_linear_in_depth_within_a_decile(rows, decile_index, fraction):
    data = targets(rows)
    o = offer()
    for _, tier in data.group_by("tier"):
        tier = tier.sort("decile", descending=True)   # the order depth fills: riskiest first
        if decile_index >= tier.height:
            continue
        n = tier["customers"].to_numpy()
        start = n[:decile_index].sum() / n.sum()
        width = n[decile_index] / n.sum()
        costs = [simulate(tier, o, start + f * width).cost for f in (0.0, fraction, 1.0)]
        assert costs[1] == pytest.approx(costs[0] + fraction * (costs[2] - costs[0]), rel=1e-9, abs=1e-6)


def test_monte_carlo_mean_converges_to_the_analytic_expectation():
    o = offer(take_up=(0.15, 0.35), effect=(0.2, 0.5))
    analytic = simulate(ONE_GROUP, o, 1.0).net_value   # E[u·e] = E[u]·E[e] for independent draws
    result = monte_carlo(ONE_GROUP, o, 1.0, draws=200_000, seed=1)
    sample = monte_carlo(ONE_GROUP, o, 1.0, draws=2_000, seed=2)
    spread = (sample.high - sample.low) / (2 * 1.645)        # ~ sd of one draw
    assert abs(result.mean - analytic) < 4 * spread / math.sqrt(200_000)
    assert result.low < analytic < result.high
    assert 0 <= result.p_positive <= 1


def test_beta_from_range_holds_the_range_as_its_90_percent_interval():
    alpha, beta = beta_from_range(0.2, 0.4)
    assert alpha / (alpha + beta) == pytest.approx(0.3)
    low, high = stats.beta.ppf([0.05, 0.95], alpha, beta)
    assert low == pytest.approx(0.2, abs=0.01) and high == pytest.approx(0.4, abs=0.01)
    assert beta_from_range(0.3, 0.3) == (math.inf, math.inf)


@pytest.mark.parametrize("low, high", [(0.2, 0.4), (0.05, 0.15), (0.55, 0.75)])
def test_beta_from_a_95_percent_range_has_its_quantiles_at_the_ends(low, high):
    """A calibrated range built as a 95 % interval: the Beta's 2.5 % and 97.5 % quantiles (scipy)
    sit near its ends, and it is narrower than the Beta that reads the same range as 90 %."""
    alpha, beta = beta_from_range(low, high, coverage=0.95)
    assert alpha / (alpha + beta) == pytest.approx((low + high) / 2)
    q_low, q_high = stats.beta.ppf([0.025, 0.975], alpha, beta)
    assert q_low == pytest.approx(low, abs=0.01) and q_high == pytest.approx(high, abs=0.01)
    as_90 = beta_from_range(low, high)
    assert stats.beta.std(alpha, beta) < stats.beta.std(*as_90)
    # read as 90 %, the same range would put 10 %, not 5 %, of the draws outside it
    outside = stats.beta.cdf(low, *as_90) + stats.beta.sf(high, *as_90)
    assert outside == pytest.approx(0.10, abs=0.02)


def test_simple_clv_is_the_discounted_margin_series():
    direct = sum(40 * ((1 - 0.02) / 1.01) ** k for k in range(5000))
    assert simple_clv(40, 0.02, 0.01) == pytest.approx(direct)


def test_catalogue_ships_valid_and_bad_entries_are_named():
    assert len(default_catalogue()) >= 6
    bad = '[[offer]]\nid="x"\ntype="points"\neligible_tiers=[4]\ncontact_cost=1\ncost_per_acceptance=1\ntake_up=[0.5,0.2]\neffect=[0.1,0.2]\nduration_months=3\n'
    with pytest.raises(RulesError) as caught:
        parse_catalogue(bad)
    assert caught.value.code == "offers_bad_range" and caught.value.params["key"] == "take_up"


def random_instance(rng, tiers=3, deciles=4, offers=3):
    rows = [{"tier": t, "decile": d, "customers": float(rng.integers(50, 500)),
             "churn_probability": float(rng.uniform(0.01, 0.5)), "clv": float(rng.uniform(100, 3000)),
             "monthly_margin": float(rng.uniform(5, 100))}
            for t in range(1, tiers + 1) for d in range(1, deciles + 1)]
    catalogue = tuple(
        offer(take_up=(float(u), float(u)), effect=(float(e), float(e)), contact=float(rng.uniform(0, 5)),
              acceptance=float(rng.uniform(0, 200)),
              tiers=tuple(sorted(rng.choice(np.arange(1, tiers + 1), size=int(rng.integers(1, tiers + 1)), replace=False).tolist())),
              offer_id=f"o{i}")
        for i, (u, e) in enumerate(zip(rng.uniform(0.05, 0.6, offers), rng.uniform(0.05, 0.6, offers))))
    return targets(rows), catalogue


@pytest.mark.parametrize("seed", range(15))
def test_optimiser_beats_every_single_offer_policy(seed):
    rng = np.random.default_rng(seed)
    data, catalogue = random_instance(rng)
    budget = float(rng.uniform(1_000, 60_000))
    plan = optimise(data, catalogue, budget)
    assert plan.cost <= budget + 1e-6
    assert plan.rows.select(["tier", "decile"]).is_unique().all()
    for o in catalogue:
        assert plan.net_value >= single_offer(data, o, budget).net_value - 1e-6
    assert plan.net_value >= greedy(data, catalogue, budget).net_value - 1e-6


def brute_force(items, budget, caps=None):
    """Every way to give each group one offer or none, at exact costs: the best net value of
    those within the budget and every tier's cap."""
    by_group = [list(g.iter_rows(named=True)) for _, g in items.group_by(["tier", "decile"])]
    best = 0.0
    for pick in itertools.product(*[[None] + g for g in by_group]):
        chosen = [p for p in pick if p is not None]
        tiers = {}
        for p in chosen:
            tiers[p["tier"]] = tiers.get(p["tier"], 0.0) + p["cost"]
        if sum(p["cost"] for p in chosen) > budget or any(
                spent > (caps or {}).get(t, budget) for t, spent in tiers.items()):
            continue
        best = max(best, sum(p["net_value"] for p in chosen))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_optimiser_matches_brute_force_on_small_instances(seed):
    rng = np.random.default_rng(100 + seed)
    # 2 tiers × 3 deciles × 3 offers: up to 4^6 = 4,096 plans to enumerate
    data, catalogue = random_instance(rng, tiers=2, deciles=3, offers=3)
    items = candidates(data, catalogue)
    budget = float(items["cost"].sum() * rng.uniform(0.1, 0.6))
    caps = {1: budget * 0.4} if seed % 2 else None
    plan = optimise(data, catalogue, budget, caps)
    assert plan.method == "milp" and plan.gap == 0.0
    assert plan.net_value == pytest.approx(brute_force(items.filter(pl.col("net_value") > 0), budget, caps),
                                           rel=1e-9)
    assert plan.cost <= budget + 1e-6
    assert plan.rows.select(["tier", "decile"]).is_unique().all()
    if caps:
        assert plan.rows.filter(pl.col("tier") == 1)["cost"].sum() <= caps[1] + 1e-6


def _three_groups():
    """One offer (contact 0.5 a customer, nothing on acceptance, take-up × effect = 0.25) to
    three groups of churn probability 0.5, so cost = 0.5 × customers and net value =
    0.25 × 0.5 × customers × clv − cost:
    decile 1: 4,000 customers, clv 4.2 -> cost 2,000, net 2,100 − 2,000 = 100
    decile 2: 1 customer, clv 84 -> cost 0.5, net 10.5 − 0.5 = 10
    decile 3: 2 customers, clv 6.4 -> cost 1, net 1.6 − 1 = 0.6
    """
    data = targets([{"tier": 1, "decile": d, "customers": n, "churn_probability": 0.5, "clv": clv,
                     "monthly_margin": 10.0} for d, n, clv in ((1, 4000, 4.2), (2, 1, 84.0), (3, 2, 6.4))])
    return data, (offer(take_up=(0.5, 0.5), effect=(0.5, 0.5), contact=0.5, acceptance=0.0),)


def test_an_item_that_exactly_fits_is_bought():
    # budget 2,000.5 = decile 1 (2,000) + decile 2 (0.5) exactly: net 110. Every other plan is
    # worse: 1 + 3 costs 2,001 (over), 2 + 3 nets 10.6, 1 alone 100. Greedy by net per cost
    # takes 2 (ratio 20), 3 (0.6), then 1 no longer fits: 10.6; riskiest decile first takes 3,
    # 2, then 1 does not fit: 10.6. Costs rounded up to budget / 2,000 = 1.00025 units (the old
    # dynamic programme) make 1 + 2 cost 2,000 + 1 = 2,001 units > 2,000: it stopped at 100.
    data, catalogue = _three_groups()
    plan = optimise(data, catalogue, 2000.5)
    assert plan.rows["decile"].to_list() == [1, 2]
    assert plan.cost == 2000.5
    assert plan.net_value == pytest.approx(110.0)
    assert plan.method == "milp" and plan.gap == 0.0
    assert greedy(data, catalogue, 2000.5).net_value == pytest.approx(10.6)
    assert single_offer(data, catalogue[0], 2000.5).net_value == pytest.approx(10.6)
    # a thousandth less and 1 + 2 no longer fits: 1 alone (100) is the best plan
    short = optimise(data, catalogue, 2000.499)
    assert short.rows["decile"].to_list() == [1] and short.net_value == pytest.approx(100.0)


def test_a_tier_cap_holds_exactly():
    # the same groups with the budget ample but tier 1 capped at 2,000.5: the same 110 plan;
    # capped at 2,000.4 it is decile 1 alone
    data, catalogue = _three_groups()
    assert optimise(data, catalogue, 10_000, {1: 2000.5}).net_value == pytest.approx(110.0)
    assert optimise(data, catalogue, 10_000, {1: 2000.4}).rows["decile"].to_list() == [1]


def realistic_instance(seed=0):
    """6 tiers × 10 deciles × 10 offers, the page's largest case."""
    rng = np.random.default_rng(seed)
    rows = [{"tier": t, "decile": d, "customers": float(rng.integers(1_000, 20_000)),
             "churn_probability": 0.04 * d, "clv": 2000.0 * t, "monthly_margin": 10.0 * t}
            for t in range(1, 7) for d in range(1, 11)]
    catalogue = tuple(offer(take_up=(float(u), float(u)), effect=(float(e), float(e)),
                            contact=float(rng.uniform(0.5, 5)), acceptance=float(rng.uniform(10, 200)),
                            offer_id=f"o{i}")
                      for i, (u, e) in enumerate(zip(rng.uniform(0.05, 0.6, 10), rng.uniform(0.05, 0.4, 10))))
    return targets(rows), catalogue


def test_a_solver_stopped_by_its_time_limit_says_how_far_it_may_be():
    data, catalogue = realistic_instance()
    budget = 8_000_000.0
    proven = optimise(data, catalogue, budget)
    stopped = optimise(data, catalogue, budget, time_limit_seconds=0.0)
    assert proven.gap == 0.0
    assert 0.0 < stopped.gap < 1.0
    assert stopped.cost <= budget and stopped.rows.select(["tier", "decile"]).is_unique().all()
    # the gap is measured against an upper bound of the optimum, so it covers the real shortfall
    assert stopped.net_value <= proven.net_value + 1e-6
    assert (proven.net_value - stopped.net_value) / proven.net_value <= stopped.gap + 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_candidates_equal_simulating_each_group_alone(seed):
    # the optimiser's per-row arithmetic must be simulate() of the whole group (depth 1)
    data, catalogue = random_instance(np.random.default_rng(300 + seed))
    items = candidates(data, catalogue)
    expected = 0
    for o in catalogue:
        for group in data.filter(pl.col("tier").is_in(list(o.eligible_tiers))).iter_rows(named=True):
            outcome = simulate(pl.DataFrame([group], schema=data.schema), o, 1.0)
            row = items.filter((pl.col("offer_id") == o.id) & (pl.col("tier") == group["tier"])
                               & (pl.col("decile") == group["decile"]))
            assert row.height == 1
            assert row["cost"][0] == pytest.approx(outcome.cost, rel=1e-12, abs=1e-9)
            assert row["saves"][0] == pytest.approx(outcome.saves, rel=1e-12, abs=1e-12)
            assert row["net_value"][0] == pytest.approx(outcome.net_value, rel=1e-12, abs=1e-9)
            expected += 1
    assert items.height == expected


def test_greedy_can_be_beaten():
    # one group, two offers: the cheap thin one has the best ratio, the dear one the best value
    data = targets([{"tier": 4, "decile": 1, "customers": 100, "churn_probability": 0.5,
                     "clv": 1000.0, "monthly_margin": 50.0}])
    thin = offer(take_up=(0.1, 0.1), effect=(0.5, 0.5), contact=0.0, acceptance=10.0, offer_id="thin")
    rich = offer(take_up=(0.9, 0.9), effect=(0.5, 0.5), contact=0.0, acceptance=100.0, offer_id="rich")
    assert greedy(data, (thin, rich), 10_000).rows["offer_id"].to_list() == ["thin"]
    assert optimise(data, (thin, rich), 10_000).rows["offer_id"].to_list() == ["rich"]


def test_catalogue_round_trips_through_the_editor_rows():
    from lib.offers.roi import catalogue_rows, catalogue_text

    shipped = default_catalogue()
    assert parse_catalogue(catalogue_text(catalogue_rows(shipped))) == shipped
    rows = catalogue_rows(shipped)
    rows[0]["eligible_tiers"] = "four"
    with pytest.raises(RulesError):
        catalogue_text(rows)


def test_scenarios_round_trip_through_the_store(duckdb_url):
    from lib.offers.store import list_scenarios, load_scenario, save_scenario
    from lib.pipeline.migrations import open_store

    engine = open_store(duckdb_url)
    inputs = {"offer_id": "points_double", "depth_percent": 40, "margin_share": 0.55,
              "annual_discount": 0.08, "horizon_months": 12, "acquisition_cost": 350.0, "budget": 2e5}
    save_scenario(engine, "春季方案", inputs)
    save_scenario(engine, "春季方案", {**inputs, "depth_percent": 50})      # replaced, not doubled
    assert list_scenarios(engine)["name"].to_list() == ["春季方案"]
    assert load_scenario(engine, "春季方案") == {**inputs, "depth_percent": 50}
    engine.dispose()
