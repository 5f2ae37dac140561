"""The Overview's queries: most read the small ``customer_cube`` the store keeps."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import sqlalchemy as sa

from lib.store.filters import Filters, double, segment_conditions
from lib.rules import Rules
from lib.store.scope import scope_terms
from lib.store import customer_cube, customers, snapshots

c = customers.c
k = customer_cube.c


def _customers_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """Customers of the cube rows meeting ``condition``."""
    return sa.cast(sa.func.sum(sa.case((condition, k.customers), else_=0)), sa.BigInteger)


def _revenue_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[float]:
    return double(sa.func.sum(sa.case((condition, k.revenue), else_=0.0)))


def kpi_counts(filters: Filters, rules: Rules, dates: list[dt.date]) -> sa.Select:
    """Per snapshot in ``dates``: the counts and sums the Overview's KPIs are made of.

    Columns: snapshot_date, customers (rows), active, churners (all types), churners_counted
    and base_counted (after the rules' exclusions), gross_adds (joined in the snapshot month),
    revenue (sum of latest-month spend of active customers, currency), vip_active,
    vip_revenue (currency). Read from the cube, which the store keeps in step with the rules.
    """
    active = k.churned.is_(False)
    vip = k.tier >= rules.vip_min_tier
    return (
        sa.select(
            k.snapshot_date,
            _customers_if(sa.true()).label("customers"),
            _customers_if(active).label("active"),
            _customers_if(k.churned.is_(True)).label("churners"),
            _customers_if(sa.and_(k.churned.is_(True), k.counted.is_(True))).label("churners_counted"),
            _customers_if(k.counted.is_(True)).label("base_counted"),
            _customers_if(k.gross_add.is_(True)).label("gross_adds"),
            _revenue_if(active).label("revenue"),
            _customers_if(sa.and_(active, vip)).label("vip_active"),
            _revenue_if(sa.and_(active, vip)).label("vip_revenue"),
        )
        .where(k.snapshot_date.in_(dates), *segment_conditions(filters, k))
        .group_by(k.snapshot_date)
        .order_by(k.snapshot_date)
    )


def tier_churn(filters: Filters, rules: Rules) -> sa.Select:
    """Per tier in the chosen snapshot: active customers, their monthly revenue (currency),
    churners and base after the rules' exclusions."""
    active = k.churned.is_(False)
    return (
        sa.select(
            k.tier,
            _customers_if(active).label("active"),
            _revenue_if(active).label("revenue"),
            _customers_if(sa.and_(k.churned.is_(True), k.counted.is_(True))).label("churners_counted"),
            _customers_if(k.counted.is_(True)).label("base_counted"),
        )
        .where(k.snapshot_date == filters.snapshot_date, *segment_conditions(filters, k))
        .group_by(k.tier)
        .order_by(k.tier)
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
        *segment_conditions(filters, photo.c),
    ]
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


def revenue_by_spend_band(filters: Filters) -> sa.Select:
    """Active customers and their revenue (currency) per spend band, highest band first.

    Cumulated, these give the revenue-concentration (Pareto) curve, exact at band edges.
    """
    return (
        sa.select(
            k.spend_band.label("band"),
            _customers_if(sa.true()).label("customers"),
            _revenue_if(sa.true()).label("revenue"),
        )
        .where(k.snapshot_date == filters.snapshot_date, k.churned.is_(False),
               *segment_conditions(filters, k))
        .group_by(k.spend_band)
        .order_by(k.spend_band.desc())
    )


def top_customers_revenue(filters: Filters, customer_share: Fraction) -> sa.Select:
    """Revenue (currency) of the top ``customer_share`` of active customers, counted exactly.

    The active customers of the snapshot and filters are ranked by latest-month spend, highest
    first (missing spend is 0, as in the cube), ties broken by customer id so the ranking is
    deterministic; the top are the first ceil(customers × share) of them (the fewest customers
    that make up at least the share). Tied spends do not change the sum, whichever of them the
    cut takes. ``customer_share`` is a Fraction p/q: rank r is in the top when
    (r - 1) × q < customers × p, integer arithmetic that is the ceiling without any float
    rounding (0.28 × 25 is 7.000000000000001 in floats).

    Columns (one row): customers, top_customers, top_revenue, revenue (sums are NULL when no
    customer matches).
    """
    spend = sa.func.coalesce(c.spend_m1, 0.0)
    ranked = (
        sa.select(
            double(spend).label("spend"),
            sa.func.row_number().over(order_by=(spend.desc(), c.customer_id)).label("position"),
            sa.func.count().over().label("active"),
        )
        .where(c.snapshot_date == filters.snapshot_date, c.churned.is_not(True),
               *segment_conditions(filters, c))
        .subquery("ranked")
    )
    r = ranked.c
    top = (r.position - 1) * customer_share.denominator < r.active * customer_share.numerator
    return sa.select(
        sa.cast(sa.func.count(), sa.BigInteger).label("customers"),
        sa.cast(sa.func.sum(sa.case((top, 1), else_=0)), sa.BigInteger).label("top_customers"),
        double(sa.func.sum(sa.case((top, r.spend), else_=0.0))).label("top_revenue"),
        double(sa.func.sum(r.spend)).label("revenue"),
    )


def snapshot_list() -> sa.Select:
    """Stored snapshots with their month index and churn window, oldest first."""
    return sa.select(
        snapshots.c.snapshot_date, snapshots.c.snapshot_month, snapshots.c.churn_window_months,
        snapshots.c.rules_version, snapshots.c.import_id, snapshots.c.row_count,
    ).order_by(snapshots.c.snapshot_date)


def provinces(snapshot_date: dt.date) -> sa.Select:
    """Provinces present in a snapshot, largest first (a BIGINT count on every engine:
    PostgreSQL's SUM of a BIGINT is NUMERIC)."""
    total = sa.cast(sa.func.sum(k.customers), sa.BigInteger)
    return (
        sa.select(k.province, total.label("customers"))
        .where(k.snapshot_date == snapshot_date, k.province.is_not(None), *scope_terms(k))
        .group_by(k.province)
        .order_by(total.desc(), k.province)
    )
