"""What a customer's lifetime is, as the lifetime cube stores it and the Lifecycle page reads it.

Kept in the pipeline, below the analysis pages, because the cube is rebuilt by every import and
rules change (``lib.pipeline.cubes``); ``lib.lifecycle.queries`` builds its survival, cohort
and funnel queries on the same expressions. The definition of a lifetime (last row of each
customer up to the chosen snapshot, left truncation, the minimum-tenure exclusion) is written
out in ``lib.lifecycle.queries``'s module doc. Units: months of life (month 1 is the joining
month), month indexes ``year * 12 + month - 1``.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import sqlalchemy as sa

from lib.rules import Rules, churn_counted
from lib.rules.lifecycle_analysis import settings
from lib.store import customers, read_frame, snapshots
from lib.store.scope import WHOLE_BASE
from lib.store.filters import Filters, segment_conditions

c = customers.c


@dataclass(frozen=True)
class ChurnDefinition:
    """What counts as churn and who is left out (docs/domain.md, "Churn").

    ``types``: churn types counted as the event (switch, downgrade, value_decline,
    involuntary, unknown); churners of other types are censored at their churn month.
    The involuntary and group-paid exclusions remove customers from the analysis base
    altogether, as ``lib.rules.churn_counted`` does for the Overview's KPIs. The minimum-tenure
    exclusion does so for counts of churners (``counted``), but lifetimes apply it as left
    truncation at ``truncation_months`` (module doc), so curves stay true.
    """

    types: tuple[str, ...]
    exclude_involuntary: bool
    exclude_min_tenure_months: float
    exclude_group_paid: bool

    @property
    def key(self) -> str:
        """The definition as text, naming the lifetime cube's rows built under it."""
        return (f"{','.join(sorted(self.types))}|{int(self.exclude_involuntary)}"
                f"|{self.exclude_min_tenure_months:g}|{int(self.exclude_group_paid)}")

    @property
    def truncation_months(self) -> int:
        """Months of life a customer must have completed to be in the lifetimes under the
        minimum-tenure exclusion (0 without it). The rules give a tenure ``x`` in months, possibly
        fractional; lifetimes count whole months of life (month 1 is the joining month), so this
        is ``ceil(x)``: for the shipped 3, the customers still there in their 4th month."""
        return max(0, math.ceil(self.exclude_min_tenure_months))

    @property
    def unconditional(self) -> "ChurnDefinition":
        """The same definition without the minimum-tenure exclusion: every customer from joining
        (what a new customer's value and the lifetime cube use)."""
        return replace(self, exclude_min_tenure_months=0.0)

    def counted(self, rules: Rules) -> sa.ColumnElement[bool]:
        """SQL condition: the row is in the analysis base (every exclusion applied as a filter,
        for counts of churners; lifetimes use ``unconditional`` and truncate)."""
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


def new_churn(timeline: Timeline) -> sa.ColumnElement[bool]:
    """Churned row whose churn shows for the first time in its snapshot."""
    whens = [(c.snapshot_date == date, c.churn_month > month)
             for date, month in timeline.previous_months if month is not None]
    if not whens:
        return c.churned.is_(True)
    return sa.and_(c.churned.is_(True), sa.case(*whens, else_=sa.true()))


def lifetime_rows(filters: Filters, definition: ChurnDefinition, rules: Rules,
                   timeline: Timeline, columns: dict[str, sa.ColumnElement],
                   extra: list[sa.ColumnElement[bool]],
                   source: sa.FromClause = customers) -> sa.Subquery:
    """Each customer's last row (see the module doc) with ``columns``, as a UNION ALL of the
    chosen snapshot's active rows and the churned rows: two plain filters the engine prunes
    by snapshot (much faster than one OR across every stored row). ``source`` is
    ``customers`` or a join of it (``dimension_source``). The minimum-tenure exclusion is not
    applied here (callers truncate: module doc)."""
    common = [definition.unconditional.counted(rules), *segment_conditions(filters), *extra]
    labelled = [expr.label(name) for name, expr in columns.items()]
    active_now = sa.select(*labelled).select_from(source).where(
        c.snapshot_date == filters.snapshot_date, c.churned.is_not(True), *common)
    churn_terms = [c.snapshot_date <= filters.snapshot_date, new_churn(timeline), *common]
    if timeline.first_month is not None:
        # churned before observation began: outside the truncated window
        churn_terms.append(c.churn_month >= timeline.first_month)
    churned = sa.select(*labelled).select_from(source).where(*churn_terms)
    return sa.union_all(active_now, churned).subquery("last_rows")


def duration_months() -> sa.ColumnElement[int]:
    """Months of life of a row's customer: to the churn month, else to the snapshot's month."""
    return sa.func.coalesce(c.churn_month, c.snapshot_month) - c.join_month + 1


def event(definition: ChurnDefinition) -> sa.ColumnElement[int]:
    """1 when the row is a churn of a type ``definition`` counts, else 0 (censored)."""
    return sa.case((sa.and_(c.churned.is_(True), c.churn_type.in_(definition.types)), 1), else_=0)


def entry_months(timeline: Timeline) -> sa.ColumnElement[int]:
    """Months a customer had survived when observation began (left truncation at the first
    stored snapshot; 0 with a single snapshot)."""
    if timeline.first_month is None:
        return sa.literal(0)
    return sa.case((c.join_month < timeline.first_month, timeline.first_month - c.join_month),
                   else_=0)


def truncated(entry: sa.ColumnElement[int], months: int) -> sa.ColumnElement[int]:
    """``entry`` raised to ``months``: observed from ``months`` months of life on at the earliest."""
    if months <= 0:
        return entry
    # inlined, not bound: PostgreSQL matches the SELECT's expression to the GROUP BY's only
    # when their text is the same (two bound parameters are two different expressions)
    floor = sa.literal_column(str(int(months)), sa.Integer)
    return sa.case((entry < floor, floor), else_=entry)


def lifetime_cube_rows(filters: Filters, definition: ChurnDefinition, rules: Rules,
                       timeline: Timeline) -> sa.Select:
    """The lifetime cube's rows of the chosen snapshot (columns in table order): ``lifetimes``
    per province and tier, for every province and tier (the filters' segment terms are not
    applied; the cube is filtered when read), without the minimum-tenure exclusion (truncated
    when read), so one build serves both the conditional curves and the value of a new customer."""
    definition = definition.unconditional
    columns = {"province": c.province, "tier": c.tier, "duration_months": duration_months(),
               "event": event(definition), "entry_months": entry_months(timeline),
               "active": sa.case((c.churned.is_(True), 0), else_=1)}
    rows = lifetime_rows(Filters(filters.snapshot_date, scope=WHOLE_BASE), definition, rules, timeline, columns, [])
    r = rows.c
    keys = [r.province, r.tier, r.duration_months, r.event, r.entry_months, r.active]
    return (sa.select(sa.literal(filters.snapshot_date, sa.Date), sa.literal(definition.key),
                      *keys, sa.func.count())
            .where(r.duration_months >= 1)
            .group_by(*keys))


def default_definition(rules: Rules) -> ChurnDefinition:
    """The churn definition the rules give: their churn types and exclusions."""
    return ChurnDefinition(settings(rules).churn_types, rules.exclude_involuntary,
                           rules.exclude_min_tenure_months, rules.exclude_group_paid)


def timeline(conn: sa.Connection, snapshot_date: dt.date) -> Timeline:
    """Month indexes of the stored snapshots up to ``snapshot_date``."""
    listing = read_frame(conn, sa.select(snapshots.c.snapshot_date, snapshots.c.snapshot_month)
                         .where(snapshots.c.snapshot_date <= snapshot_date)
                         .order_by(snapshots.c.snapshot_date))
    dates = listing["snapshot_date"].to_list()
    months = listing["snapshot_month"].to_list()
    previous = tuple((d, months[i - 1] if i else None) for i, d in enumerate(dates))
    first = months[0] if len(months) > 1 else None
    chosen = months[-1] if months else snapshot_date.year * 12 + snapshot_date.month - 1
    return Timeline(chosen, previous, first)
