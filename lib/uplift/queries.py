"""Queries building an uplift model's training set and scoring batches.

A campaign customer's contact snapshot (month M) is the first stored snapshot carrying the
campaign fields (``campaign_contacts.contact_date``). Features are read from the snapshot before
it (month M - 1): what was known when the customer was chosen, before the offer could change
anything. The outcome is churn within ``horizon_months`` from the contact snapshot on: the
customer is flagged churned in one of the snapshots M … M + h - 1, or missing from one of them.
Month arithmetic is on integer month indexes only, so both engines agree.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lib.churn.queries import FEATURE_SOURCE_COLUMNS
from lib.store import campaign_contacts, churn_scores, customers, snapshots

c = customers.c
k = campaign_contacts.c


def campaigns(as_of: dt.date) -> sa.Select:
    """Past campaigns by offer with contacts up to ``as_of``: customers, treated, control, and
    the first and last contact snapshot dates; offers in id order."""
    treated = sa.func.sum(sa.case((k.treated.is_(True), 1), else_=0))
    return (
        sa.select(k.offer_id, sa.cast(sa.func.count(), sa.BigInteger).label("customers"),
                  sa.cast(treated, sa.BigInteger).label("treated"),
                  sa.cast(sa.func.count() - treated, sa.BigInteger).label("control"),
                  sa.func.min(k.contact_date).label("first_contact"),
                  sa.func.max(k.contact_date).label("last_contact"))
        .where(k.contact_date <= as_of)
        .group_by(k.offer_id)
        .order_by(k.offer_id)
    )


def training_rows(offer_id: str, as_of_month: int, horizon_months: int) -> sa.Select:
    """Campaign customers of ``offer_id`` whose horizon ends by month ``as_of_month``, with
    their pre-contact features and outcome.

    Columns: customer_id, contact_date, contact_month, treated (1/0), the feature columns of
    the snapshot before contact (null for a customer without one; ``has_features`` 0), window_rows (stored
    snapshots M … M + h - 1 holding them) and churned_later (1 when flagged churned in one of
    those or missing from one; the caller checks that all h snapshots are stored). Ordered by
    customer id.
    """
    s = snapshots.c
    contact = (
        sa.select(k.customer_id, k.contact_date, s.snapshot_month.label("contact_month"),
                  sa.case((k.treated.is_(True), 1), else_=0).label("treated"))
        .select_from(campaign_contacts.join(snapshots, s.snapshot_date == k.contact_date))
        .where(k.offer_id == offer_id, s.snapshot_month + (horizon_months - 1) <= as_of_month)
        .subquery("contact")
    )
    later = customers.alias("later")
    outcome = (
        sa.select(contact.c.customer_id, sa.func.count().label("window_rows"),
                  sa.func.sum(sa.case((later.c.churned.is_(True), 1), else_=0)).label("churned_rows"))
        .select_from(contact.join(later, sa.and_(
            later.c.customer_id == contact.c.customer_id,
            later.c.snapshot_month >= contact.c.contact_month,
            later.c.snapshot_month <= contact.c.contact_month + (horizon_months - 1))))
        .group_by(contact.c.customer_id)
        .subquery("outcome")
    )
    churned = sa.or_(outcome.c.churned_rows > 0, outcome.c.window_rows < horizon_months)
    return (
        sa.select(contact.c.customer_id, contact.c.contact_date, contact.c.contact_month,
                  contact.c.treated, *[c[name] for name in FEATURE_SOURCE_COLUMNS],
                  sa.case((c.customer_id.is_not(None), 1), else_=0).label("has_features"),
                  sa.cast(outcome.c.window_rows, sa.BigInteger).label("window_rows"),
                  sa.case((churned, 1), else_=0).label("churned_later"))
        .select_from(
            contact.join(outcome, outcome.c.customer_id == contact.c.customer_id)
            .outerjoin(customers, sa.and_(c.customer_id == contact.c.customer_id,
                                     c.snapshot_month == contact.c.contact_month - 1)))
        .order_by(contact.c.customer_id)
    )


def scoring_batch(snapshot_date: dt.date, after_customer_id: str | None, limit: int) -> sa.Select:
    """The next ``limit`` active customers of a snapshot after ``after_customer_id`` (keyset
    pagination by id) with their features and the newest churn model's probability for the
    snapshot (``churn_probability``, share 0-1; null when the snapshot is not scored)."""
    sc = churn_scores.c
    newest = (sa.select(sa.func.max(sc.model_id)).where(sc.snapshot_date == snapshot_date)
              .scalar_subquery())
    where = [c.snapshot_date == snapshot_date, c.churned.is_not(True)]
    if after_customer_id is not None:
        where.append(c.customer_id > after_customer_id)
    return (
        sa.select(c.customer_id, *[c[name] for name in FEATURE_SOURCE_COLUMNS],
                  sa.cast(sc.churn_probability, sa.Double).label("churn_probability"))
        .select_from(customers.outerjoin(churn_scores, sa.and_(
            sc.snapshot_date == c.snapshot_date, sc.customer_id == c.customer_id,
            sc.model_id == newest)))
        .where(*where)
        .order_by(c.customer_id)
        .limit(limit)
    )


def customer_features(snapshot_date: dt.date, customer_ids: tuple[str, ...]) -> sa.Select:
    """The feature columns of the given customers in a snapshot (a call list's customers, to
    score their uplift), by customer id."""
    return (sa.select(c.customer_id, *[c[name] for name in FEATURE_SOURCE_COLUMNS])
            .where(c.snapshot_date == snapshot_date, c.customer_id.in_(customer_ids))
            .order_by(c.customer_id))
