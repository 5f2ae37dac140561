"""Every aggregate over customer rows, as SQLAlchemy Core selects, one module per page.

The database does the scanning; callers get small frames through ``lib.store.read_frame``.
Only portable SQL (DESIGN.md): GROUP BY, CASE, integer arithmetic on the month indexes stored
at ingest, standard window functions; averages and sums cast to Double.
"""
from lib.queries.common import Filters, segment_conditions
from lib.queries.overview import (
    kpi_counts,
    provinces,
    revenue_by_spend_band,
    snapshot_list,
    tier_churn,
    top_customers_revenue,
    vip_retention,
)

__all__ = ["Filters", "segment_conditions", "kpi_counts", "provinces", "revenue_by_spend_band",
           "snapshot_list", "tier_churn", "top_customers_revenue", "vip_retention"]
