"""The Lifecycle page's queries: lifetimes for survival and cohorts, stages, churn breakdowns.

Lifetimes (months of life, see ``lib.store.schema``, *Months*) come from the **last row of each
customer up to the chosen snapshot**, found without a per-customer GROUP BY:

* customers active in the chosen snapshot are censored at ``snapshot_month - join_month + 1``;
* churners are taken from the snapshot where their churn first shows: a churned row counts when
  its ``churn_month`` is after the previous stored snapshot's month (or it is in the first
  snapshot), so a churner repeated in later exports is counted once. Their lifetime is
  ``churn_month - join_month + 1``.

With monthly snapshots where a churner appears only in the month they left (the demo), this is
the union of every customer's last row. With a single snapshot (a file such as BigML's, tenure
in days converted at import and a churn flag) it is that snapshot: churners carry the snapshot
month when the file has no churn date. A customer who vanishes from the exports without a churn
flag is not counted (neither event nor censored).

Left truncation: with two or more snapshots, customers who joined before the first stored
snapshot are observed from it on; ``entry_months`` is how many months they had survived by then.
With a single snapshot every entry is 0 (a cross-section; survival is then estimated as if the
file's customers were followed from joining, the usual reading of such files).

The minimum-tenure exclusion ("joined for a promotion") is left truncation too, not a filter on
rows: under it the lifetimes are those of customers who completed ``truncation_months`` months
of life, each entering the risk set then (``entry_months`` at least that), and those who left
or were last seen before are out. Survival read from them is conditional on having stayed that
long and starts at 1 there; the rows themselves (and the lifetime cube) are read without the
exclusion, so a new customer's value can use every customer from joining
(``ChurnDefinition.unconditional``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

# what a lifetime is (the lifetime cube's definition too) lives below, in the pipeline
from lib.pipeline.lifetimes import ChurnDefinition, Timeline
from lib.pipeline.lifetimes import lifetime_cube_rows  # noqa: F401 - re-exported
from lib.pipeline.lifetimes import duration_months as _duration
from lib.pipeline.lifetimes import entry_months as _entry
from lib.pipeline.lifetimes import event as _event
from lib.pipeline.lifetimes import lifetime_rows as _lifetime_rows
from lib.pipeline.lifetimes import new_churn as _new_churn
from lib.pipeline.lifetimes import truncated as _truncated
from lib.store.filters import Filters, double, segment_conditions
from lib.rules import Rules
from lib.store import customer_attributes, customers, lifetime_cube

c = customers.c

#: Columns offered as a grouping dimension (name -> stored column). Never user text in SQL.
DIMENSIONS: dict[str, sa.Column] = {
    "tier": c.tier, "stage": c.stage, "province": c.province, "city": c.city, "brand": c.brand,
    "plan": c.plan, "contract": c.contract, "payment_method": c.payment_method,
    "gender": c.gender,
}

#: Prefix of a dimension that is an extra file column (``customer_attributes.name``), e.g.
#: ``"attr:plan_type"``. The name reaches SQL only as a bound parameter.
ATTRIBUTE_PREFIX = "attr:"


def attribute_dimension(name: str) -> str:
    """The dimension key of the extra file column ``name``."""
    return ATTRIBUTE_PREFIX + name


def dimension_source(dimension: str) -> tuple[sa.ColumnElement, sa.FromClause]:
    """The value expression of ``dimension`` and the FROM clause that provides it.

    A stored column reads from ``customers`` alone; an extra file column (``attr:NAME``) is the
    ``value`` of a LEFT JOIN on ``customer_attributes`` by snapshot, customer and name, so a
    customer without the attribute has a NULL value. Unknown names raise ``KeyError``.
    """
    if dimension in DIMENSIONS:
        return DIMENSIONS[dimension], customers
    if dimension.startswith(ATTRIBUTE_PREFIX) and len(dimension) > len(ATTRIBUTE_PREFIX):
        attr = customer_attributes.alias("dimension_attr")
        joined = customers.outerjoin(attr, sa.and_(
            attr.c.snapshot_date == c.snapshot_date, attr.c.customer_id == c.customer_id,
            attr.c.name == sa.bindparam("attribute_name", dimension[len(ATTRIBUTE_PREFIX):],
                                        unique=True)))
        return attr.c.value, joined
    raise KeyError(dimension)


def attribute_names(snapshot_date: dt.date, max_values: int) -> sa.Select:
    """Names of the extra file columns stored for the snapshot that have at most
    ``max_values`` distinct values (categories, not measures), alphabetical."""
    a = customer_attributes.c
    return (sa.select(a.name).where(a.snapshot_date == snapshot_date)
            .group_by(a.name).having(sa.func.count(sa.distinct(a.value)) <= max_values)
            .order_by(a.name))


def _segment(dimension: str | None, value: object | None
             ) -> tuple[sa.ColumnElement | None, sa.FromClause, list[sa.ColumnElement[bool]]]:
    """Segment expression (None without a dimension), FROM clause and the filter on ``value``."""
    if not dimension:
        return None, customers, []
    column, source = dimension_source(dimension)
    return column, source, [] if value is None else [column == value]


def lifetimes(filters: Filters, definition: ChurnDefinition, rules: Rules, timeline: Timeline,
              dimension: str | None = None) -> sa.Select:
    """Customers per (segment, duration_months, event, entry_months, active).

    ``active`` is 1 for the customers active in the chosen snapshot (censored there), 0 for
    churners (of the chosen types: ``event`` 1; of other types: censored at their churn).
    ``segment`` is the value of ``dimension`` in the customer's last row (NULL when no
    dimension). Durations below 1 month (join date after the snapshot) are left out. Under the
    minimum-tenure exclusion only lifetimes longer than ``definition.truncation_months`` are
    kept, each entering then at the earliest (left truncation, module doc).
    """
    columns = {"duration_months": _duration(), "event": _event(definition),
               "entry_months": _entry(timeline),
               "active": sa.case((c.churned.is_(True), 0), else_=1)}
    segment_column, source, _ = _segment(dimension, None)
    if segment_column is not None:
        columns = {"segment": segment_column, **columns}
    rows = _lifetime_rows(filters, definition, rules, timeline, columns, [], source)
    r = rows.c
    months = definition.truncation_months
    keys = [r.duration_months, r.event, r.active]
    if timeline.first_month is not None:
        entry = _truncated(r.entry_months, months)
        keys.append(entry)
    else:
        entry = sa.literal(months)              # a cross-section: everyone enters at the same month
    if dimension:
        keys.insert(0, r.segment)
    segment = r.segment if dimension else sa.null()
    return (
        sa.select(segment.label("segment"), r.duration_months, r.event,
                  entry.label("entry_months"), r.active, sa.func.count().label("customers"))
        .where(r.duration_months >= max(1, months + 1))
        .group_by(*keys)
        # Ordered: the sBG fit sums its likelihood in row order, so an engine's arbitrary
        # GROUP BY order (parallel DuckDB, Spark) would change fitted digits run to run.
        .order_by(*keys)
    )


#: Dimensions the lifetime cube keeps (besides none at all).
CUBE_DIMENSIONS = ("tier", "province")


def cube_built(snapshot_date: dt.date, definition: ChurnDefinition) -> sa.Select:
    """One row when the lifetime cube holds ``snapshot_date`` under ``definition`` (built without
    the minimum-tenure exclusion, which is applied when read)."""
    cube = lifetime_cube.c
    return (sa.select(sa.literal(1)).select_from(lifetime_cube)
            .where(cube.snapshot_date == snapshot_date,
                   cube.definition == definition.unconditional.key).limit(1))


def cube_lifetimes(filters: Filters, definition: ChurnDefinition, dimension: str | None) -> sa.Select:
    """``lifetimes`` read from the lifetime cube: the same columns and row order, for no
    dimension or one of ``CUBE_DIMENSIONS`` (the minimum-tenure exclusion truncated here)."""
    cube = lifetime_cube.c
    months = definition.truncation_months
    segment = {None: sa.null(), "tier": cube.tier, "province": cube.province}[dimension]
    entry = _truncated(cube.entry_months, months)
    keys = [cube.duration_months, cube.event, cube.active, entry]
    if dimension:
        keys.insert(0, segment)
    as_rows = {name: sa.cast(column, sa.Integer).label(name)     # the row query's types
               for name, column in (("duration_months", cube.duration_months),
                                    ("event", cube.event), ("entry_months", entry),
                                    ("active", cube.active))}
    return (
        sa.select(segment.label("segment"), *as_rows.values(),
                  sa.cast(sa.func.sum(cube.customers), sa.BigInteger).label("customers"))
        .where(cube.snapshot_date == filters.snapshot_date,
               cube.definition == definition.unconditional.key,
               cube.duration_months > months, *segment_conditions(filters, cube))
        .group_by(*keys)
        .order_by(*keys)
    )


def cohorts(filters: Filters, definition: ChurnDefinition, rules: Rules, timeline: Timeline,
            first_join_month: int, dimension: str | None = None,
            value: object | None = None) -> sa.Select:
    """Customers per (join_month, duration_months, event) for joiners from ``first_join_month``,
    optionally only where ``dimension`` equals ``value``; every joiner, whatever the
    minimum-tenure exclusion (``lib.lifecycle.cohort_matrix.cohort_matrix`` conditions on it)."""
    _, source, chosen = _segment(dimension, value)
    extra = [c.join_month >= first_join_month, c.join_month <= timeline.chosen_month, *chosen]
    rows = _lifetime_rows(filters, definition, rules, timeline,
                          {"join_month": c.join_month, "duration_months": _duration(),
                           "event": _event(definition)}, extra, source)
    r = rows.c
    return (
        sa.select(r.join_month, r.duration_months, r.event, sa.func.count().label("customers"))
        .where(r.duration_months >= 1)
        .group_by(r.join_month, r.duration_months, r.event)
        .order_by(r.join_month, r.duration_months)
    )


def stage_by_tier(filters: Filters) -> sa.Select:
    """Customers per (stage, tier) in the chosen snapshot."""
    return (
        sa.select(c.stage, c.tier, sa.func.count().label("customers"))
        .where(c.snapshot_date == filters.snapshot_date, *segment_conditions(filters))
        .group_by(c.stage, c.tier)
        .order_by(c.stage, c.tier)
    )


def churn_breakdown(filters: Filters, definition: ChurnDefinition, rules: Rules,
                    timeline: Timeline) -> sa.Select:
    """Churners whose churn shows in the chosen snapshot, per type, reason and whether the
    analysis base counts them (``counted``)."""
    counted = sa.case((definition.counted(rules), True), else_=False)
    row_is_new = _new_churn(Timeline(timeline.chosen_month, (
        (filters.snapshot_date, timeline.previous_month(filters.snapshot_date)),)))
    return (
        sa.select(c.churn_type, c.churn_reason, counted.label("counted"),
                  sa.func.count().label("customers"),
                  double(sa.func.sum(sa.func.coalesce(c.spend_avg_6m, 0.0))).label("spend"))
        .where(c.snapshot_date == filters.snapshot_date, row_is_new, *segment_conditions(filters))
        .group_by(c.churn_type, c.churn_reason, counted)
    )


def tier_values(filters: Filters, value_drop_share: float) -> sa.Select:
    """Per tier in the chosen snapshot: active customers, their mean six-month average spend
    (currency per month) and how many lost at least ``value_drop_share`` of their spend
    (value decline by ARPU: last three months against the three before)."""
    active = c.churned.is_not(True)
    declined = sa.and_(active, c.spend_trend <= -value_drop_share)
    return (
        sa.select(c.tier,
                  sa.func.count().label("active"),
                  double(sa.func.avg(c.spend_avg_6m)).label("spend_avg_6m"),
                  sa.func.sum(sa.case((declined, 1), else_=0)).label("value_declined"))
        .where(c.snapshot_date == filters.snapshot_date, active, *segment_conditions(filters))
        .group_by(c.tier)
        .order_by(c.tier)
    )


def dimension_values(filters: Filters, dimension: str, limit: int) -> sa.Select:
    """The ``limit`` most frequent values of ``dimension`` in the chosen snapshot."""
    column, source = dimension_source(dimension)
    count = sa.func.count()
    return (
        sa.select(column.label("value"), count.label("customers"))
        .select_from(source)
        .where(c.snapshot_date == filters.snapshot_date, column.is_not(None),
               *segment_conditions(filters))
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(limit)
    )


@dataclass(frozen=True)
class FunnelSteps:
    """Parameters of the join-cohort funnel (``lib.lifecycle.funnel.funnel`` documents the steps).

    survival_months : months of life a customer must complete to have "survived".
    growth_months : month of life at whose end growth is judged (at least ``survival_months``).
    growth_spend_share : rise of the six-month average spend, against the row at the end of
        the survival months, that counts as growth (0.1 = +10 %).
    mature_months : months of life that make a customer mature.
    """

    survival_months: int
    growth_months: int
    growth_spend_share: float
    mature_months: int


def funnel(filters: Filters, definition: ChurnDefinition, rules: Rules, timeline: Timeline,
           first_join_month: int, steps: FunnelSteps, dimension: str | None = None,
           value: object | None = None) -> sa.Select:
    """Customers per join month reaching each funnel step by the chosen snapshot.

    Each customer's last row up to the chosen snapshot (module doc), joined from
    ``first_join_month`` on; churners of types outside ``definition.types`` are left out (they
    stopped being observed for a reason the user does not count). ``present_months`` is how many
    months of life the customer completed as a customer: ``snapshot_month - join_month + 1`` if
    active (snapshots are taken at month end), ``churn_month - join_month`` if lost. The early
    row is the customer's stored row of month ``join_month + survival_months - 1`` (the end of
    their survival months); the growth row that of month ``join_month + growth_months - 1``, or
    their churn row when they left before completing ``growth_months`` months.

    Returns per ``join_month``: ``acquired``, ``survived`` (present_months >= survival_months),
    ``grew_known`` (survived, and the early and growth rows stored), ``grew`` (grew_known and, in
    the growth row against the early row, a higher tier or a six-month average spend up by at
    least ``growth_spend_share`` from an early spend above 0), ``mature`` (grew and
    present_months >= mature_months) and ``active`` (mature and active in the chosen snapshot).
    Each step is a subset of the one before. A fixed growth month keeps young cohorts from
    looking as if they grew less only because they had less time to.
    """
    _, source, chosen = _segment(dimension, value)
    in_definition = sa.or_(c.churned.is_not(True), c.churn_type.in_(definition.types))
    extra = [c.join_month >= first_join_month, c.join_month <= timeline.chosen_month,
             in_definition, *chosen]
    lost_month = sa.case((c.churned.is_(True), sa.func.coalesce(c.churn_month, c.snapshot_month)))
    rows = _lifetime_rows(filters, definition, rules, timeline, {
        "customer_id": c.customer_id, "join_month": c.join_month, "lost_month": lost_month,
        "tier": c.tier, "spend_avg_6m": c.spend_avg_6m}, extra, source)
    r = rows.c

    def rows_at(month_of_life: int, name: str) -> sa.Subquery:
        """Stored rows of customers at the end of their ``month_of_life``-th month."""
        e = customers.alias(f"{name}_all")
        return (sa.select(e.c.customer_id, e.c.snapshot_month, e.c.tier, e.c.spend_avg_6m)
                .where(e.c.snapshot_date <= filters.snapshot_date,
                       e.c.snapshot_month - e.c.join_month == month_of_life - 1,
                       e.c.join_month >= first_join_month)
                .subquery(name))

    early = rows_at(steps.survival_months, "early_rows")
    late = rows_at(steps.growth_months, "growth_rows")
    present = sa.func.coalesce(r.lost_month - 1, timeline.chosen_month) - r.join_month + 1
    survived = present >= steps.survival_months
    left_early = sa.and_(r.lost_month.is_not(None), present < steps.growth_months)
    tier_then = sa.case((left_early, r.tier), else_=late.c.tier)
    spend_then = sa.case((left_early, r.spend_avg_6m), else_=late.c.spend_avg_6m)
    grew_known = sa.and_(survived, early.c.customer_id.is_not(None),
                         sa.or_(left_early, late.c.customer_id.is_not(None)))
    grew = sa.and_(grew_known, sa.or_(
        tier_then > early.c.tier,
        sa.and_(early.c.spend_avg_6m > 0,
                spend_then >= early.c.spend_avg_6m * (1.0 + steps.growth_spend_share))))
    mature = sa.and_(grew, present >= steps.mature_months)
    active = sa.and_(mature, r.lost_month.is_(None))

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    joined = rows.outerjoin(early, sa.and_(
        early.c.customer_id == r.customer_id,
        early.c.snapshot_month == r.join_month + steps.survival_months - 1)).outerjoin(
        late, sa.and_(late.c.customer_id == r.customer_id,
                      late.c.snapshot_month == r.join_month + steps.growth_months - 1))
    return (
        sa.select(r.join_month, sa.func.count().label("acquired"),
                  count(survived).label("survived"), count(grew_known).label("grew_known"),
                  count(grew).label("grew"), count(mature).label("mature"),
                  count(active).label("active"))
        .select_from(joined)
        .group_by(r.join_month)
        .order_by(r.join_month)
    )
