"""The Segments page's queries: value tiers, RFM, behavioural clusters, geography, tier migration.

Every select here is portable Core SQL (GROUP BY, CASE, RANK/COUNT windows, integer
arithmetic); sums and averages are cast to Double. Per-customer RFM scores are written once
per snapshot to ``customer_segments`` (``rfm_insert``) so that page queries only join and group.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from lib.store.scope import scope_terms
from lib.store.filters import Filters, double, segment_conditions
from lib.rules import Rules, churn_counted
from lib.store.schema import SPEND_COLUMNS
from lib.store import customer_cube, customer_segments, customers

c = customers.c
k = customer_cube.c
s = customer_segments.c

#: Columns a tier can be crossed with (the page offers those with values in the snapshot).
DIMENSIONS: tuple[str, ...] = ("brand", "plan", "contract", "payment_method")
#: Geographic levels below the province, coarsest first.
AREA_LEVELS: tuple[str, ...] = ("city", "district")
RFM_SCORES = 5
#: Recency score by months since the latest month with spend: the most months that still earn
#: scores 5, 4, 3 and 2 (more months, or no spend in the six: 1). The months are a 0–6 count,
#: too coarse for quintiles: the customers who spent in the latest month (most of any base)
#: would tie for score 5 and everyone else for one low score, leaving scores 2–4 empty.
RECENCY_SCORE_MONTHS: tuple[int, ...] = (0, 1, 2, 3)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.cast(sa.func.sum(sa.case((condition, 1), else_=0)), sa.BigInteger)


def _sum_if(condition: sa.ColumnElement[bool], value: sa.ColumnElement) -> sa.ColumnElement[float]:
    return double(sa.func.sum(sa.case((condition, sa.func.coalesce(value, 0.0)), else_=0.0)))


def measures(rules: Rules, columns: sa.ColumnCollection = c) -> list[sa.ColumnElement]:
    """The per-group measures every segment table shows, over customer rows.

    customers (rows), active, vip_active, revenue (latest-month spend of active customers,
    currency), churners_counted and base_counted (after the rules' exclusions).
    """
    active = columns.churned.is_not(True)
    counted = churn_counted(rules, columns)
    return [
        sa.func.count().label("customers"),
        _count_if(active).label("active"),
        _count_if(sa.and_(active, columns.tier >= rules.vip_min_tier)).label("vip_active"),
        _sum_if(active, columns.spend_m1).label("revenue"),
        _count_if(sa.and_(counted, columns.churned.is_(True))).label("churners_counted"),
        _count_if(counted).label("base_counted"),
    ]


def _rows(filters: Filters) -> list[sa.ColumnElement[bool]]:
    return [c.snapshot_date == filters.snapshot_date, *segment_conditions(filters)]


# --- value -----------------------------------------------------------------------------------

def dimension_coverage(snapshot_date: dt.date) -> sa.Select:
    """Rows of the snapshot and, per crossable dimension, how many rows have a value."""
    return sa.select(
        sa.func.count().label("rows"),
        *(sa.func.count(c[name]).label(name) for name in DIMENSIONS),
    ).where(c.snapshot_date == snapshot_date, *scope_terms(c))


def tier_by_dimension(filters: Filters, dimension: str) -> sa.Select:
    """Active customers and revenue (currency) per tier × value of ``dimension``."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    column = c[dimension]
    active = c.churned.is_not(True)
    return (
        sa.select(c.tier, column.label("value"), sa.func.count().label("active"),
                  double(sa.func.sum(sa.func.coalesce(c.spend_m1, 0.0))).label("revenue"))
        .where(*_rows(filters), active, column.is_not(None))
        .group_by(c.tier, column)
        .order_by(c.tier, column)
    )


def spend_bands_by_tier(filters: Filters) -> sa.Select:
    """Active customers and revenue (currency) per tier × latest-month spend band, from the cube.

    Band b > 0 holds spends with ln(1 + spend) in [(b − 1) / SPEND_BANDS_PER_E, b / …); band 0
    holds no spend. ``lib.segments.tiers.band_quantiles`` reads ARPU quantiles off these counts.
    """
    return (
        sa.select(k.tier, k.spend_band.label("band"),
                  sa.cast(sa.func.sum(k.customers), sa.BigInteger).label("active"),
                  double(sa.func.sum(k.revenue)).label("revenue"))
        .where(k.snapshot_date == filters.snapshot_date, k.churned.is_(False),
               *segment_conditions(filters, k))
        .group_by(k.tier, k.spend_band)
        .order_by(k.tier, k.spend_band)
    )


# --- RFM -------------------------------------------------------------------------------------

def recency_months(columns: sa.ColumnCollection = c) -> sa.ColumnElement[int]:
    """Months since the latest month with spend: 0 when m1 has spend, 6 when none of m1..m6."""
    whens = [(sa.func.coalesce(columns[name], 0.0) > 0, i) for i, name in enumerate(SPEND_COLUMNS)]
    return sa.case(*whens, else_=len(SPEND_COLUMNS))


def recency_score(months: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """Recency score 1–5 (5 = spent in the latest month) of ``months`` since the latest month
    with spend, by ``RECENCY_SCORE_MONTHS``."""
    whens = [(months <= most, RFM_SCORES - i) for i, most in enumerate(RECENCY_SCORE_MONTHS)]
    return sa.case(*whens, else_=1)


def frequency_months(columns: sa.ColumnCollection = c) -> sa.ColumnElement[int]:
    """Months with spend among the last six (0–6)."""
    terms = [sa.case((sa.func.coalesce(columns[name], 0.0) > 0, 1), else_=0) for name in SPEND_COLUMNS]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _quintile(rank: sa.ColumnElement[int], total: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """Score 1–5 from a rank (1 = best, ties share the best rank) among ``total`` rows.

    ``below`` = rows ranked no better than this one (ties included); the score is
    ceil(5 * below / total), compared in integers so every engine agrees exactly. Ties get one
    score: the quintile in which their group ends.
    """
    below = total + 1 - rank
    whens = [(RFM_SCORES * below <= score * total, score) for score in range(1, RFM_SCORES)]
    return sa.case(*whens, else_=RFM_SCORES)


def rfm_present(snapshot_date: dt.date) -> sa.Select:
    """How many RFM rows are stored for the snapshot."""
    return sa.select(sa.func.count()).select_from(customer_segments).where(
        s.snapshot_date == snapshot_date)


def _ranked(snapshot_date: dt.date, extra: bool = False) -> sa.Select:
    """Rows of the snapshot with their recency score ``r``, their rank (1 = best, ties share)
    on frequency and monetary, and the row count ``n``."""
    recency = recency_months()
    frequency = frequency_months()
    monetary = sa.func.coalesce(c.spend_avg_6m, 0.0)
    values = [recency.label("recency"), frequency.label("frequency"), monetary.label("monetary")]
    return sa.select(
        c.snapshot_date, c.customer_id, *(values if extra else []),
        sa.func.count().over().label("n"),
        recency_score(recency).label("r"),
        sa.func.rank().over(order_by=frequency.desc()).label("f_rank"),
        sa.func.rank().over(order_by=monetary.desc()).label("m_rank"),
    ).where(c.snapshot_date == snapshot_date)


def rfm_insert(snapshot_date: dt.date) -> sa.Insert:
    """INSERT … SELECT of every customer's RFM scores (1–5, 5 best) in the snapshot.

    Recency: months since the latest month with spend, scored by ``recency_score``;
    frequency: months with spend among the last six; monetary: six-month average spend
    (currency per month). Frequency and monetary scores are quintiles over the whole snapshot
    (see ``_quintile``).
    """
    ranked = _ranked(snapshot_date).subquery("ranked")
    r = ranked.c
    scores = sa.select(
        r.snapshot_date, r.customer_id,
        sa.cast(r.r, sa.SmallInteger),
        sa.cast(_quintile(r.f_rank, r.n), sa.SmallInteger),
        sa.cast(_quintile(r.m_rank, r.n), sa.SmallInteger),
    )
    return sa.insert(customer_segments).from_select(
        [s.snapshot_date, s.customer_id, s.rfm_recency, s.rfm_frequency, s.rfm_monetary], scores)


def rfm_score_cells(snapshot_date: dt.date) -> sa.Select:
    """The snapshot's score of every recency and frequency value and the lowest monetary value
    of each monetary score: enough to score any row with CASE (``rfm_scores``) and no join.

    Columns: recency (months), frequency (months), r, f, m (scores), m_min (currency per month).
    """
    ranked = _ranked(snapshot_date, extra=True).subquery("ranked")
    x = ranked.c
    f, m = _quintile(x.f_rank, x.n), _quintile(x.m_rank, x.n)
    scored = sa.select(x.recency, x.frequency, x.monetary, x.r, f.label("f"),
                       m.label("m")).subquery("scored")
    y = scored.c
    return (
        sa.select(y.recency, y.frequency, y.r, y.f, y.m, double(sa.func.min(y.monetary)).label("m_min"))
        .group_by(y.recency, y.frequency, y.r, y.f, y.m)
        .order_by(y.recency, y.frequency, y.m)
    )


@dataclass(frozen=True)
class RfmCuts:
    """How a snapshot scores: recency months → score, active months → score, and the lowest
    six-month average spend (currency per month) that earns each monetary score."""

    recency: tuple[tuple[int, int], ...]
    frequency: tuple[tuple[int, int], ...]
    monetary_min: tuple[tuple[int, float], ...]


def rfm_scores(cuts: RfmCuts, columns: sa.ColumnCollection = c) -> tuple[sa.ColumnElement[int], ...]:
    """CASE expressions giving the recency, frequency and monetary scores of a row."""
    recency, frequency = recency_months(columns), frequency_months(columns)
    monetary = sa.func.coalesce(columns.spend_avg_6m, 0.0)
    r = sa.case(*((recency == months, score) for months, score in cuts.recency), else_=1)
    f = sa.case(*((frequency == months, score) for months, score in cuts.frequency), else_=1)
    m_whens = [(monetary >= low, score) for score, low in sorted(cuts.monetary_min, reverse=True)]
    m = sa.case(*m_whens, else_=1) if m_whens else sa.literal(1)
    return r, f, m


def rfm_cells(filters: Filters, rules: Rules, cuts: RfmCuts) -> sa.Select:
    """The segment measures (see ``measures``) per RFM score cell (r, f, m), one scan, no join."""
    r, f, m = rfm_scores(cuts)
    return (
        sa.select(r.label("r"), f.label("f"), m.label("m"), *measures(rules))
        .where(*_rows(filters))
        .group_by(r, f, m)
        .order_by(r, f, m)
    )


# --- behavioural clusters --------------------------------------------------------------------

def feature_coverage(snapshot_date: dt.date, features: Sequence[str]) -> sa.Select:
    """Rows of the snapshot and non-null values per feature column."""
    return sa.select(
        sa.func.count().label("rows"), *(sa.func.count(c[f]).label(f) for f in features)
    ).where(c.snapshot_date == snapshot_date)


def feature_sample(snapshot_date: dt.date, features: Sequence[str], every: int) -> sa.Select:
    """Every ``every``-th customer of the snapshot by customer id, with the feature columns.

    A deterministic, evenly spread sample that any engine draws the same way.
    """
    numbered = (
        sa.select(c.customer_id, *(c[f] for f in features),
                  sa.func.row_number().over(order_by=c.customer_id).label("rn"))
        .where(c.snapshot_date == snapshot_date)
        .subquery("numbered")
    )
    n = numbered.c
    return (
        sa.select(n.customer_id, *(n[f] for f in features))
        .where((n.rn - 1) % every == 0)
        .order_by(n.customer_id)
    )


@dataclass(frozen=True)
class ClusterSql:
    """A fitted clustering as the SQL assignment needs it (see ``lib.segments.clusters``):
    per feature the fill for missing values (raw units), mean and scale of ln(1 + x), and the
    centroids in standardised units."""

    features: tuple[str, ...]
    fill: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    centers: tuple[tuple[float, ...], ...]


#: Row columns the cluster tables need besides the features.
_CLUSTER_ROW_COLUMNS = ("tier", "churned", "spend_m1", "churn_type", "tenure_months", "group_paid")


def cluster_labelled(filters: Filters, model: ClusterSql, extra: Sequence[str] = ()) -> sa.Subquery:
    """Rows under ``filters`` with ``cluster``: the nearest centroid (lowest label on ties).

    Three nested selects keep the expression linear in size: standardised features
    z = (ln(1 + max(coalesce(x, fill), 0)) − mean) / scale, then squared distances to each
    centroid, then the argmin as a CASE.
    """
    keep = list(dict.fromkeys((*_CLUSTER_ROW_COLUMNS, *model.features, *extra)))
    zs = []
    for j, name in enumerate(model.features):
        value = sa.func.coalesce(c[name], model.fill[j])
        value = sa.case((value < 0, 0.0), else_=value)
        zs.append(((sa.func.ln(1.0 + value) - model.mean[j]) / model.scale[j]).label(f"z{j}"))
    standard = sa.select(*(c[name] for name in keep), *zs).where(*_rows(filters)).subquery("standard")
    z = standard.c
    distances = []
    for i, center in enumerate(model.centers):
        terms = [(z[f"z{j}"] - center[j]) * (z[f"z{j}"] - center[j]) for j in range(len(center))]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        distances.append(total.label(f"d{i}"))
    measured = sa.select(*(z[name] for name in keep), *distances).subquery("measured")
    d = measured.c
    k = len(model.centers)
    whens = [(sa.and_(*(d[f"d{i}"] <= d[f"d{j}"] for j in range(i + 1, k))), i) for i in range(k - 1)]
    label = sa.case(*whens, else_=k - 1) if whens else sa.literal(0)
    return sa.select(label.label("cluster"), *(d[name] for name in keep)).subquery("labelled")


def cluster_cells(labelled: sa.Subquery, rules: Rules, features: Sequence[str]) -> sa.Select:
    """Segment measures and feature sums (feature units) per cluster × tier."""
    x = labelled.c
    sums = [double(sa.func.sum(x[f])).label(f"sum_{f}") for f in features]
    return (
        sa.select(x.cluster, x.tier, *measures(rules, x), *sums)
        .group_by(x.cluster, x.tier)
        .order_by(x.cluster, x.tier)
    )


# --- geography -------------------------------------------------------------------------------

def province_measures(filters: Filters, rules: Rules) -> sa.Select:
    """Segment measures per province, from the cube."""
    active = k.churned.is_(False)

    def count_if(condition):
        return sa.cast(sa.func.sum(sa.case((condition, k.customers), else_=0)), sa.BigInteger)

    return (
        sa.select(
            k.province.label("area"),
            sa.cast(sa.func.sum(k.customers), sa.BigInteger).label("customers"),
            count_if(active).label("active"),
            count_if(sa.and_(active, k.tier >= rules.vip_min_tier)).label("vip_active"),
            double(sa.func.sum(sa.case((active, k.revenue), else_=0.0))).label("revenue"),
            count_if(sa.and_(k.counted.is_(True), k.churned.is_(True))).label("churners_counted"),
            count_if(k.counted.is_(True)).label("base_counted"),
        )
        .where(k.snapshot_date == filters.snapshot_date, k.province.is_not(None),
               *segment_conditions(filters, k))
        .group_by(k.province)
        .order_by(k.province)
    )


def area_measures(filters: Filters, rules: Rules, level: str, province: str,
                  city: str | None = None) -> sa.Select:
    """Segment measures per city (``level="city"``) of a province, or per district of a city."""
    if level not in AREA_LEVELS:
        raise ValueError(level)
    column = c[level]
    terms = [*_rows(filters), c.province == province, column.is_not(None)]
    if level == "district":
        terms.append(c.city == city)
    return (
        sa.select(column.label("area"), *measures(rules))
        .where(*terms)
        .group_by(column)
        .order_by(column)
    )


# --- tier migration --------------------------------------------------------------------------

def _migration_join(filters: Filters, from_date: dt.date, to_date: dt.date):
    before = customers.alias("before")
    after = customers.alias("after")
    joined = before.outerjoin(
        after, sa.and_(after.c.customer_id == before.c.customer_id, after.c.snapshot_date == to_date))
    terms = [before.c.snapshot_date == from_date, before.c.churned.is_not(True),
             *segment_conditions(filters, before.c)]
    return before, after, joined, terms


def migration_matrix(filters: Filters, from_date: dt.date, to_date: dt.date) -> sa.Select:
    """Customers active in ``from_date`` by their tier then and their tier in ``to_date``.

    ``to_tier`` 0 means churned: flagged churned in ``to_date`` or missing from it. The
    sidebar's province and tier filters select the ``from_date`` rows. Revenue is latest-month
    spend (currency per month) in each snapshot (0 once churned).
    """
    before, after, joined, terms = _migration_join(filters, from_date, to_date)
    gone = sa.or_(after.c.customer_id.is_(None), after.c.churned.is_(True))
    to_tier = sa.case((gone, 0), else_=after.c.tier)
    return (
        sa.select(
            before.c.tier.label("from_tier"), to_tier.label("to_tier"),
            sa.func.count().label("customers"),
            double(sa.func.sum(sa.func.coalesce(before.c.spend_m1, 0.0))).label("revenue_from"),
            double(sa.func.sum(sa.case((gone, 0.0), else_=sa.func.coalesce(after.c.spend_m1, 0.0))))
            .label("revenue_to"),
        )
        .select_from(joined)
        .where(*terms)
        .group_by(before.c.tier, to_tier)
        .order_by(before.c.tier, to_tier)
    )


def downgrade_watch(filters: Filters, from_date: dt.date, to_date: dt.date, limit: int) -> sa.Select:
    """Customers still active in ``to_date`` whose tier dropped, largest loss of six-month
    average spend (currency per month) first, at most ``limit``."""
    before, after, joined, terms = _migration_join(filters, from_date, to_date)
    loss = (sa.func.coalesce(before.c.spend_avg_6m, 0.0)
            - sa.func.coalesce(after.c.spend_avg_6m, 0.0))
    return (
        sa.select(
            before.c.customer_id, after.c.province, after.c.city, after.c.district,
            before.c.tier.label("from_tier"), after.c.tier.label("to_tier"),
            double(before.c.spend_avg_6m).label("spend_avg_from"),
            double(after.c.spend_avg_6m).label("spend_avg_to"),
            double(loss).label("loss"),
            double(after.c.spend_m1).label("spend_m1"),
        )
        .select_from(joined)
        .where(*terms, before.c.tier > 1,            # 1★ cannot drop: most rows, skipped early
               after.c.customer_id.is_not(None), after.c.churned.is_not(True),
               after.c.tier < before.c.tier)
        .order_by(loss.desc(), before.c.customer_id)
        .limit(limit)
    )
