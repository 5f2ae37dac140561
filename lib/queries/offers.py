"""Queries feeding the Offers ROI page: customers per tier and churn-risk decile."""
from __future__ import annotations

import sqlalchemy as sa

from lib.queries.common import Filters, double, segment_conditions
from lib.store import churn_scores, customers

c = customers.c
s = churn_scores.c


def scored_groups(filters: Filters) -> sa.Select:
    """Active customers of the snapshot per tier and risk decile of the newest churn model:
    customers, mean churn probability (share over the model's horizon), mean latest-month spend
    (currency per month). Empty when the snapshot has no scores."""
    newest = (sa.select(sa.func.max(s.model_id))
              .where(s.snapshot_date == filters.snapshot_date).scalar_subquery())
    joined = churn_scores.join(customers, sa.and_(c.snapshot_date == s.snapshot_date,
                                                  c.customer_id == s.customer_id))
    return (
        sa.select(
            c.tier, s.risk_decile.label("decile"),
            sa.func.count().label("customers"),
            double(sa.func.avg(s.churn_probability)).label("churn_probability"),
            double(sa.func.avg(sa.func.coalesce(c.spend_m1, 0.0))).label("spend"),
        )
        .select_from(joined)
        .where(s.snapshot_date == filters.snapshot_date, s.model_id == newest,
               c.churned.is_not(True), *segment_conditions(filters))
        .group_by(c.tier, s.risk_decile)
        .order_by(c.tier, s.risk_decile)
    )
