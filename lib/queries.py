"""Every aggregate over customer rows, as SQLAlchemy Core selects.

The database does the scanning; callers get small frames through ``lib.store.read_frame``.
Only portable SQL: GROUP BY, CASE, integer arithmetic on the month indexes stored at ingest,
standard window functions. Averages and sums are cast to Double so DuckDB, PostgreSQL and
Spark SQL return the same types (PITFALLS.md).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from lib.rules import Rules, churn_counted
from lib.store import customers, snapshots

c = customers.c


@dataclass(frozen=True)
class Filters:
    """The global sidebar's choices: one snapshot, optional provinces and tiers (1–6)."""

    snapshot_date: dt.date
    provinces: tuple[str, ...] = field(default=())
    tiers: tuple[int, ...] = field(default=())


def _double(expr: sa.ColumnElement) -> sa.ColumnElement[float]:
    return sa.cast(expr, sa.Double)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _sum_if(condition: sa.ColumnElement[bool], value: sa.ColumnElement) -> sa.ColumnElement[float]:
    return _double(sa.func.sum(sa.case((condition, value), else_=0.0)))


def segment_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE terms for the province and tier choices (no snapshot term)."""
    terms: list[sa.ColumnElement[bool]] = []
    if filters.provinces:
        terms.append(c.province.in_(filters.provinces))
    if filters.tiers:
        terms.append(c.tier.in_(filters.tiers))
    return terms


def is_active() -> sa.ColumnElement[bool]:
    return c.churned.is_not(True)


def kpi_counts(filters: Filters, rules: Rules, dates: list[dt.date]) -> sa.Select:
    """Per snapshot in ``dates``: the counts and sums the Overview's KPIs are made of.

    Columns: snapshot_date, customers (rows), active, churners (all types), churners_counted
    and base_counted (after the rules' exclusions), gross_adds (joined in the snapshot month),
    revenue (sum of latest-month spend of active customers, currency), vip_active,
    vip_revenue (currency).
    """
    counted = churn_counted(rules, c)
    vip = c.tier >= rules.vip_min_tier
    active = is_active()
    return (
        sa.select(
            c.snapshot_date,
            sa.func.count().label("customers"),
            _count_if(active).label("active"),
            _count_if(c.churned.is_(True)).label("churners"),
            _count_if(sa.and_(c.churned.is_(True), counted)).label("churners_counted"),
            _count_if(counted).label("base_counted"),
            _count_if(c.join_month == c.snapshot_month).label("gross_adds"),
            _sum_if(active, c.spend_m1).label("revenue"),
            _count_if(sa.and_(active, vip)).label("vip_active"),
            _sum_if(sa.and_(active, vip), c.spend_m1).label("vip_revenue"),
        )
        .where(c.snapshot_date.in_(dates), *segment_conditions(filters))
        .group_by(c.snapshot_date)
        .order_by(c.snapshot_date)
    )


def tier_churn(filters: Filters, rules: Rules) -> sa.Select:
    """Per tier in the chosen snapshot: active customers, their monthly revenue (currency),
    churners and base after the rules' exclusions."""
    counted = churn_counted(rules, c)
    active = is_active()
    return (
        sa.select(
            c.tier,
            _count_if(active).label("active"),
            _sum_if(active, c.spend_m1).label("revenue"),
            _count_if(sa.and_(c.churned.is_(True), counted)).label("churners_counted"),
            _count_if(counted).label("base_counted"),
        )
        .where(c.snapshot_date == filters.snapshot_date, *segment_conditions(filters))
        .group_by(c.tier)
        .order_by(c.tier)
    )


def vip_retention(filters: Filters, rules: Rules, photo_date: dt.date) -> sa.Select:
    """VIP customers active in the photo snapshot, and how many are still active in the chosen one.

    A photographed customer missing from the chosen snapshot left in between; one present but
    flagged churned left in its month: neither counts as retained.
    """
    photo = customers.alias("photo")
    now = customers.alias("now")
    photo_terms: list[sa.ColumnElement[bool]] = [
        photo.c.snapshot_date == photo_date,
        photo.c.churned.is_not(True),
        photo.c.tier >= rules.vip_min_tier,
    ]
    if filters.provinces:
        photo_terms.append(photo.c.province.in_(filters.provinces))
    if filters.tiers:
        photo_terms.append(photo.c.tier.in_(filters.tiers))
    joined = photo.outerjoin(
        now,
        sa.and_(now.c.customer_id == photo.c.customer_id,
                now.c.snapshot_date == filters.snapshot_date),
    )
    retained = sa.and_(now.c.customer_id.is_not(None), now.c.churned.is_not(True))
    return (
        sa.select(
            sa.func.count().label("photo_vips"),
            sa.func.sum(sa.case((retained, 1), else_=0)).label("retained"),
        )
        .select_from(joined)
        .where(*photo_terms)
    )


def revenue_by_percentile(filters: Filters, buckets: int = 100) -> sa.Select:
    """Active customers ranked by latest-month spend, highest first, cut into ``buckets``
    equal groups: per group its customers and revenue (currency). Feeds the Pareto curve."""
    ranked = (
        sa.select(
            c.spend_m1.label("spend"),
            sa.func.ntile(buckets).over(order_by=(c.spend_m1.desc(), c.customer_id)).label("bucket"),
        )
        .where(c.snapshot_date == filters.snapshot_date, is_active(), *segment_conditions(filters))
        .subquery()
    )
    return (
        sa.select(
            ranked.c.bucket,
            sa.func.count().label("customers"),
            _double(sa.func.sum(sa.func.coalesce(ranked.c.spend, 0.0))).label("revenue"),
        )
        .group_by(ranked.c.bucket)
        .order_by(ranked.c.bucket)
    )


def snapshot_list() -> sa.Select:
    """Stored snapshots with their month index and churn window, oldest first."""
    return sa.select(
        snapshots.c.snapshot_date, snapshots.c.snapshot_month, snapshots.c.churn_window_months,
        snapshots.c.rules_version, snapshots.c.import_id, snapshots.c.row_count,
    ).order_by(snapshots.c.snapshot_date)


def provinces(snapshot_date: dt.date) -> sa.Select:
    """Provinces present in a snapshot, largest first."""
    return (
        sa.select(c.province, sa.func.count().label("customers"))
        .where(c.snapshot_date == snapshot_date, c.province.is_not(None))
        .group_by(c.province)
        .order_by(sa.func.count().desc(), c.province)
    )
