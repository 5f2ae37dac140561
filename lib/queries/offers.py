"""Queries feeding the Offers ROI page: customers per tier and churn-risk decile."""
from __future__ import annotations

import sqlalchemy as sa

from lib.queries.common import Filters, double, segment_conditions
from lib.store import churn_models, churn_scores, customers

c = customers.c
s = churn_scores.c


def scored_groups(filters: Filters) -> sa.Select:
    """Active customers of the snapshot per tier and risk decile of the newest churn model:
    customers, mean churn probability (share over the model's horizon, ``model_horizon``
    months), mean latest-month spend (currency per month). Empty when the snapshot has no scores."""
    newest = (sa.select(sa.func.max(s.model_id))
              .where(s.snapshot_date == filters.snapshot_date).scalar_subquery())
    joined = churn_scores.join(customers, sa.and_(c.snapshot_date == s.snapshot_date,
                                                  c.customer_id == s.customer_id)).join(
        churn_models, churn_models.c.model_id == s.model_id)
    return (
        sa.select(
            c.tier, s.risk_decile.label("decile"),
            churn_models.c.horizon_months.label("model_horizon"),
            sa.func.count().label("customers"),
            double(sa.func.avg(s.churn_probability)).label("churn_probability"),
            double(sa.func.avg(sa.func.coalesce(c.spend_m1, 0.0))).label("spend"),
        )
        .select_from(joined)
        .where(s.snapshot_date == filters.snapshot_date, s.model_id == newest,
               c.churned.is_not(True), *segment_conditions(filters))
        .group_by(c.tier, s.risk_decile, churn_models.c.horizon_months)
        .order_by(c.tier, s.risk_decile)
    )


def campaign_outcomes(filters: Filters) -> sa.Select:
    """Past-campaign customers (those with a treated flag) up to the chosen snapshot: per offer,
    tier at contact and group (treated or control), how many there were, how many accepted
    and how many churned in a later month.

    A customer's contact month is the first snapshot that carries the campaign fields; churn
    counts when a later snapshot of the customer is flagged churned.
    """
    upto = c.snapshot_date <= filters.snapshot_date
    first = (
        sa.select(c.customer_id, c.offer_id, sa.func.min(c.snapshot_month).label("contact_month"))
        .where(c.treated.is_not(None), c.offer_id.is_not(None), upto)
        .group_by(c.customer_id, c.offer_id)
        .subquery()
    )
    later = customers.alias("later")
    churned_after = sa.func.max(sa.case((later.c.customer_id.is_not(None), 1), else_=0))
    per_customer = (
        sa.select(c.offer_id, c.tier, c.treated, c.accepted, churned_after.label("churned_after"))
        .select_from(
            first.join(customers, sa.and_(c.customer_id == first.c.customer_id,
                                          c.snapshot_month == first.c.contact_month,
                                          c.offer_id == first.c.offer_id))
            # only the later rows that show churn: joining every later row cost 1.6 s at 10M
            .outerjoin(later, sa.and_(later.c.customer_id == first.c.customer_id,
                                      later.c.snapshot_date <= filters.snapshot_date,
                                      later.c.churned.is_(True),
                                      later.c.snapshot_month > first.c.contact_month))
        )
        .where(*segment_conditions(filters))
        .group_by(c.customer_id, c.offer_id, c.tier, c.treated, c.accepted)
        .subquery()
    )
    p = per_customer.c
    return (
        sa.select(p.offer_id, p.tier, p.treated, sa.func.count().label("customers"),
                  sa.func.sum(sa.case((p.accepted.is_(True), 1), else_=0)).label("accepted"),
                  sa.func.sum(p.churned_after).label("churned"))
        .group_by(p.offer_id, p.tier, p.treated)
        .order_by(p.offer_id, p.tier, p.treated)
    )
