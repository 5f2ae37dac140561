"""Queries feeding the Offers ROI page: customers per tier and churn-risk decile."""
from __future__ import annotations

import sqlalchemy as sa

from lib.store.filters import Filters, double, segment_conditions
from lib.store import churn_models
from lib.pipeline.cube_rows import campaign_contacts_for, score_cube_for


def scored_groups(filters: Filters) -> sa.Select:
    """Active customers of the snapshot per tier and risk decile of the newest churn model:
    customers, mean churn probability (share over the model's horizon, ``model_horizon``
    months), mean latest-month spend (currency per month). Read from ``score_cube``; empty when
    the snapshot has no scores. A city scope reads the scores and rows instead
    (``lib.pipeline.cube_rows``)."""
    cube = score_cube_for(filters.scope)
    k = cube.c
    newest = (sa.select(sa.func.max(k.model_id))
              .where(k.snapshot_date == filters.snapshot_date).scalar_subquery())
    customers_ = sa.func.sum(k.customers)
    return (
        sa.select(
            k.tier, k.risk_decile.label("decile"),
            churn_models.c.horizon_months.label("model_horizon"),
            sa.cast(customers_, sa.BigInteger).label("customers"),
            (double(sa.func.sum(k.churn_probability)) / double(customers_)).label("churn_probability"),
            (double(sa.func.sum(k.spend)) / double(customers_)).label("spend"),
        )
        .select_from(cube.join(churn_models, churn_models.c.model_id == k.model_id))
        .where(k.snapshot_date == filters.snapshot_date, k.model_id == newest,
               *segment_conditions(filters, k))
        .group_by(k.tier, k.risk_decile, churn_models.c.horizon_months)
        .order_by(k.tier, k.risk_decile)
    )


def campaign_outcomes(filters: Filters) -> sa.Select:
    """Past-campaign customers (those with a treated flag) up to the chosen snapshot: per offer,
    tier at contact and group (treated or control), how many there were, how many accepted
    and how many churned in a later month.

    Read from ``campaign_contacts``: a customer's contact is the first snapshot that carries the
    campaign fields (counted when it is not after the chosen snapshot); churn counts when a
    later snapshot up to the chosen one shows the customer churned (a city scope adds the city
    at contact from the rows: ``lib.pipeline.cube_rows``).
    """
    k = campaign_contacts_for(filters.scope).c
    churned = sa.and_(k.churn_date.is_not(None), k.churn_date <= filters.snapshot_date)
    return (
        sa.select(k.offer_id, k.tier, k.treated, sa.func.count().label("customers"),
                  sa.func.sum(sa.case((k.accepted.is_(True), 1), else_=0)).label("accepted"),
                  sa.func.sum(sa.case((churned, 1), else_=0)).label("churned"))
        .where(k.contact_date <= filters.snapshot_date, *segment_conditions(filters, k))
        .group_by(k.offer_id, k.tier, k.treated)
        .order_by(k.offer_id, k.tier, k.treated)
    )
