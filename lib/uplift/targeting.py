"""Targeting by uplift where lists are made: a call list's customers with their predicted uplift,
sleeping dogs left out on request, the most persuadable first; and what one budget returns
when an offer goes to the riskiest customers or to the most persuadable (``compare_targeting``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.churn.actions import CallList
from lib.churn.model import feature_frame
from lib.churn.train import read_rows
from lib.offers.roi import Offer
from lib.uplift import queries as q
from lib.rules import Rules
from lib.uplift.fit import UpliftSettings, uplift_settings
from lib.uplift.train import score_uplift, train_uplift


def with_uplift(conn: sa.Connection, calls: CallList, model) -> CallList:
    """``calls`` with an ``uplift`` column: ``model``'s predicted churn reduction if treated
    (share; negative for sleeping dogs) from each customer's features in the list's snapshot."""
    rows = calls.rows
    if rows.height == 0:
        return replace(calls, rows=rows.with_columns(uplift=pl.lit(None, dtype=pl.Float64)))
    features = read_rows(conn, q.customer_features(calls.snapshot_date,
                                                   tuple(rows["customer_id"].to_list())))
    scored = features.select("customer_id").with_columns(
        uplift=pl.Series(np.asarray(model.predict_uplift(feature_frame(features)), dtype=np.float64)))
    return replace(calls, rows=rows.join(scored, on="customer_id", how="left", maintain_order="left"))


def rank_by_uplift(calls: CallList, exclude_sleeping_dogs: bool) -> CallList:
    """The list sorted by predicted uplift (highest first, ties by customer id); without the
    customers whose uplift is negative when ``exclude_sleeping_dogs``."""
    rows = calls.rows
    if exclude_sleeping_dogs:
        rows = rows.filter(pl.col("uplift") >= 0)
    return replace(calls, rows=rows.sort(["uplift", "customer_id"], descending=[True, False], nulls_last=True))


#: Columns of ``compare_targeting``'s result, with their units (lib.common.fmt kinds).
COMPARISON_UNITS: dict[str, str] = {
    "customers": "count", "cost": "currency", "saves": "number", "value_saved": "currency",
    "net_value": "currency", "sleeping_dogs": "count"}


def offer_cost_per_customer(offer: Offer) -> float:
    """Expected cost (currency) of offering ``offer`` to one customer: the contact cost plus the
    cost per acceptance times the middle of the catalogue's take-up range."""
    return offer.contact_cost + offer.cost_per_acceptance * (offer.take_up[0] + offer.take_up[1]) / 2


def _within_budget(ranked: pl.DataFrame, cost: float, budget: float) -> pl.DataFrame:
    """The longest head of ``ranked`` whose total cost (``cost`` a customer) fits ``budget``."""
    count = ranked.height if cost <= 0 else min(ranked.height, int(budget // cost + 1e-9))
    return ranked.head(max(count, 0))


def compare_targeting(customers: pl.DataFrame, offer: Offer, budget: float) -> pl.DataFrame:
    """What the same ``budget`` (currency) buys with ``offer`` when targeted by churn risk and when
    targeted by predicted uplift: one row per ``strategy`` ("risk", "uplift").

    ``customers``: customer_id, tier, churn_probability (share 0-1), uplift (predicted churn
    reduction if treated, share; negative for sleeping dogs) and clv (currency, value of keeping
    the customer). Only the offer's eligible tiers are targeted. Risk targeting takes the riskiest
    first; uplift targeting the highest uplift first and never a customer whose uplift is 0 or
    less. Both stop where the next customer would overspend the budget
    (``offer_cost_per_customer`` each). Columns: customers (targeted), cost (currency), saves
    (expected incremental saves: the sum of the targeted customers' uplift), value_saved
    (sum of uplift × clv, currency), net_value (value_saved - cost, currency) and sleeping_dogs
    (targeted customers with negative uplift). The uplift model's estimate judges both lists:
    a risk list's saves are what its customers' predicted uplift says they return.
    """
    cost = offer_cost_per_customer(offer)
    eligible = customers.filter(pl.col("tier").is_in(list(offer.eligible_tiers)),
                                pl.col("uplift").is_not_null())
    lists = {
        "risk": eligible.filter(pl.col("churn_probability").is_not_null())
        .sort(["churn_probability", "customer_id"], descending=[True, False]),
        "uplift": eligible.filter(pl.col("uplift") > 0)
        .sort(["uplift", "customer_id"], descending=[True, False]),
    }
    rows = []
    for strategy, ranked in lists.items():
        chosen = _within_budget(ranked, cost, budget)
        saves = float(chosen["uplift"].sum())
        value = float((chosen["uplift"] * chosen["clv"]).sum())
        rows.append({"strategy": strategy, "customers": chosen.height, "cost": chosen.height * cost,
                     "saves": saves, "value_saved": value, "net_value": value - chosen.height * cost,
                     "sleeping_dogs": int((chosen["uplift"] < 0).sum())})
    return pl.DataFrame(rows, schema={"strategy": pl.String, "customers": pl.Int64, "cost": pl.Float64,
                                      "saves": pl.Float64, "value_saved": pl.Float64,
                                      "net_value": pl.Float64, "sleeping_dogs": pl.Int64})


def clv_by_tier(targets: pl.DataFrame) -> pl.DataFrame:
    """Per tier the customer-weighted mean clv (currency) of ``lib.offers.targets`` groups."""
    return (targets.filter(pl.col("customers") > 0).group_by("tier")
            .agg(clv=(pl.col("clv") * pl.col("customers")).sum() / pl.col("customers").sum())
            .with_columns(pl.col("tier").cast(pl.Int64)))


def targeting_customers(conn: sa.Connection, model, snapshot_date: dt.date, settings: UpliftSettings,
                        targets: pl.DataFrame) -> pl.DataFrame:
    """Every active customer of ``snapshot_date`` as ``compare_targeting`` reads them: scored by
    ``model``, each valued at their tier's clv from the Offers ROI ``targets`` (``clv_by_tier``;
    customers of a tier without targets are left out)."""
    scored = score_uplift(conn, model, snapshot_date, settings, with_tier=True)
    return scored.with_columns(pl.col("tier").cast(pl.Int64)).join(
        clv_by_tier(targets), on="tier", how="inner")


def offer_targeting_customers(conn: sa.Connection, offer_id: str, as_of: dt.date, rules: Rules,
                              targets: pl.DataFrame) -> pl.DataFrame | None:
    """``targeting_customers`` for the offer's uplift model as of ``as_of`` (None when refused).

    Takes the offer id, not the model, so that a page can cache it on hashable arguments; the
    fit is deterministic (``random_state``), so it is the model ``train_uplift`` presents."""
    result = train_uplift(conn, offer_id, as_of, rules)
    if not result.accepted:
        return None
    return targeting_customers(conn, result.fit.model, as_of, uplift_settings(rules), targets)
