"""Spending a retention budget across tier × risk decile × offer.

Each (tier, decile) group gets at most one offer (a customer is offered one thing), whole
groups are bought, the total cost stays within the budget and each tier within its cap. That is
a multiple-choice knapsack, solved exactly as a mixed-integer programme with HiGHS
(``scipy.optimize.milp``): a binary x[g, o] per group g and offer o of positive net value,
Σ_o x[g, o] ≤ 1 per group, Σ cost · x ≤ budget, Σ cost · x ≤ cap per capped tier, maximise
Σ net value · x. Costs are used as they are (no rounding to budget units), so an item that just
fits is found; the budget and caps hold to HiGHS's feasibility tolerance (1e-7 currency). At our
sizes (6 tiers × 10 deciles × ≤10 offers) HiGHS proves the optimum in well under a second (15–360
ms measured); should it stop on its time limit first, the plan says how far from the optimum it
can be (``Plan.gap``). Greedy by marginal return (net value per unit of cost) and the
same offer to everyone are kept for comparison: greedy is fast but can be far from optimal,
because a cheap, thin item can take a group's place from a dearer, richer one, and a good item
can be skipped when it no longer fits.

Money is in currency; expected values use the catalogue's mid take-up and effect.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from lib.i18n import t_text as t   # table headers: plain text
from lib.offers.roi import Offer
from lib.rules import TIERS, Rules

#: Seconds HiGHS may search before it returns its best plan so far (the page re-plans on every
#: input change; realistic sizes prove the optimum far sooner, see module docstring).
TIME_LIMIT_SECONDS = 5.0


@dataclass(frozen=True)
class Plan:
    """A chosen allocation: one row per (tier, decile) given an offer, and its totals.

    ``method``: "milp" (the exact programme), "greedy" or "single:<offer id>". ``gap``: for a
    plan from ``optimise``, how far below the optimum it can be, as a share 0–1 of the solver's
    bound (0.0 when the optimum is proven, > 0 when the solver stopped on its time limit);
    None for a heuristic plan computed on its own.
    """

    rows: pl.DataFrame
    cost: float
    net_value: float
    method: str
    gap: float | None = None


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


def optimise(targets: pl.DataFrame, offers: tuple[Offer, ...], budget: float,
             tier_caps: dict[int, float] | None = None,
             time_limit_seconds: float = TIME_LIMIT_SECONDS) -> Plan:
    """The plan of greatest expected net value within ``budget`` and per-tier ``tier_caps``
    (currency), solved exactly (``method`` "milp", ``gap`` 0.0).

    Should HiGHS stop on ``time_limit_seconds`` before proving its plan optimal, the greedy and
    single-offer plans (exact costs, always affordable) are compared with its best so far, the
    best of them is returned, and its ``gap`` is measured against the solver's proven bound.
    """
    plan, bound = _milp(targets, offers, budget, tier_caps, time_limit_seconds)
    if plan is not None and plan.gap == 0.0:
        return plan
    plans = ([plan] if plan is not None else []) + [greedy(targets, offers, budget, tier_caps)]
    if not tier_caps:
        plans += [single_offer(targets, offer, budget) for offer in offers]
    best = max(plans, key=lambda p: p.net_value)
    gap = (bound - best.net_value) / abs(bound) if bound else 0.0
    return Plan(best.rows, best.cost, best.net_value, best.method, max(gap, 0.0))


def _milp(targets: pl.DataFrame, offers: tuple[Offer, ...], budget: float,
          tier_caps: dict[int, float] | None,
          time_limit_seconds: float) -> tuple[Plan | None, float]:
    """The multiple-choice knapsack as a binary programme (module docstring), and the solver's
    upper bound on the best net value (currency). The plan is None when the solver found no
    plan within its time limit; its ``gap`` is 0.0 when proven optimal."""
    items = _undominated(candidates(targets, offers).filter(pl.col("net_value") > 0))
    if items.height == 0:
        return _plan(items, "milp", 0.0), 0.0
    cost, net = items["cost"].to_numpy(), items["net_value"].to_numpy()
    n = items.height
    tiers = items["tier"].to_numpy()
    group = np.unique(np.stack([tiers, items["decile"].to_numpy()]), axis=1, return_inverse=True)[1].ravel()
    capped = [(tier, cap) for tier, cap in sorted((tier_caps or {}).items()) if np.any(tiers == tier)]
    groups = int(group.max()) + 1
    # rows: one per group (at most one offer), the budget, one per capped tier
    rows = np.concatenate([group, np.full(n, groups),
                           *[np.where(tiers == tier, groups + 1 + k, -1) for k, (tier, _) in enumerate(capped)]])
    cols = np.concatenate([np.arange(n)] * (2 + len(capped)))
    values = np.concatenate([np.ones(n), cost, *[cost] * len(capped)])
    keep = rows >= 0
    matrix = csr_array((values[keep], (rows[keep], cols[keep])), shape=(groups + 1 + len(capped), n))
    upper = np.concatenate([np.ones(groups), [max(budget, 0.0)], [cap for _, cap in capped]])
    result = milp(-net, integrality=np.ones(n), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(matrix, -np.inf, upper),
                  options={"time_limit": time_limit_seconds, "mip_rel_gap": 0.0})
    # an upper bound on the best net value: the solver's, or without one (stopped before its
    # first bound) every group's best item, since a group takes at most one
    bound = float(items.group_by("tier", "decile").agg(pl.col("net_value").max())["net_value"].sum())
    if result.mip_dual_bound is not None and np.isfinite(result.mip_dual_bound):
        bound = min(bound, -float(result.mip_dual_bound))
    if result.x is None:
        return None, bound
    chosen = _plan(items.filter(pl.Series(np.round(result.x) > 0.5)), "milp", 0.0)
    if result.status != 0:   # stopped on the time limit: the best plan so far, and its distance
        gap = (bound - chosen.net_value) / abs(bound) if bound else 0.0
        chosen = Plan(chosen.rows, chosen.cost, chosen.net_value, chosen.method, max(gap, 0.0))
    return chosen, bound


def _undominated(items: pl.DataFrame) -> pl.DataFrame:
    """The items no other item of the same group beats: an item costing at least as much as
    another of its group for no more net value is never needed (swapping it for the other keeps
    every budget and cap), so dropping it keeps the optimum and shrinks the programme."""
    ordered = items.sort(["tier", "decile", "cost", "net_value", "offer_id"],
                         descending=[False, False, False, True, False])
    better_before = pl.col("net_value").cum_max().shift(1).over(["tier", "decile"])
    return (ordered.filter(better_before.is_null() | (pl.col("net_value") > better_before))
            .sort(["tier", "decile", "offer_id"]))


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
    # riskiest decile first across the tiers (lib.store.schema.RISKIEST_DECILE), ties by tier
    items = candidates(targets, (offer,)).sort(["decile", "tier"], descending=[True, False])
    spent, chosen = 0.0, []
    for row in items.iter_rows(named=True):
        if spent + row["cost"] > budget:
            break
        spent += row["cost"]
        chosen.append(row)
    rows = pl.DataFrame(chosen, schema=items.schema) if chosen else items.head(0)
    return _plan(rows, f"single:{offer.id}")


def _plan(rows: pl.DataFrame, method: str, gap: float | None = None) -> Plan:
    return Plan(rows.sort(["tier", "decile"]), float(rows["cost"].sum() or 0.0),
                float(rows["net_value"].sum() or 0.0), method, gap)


#: The plan table as shown: column -> (i18n key of its header, ``lib.common.fmt`` unit or None).
PLAN_COLUMNS: dict[str, tuple[str, str | None]] = {
    "tier": ("offers_col_tier", None), "decile": ("offers_col_decile", "count"),
    "offer": ("offers_offer", None), "customers": ("offers_col_customers", "count"),
    "saves": ("offers_col_saves", "number"), "cost": ("offers_col_cost", "currency"),
    "net_value": ("offers_col_net_value", "currency"),
}


def plan_table(rows: pl.DataFrame, offer_names: dict[str, str], rules: Rules,
               lang: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """A plan's rows as people read them: tier and offer names, headers in ``lang``; and the
    unit of each shown column (header -> unit) for the table's number formats."""
    shown = rows.with_columns(
        pl.col("tier").replace_strict({k: rules.tier_name(k, lang) for k in TIERS},
                                      default=None, return_dtype=pl.String),
        offer=pl.col("offer_id").replace_strict(offer_names, default=pl.col("offer_id"),
                                                return_dtype=pl.String),
    ).select(list(PLAN_COLUMNS))
    headers = {key: t(label, lang) for key, (label, _) in PLAN_COLUMNS.items()}
    units = {headers[key]: unit for key, (_, unit) in PLAN_COLUMNS.items() if unit}
    return shown.rename(headers), units
