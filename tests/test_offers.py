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

from lib import offer_optimiser
from lib.offer_optimiser import BUDGET_STEPS, candidates, greedy, optimise, single_offer
from lib.offers import (
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
    two = targets([
        {"tier": 4, "decile": 1, "customers": 500, "churn_probability": 0.4, "clv": 1000.0, "monthly_margin": 50.0},
        {"tier": 4, "decile": 2, "customers": 500, "churn_probability": 0.01, "clv": 1000.0, "monthly_margin": 50.0},
    ])
    curve = depth_curve(two, offer(), steps=10)
    assert curve.filter(pl.col("optimum"))["depth"].to_list() == [pytest.approx(0.5)]


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
        tier = tier.sort("decile")
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
    """Every way to give each group one offer or none; costs rounded up as the optimiser does."""
    unit = budget / BUDGET_STEPS
    by_group = [list(g.iter_rows(named=True)) for _, g in items.group_by(["tier", "decile"])]
    best = 0.0
    for pick in itertools.product(*[[None] + g for g in by_group]):
        chosen = [p for p in pick if p is not None]
        units = sum(math.ceil(p["cost"] / unit - 1e-9) for p in chosen)
        tiers = {}
        for p in chosen:
            tiers[p["tier"]] = tiers.get(p["tier"], 0) + math.ceil(p["cost"] / unit - 1e-9)
        if units > BUDGET_STEPS or any(tiers[t] > math.floor((caps or {}).get(t, budget) / unit + 1e-9) for t in tiers):
            continue
        best = max(best, sum(p["net_value"] for p in chosen))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_optimiser_matches_brute_force_on_small_instances(seed):
    rng = np.random.default_rng(100 + seed)
    data, catalogue = random_instance(rng, tiers=2, deciles=2, offers=2)
    items = candidates(data, catalogue)
    budget = float(items["cost"].sum() * rng.uniform(0.2, 0.8))
    caps = {1: budget * 0.6} if seed % 2 else None
    plan = optimise(data, catalogue, budget, caps)
    assert plan.net_value >= brute_force(items.filter(pl.col("net_value") > 0), budget, caps) - 1e-6
    assert plan.cost <= budget + 1e-6
    if caps:
        assert plan.rows.filter(pl.col("tier") == 1)["cost"].sum() <= caps[1] + 1e-6


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
    assert offer_optimiser._exact(data, (thin, rich), 10_000, None).rows["offer_id"].to_list() == ["rich"]


def test_catalogue_round_trips_through_the_editor_rows():
    from lib.offers import catalogue_rows, catalogue_text

    shipped = default_catalogue()
    assert parse_catalogue(catalogue_text(catalogue_rows(shipped))) == shipped
    rows = catalogue_rows(shipped)
    rows[0]["eligible_tiers"] = "four"
    with pytest.raises(RulesError):
        catalogue_text(rows)


def test_scenarios_round_trip_through_the_store(duckdb_url):
    from lib.offer_store import list_scenarios, load_scenario, save_scenario
    from lib.store import make_engine

    engine = make_engine(duckdb_url)
    inputs = {"offer_id": "points_double", "depth_percent": 40, "margin_share": 0.55,
              "annual_discount": 0.08, "horizon_months": 12, "acquisition_cost": 350.0, "budget": 2e5}
    save_scenario(engine, "春季方案", inputs)
    save_scenario(engine, "春季方案", {**inputs, "depth_percent": 50})      # replaced, not doubled
    assert list_scenarios(engine)["name"].to_list() == ["春季方案"]
    assert load_scenario(engine, "春季方案") == {**inputs, "depth_percent": 50}
    engine.dispose()
