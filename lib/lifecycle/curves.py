"""Survival curves of the lifecycle page: Kaplan–Meier per group and the log-rank comparison.

The estimators themselves are in ``lib.lifecycle.survival``; this module reads the grouped
lifetimes (from the cube when built, else from the rows) and fits them. Lifetimes in months.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.lifecycle import queries as q
from lib.lifecycle.queries import ChurnDefinition
from lib.lifecycle.stages import timeline
from lib.lifecycle.survival import KaplanMeier, LogRank, logrank
from lib.rules import Rules
from lib.store import read_frame
from lib.store.filters import Filters


@dataclass(frozen=True)
class SurvivalView:
    """Kaplan–Meier curves per group.

    curves : ``segment``, ``months``, ``survival``, ``lower``, ``upper``, ``at_risk``, ``events``.
    summary : per ``segment``: ``customers``, ``churners``, ``median_months`` (months of life;
        null when the curve never reaches 0.5), largest group first.
    lifetimes : the grouped lifetimes the curves were fitted on (``lib.lifecycle.queries.lifetimes``).
    truncation_months : under the minimum-tenure exclusion, the months of life the curves are
        conditional on (they start at 1 there; customers and churners are those who stayed that
        long); 0 without it.
    """

    dimension: str | None
    curves: pl.DataFrame
    summary: pl.DataFrame
    lifetimes: pl.DataFrame
    truncation_months: int = 0


def lifetime_counts(conn: sa.Connection, filters: Filters, rules: Rules,
                    definition: ChurnDefinition, dimension: str | None) -> pl.DataFrame:
    """Customers per (segment, duration_months, event, entry_months, active): see
    ``lib.lifecycle.queries.lifetimes`` (left-truncated under the minimum-tenure exclusion);
    ``segment`` as text."""
    if dimension in (None, *q.CUBE_DIMENSIONS) and conn.execute(
            q.cube_built(filters.snapshot_date, definition)).first():
        frame = read_frame(conn, q.cube_lifetimes(filters, definition, dimension))
    else:
        frame = read_frame(conn, q.lifetimes(filters, definition, rules,
                                              timeline(conn, filters.snapshot_date), dimension))
    if frame.height == 0:
        return pl.DataFrame(schema={"segment": pl.String, "duration_months": pl.Int64,
                                    "event": pl.Int64, "entry_months": pl.Int64,
                                    "active": pl.Int64, "customers": pl.Int64})
    return frame.with_columns(pl.col("segment").cast(pl.String))


def kaplan_meier(rows: pl.DataFrame, origin_months: int = 0) -> KaplanMeier:
    """Kaplan–Meier fitted on rows of ``lifetime_counts``, conditional on surviving
    ``origin_months`` months of life (the curve starts at 1 there)."""
    return KaplanMeier().fit(rows["duration_months"].to_numpy(), rows["event"].to_numpy(),
                             rows["customers"].to_numpy(), rows["entry_months"].to_numpy(),
                             origin=origin_months)


def survival(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
             dimension: str | None, max_groups: int) -> SurvivalView:
    """Kaplan–Meier survival per value of ``dimension`` (the largest ``max_groups`` groups), or
    of the whole base when ``dimension`` is None. Under the minimum-tenure exclusion the curves
    are those of the customers who stayed ``definition.truncation_months`` months, from then on
    (conditional survival, not 100 % over the first months)."""
    origin = definition.truncation_months
    rows = lifetime_counts(conn, filters, rules, definition, dimension)
    sizes = (rows.group_by("segment").agg(customers=pl.col("customers").sum(),
                                          churners=(pl.col("customers") * pl.col("event")).sum())
             .sort(["customers", "segment"], descending=[True, False]).head(max_groups))
    if dimension == "tier":
        sizes = sizes.sort(pl.col("segment").cast(pl.Int64))
    curves, medians = [], []
    for group in sizes["segment"].to_list():
        part = rows.filter(pl.col("segment").eq_missing(group))
        km = kaplan_meier(part, origin)
        curves.append(km.survival_.with_columns(segment=pl.lit(group, pl.String)))
        medians.append(km.median_months_)
    summary = sizes.with_columns(median_months=pl.Series(medians, dtype=pl.Float64))
    curve = pl.concat(curves) if curves else pl.DataFrame(
        schema={"months": pl.Float64, "survival": pl.Float64, "lower": pl.Float64,
                "upper": pl.Float64, "at_risk": pl.Float64, "events": pl.Float64,
                "segment": pl.String})
    return SurvivalView(dimension, curve, summary, rows, origin)


def compare(view: SurvivalView, group_a: str, group_b: str) -> LogRank:
    """Log-rank test of equal survival between two groups of a ``SurvivalView`` (no query:
    the view carries the lifetimes it was fitted on)."""
    rows = view.lifetimes

    def arrays(group: str) -> tuple:
        part = rows.filter(pl.col("segment") == group)
        return (part["duration_months"].to_numpy(), part["event"].to_numpy(),
                part["customers"].to_numpy(), part["entry_months"].to_numpy())

    return logrank(arrays(group_a), arrays(group_b))
