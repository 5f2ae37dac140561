"""Columns derived at ingest from a typed contract frame.

Input: a polars frame whose columns are a subset of ``lib.schema.CONTRACT_COLUMNS`` with the
contract's dtypes (what ingest or the demo generator produce). Output: every contract column
(missing ones as nulls) plus ``lib.schema.DERIVED_DTYPES``. Rule-dependent columns (tier,
stage) are filled by the store from the rules in force, not here.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from lib.schema import (
    CONTRACT_COLUMNS,
    DERIVED_DTYPES,
    SPEND_BANDS_PER_E,
    SPEND_COLUMNS,
    contract_dtypes,
)

#: Average days per month, used to turn day differences into months.
DAYS_PER_MONTH = 365.25 / 12


def _month_index(col: pl.Expr) -> pl.Expr:
    return (col.dt.year().cast(pl.Int32) * 12 + col.dt.month().cast(pl.Int32) - 1).cast(pl.Int32)


def _mean_of(columns: list[str]) -> pl.Expr:
    """Row mean of the non-null values among ``columns`` (null when all are null)."""
    total = pl.sum_horizontal([pl.col(c) for c in columns])
    count = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in columns])
    return pl.when(count > 0).then(total / count).otherwise(None)


def complete_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Add missing contract columns as typed nulls and cast present ones to contract dtypes."""
    dtypes = contract_dtypes()
    exprs = []
    for name in CONTRACT_COLUMNS:
        if name in frame.columns:
            exprs.append(pl.col(name).cast(dtypes[name]))
        else:
            exprs.append(pl.lit(None, dtype=dtypes[name]).alias(name))
    extras = [c for c in frame.columns if c not in CONTRACT_COLUMNS]
    return frame.select(exprs + [pl.col(c) for c in extras])


def derive(frame: pl.DataFrame, snapshot_date: dt.date | None = None) -> pl.DataFrame:
    """Fill what one field implies about another and add the stored derived columns.

    Parameters
    ----------
    frame : typed contract frame (see module doc).
    snapshot_date : date for rows whose ``snapshot_date`` is blank.

    Returns
    -------
    The frame with all contract columns, then ``snapshot_month``, ``join_month``,
    ``churn_month`` (integer month indexes), ``spend_avg_6m`` (currency per month) and
    ``spend_trend`` (share: last three months against the three before, 0.1 = +10 %) and
    ``spend_band`` (see ``lib.schema.SPEND_BANDS_PER_E``).
    """
    df = complete_columns(frame)
    if snapshot_date is not None:
        df = df.with_columns(pl.col("snapshot_date").fill_null(pl.lit(snapshot_date)))
    snap = pl.col("snapshot_date")
    days_since_join = (snap - pl.col("join_date")).dt.total_days()
    df = df.with_columns(
        tenure_months=pl.coalesce(
            pl.col("tenure_months"), (days_since_join / DAYS_PER_MONTH).clip(lower_bound=0.0)
        ),
        join_date=pl.coalesce(
            pl.col("join_date"),
            snap - pl.duration(days=(pl.col("tenure_months") * DAYS_PER_MONTH).round(0).cast(pl.Int64)),
        ),
    )
    df = df.with_columns(
        churned=pl.coalesce(
            pl.col("churned"),
            pl.col("churn_date").is_not_null() & (pl.col("churn_date") <= snap),
        ).fill_null(False),
        key_person=pl.col("key_person").fill_null(False),
        group_paid=pl.col("group_paid").fill_null(False),
    )
    df = df.with_columns(
        churn_type=pl.when(pl.col("churned"))
        .then(pl.col("churn_type").fill_null("unknown"))
        .otherwise(pl.col("churn_type")),
    )
    no_monthly_spend = pl.all_horizontal([pl.col(c).is_null() for c in SPEND_COLUMNS])
    df = df.with_columns(
        spend_m1=pl.when(no_monthly_spend).then(pl.col("arpu")).otherwise(pl.col("spend_m1")),
    )
    recent = _mean_of(list(SPEND_COLUMNS[:3]))
    earlier = _mean_of(list(SPEND_COLUMNS[3:]))
    df = df.with_columns(
        snapshot_month=_month_index(snap),
        join_month=_month_index(pl.col("join_date")),
        churn_month=pl.when(pl.col("churned"))
        .then(pl.coalesce(_month_index(pl.col("churn_date")), _month_index(snap)))
        .otherwise(None),
        spend_avg_6m=pl.coalesce(_mean_of(list(SPEND_COLUMNS)), pl.col("arpu")),
        spend_trend=pl.when(earlier > 0).then(recent / earlier - 1.0).otherwise(None),
        spend_band=pl.when(pl.col("spend_m1") > 0)
        .then((pl.col("spend_m1").log1p() * SPEND_BANDS_PER_E).floor() + 1)
        .otherwise(0),
    )
    return df.with_columns([pl.col(c).cast(t) for c, t in DERIVED_DTYPES.items()])
