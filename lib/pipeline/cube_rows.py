"""The cubes' rows, recomputed from the customer rows when a scope is finer than the cubes.

``customer_cube`` and ``score_cube`` are summed per snapshot, province and tier, not per city,
so they cannot honour a **city** scope (``lib.store.scope``). For such a scope the queries read
the same columns from the customer rows instead, grouped by the cube's keys plus ``city``
(so ``segment_conditions`` ANDs the city terms in as on the rows): the same figures as the
cube gives for those customers, at the cost of reading the rows. Every other scope reads the
cube itself.
"""
from __future__ import annotations

import sqlalchemy as sa

from lib.rules import Rules, churn_counted
from lib.store.scope import Scope
from lib.store import campaign_contacts, churn_scores, customer_cube, customers, score_cube

c = customers.c


def finer_than_cubes(scope: Scope) -> bool:
    """True when ``scope`` names cities: the cubes, summed per province, cannot answer it."""
    return bool(scope.cities)


def customer_cube_for(scope: Scope, rules: Rules | None = None) -> sa.FromClause:
    """``customer_cube``, or for a city scope the same columns (plus ``city``) from the rows.

    ``rules`` gives the ``counted`` flag as the store builds it into the
    cube (``lib.pipeline.cubes``); without rules the rows carry no ``counted`` column, so a
    query needing it fails loudly instead of reading another rule."""
    if not finer_than_cubes(scope):
        return customer_cube
    churned = sa.case((c.churned.is_(True), True), else_=False)
    gross_add = sa.case((c.join_month == c.snapshot_month, True), else_=False)
    keys = [c.snapshot_date.label("snapshot_date"), c.province.label("province"), c.city.label("city"),
            c.tier.label("tier"), churned.label("churned"), gross_add.label("gross_add"),
            c.spend_band.label("spend_band")]
    if rules is not None:
        keys.append(sa.case((churn_counted(rules, c), True), else_=False).label("counted"))
    return (sa.select(*keys, sa.cast(sa.func.count(), sa.BigInteger).label("customers"),
                      sa.cast(sa.func.sum(sa.func.coalesce(c.spend_m1, 0.0)), sa.Double).label("revenue"))
            .group_by(*(key.element for key in keys))
            .subquery("customer_cube_rows"))


def score_cube_for(scope: Scope) -> sa.FromClause:
    """``score_cube``, or for a city scope the same columns (plus ``city``) from the newest
    model's scores joined to the rows (as ``lib.pipeline.cubes.rebuild_score_cube`` builds it)."""
    if not finer_than_cubes(scope):
        return score_cube
    s = churn_scores.c
    newest = (sa.select(s.snapshot_date, sa.func.max(s.model_id).label("model_id"))
              .group_by(s.snapshot_date).subquery())
    keys = [s.snapshot_date, s.model_id, c.tier, c.province, c.city, s.risk_decile]
    return (
        sa.select(*keys, sa.cast(sa.func.count(), sa.BigInteger).label("customers"),
                  sa.cast(sa.func.sum(s.churn_probability), sa.Double).label("churn_probability"),
                  sa.cast(sa.func.sum(sa.func.coalesce(c.spend_m1, 0.0)), sa.Double).label("spend"))
        .select_from(churn_scores
                     .join(newest, sa.and_(newest.c.snapshot_date == s.snapshot_date,
                                           newest.c.model_id == s.model_id))
                     .join(customers, sa.and_(c.snapshot_date == s.snapshot_date,
                                              c.customer_id == s.customer_id)))
        .where(c.churned.is_not(True))
        .group_by(*keys)
        .subquery("score_cube_rows")
    )


def campaign_contacts_for(scope: Scope) -> sa.FromClause:
    """``campaign_contacts``, or for a city scope its rows with the customer's ``city`` at
    contact (the row of the contact snapshot, where the stored province comes from too)."""
    if not finer_than_cubes(scope):
        return campaign_contacts
    k = campaign_contacts.c
    return (sa.select(*k, c.city)
            .select_from(campaign_contacts.join(customers, sa.and_(
                c.customer_id == k.customer_id, c.snapshot_date == k.contact_date)))
            .subquery("campaign_contacts_rows"))
