"""The cohort heatmap: share of each join cohort still active per month of life."""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.lifecycle import queries as q
from lib.lifecycle.dimensions import stored_value
from lib.lifecycle.queries import ChurnDefinition
from lib.lifecycle.stages import timeline
from lib.rules import Rules
from lib.store import read_frame
from lib.store.filters import Filters


def cohort_matrix(rows: pl.DataFrame, chosen_month: int,
                  truncation_months: int = 0) -> pl.DataFrame:
    """Share of each join cohort still active (not lost to the chosen churn) per month of life.

    Input: rows of ``lib.lifecycle.queries.cohorts`` (join_month, duration_months, event,
    customers). Output, long: ``join_month``, ``months`` (1 = the joining month),
    ``cohort_size``, ``active`` (customers, null when censored), ``share`` (0–1, null when
    censored), ``applicable``. A cohort joined in month j is observed for
    ``chosen_month - j + 1`` months; later cells are censored (blank), not zero.

    With ``truncation_months`` m > 0 (the minimum-tenure exclusion) each cohort is its
    customers who stayed m months (``cohort_size``: not lost to the chosen churn in months
    1..m and observed to the end of month m), the share of month m is 1 by construction, and
    months before m are not applicable (``applicable`` false, ``active`` and ``share`` null)
    rather than a 100 % that only reflects who was left out.
    """
    schema = {"join_month": pl.Int64, "months": pl.Int64, "cohort_size": pl.Int64,
              "active": pl.Int64, "share": pl.Float64, "applicable": pl.Boolean}
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    first = int(rows["join_month"].min())
    width = chosen_month - first + 1
    grid = pl.DataFrame({"join_month": list(range(first, chosen_month + 1))}).join(
        pl.DataFrame({"months": list(range(1, width + 1))}), how="cross")
    m = truncation_months
    joined = rows.select(pl.col("join_month").unique())
    # who stayed m months: churned after month m, or still observed at the end of month m
    rows = rows.filter((pl.col("duration_months") > m)
                       | ((pl.col("duration_months") == m) & (pl.col("event") == 0)))
    sizes = joined.join(rows.group_by("join_month").agg(cohort_size=pl.col("customers").sum()),
                        on="join_month", how="left").with_columns(pl.col("cohort_size").fill_null(0))
    lost = (rows.filter(pl.col("event") == 1)
            .group_by("join_month", "duration_months").agg(lost=pl.col("customers").sum())
            .rename({"duration_months": "months"}))
    cast = {"join_month": pl.Int64, "months": pl.Int64}
    out = (grid.with_columns(pl.col(k).cast(v) for k, v in cast.items())
           .join(sizes.with_columns(pl.col("join_month").cast(pl.Int64)), on="join_month", how="inner")
           .join(lost.with_columns(pl.col(k).cast(v) for k, v in cast.items()),
                 on=["join_month", "months"], how="left")
           .sort("join_month", "months")
           .with_columns(pl.col("lost").fill_null(0).cum_sum().over("join_month").alias("lost")))
    applicable = pl.col("months") >= m
    shown = (pl.col("months") <= chosen_month - pl.col("join_month") + 1) & applicable
    return out.select(
        "join_month", "months", pl.col("cohort_size").cast(pl.Int64),
        pl.when(shown).then(pl.col("cohort_size") - pl.col("lost")).cast(pl.Int64).alias("active"),
        pl.when(shown & (pl.col("cohort_size") > 0))
        .then((pl.col("cohort_size") - pl.col("lost")) / pl.col("cohort_size"))
        .cast(pl.Float64).alias("share"),
        applicable.alias("applicable"),
    )


def cohorts(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
            cohort_months: int, dimension: str | None = None,
            value: str | None = None) -> pl.DataFrame:
    """The cohort matrix (see ``cohort_matrix``) of the last ``cohort_months`` join months,
    optionally for one value of a segment dimension. With several snapshots only cohorts that
    joined from the first stored snapshot on are shown (earlier ones are left-truncated). Under
    the minimum-tenure exclusion each cohort is its customers who stayed that long."""
    line = timeline(conn, filters.snapshot_date)
    column_value = stored_value(dimension, value)
    first_join = line.chosen_month - cohort_months + 1
    if line.first_month is not None:
        # joiners before the first snapshot are seen only if they survived to it: left out
        first_join = max(first_join, line.first_month)
    rows = read_frame(conn, q.cohorts(filters, definition, rules, line, first_join, dimension,
                                       column_value))
    return cohort_matrix(rows, line.chosen_month, definition.truncation_months)
