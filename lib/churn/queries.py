"""The churn pages' queries: labelled training samples, batches to score, scores and risk.

Labels follow customers across snapshots with integer month arithmetic only: a customer active
in snapshot S churned within h months when, among the stored snapshots S+1 … S+h, one shows
them churned or does not hold them. Only snapshots whose h following months are all stored
are labelled (``labelled_snapshots``).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lib.store.scope import WHOLE_BASE, Scope, scope_terms

from lib.store.filters import Filters, double, segment_conditions
from lib.store import churn_models, churn_scores, customers, export_log, snapshots

c = customers.c
s = churn_scores.c

#: Contract and derived columns a model may read: the leak-free allow-list (see
#: lib.churn.model.FEATURES). The label columns (churned, churn_date, churn_type, churn_reason,
#: churn_month) and the rule column stage are never selected as features.
FEATURE_SOURCE_COLUMNS: tuple[str, ...] = (
    "tenure_months", "spend_m1", "spend_m2", "spend_m3", "spend_avg_6m", "spend_trend",
    "points", "voice_minutes", "outgoing_calls", "sms", "data_gb", "roaming", "complaints",
    "service_calls", "arrears", "age", "tier", "key_person", "group_paid",
    "brand", "plan", "contract", "payment_method", "province", "gender",
)
LABEL_COLUMNS: frozenset[str] = frozenset(
    {"churned", "churn_date", "churn_type", "churn_reason", "churn_month", "stage"}
)
assert not LABEL_COLUMNS & set(FEATURE_SOURCE_COLUMNS)


def _features() -> list[sa.ColumnElement]:
    return [c[name] for name in FEATURE_SOURCE_COLUMNS]


def active_count(snapshot_date: dt.date) -> sa.Select:
    """Customers not flagged churned in a snapshot."""
    return sa.select(sa.func.count().label("rows")).where(
        c.snapshot_date == snapshot_date, c.churned.is_not(True))


def row_count(snapshot_date: dt.date) -> sa.Select:
    """Every row of a snapshot (churned ones included)."""
    return sa.select(sa.func.count().label("rows")).where(c.snapshot_date == snapshot_date)


def _stride_sample(where: list[sa.ColumnElement[bool]], stride: int,
                   extra: list[sa.ColumnElement]) -> sa.Subquery:
    """Every ``stride``-th row (by customer id) meeting ``where``: a deterministic systematic
    sample the database draws (standard ROW_NUMBER). Only the ids are numbered, and the
    features read for the chosen ones: numbering whole rows sorted every feature of the
    snapshot (training's peak memory grew with the base, 8 GB at 10M)."""
    number = sa.func.row_number().over(order_by=c.customer_id).label("rn")
    ranked = sa.select(c.customer_id, number).where(*where).subquery("ranked")
    chosen = sa.select(ranked.c.customer_id).where((ranked.c.rn - 1) % stride == 0).subquery("chosen")
    return (sa.select(c.snapshot_date, c.snapshot_month, c.customer_id, *_features(), *extra)
            .select_from(customers.join(chosen, chosen.c.customer_id == c.customer_id))
            .where(*where).subquery("sampled"))


def window_sample(snapshot_date: dt.date, snapshot_month: int, horizon_months: int,
                  stride: int) -> sa.Select:
    """A sample of the active customers of a snapshot with their churn label over the horizon.

    Columns: snapshot_date, snapshot_month, customer_id, the feature columns, ``churned_later``
    (1 when the customer is flagged churned in, or missing from, one of the ``horizon_months``
    snapshots after it; 0 otherwise) and ``involuntary_later`` (1 when flagged as involuntary
    churn there). All ``horizon_months`` later snapshots must be stored (see
    ``labelled_snapshots``), so a missing row means the customer left.
    """
    sample = _stride_sample([c.snapshot_date == snapshot_date, c.churned.is_not(True)], stride, [])
    later = (
        sa.select(
            c.customer_id,
            sa.func.sum(sa.case((c.churned.is_not(True), 1), else_=0)).label("active_rows"),
            sa.func.sum(sa.case((sa.and_(c.churned.is_(True), c.churn_type == "involuntary"), 1),
                                else_=0)).label("involuntary_rows"),
        )
        .where(c.snapshot_month > snapshot_month,
               c.snapshot_month <= snapshot_month + horizon_months,
               # the sampled customers only: grouping every customer of the later snapshots
               # held them all in memory at once
               c.customer_id.in_(sa.select(sample.c.customer_id)))
        .group_by(c.customer_id)
        .subquery("later")
    )
    active_rows = sa.func.coalesce(later.c.active_rows, 0)
    return (
        sa.select(
            *sample.c,
            sa.case((active_rows < horizon_months, 1), else_=0).label("churned_later"),
            sa.case((sa.func.coalesce(later.c.involuntary_rows, 0) > 0, 1),
                    else_=0).label("involuntary_later"),
        )
        .select_from(sample.outerjoin(later, later.c.customer_id == sample.c.customer_id))
        .order_by(sample.c.customer_id)
    )


def flag_sample(snapshot_date: dt.date, stride: int) -> sa.Select:
    """Single-snapshot fallback: every row of a snapshot with its own churn flag as label.

    The features come from the same row as the flag, so they may describe the month the
    customer left in: the model card says so.
    """
    involuntary = sa.case((sa.and_(c.churned.is_(True), c.churn_type == "involuntary"), 1),
                          else_=0).label("involuntary_later")
    label = sa.case((c.churned.is_(True), 1), else_=0).label("churned_later")
    sample = _stride_sample([c.snapshot_date == snapshot_date], stride, [label, involuntary])
    return sa.select(*sample.c).order_by(sample.c.customer_id)


def stored_months() -> sa.Select:
    """Snapshot dates, month indexes and churn windows (months), oldest first."""
    return sa.select(snapshots.c.snapshot_date, snapshots.c.snapshot_month,
                     snapshots.c.churn_window_months).order_by(snapshots.c.snapshot_date)


def score_batch(snapshot_date: dt.date, after_customer_id: str | None, limit: int) -> sa.Select:
    """The next ``limit`` active customers of a snapshot after ``after_customer_id`` (keyset
    pagination by id: each batch is one bounded read, however large the base)."""
    where = [c.snapshot_date == snapshot_date, c.churned.is_not(True)]
    if after_customer_id is not None:
        where.append(c.customer_id > after_customer_id)
    return (sa.select(c.customer_id, *_features()).where(*where)
            .order_by(c.customer_id).limit(limit))


def latest_model(snapshot_date: dt.date | None = None) -> sa.Select:
    """The newest stored model (for a snapshot, when given), with its pickled estimator."""
    m = churn_models.c
    statement = sa.select(m.model_id, m.snapshot_date, m.created_at, m.horizon_months,
                          m.rules_version, m.card, m.model)
    if snapshot_date is not None:
        statement = statement.where(m.snapshot_date == snapshot_date)
    return statement.order_by(m.model_id.desc()).limit(1)


def scored_model(snapshot_date: dt.date, scope: Scope = WHOLE_BASE) -> sa.Select:
    """The model whose scores are stored for a snapshot (one at most) and how many rows (of
    the customers inside ``scope``)."""
    query = sa.select(s.model_id, sa.func.count().label("rows")).where(s.snapshot_date == snapshot_date)
    if not scope.whole_base:
        query = query.select_from(churn_scores.join(customers, sa.and_(
            c.snapshot_date == s.snapshot_date, c.customer_id == s.customer_id))).where(*scope_terms(c, scope))
    return query.group_by(s.model_id)


def _scored_rows(filters: Filters) -> sa.Join:
    return churn_scores.join(customers, sa.and_(c.snapshot_date == s.snapshot_date,
                                                c.customer_id == s.customer_id))


def expected_months_lost(probability: sa.ColumnElement, model_horizon: int,
                         horizon_months: int) -> sa.ColumnElement[float]:
    """Expected months of revenue lost over ``horizon_months`` for a churn probability over
    ``model_horizon`` months, at the constant monthly rate it implies.

    With q = (1 - p) ** (1 / h) the monthly survival, months lost = Σₖ₌₁..H (1 - qᵏ)
    = H - q (1 - q^H) / (1 - q); 0 when p = 0, H when p = 1 (same formula as lib.overview.kpis).
    """
    q = sa.func.power(1.0 - probability, 1.0 / model_horizon)
    return sa.case(
        (probability <= 0, 0.0),
        (probability >= 1, float(horizon_months)),
        else_=horizon_months - q * (1.0 - sa.func.power(q, horizon_months)) / (1.0 - q),
    )


def risk_by(filters: Filters, key: str | tuple[str, ...], model_horizon: int,
            horizon_months: int) -> sa.Select:
    """Per ``key`` ("tier" or "province", or a tuple of them: one row per combination) of the
    scored active customers: customers, monthly revenue (latest-month spend, currency), expected
    churners over the model's horizon and revenue at risk over ``horizon_months`` (currency).
    The join of the scores to the snapshot is the cost: ask for ("tier", "province") once and
    add up per tier and per province rather than join twice."""
    keys = (key,) if isinstance(key, str) else tuple(key)
    columns = [c[k] for k in keys]
    spend = sa.func.coalesce(c.spend_m1, 0.0)
    lost = expected_months_lost(s.churn_probability, model_horizon, horizon_months)
    return (
        sa.select(
            *(column.label(k) for k, column in zip(keys, columns)),
            sa.func.count().label("customers"),
            double(sa.func.sum(spend)).label("revenue"),
            double(sa.func.sum(s.churn_probability)).label("expected_churners"),
            double(sa.func.sum(spend * lost)).label("revenue_at_risk"),
        )
        .select_from(_scored_rows(filters))
        .where(s.snapshot_date == filters.snapshot_date, *segment_conditions(filters))
        .group_by(*columns)
        .order_by(*columns)
    )


def decile_summary(filters: Filters) -> sa.Select:
    """Scored customers, mean probability and revenue per risk decile (10 = highest risk)."""
    return (
        sa.select(s.risk_decile, sa.func.count().label("customers"),
                  double(sa.func.avg(s.churn_probability)).label("mean_probability"),
                  double(sa.func.sum(sa.func.coalesce(c.spend_m1, 0.0))).label("revenue"))
        .select_from(_scored_rows(filters))
        .where(s.snapshot_date == filters.snapshot_date, *segment_conditions(filters))
        .group_by(s.risk_decile).order_by(s.risk_decile.desc())
    )


def call_candidates(filters: Filters, min_decile: int, max_decile: int,
                    stages: tuple[str, ...], limit: int,
                    extra: tuple[sa.ColumnElement, ...] = ()) -> sa.Select:
    """Scored customers in the decile range and stages, highest expected monthly loss
    (probability × latest-month spend) first, at most ``limit``. ``extra``: more labelled
    expressions over the customer row (the need tags, ``lib.churn.need_tags.tag_columns``)."""
    spend = sa.func.coalesce(c.spend_m1, 0.0)
    value = (s.churn_probability * spend).label("expected_loss")
    where = [s.snapshot_date == filters.snapshot_date, s.risk_decile >= min_decile,
             s.risk_decile <= max_decile, *segment_conditions(filters)]
    if stages:
        where.append(c.stage.in_(stages))
    return (
        sa.select(s.customer_id, c.province, c.city, c.district, c.tier, c.stage, c.brand,
                  c.plan, c.tenure_months, spend.label("spend_m1"), s.churn_probability,
                  s.risk_decile, s.reasons, value, *extra)
        .select_from(_scored_rows(filters))
        .where(*where)
        .order_by(value.desc(), s.customer_id)
        .limit(limit)
    )


def export_history(limit: int, user_name: str | None = None) -> sa.Select:
    """The latest downloads, newest first; only ``user_name``'s when given."""
    e = export_log.c
    query = (sa.select(e.export_id, e.exported_at, e.user_name, e.view, e.snapshot_date,
                       e.file_format, e.row_count, e.identifiers_masked)
             .order_by(e.export_id.desc()).limit(limit))
    return query if user_name is None else query.where(e.user_name == user_name)
