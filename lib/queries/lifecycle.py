"""The Lifecycle page's queries: lifetimes for survival and cohorts, stages, churn breakdowns.

Lifetimes (months of life, see ``lib.lifecycle_survival``) come from the **last row of each
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
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa

from lib.queries.common import Filters, double, segment_conditions
from lib.rules import Rules, churn_counted
from lib.store import customers

c = customers.c

#: Columns offered as a grouping dimension (name -> stored column). Never user text in SQL.
DIMENSIONS: dict[str, sa.Column] = {
    "tier": c.tier, "stage": c.stage, "province": c.province, "city": c.city, "brand": c.brand,
    "plan": c.plan, "contract": c.contract, "payment_method": c.payment_method,
    "gender": c.gender,
}


@dataclass(frozen=True)
class ChurnDefinition:
    """What counts as churn and who is left out (DOMAIN.md, "Churn").

    ``types``: churn types counted as the event (switch, downgrade, value_decline,
    involuntary, unknown); churners of other types are censored at their churn month.
    The exclusions remove customers from the analysis base altogether, as
    ``lib.rules.churn_counted`` does for the Overview's KPIs.
    """

    types: tuple[str, ...]
    exclude_involuntary: bool
    exclude_min_tenure_months: float
    exclude_group_paid: bool

    def counted(self, rules: Rules) -> sa.ColumnElement[bool]:
        """SQL condition: the row is in the analysis base."""
        return churn_counted(replace(rules, exclude_involuntary=self.exclude_involuntary,
                                     exclude_min_tenure_months=self.exclude_min_tenure_months,
                                     exclude_group_paid=self.exclude_group_paid), c)


@dataclass(frozen=True)
class Timeline:
    """Month indexes of the stored snapshots up to the chosen one (from ``snapshot_list``)."""

    chosen_month: int
    #: (snapshot date, month index of the stored snapshot before it, None for the first)
    previous_months: tuple[tuple[dt.date, int | None], ...] = ()
    first_month: int | None = None     # None: one snapshot, no left truncation

    def previous_month(self, date: dt.date) -> int | None:
        return dict(self.previous_months).get(date)


def _new_churn(timeline: Timeline) -> sa.ColumnElement[bool]:
    """Churned row whose churn shows for the first time in its snapshot."""
    whens = [(c.snapshot_date == date, c.churn_month > month)
             for date, month in timeline.previous_months if month is not None]
    if not whens:
        return c.churned.is_(True)
    return sa.and_(c.churned.is_(True), sa.case(*whens, else_=sa.true()))


def _lifetime_rows(filters: Filters, definition: ChurnDefinition, rules: Rules,
                   timeline: Timeline, columns: dict[str, sa.ColumnElement],
                   extra: list[sa.ColumnElement[bool]]) -> sa.Subquery:
    """Each customer's last row (see the module doc) with ``columns``, as a UNION ALL of the
    chosen snapshot's active rows and the churned rows: two plain filters the engine prunes
    by snapshot (much faster than one OR across every stored row)."""
    common = [definition.counted(rules), *segment_conditions(filters), *extra]
    labelled = [expr.label(name) for name, expr in columns.items()]
    active_now = sa.select(*labelled).where(
        c.snapshot_date == filters.snapshot_date, c.churned.is_not(True), *common)
    churn_terms = [c.snapshot_date <= filters.snapshot_date, _new_churn(timeline), *common]
    if timeline.first_month is not None:
        # churned before observation began: outside the truncated window
        churn_terms.append(c.churn_month >= timeline.first_month)
    churned = sa.select(*labelled).where(*churn_terms)
    return sa.union_all(active_now, churned).subquery("last_rows")


def _duration() -> sa.ColumnElement[int]:
    return sa.func.coalesce(c.churn_month, c.snapshot_month) - c.join_month + 1


def _event(definition: ChurnDefinition) -> sa.ColumnElement[int]:
    return sa.case((sa.and_(c.churned.is_(True), c.churn_type.in_(definition.types)), 1), else_=0)


def _entry(timeline: Timeline) -> sa.ColumnElement[int]:
    if timeline.first_month is None:
        return sa.literal(0)
    return sa.case((c.join_month < timeline.first_month, timeline.first_month - c.join_month),
                   else_=0)


def lifetimes(filters: Filters, definition: ChurnDefinition, rules: Rules, timeline: Timeline,
              dimension: str | None = None) -> sa.Select:
    """Customers per (segment, duration_months, event, entry_months, active).

    ``active`` is 1 for the customers active in the chosen snapshot (censored there), 0 for
    churners (of the chosen types: ``event`` 1; of other types: censored at their churn).
    ``segment`` is the value of ``dimension`` in the customer's last row (NULL when no
    dimension). Durations below 1 month (join date after the snapshot) are left out.
    """
    columns = {"duration_months": _duration(), "event": _event(definition),
               "entry_months": _entry(timeline),
               "active": sa.case((c.churned.is_(True), 0), else_=1)}
    if dimension:
        columns = {"segment": DIMENSIONS[dimension], **columns}
    rows = _lifetime_rows(filters, definition, rules, timeline, columns, [])
    r = rows.c
    keys = [r.duration_months, r.event, r.active]
    if timeline.first_month is not None:
        keys.append(r.entry_months)
    if dimension:
        keys.insert(0, r.segment)
    segment = r.segment if dimension else sa.null()
    entry = r.entry_months if timeline.first_month is not None else sa.literal(0)
    return (
        sa.select(segment.label("segment"), r.duration_months, r.event,
                  entry.label("entry_months"), r.active, sa.func.count().label("customers"))
        .where(r.duration_months >= 1)
        .group_by(*keys)
    )


def cohorts(filters: Filters, definition: ChurnDefinition, rules: Rules, timeline: Timeline,
            first_join_month: int, dimension: str | None = None,
            value: object | None = None) -> sa.Select:
    """Customers per (join_month, duration_months, event) for joiners from ``first_join_month``,
    optionally only where ``dimension`` equals ``value``."""
    extra = [c.join_month >= first_join_month, c.join_month <= timeline.chosen_month]
    if dimension and value is not None:
        extra.append(DIMENSIONS[dimension] == value)
    rows = _lifetime_rows(filters, definition, rules, timeline,
                          {"join_month": c.join_month, "duration_months": _duration(),
                           "event": _event(definition)}, extra)
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
    column = DIMENSIONS[dimension]
    count = sa.func.count()
    return (
        sa.select(column.label("value"), count.label("customers"))
        .where(c.snapshot_date == filters.snapshot_date, column.is_not(None),
               *segment_conditions(filters))
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(limit)
    )
