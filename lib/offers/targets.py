"""The customers an offer can target, per tier and risk decile, with their value.

Churn risk comes from the newest churn model's scores when the snapshot has them; otherwise
from each tier's observed churn rate (one group per tier, so targeting depth cannot pick the
riskiest). The value of keeping a customer is the Lifecycle page's sBG residual CLV per tier
(``lib.lifecycle.value.tier_clv``) where the tier's fit is identifiable; elsewhere — no churner,
too few customers, a fit at the optimiser's bound — it is this page's simple CLV from the
group's margin and the tier's churn rate (see ``lib.offers.roi.simple_clv``), the same churn the
risk side uses. Every result says, per tier, which source it used and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl
import sqlalchemy as sa

from lib.overview import queries as overview_queries
from lib.rules.economics import Economics
from lib.overview.kpis import risk_by_tier
from lib.lifecycle.value import tier_clv
from lib.offers.roi import TARGET_COLUMNS, Offer, simple_clv, simulate
from lib.store.filters import Filters
from lib.offers.queries import scored_groups
from lib.rules import Rules
from lib.store import StoreError, read_frame


#: Columns of ``TargetSet.clv_sources``.
CLV_SOURCE_COLUMNS: dict[str, pl.DataType] = {
    "tier": pl.Int64(), "clv_source": pl.String(), "fit_status": pl.String(),
    "monthly_churn": pl.Float64()}


@dataclass(frozen=True)
class TargetSet:
    """Targets (``lib.offers.roi`` columns) and where their numbers come from.

    ``clv_source`` is "sbg" when at least one tier's value is the sBG fit's, else "simple";
    ``clv_sources`` says it per tier of the frame: ``clv_source`` "sbg" (identifiable fit) or
    "simple" (simple CLV at the tier's ``monthly_churn``, share per month), and the Lifecycle
    page's ``fit_status`` of the tier (why the fit is or is not used; null when it has none).
    """

    frame: pl.DataFrame
    risk_source: Literal["model", "observed"]
    clv_source: Literal["sbg", "simple"] = "simple"
    clv_sources: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CLV_SOURCE_COLUMNS))


def offer_targets(conn: sa.Connection, filters: Filters, rules: Rules, economics: Economics) -> TargetSet:
    """Groups of active customers per tier × risk decile (see ``lib.offers.roi``) for the filters.

    Raises ``StoreError`` ``offers_window_unknown`` when the snapshot has no model scores and
    its churn window is unknown: the observed churn share is then no probability over any
    horizon. With scores, a tier's monthly churn for the simple CLV is the rate the model's
    probabilities imply when the window is unknown.
    """
    listing = read_frame(conn, overview_queries.snapshot_list())
    windows = dict(zip(listing["snapshot_date"].to_list(), listing["churn_window_months"].to_list()))
    window = windows.get(filters.snapshot_date)
    tiers = risk_by_tier(read_frame(conn, overview_queries.tier_churn(filters, rules)),
                         window, economics.horizon_months)
    tiers = tiers.with_columns(
        arpu=pl.when(pl.col("active") > 0).then(pl.col("revenue") / pl.col("active")).otherwise(0.0))
    scored = read_frame(conn, scored_groups(filters))
    if scored.height:
        # the model's probability covers its own horizon: restate it over ours at the same hazard
        frame = scored.join(tiers.select("tier", "monthly_churn"), on="tier", how="left")
        if window is None:  # no observed rate per month: the one the model's probability implies
            frame = frame.with_columns(monthly_churn=1 - (1 - pl.col("churn_probability").cast(pl.Float64))
                                       ** (1 / pl.col("model_horizon")))
        frame = frame.with_columns(
            churn_probability=1 - (1 - pl.col("churn_probability")) ** (economics.horizon_months / pl.col("model_horizon")))
        source: Literal["model", "observed"] = "model"
    elif window is None:
        raise StoreError("offers_window_unknown", snapshot=str(filters.snapshot_date))
    else:
        frame = tiers.filter(pl.col("active") > 0).select(
            "tier", pl.lit(1).alias("decile"), pl.col("active").alias("customers"),
            (1 - (1 - pl.col("monthly_churn")) ** economics.horizon_months).alias("churn_probability"),
            pl.col("arpu").alias("spend"), "monthly_churn")
        source = "observed"
    margin = pl.col("spend") * economics.margin_share
    frame = frame.with_columns(monthly_margin=margin).with_columns(
        clv=simple_clv(pl.col("monthly_margin"), pl.col("monthly_churn").fill_null(0.0),
                       economics.monthly_discount))
    values = _sbg_clv(conn, filters, rules, economics)
    frame = frame.join(values.select("tier", "sbg_clv"), on="tier", how="left").with_columns(
        clv=pl.coalesce("sbg_clv", "clv"))
    sources = (frame.group_by("tier").agg(pl.col("monthly_churn").first(), pl.col("sbg_clv").first())
               .with_columns(pl.col("tier").cast(pl.Int64)).sort("tier")
               .join(values.select("tier", "fit_status"), on="tier", how="left")
               .with_columns(clv_source=pl.when(pl.col("sbg_clv").is_null()).then(pl.lit("simple"))
                             .otherwise(pl.lit("sbg")))
               .select(list(CLV_SOURCE_COLUMNS)).cast(CLV_SOURCE_COLUMNS))
    clv_source: Literal["sbg", "simple"] = "sbg" if (sources["clv_source"] == "sbg").any() else "simple"
    frame = frame.select([pl.col(c).cast(pl.Int64 if c in ("tier", "decile") else pl.Float64) for c in TARGET_COLUMNS])
    return TargetSet(frame, source, clv_source, sources)


def _sbg_clv(conn: sa.Connection, filters: Filters, rules: Rules, economics: Economics) -> pl.DataFrame:
    """Per tier the Lifecycle page's ``fit_status`` and, where the fit is identifiable, its sBG
    residual CLV (currency) of keeping one of today's customers (``sbg_clv``, else null)."""
    schema = {"tier": pl.Int64, "sbg_clv": pl.Float64, "fit_status": pl.String}
    tiers = tier_clv(conn, filters, rules, economics.margin_share, economics.annual_discount)
    if tiers.height == 0:
        return pl.DataFrame(schema=schema)
    value = pl.col("residual_clv_per_customer_currency").cast(pl.Float64)
    return tiers.select(
        pl.col("tier").cast(pl.Int64),
        pl.when((pl.col("clv_source") == "sbg") & value.is_finite()).then(value).alias("sbg_clv"),
        "fit_status").cast(schema)


def tier_table(targets: pl.DataFrame, offer: Offer, depth: float) -> pl.DataFrame:
    """Per eligible tier: the expected outcome of ``offer`` at ``depth`` (currency, counts)."""
    rows = []
    for tier in sorted(set(targets["tier"].to_list()) & set(offer.eligible_tiers)):
        result = simulate(targets.filter(pl.col("tier") == tier), offer, depth)
        rows.append({"tier": tier, "targeted": result.targeted, "takers": result.takers,
                     "saves": result.saves, "value_saved": result.value_saved, "cost": result.cost,
                     "giveaway_cost": result.giveaway_cost, "net_value": result.net_value,
                     "roi": result.roi, "payback_months": result.payback_months,
                     "cost_per_save": result.cost_per_save})
    return pl.DataFrame(rows, schema={"tier": pl.Int64, "targeted": pl.Float64, "takers": pl.Float64,
                                      "saves": pl.Float64, "value_saved": pl.Float64, "cost": pl.Float64,
                                      "giveaway_cost": pl.Float64, "net_value": pl.Float64,
                                      "roi": pl.Float64, "payback_months": pl.Float64,
                                      "cost_per_save": pl.Float64})
