"""The snapshot timeline (month indexes, from ``lib.pipeline.lifetimes``) and customers per
lifecycle stage and tier."""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.lifecycle import queries as q
from lib.pipeline.lifetimes import timeline  # noqa: F401 - the page reads the timeline here
from lib.rules import STAGES, TIERS
from lib.store import read_frame
from lib.store.filters import Filters


def month_label(month_index: int) -> str:
    """``YYYY-MM`` of a stored month index."""
    year, month = divmod(int(month_index), 12)
    return f"{year:04d}-{month + 1:02d}"


# --- stages -----------------------------------------------------------------------------------

def stages(conn: sa.Connection, filters: Filters) -> pl.DataFrame:
    """Customers per stage × tier in the chosen snapshot (every stage present, in order)."""
    counts = read_frame(conn, q.stage_by_tier(filters))
    full = pl.DataFrame({"stage": list(STAGES)}).join(
        pl.DataFrame({"tier": list(TIERS)}, schema={"tier": pl.Int64}), how="cross")
    if counts.height:
        counts = counts.with_columns(pl.col("tier").cast(pl.Int64), pl.col("customers").cast(pl.Int64))
        full = full.join(counts, on=["stage", "tier"], how="left")
    else:
        full = full.with_columns(customers=pl.lit(0, pl.Int64))
    return full.with_columns(pl.col("customers").fill_null(0))
