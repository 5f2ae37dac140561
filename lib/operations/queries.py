"""Queries of the call-back plans (回访计划): candidates of a selection, baseline churn, plans.

Only the chosen customers' ids and a few columns ever leave the database: a selection is a
bounded ``LIMIT`` select (highest latest-month spend first), its baseline churn an aggregate.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lib.store.scope import scope_terms
from lib.store.filters import double
from lib.store import callback_plans, churn_scores, customers, plan_customers, plan_outcomes

c = customers.c
s = churn_scores.c
p = callback_plans.c
m = plan_customers.c


def _segment_where(snapshot_date: dt.date, tiers: tuple[int, ...], stages: tuple[str, ...],
                   provinces: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    """Rows of the snapshot in the chosen tiers, stages and provinces (empty = all)."""
    where = [c.snapshot_date == snapshot_date, *scope_terms(c)]
    if tiers:
        where.append(c.tier.in_(tiers))
    if stages:
        where.append(c.stage.in_(stages))
    if provinces:
        where.append(c.province.in_(provinces))
    return where


def _selection_where(snapshot_date: dt.date, tiers: tuple[int, ...], stages: tuple[str, ...],
                     provinces: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    """Active customers of the snapshot in the chosen tiers, stages and provinces (empty = all)."""
    return [*_segment_where(snapshot_date, tiers, stages, provinces), c.churned.is_not(True)]


def selection_count(snapshot_date: dt.date, tiers: tuple[int, ...], stages: tuple[str, ...],
                    provinces: tuple[str, ...]) -> sa.Select:
    """How many active customers the selection matches (before the plan's size cap)."""
    return sa.select(sa.func.count().label("customers")).where(
        *_selection_where(snapshot_date, tiers, stages, provinces))


def _chosen(snapshot_date: dt.date, tiers: tuple[int, ...], stages: tuple[str, ...],
            provinces: tuple[str, ...], limit: int) -> sa.Subquery:
    spend = sa.func.coalesce(c.spend_m1, 0.0)
    return (sa.select(c.customer_id, c.tier, c.stage, c.province, spend.label("spend_m1"))
            .where(*_selection_where(snapshot_date, tiers, stages, provinces))
            .order_by(spend.desc(), c.customer_id).limit(limit).subquery("chosen"))


def selection_candidates(snapshot_date: dt.date, tiers: tuple[int, ...], stages: tuple[str, ...],
                         provinces: tuple[str, ...], limit: int) -> sa.Select:
    """The selection's customers, highest latest-month spend first, at most ``limit``: id, tier,
    stage, province, spend (currency per month) and churn probability when scored (else null)."""
    chosen = _chosen(snapshot_date, tiers, stages, provinces, limit)
    return (
        sa.select(chosen.c.customer_id, chosen.c.tier, chosen.c.stage, chosen.c.province,
                  chosen.c.spend_m1, s.churn_probability)
        .select_from(chosen.outerjoin(churn_scores, sa.and_(s.snapshot_date == snapshot_date,
                                                            s.customer_id == chosen.c.customer_id)))
        .order_by(chosen.c.spend_m1.desc(), chosen.c.customer_id)
    )


def segment_churn_share(snapshot_date: dt.date, tiers: tuple[int, ...],
                        provinces: tuple[str, ...]) -> sa.Select:
    """Share of the tier / province segment's rows of the snapshot flagged churned (0-1) and the
    row count: the baseline churn when the selection has no churn scores. Stages are not a
    segment here: a churned row's stage is "churned", so any other stage's share would be 0."""
    return sa.select(
        # integer flags: Spark averages decimal literals (1.0) to five decimal places
        double(sa.func.avg(double(sa.case((c.churned.is_(True), 1), else_=0)))).label("churn_share"),
        sa.func.count().label("rows"),
    ).where(*_segment_where(snapshot_date, tiers, (), provinces))


def plans() -> sa.Select:
    """Every plan, newest first, with its treated, hold-out and recorded-outcome counts."""
    arms = (sa.select(m.plan_id,
                      sa.func.sum(sa.case((m.arm == "treated", 1), else_=0)).label("treated"),
                      sa.func.sum(sa.case((m.arm == "holdout", 1), else_=0)).label("holdout"))
            .where(*scope_terms(m)).group_by(m.plan_id).subquery("arms"))
    # outcomes of the plan customers inside the acting user's scope only
    recorded = (sa.select(plan_outcomes.c.plan_id, sa.func.count().label("outcomes"))
                .select_from(plan_outcomes.join(plan_customers, sa.and_(
                    m.plan_id == plan_outcomes.c.plan_id, m.customer_id == plan_outcomes.c.customer_id)))
                .where(*scope_terms(m))
                .group_by(plan_outcomes.c.plan_id).subquery("recorded"))
    return (
        sa.select(p.plan_id, p.name, p.status, p.purpose, p.channel, p.snapshot_month,
                  p.window_start, p.window_end, p.offer_ids, p.selection, p.target_effect,
                  p.holdout_share, p.seed, p.created_by, p.created_at,
                  sa.func.coalesce(arms.c.treated, 0).label("treated"),
                  sa.func.coalesce(arms.c.holdout, 0).label("holdout"),
                  sa.func.coalesce(recorded.c.outcomes, 0).label("outcomes"))
        .select_from(callback_plans.outerjoin(arms, arms.c.plan_id == p.plan_id)
                     .outerjoin(recorded, recorded.c.plan_id == p.plan_id))
        .order_by(p.plan_id.desc())
    )


def plan_members(plan_id: int) -> sa.Select:
    """A plan's customers: treated first (by manager), then the hold-out, by id."""
    return (sa.select(m.customer_id, m.arm, m.tier, m.stage, m.province, m.manager, m.offer_id)
            .where(m.plan_id == plan_id, *scope_terms(m))
            .order_by(sa.case((m.arm == "treated", 0), else_=1), m.manager, m.customer_id))
