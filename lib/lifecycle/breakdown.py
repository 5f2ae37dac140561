"""Churners by type and reason, and value decliners per tier, in the chosen snapshot."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.lifecycle import queries as q
from lib.lifecycle.queries import ChurnDefinition
from lib.lifecycle.stages import timeline
from lib.rules import Rules
from lib.store import read_frame
from lib.store.filters import Filters


@dataclass(frozen=True)
class ChurnBreakdown:
    """Churners of the chosen snapshot by type and by reason, and value decliners per tier.

    by_type : ``churn_type``, ``customers``, ``counted`` (in the analysis base), ``in_definition``.
    by_reason : ``churn_reason``, ``customers`` (counted churners of the chosen types).
    value_decline : per ``tier``: ``active``, ``value_declined`` (active customers whose spend
        fell by at least the share), ``value_declined_share``.
    """

    by_type: pl.DataFrame
    by_reason: pl.DataFrame
    value_decline: pl.DataFrame


def churn_breakdown(conn: sa.Connection, filters: Filters, rules: Rules,
                    definition: ChurnDefinition, value_drop_share: float) -> ChurnBreakdown:
    """Counts of churn types and reasons in the chosen snapshot and value decliners per tier."""
    line = timeline(conn, filters.snapshot_date)
    rows = read_frame(conn, q.churn_breakdown(filters, definition, rules, line))
    if rows.height == 0:
        rows = pl.DataFrame(schema={"churn_type": pl.String, "churn_reason": pl.String,
                                    "counted": pl.Boolean, "customers": pl.Int64,
                                    "spend": pl.Float64})
    rows = rows.with_columns(pl.col("churn_type").fill_null("unknown"))
    by_type = (rows.group_by("churn_type")
               .agg(customers=pl.col("customers").sum(),
                    counted=pl.col("customers").filter(pl.col("counted")).sum())
               .with_columns(in_definition=pl.col("churn_type").is_in(list(definition.types)))
               .sort(["customers", "churn_type"], descending=[True, False]))
    chosen = rows.filter(pl.col("counted") & pl.col("churn_type").is_in(list(definition.types)))
    by_reason = (chosen.filter(pl.col("churn_reason").is_not_null())
                 .group_by("churn_reason").agg(customers=pl.col("customers").sum())
                 .sort(["customers", "churn_reason"], descending=[True, False]))
    decline = read_frame(conn, q.tier_values(filters, value_drop_share))
    if decline.height:
        decline = decline.select("tier", "active", "value_declined").with_columns(
            value_declined_share=pl.col("value_declined") / pl.col("active"))
    return ChurnBreakdown(by_type, by_reason, decline)
