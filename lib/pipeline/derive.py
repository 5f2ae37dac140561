"""Columns derived at ingest from a typed contract frame.

Input: a polars frame whose columns are a subset of ``lib.store.schema.CONTRACT_COLUMNS`` with the
contract's dtypes (what ingest or the demo generator produce). Output: every contract column
(missing ones as nulls) plus ``lib.store.schema.DERIVED_DTYPES``. Rule-dependent columns (tier,
stage) are filled by the store from the rules in force, not here. Tenure and dates become
months by the convention in ``lib.store.schema`` (*Months*).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from lib.store.schema import (
    CONTRACT_COLUMNS,
    DAYS_PER_MONTH,
    DERIVED_DTYPES,
    SPEND_BANDS_PER_E,
    SPEND_COLUMNS,
    contract_dtypes,
)

#: Units a tenure may reach ``derive`` from (``lib.store.schema.UNIT_FACTORS``; already in months).
TENURE_UNITS: tuple[str, ...] = ("months", "days", "years")


def _month_index(col: pl.Expr) -> pl.Expr:
    return (col.dt.year().cast(pl.Int32) * 12 + col.dt.month().cast(pl.Int32) - 1).cast(pl.Int32)


def _mean_of(columns: list[str]) -> pl.Expr:
    """Row mean of the non-null values among ``columns`` (null when all are null)."""
    total = pl.sum_horizontal([pl.col(c) for c in columns])
    count = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in columns])
    return pl.when(count > 0).then(total / count).otherwise(None)


def join_date_from_tenure(snapshot: pl.Expr, tenure_months: pl.Expr,
                          tenure_unit: str = "months") -> pl.Expr:
    """Join date implied by a tenure at a snapshot date (``lib.store.schema``, *Months*).

    Parameters
    ----------
    snapshot : snapshot dates.
    tenure_months : tenure in months (converted at ingest from the source unit); negatives
        count as 0.
    tenure_unit : the unit the file gave the tenure in. "months" or "years": the snapshot date
        shifted back ``floor(tenure_months)`` calendar months, clamped to the month's end
        (2024-06-30 less 4 months = 2024-02-29), so ``join_month = snapshot_month -
        floor(tenure_months)``. "days": the snapshot date less the file's days (a day count is
        as precise as a join date and is used as one).

    Returns
    -------
    Dates (null where the tenure is null).
    """
    if tenure_unit not in TENURE_UNITS:
        raise ValueError(f"tenure_unit must be one of {TENURE_UNITS}, not {tenure_unit!r}")
    tenure = tenure_months.clip(lower_bound=0.0)
    if tenure_unit == "days":
        return snapshot - pl.duration(days=(tenure * DAYS_PER_MONTH).round(0).cast(pl.Int64))
    whole_months = tenure.floor().cast(pl.Int64)
    return snapshot.dt.offset_by(pl.format("-{}mo", whole_months))


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


def derive(frame: pl.DataFrame, snapshot_date: dt.date | None = None,
           tenure_unit: str = "months") -> pl.DataFrame:
    """Fill what one field implies about another and add the stored derived columns.

    A row with a join date keeps it and gets ``tenure_months`` = elapsed days /
    ``DAYS_PER_MONTH``; a row with only a tenure gets the join date of
    :func:`join_date_from_tenure`.

    Parameters
    ----------
    frame : typed contract frame (see module doc).
    snapshot_date : date for rows whose ``snapshot_date`` is blank.
    tenure_unit : unit the source gave ``tenure_months`` in before ingest converted it to months
        ("months", "days" or "years"; see :func:`join_date_from_tenure`).

    Returns
    -------
    The frame with all contract columns, then ``snapshot_month``, ``join_month``,
    ``churn_month`` (integer month indexes), ``spend_avg_6m`` (currency per month) and
    ``spend_trend`` (share: last three months against the three before, 0.1 = +10 %) and
    ``spend_band`` (see ``lib.store.schema.SPEND_BANDS_PER_E``).
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
            pl.col("join_date"), join_date_from_tenure(snap, pl.col("tenure_months"), tenure_unit)
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
