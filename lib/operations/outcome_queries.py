"""Queries of a call-back plan's measured results: reach, take-up and churn of the two arms.

Plan lists are bounded (thousands of customers), but the churn of their customers at the
following snapshots is read from ``customers`` by the database: the plan's ids are joined
to the customer rows, never loaded into Python.

Definitions (lib/operations/results.py documents them for the user):

- A treated customer is *attempted* when any outcome is recorded, *reached* when the outcome is
  reached, refused, accepted or complaint. Reach rate = reached / the plan's treated customers.
- Groups are the customer's *assigned* account manager, tier and province on the plan's list.
- The offer of a treated customer is the one recorded with the outcome, else the plan's.
- Churn (intention to treat): every customer of the plan in their arm, whatever happened on the
  phone, counted on their row of the plan's snapshot when that row is in the rules' churn base
  (``lib.rules.churn_counted``: not group-paid, tenure at least the minimum) and active; churned
  when a row of the next ``months`` snapshots is flagged churned. A customer whose only churn in
  that window is excluded by the rules (involuntary) leaves both numerator and denominator, as
  the rules say of excluded rows.
"""
from __future__ import annotations

import sqlalchemy as sa

from lib.operations.outcome_codes import REACHED_OUTCOMES
from lib.rules import Rules, churn_counted
from lib.store.scope import scope_terms
from lib.store import customers, outcome_log, plan_customers, plan_outcomes

c = customers.c
m = plan_customers.c
o = plan_outcomes.c

#: Dimensions the reach rate is broken down by (columns of ``plan_customers``).
REACH_DIMENSIONS: tuple[str, ...] = ("manager", "tier", "province")


def _one(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _treated_with_outcomes(plan_id: int) -> sa.FromClause:
    return plan_customers.outerjoin(plan_outcomes, sa.and_(o.plan_id == m.plan_id,
                                                           o.customer_id == m.customer_id))


def reach(plan_id: int, dimension: str | None = None) -> sa.Select:
    """Treated customers of the plan, per ``dimension`` (``REACH_DIMENSIONS``; None = the whole
    plan): treated, attempted (an outcome recorded), reached, and each outcome's count."""
    if dimension is not None and dimension not in REACH_DIMENSIONS:
        raise ValueError(f"dimension must be one of {REACH_DIMENSIONS}")
    keys = [getattr(m, dimension).label("group")] if dimension else []
    counts = [
        sa.func.count().label("treated"),
        _one(o.outcome.is_not(None)).label("attempted"),
        _one(o.outcome.in_(REACHED_OUTCOMES)).label("reached"),
        *(_one(o.outcome == name).label(name)
          for name in ("not_reached", "refused", "accepted", "complaint")),
    ]
    query = (sa.select(*keys, *counts).select_from(_treated_with_outcomes(plan_id))
             .where(m.plan_id == plan_id, m.arm == "treated", *scope_terms(m)))
    if dimension:
        column = getattr(m, dimension)
        query = query.group_by(column).order_by(column)
    return query


def arm_sizes(plan_id: int) -> sa.Select:
    """Customers per arm of the plan's list (before any churn-base exclusion)."""
    return (sa.select(m.arm, sa.func.count().label("customers")).where(m.plan_id == plan_id, *scope_terms(m))
            .group_by(m.arm).order_by(m.arm))


def take_up(plan_id: int) -> sa.Select:
    """Per offer (recorded with the outcome, else the plan's; null = none): treated customers,
    reached, accepted."""
    offer = sa.func.coalesce(o.offer_id, m.offer_id)
    return (sa.select(offer.label("offer_id"), sa.func.count().label("treated"),
                      _one(o.outcome.in_(REACHED_OUTCOMES)).label("reached"),
                      _one(o.outcome == "accepted").label("accepted"))
            .select_from(_treated_with_outcomes(plan_id))
            .where(m.plan_id == plan_id, m.arm == "treated", *scope_terms(m))
            .group_by(offer).order_by(offer))


def arm_churn(plan_id: int, snapshot_month: int, months: int, rules: Rules) -> sa.Select:
    """Per arm, tier and offer (the plan's): customers in the churn base, acceptances and
    churners in snapshots ``snapshot_month + 1 .. snapshot_month + months`` (see the module's
    definitions)."""
    later = customers.alias("later")
    in_window = sa.and_(later.c.snapshot_month > snapshot_month,
                        later.c.snapshot_month <= snapshot_month + months)
    churned = later.c.churned.is_(True)
    per_customer = (
        sa.select(
            m.customer_id, m.arm, m.tier, m.offer_id,
            sa.func.max(sa.case((o.outcome == "accepted", 1), else_=0)).label("accepted"),
            sa.func.max(sa.case((sa.and_(churned, churn_counted(rules, later.c)), 1), else_=0))
            .label("churned"),
            sa.func.max(sa.case((churned, 1), else_=0)).label("churned_any"),
        )
        .select_from(
            plan_customers
            .join(customers, sa.and_(c.customer_id == m.customer_id, c.snapshot_month == snapshot_month))
            .outerjoin(plan_outcomes, sa.and_(o.plan_id == m.plan_id, o.customer_id == m.customer_id))
            .outerjoin(later, sa.and_(later.c.customer_id == m.customer_id, in_window))
        )
        .where(m.plan_id == plan_id, c.churned.is_not(True), churn_counted(rules, c), *scope_terms(m))
        .group_by(m.customer_id, m.arm, m.tier, m.offer_id)
        .subquery("per_customer")
    )
    p = per_customer.c
    return (
        sa.select(p.arm, p.tier, p.offer_id, sa.func.count().label("customers"),
                  sa.func.sum(p.accepted).label("accepted"), sa.func.sum(p.churned).label("churned"))
        .where(p.churned == p.churned_any)
        .group_by(p.arm, p.tier, p.offer_id)
        .order_by(p.arm, p.tier, p.offer_id)
    )


def later_snapshots(snapshot_month: int, months: int) -> sa.Select:
    """How many snapshots are stored in the result window after the plan's snapshot."""
    return sa.select(sa.func.count(sa.distinct(c.snapshot_month)).label("snapshots")).where(
        c.snapshot_month > snapshot_month, c.snapshot_month <= snapshot_month + months)


def plan_rows(plan_id: int) -> sa.Select:
    """The plan's treated customers with their recorded outcome (null when none): the app's
    editable outcomes table."""
    return (sa.select(m.customer_id, m.tier, m.province, m.manager.label("plan_manager"),
                      m.offer_id.label("plan_offer"), o.outcome, o.outcome_date, o.manager, o.offer_id,
                      o.source, o.recorded_by, o.recorded_at)
            .select_from(_treated_with_outcomes(plan_id))
            .where(m.plan_id == plan_id, m.arm == "treated", *scope_terms(m))
            .order_by(m.manager, m.customer_id))


def outcomes_token(plan_id: int | None = None) -> sa.Select:
    """Identity of what is recorded for a plan, or for all plans (log rows and newest log id):
    part of the pages' cache keys, so measured results follow every new outcome."""
    query = sa.select(sa.func.count().label("rows"), sa.func.max(outcome_log.c.log_id).label("newest"))
    return query if plan_id is None else query.where(outcome_log.c.plan_id == plan_id)
