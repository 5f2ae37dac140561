"""Spending a retention budget across tier × risk decile × offer.

Each (tier, decile) group gets at most one offer (a customer is offered one thing), whole
groups are bought, the total cost stays within the budget and each tier within its cap. That is
a multiple-choice knapsack. We solve it exactly by dynamic programming over the budget cut into
``BUDGET_STEPS`` units (costs rounded *up*, so every plan found is affordable): per tier over
its cap, then across tiers. At our sizes (6 tiers × 10 deciles × ≤10 offers) it takes
milliseconds. Greedy by marginal return (net value per unit of cost) is kept for comparison:
it is fast but can be far from optimal, because a cheap, thin item can take a group's place from
a dearer, richer one, and a good item can be skipped when it no longer fits.

Money is in currency; expected values use the catalogue's mid take-up and effect.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from lib.offers import Offer

BUDGET_STEPS = 2000


@dataclass(frozen=True)
class Plan:
    """A chosen allocation: one row per (tier, decile) given an offer, and its totals."""

    rows: pl.DataFrame
    cost: float
    net_value: float
    method: str


def candidates(targets: pl.DataFrame, offers: tuple[Offer, ...]) -> pl.DataFrame:
    """Every (tier, decile, offer) that could be bought: customers, expected cost, saves and
    net value of targeting the whole group (currency).

    The same arithmetic as ``simulate`` at depth 1 (every customer of the group targeted), done
    per row in one expression: the page re-plans on every slider move, so this runs often.
    """
    n = pl.col("customers").cast(pl.Float64)
    p = pl.col("churn_probability").cast(pl.Float64)
    frames = []
    for offer in offers:
        u, e = offer.take_up_mean, offer.effect_mean
        cost = n * offer.contact_cost + u * n * offer.cost_per_acceptance
        frames.append(targets.filter(pl.col("tier").is_in(list(offer.eligible_tiers))).select(
            pl.col("tier").cast(pl.Int64), pl.col("decile").cast(pl.Int64),
            pl.lit(offer.id, dtype=pl.String).alias("offer_id"), n.alias("customers"),
            cost.alias("cost"), (u * e * n * p).alias("saves"),
            (u * e * n * p * pl.col("clv").cast(pl.Float64) - cost).alias("net_value")))
    schema = {"tier": pl.Int64, "decile": pl.Int64, "offer_id": pl.String, "customers": pl.Float64,
              "cost": pl.Float64, "saves": pl.Float64, "net_value": pl.Float64}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _units(cost: np.ndarray, unit: float) -> np.ndarray:
    return np.ceil(cost / unit - 1e-9).astype(int)


def _tier_table(groups: list[pl.DataFrame], cap_units: int, unit: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Best net value for each budget level 0..cap_units (at most that many units) within one
    tier, and per decile group the option chosen at each level (-1: none), for backtracking."""
    best = np.zeros(cap_units + 1)
    chosen: list[np.ndarray] = []
    for group in groups:
        new_best = best.copy()
        choice = np.full(cap_units + 1, -1)
        for option, (cost, net) in enumerate(zip(_units(group["cost"].to_numpy(), unit),
                                                 group["net_value"].to_numpy())):
            if net <= 0 or cost > cap_units:
                continue
            shifted = np.full(cap_units + 1, -np.inf)
            shifted[cost:] = best[: cap_units + 1 - cost] + net
            better = shifted > new_best
            new_best[better] = shifted[better]
            choice[better] = option
        chosen.append(choice)
        best = new_best
    return best, chosen


def _backtrack(groups: list[pl.DataFrame], chosen: list[np.ndarray], units: int, unit: float) -> list[pl.DataFrame]:
    """The rows a tier's table chose for a budget of ``units``."""
    rows = []
    for group, choice in zip(reversed(groups), reversed(chosen)):
        option = int(choice[units])
        if option >= 0:
            rows.append(group[option:option + 1])
            units -= int(_units(group["cost"].to_numpy()[option:option + 1], unit)[0])
    return rows


def optimise(targets: pl.DataFrame, offers: tuple[Offer, ...], budget: float,
             tier_caps: dict[int, float] | None = None) -> Plan:
    """The plan of greatest expected net value within ``budget`` and per-tier ``tier_caps``.

    The exact plan is optimal for costs rounded up to budget / BUDGET_STEPS; the greedy and
    single-offer plans use exact costs, so the best of them is returned (it can only help when
    rounding cost the exact plan an item that just fitted).
    """
    plans = [_exact(targets, offers, budget, tier_caps), greedy(targets, offers, budget, tier_caps)]
    if not tier_caps:
        plans += [single_offer(targets, offer, budget) for offer in offers]
    return max(plans, key=lambda plan: plan.net_value)


def _exact(targets: pl.DataFrame, offers: tuple[Offer, ...], budget: float,
           tier_caps: dict[int, float] | None) -> Plan:
    items = candidates(targets, offers).filter(pl.col("net_value") > 0)
    if budget <= 0 or items.height == 0:
        return _plan(items.head(0), "exact")
    unit = budget / BUDGET_STEPS
    total = np.zeros(BUDGET_STEPS + 1)
    tiers = []   # per tier: its decile groups, their choices and the split of each total budget
    for _, tier_items in items.sort(["tier", "decile", "offer_id"]).group_by("tier", maintain_order=True):
        tier = int(tier_items["tier"][0])
        cap = (tier_caps or {}).get(tier, budget)
        cap_units = min(BUDGET_STEPS, int(math.floor(cap / unit + 1e-9)))
        groups = [g for _, g in tier_items.group_by("decile", maintain_order=True)]
        table, chosen = _tier_table(groups, cap_units, unit)
        combined = np.full(BUDGET_STEPS + 1, -np.inf)
        split = np.zeros(BUDGET_STEPS + 1, dtype=int)
        for spend in range(cap_units + 1):
            candidate = np.full(BUDGET_STEPS + 1, -np.inf)
            candidate[spend:] = total[: BUDGET_STEPS + 1 - spend] + table[spend]
            better = candidate > combined
            combined[better] = candidate[better]
            split[better] = spend
        tiers.append((groups, chosen, split))
        total = combined
    units = int(np.argmax(total))
    rows: list[pl.DataFrame] = []
    for groups, chosen, split in reversed(tiers):
        spend = int(split[units])
        rows += _backtrack(groups, chosen, spend, unit)
        units -= spend
    return _plan(pl.concat(rows) if rows else items.head(0), "exact")


def greedy(targets: pl.DataFrame, offers: tuple[Offer, ...], budget: float,
           tier_caps: dict[int, float] | None = None) -> Plan:
    """Greedy by marginal return: best net value per unit of cost first, one offer per group."""
    items = candidates(targets, offers).filter(pl.col("net_value") > 0)
    items = items.with_columns(ratio=pl.col("net_value") / pl.col("cost").clip(lower_bound=1e-12))
    spent, tier_spent, taken, chosen = 0.0, {}, set(), []
    for row in items.sort("ratio", descending=True).iter_rows(named=True):
        group = (row["tier"], row["decile"])
        cap = (tier_caps or {}).get(row["tier"], budget)
        if group in taken or spent + row["cost"] > budget or tier_spent.get(row["tier"], 0) + row["cost"] > cap:
            continue
        taken.add(group)
        spent += row["cost"]
        tier_spent[row["tier"]] = tier_spent.get(row["tier"], 0) + row["cost"]
        chosen.append(row)
    rows = pl.DataFrame(chosen, schema=items.schema).drop("ratio") if chosen else items.drop("ratio").head(0)
    return _plan(rows, "greedy")


def single_offer(targets: pl.DataFrame, offer: Offer, budget: float) -> Plan:
    """'Same offer to everyone' it can reach: the offer to eligible groups, riskiest first,
    while the budget lasts (whole groups)."""
    # riskiest decile first across the tiers (lib.schema.RISKIEST_DECILE), ties by tier
    items = candidates(targets, (offer,)).sort(["decile", "tier"], descending=[True, False])
    spent, chosen = 0.0, []
    for row in items.iter_rows(named=True):
        if spent + row["cost"] > budget:
            break
        spent += row["cost"]
        chosen.append(row)
    rows = pl.DataFrame(chosen, schema=items.schema) if chosen else items.head(0)
    return _plan(rows, f"single:{offer.id}")


def _plan(rows: pl.DataFrame, method: str) -> Plan:
    return Plan(rows.sort(["tier", "decile"]), float(rows["cost"].sum() or 0.0),
                float(rows["net_value"].sum() or 0.0), method)
