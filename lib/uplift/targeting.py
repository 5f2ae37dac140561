"""Targeting by uplift where lists are made: a call list's customers with their predicted uplift,
sleeping dogs left out on request, the most persuadable first."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.churn.actions import CallList
from lib.churn.model import feature_frame
from lib.churn.train import read_rows
from lib.uplift import queries as q


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
