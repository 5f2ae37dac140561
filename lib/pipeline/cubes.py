"""Pre-aggregates kept beside the customer rows, rebuilt whenever those rows or the rules change.

* ``customer_cube``: the Overview's counts and revenue per snapshot, province, tier and flags;
  one snapshot's rows depend on that snapshot alone.
* ``lifetime_cube``: the lifetimes the sBG fits and survival curves read, per province and tier,
  under the rules' churn definition. A snapshot's lifetimes read every stored snapshot up to it
  (churners of earlier months, left truncation at the first), so a change at one date rebuilds
  that date and every later one.
* ``score_cube``: the newest churn scores of a snapshot per tier, province and risk decile;
  rebuilt when the snapshot is scored or re-tiered.
* ``campaign_contacts``: one row per past-campaign customer and offer with the date they churned
  after contact, from which the calibration as of any date is a filter and a count. Small (the
  campaign's customers only) and rebuilt whole.

Each writer runs inside the caller's transaction, so an import or a rules change lands with its
pre-aggregates or not at all.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lib.pipeline.lifetimes import default_definition, lifetime_cube_rows, timeline
from lib.store.scope import WHOLE_BASE
from lib.store.filters import Filters
from lib.rules import Rules, RulesError, churn_counted
from lib.store import (
    campaign_contacts,
    churn_scores,
    customer_cube,
    customers,
    lifetime_cube,
    score_cube,
    snapshots,
)


def rebuild_cube(conn: sa.Connection, rules: Rules, dates: list[dt.date] | None) -> None:
    """Replace the Overview cube's rows of ``dates`` (None: all) from the stored customer rows."""
    clear_cube = sa.delete(customer_cube)
    if dates is not None:
        clear_cube = clear_cube.where(customer_cube.c.snapshot_date.in_(dates))
    conn.execute(clear_cube)
    conn.execute(_cube_insert(rules, dates))


def _cube_insert(rules: Rules, dates: list[dt.date] | None) -> sa.Insert:
    c = customers.c
    counted = sa.case((churn_counted(rules, c), True), else_=False)
    gross_add = sa.case((c.join_month == c.snapshot_month, True), else_=False)
    churned = sa.case((c.churned.is_(True), True), else_=False)
    keys = [c.snapshot_date, c.province, c.tier, churned, counted, gross_add, c.spend_band]
    select = sa.select(
        *keys, sa.func.count(), sa.cast(sa.func.sum(sa.func.coalesce(c.spend_m1, 0.0)), sa.Double)
    ).group_by(*keys)
    if dates is not None:
        select = select.where(c.snapshot_date.in_(dates))
    cube = customer_cube.c
    return sa.insert(customer_cube).from_select(
        [cube.snapshot_date, cube.province, cube.tier, cube.churned, cube.counted, cube.gross_add,
         cube.spend_band, cube.customers, cube.revenue],
        select,
    )


def rebuild_score_cube(conn: sa.Connection, dates: list[dt.date] | None) -> None:
    """Replace the score cube's rows of ``dates`` (None: all) from the newest model's scores of
    each snapshot and the scored customers' rows."""
    clear = sa.delete(score_cube)
    if dates is not None:
        clear = clear.where(score_cube.c.snapshot_date.in_(dates))
    conn.execute(clear)
    s, c = churn_scores.c, customers.c
    newest = (sa.select(s.snapshot_date, sa.func.max(s.model_id).label("model_id"))
              .group_by(s.snapshot_date).subquery())
    keys = [s.snapshot_date, s.model_id, c.tier, c.province, s.risk_decile]
    select = (
        sa.select(*keys, sa.func.count(), sa.cast(sa.func.sum(s.churn_probability), sa.Double),
                  sa.cast(sa.func.sum(sa.func.coalesce(c.spend_m1, 0.0)), sa.Double))
        .select_from(churn_scores
                     .join(newest, sa.and_(newest.c.snapshot_date == s.snapshot_date,
                                           newest.c.model_id == s.model_id))
                     .join(customers, sa.and_(c.snapshot_date == s.snapshot_date,
                                              c.customer_id == s.customer_id)))
        .where(c.churned.is_not(True))
        .group_by(*keys)
    )
    if dates is not None:
        select = select.where(s.snapshot_date.in_(dates))
    conn.execute(sa.insert(score_cube).from_select([col.name for col in score_cube.c], select))


def rebuild_lifetime_cubes(conn: sa.Connection, rules: Rules, dates: list[dt.date] | None) -> None:
    """Rebuild the lifetime cube from the earliest of ``dates`` on (None: every date) and the
    campaign contacts, after snapshots of ``dates`` were stored, re-tiered or deleted."""
    since = min(dates) if dates else None
    clear = sa.delete(lifetime_cube)
    if since is not None:
        clear = clear.where(lifetime_cube.c.snapshot_date >= since)
    conn.execute(clear)
    try:
        definition = default_definition(rules)
    except RulesError:
        # rules whose churn types cannot be read: the pages say so themselves and compute
        # lifetimes from the rows, which is what an empty cube leads them to
        definition = None
    if definition is not None:
        stored = sa.select(snapshots.c.snapshot_date).order_by(snapshots.c.snapshot_date)
        if since is not None:
            stored = stored.where(snapshots.c.snapshot_date >= since)
        for (date,) in conn.execute(stored).all():
            conn.execute(sa.insert(lifetime_cube).from_select(
                [col.name for col in lifetime_cube.c],
                lifetime_cube_rows(Filters(date, scope=WHOLE_BASE), definition, rules, timeline(conn, date))))
    conn.execute(sa.delete(campaign_contacts))
    conn.execute(sa.insert(campaign_contacts).from_select(
        [col.name for col in campaign_contacts.c], _contact_rows()))


def _contact_rows() -> sa.Select:
    """Per customer and offer: the first snapshot with the campaign fields and the first later
    snapshot that shows the customer churned."""
    c = customers.c
    first = (
        sa.select(c.customer_id, c.offer_id, sa.func.min(c.snapshot_month).label("contact_month"))
        .where(c.treated.is_not(None), c.offer_id.is_not(None))
        .group_by(c.customer_id, c.offer_id)
        .subquery()
    )
    later = customers.alias("later")
    return (
        sa.select(c.customer_id, c.offer_id, c.snapshot_date, c.province, c.tier, c.treated,
                  c.accepted, sa.func.min(later.c.snapshot_date))
        .select_from(
            first.join(customers, sa.and_(c.customer_id == first.c.customer_id,
                                          c.snapshot_month == first.c.contact_month,
                                          c.offer_id == first.c.offer_id))
            # only the later rows that show churn: joining every later row costs seconds at 10M
            .outerjoin(later, sa.and_(later.c.customer_id == first.c.customer_id,
                                      later.c.churned.is_(True),
                                      later.c.snapshot_month > first.c.contact_month))
        )
        .group_by(c.customer_id, c.offer_id, c.snapshot_date, c.province, c.tier, c.treated,
                  c.accepted)
    )
