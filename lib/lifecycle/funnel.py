"""The funnel per join cohort: acquired → survived → grew → mature → still active."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.lifecycle import queries as q
from lib.lifecycle.dimensions import stored_value
from lib.lifecycle.queries import ChurnDefinition, FunnelSteps
from lib.lifecycle.settings import COHORT_PERIODS, settings
from lib.lifecycle.stages import month_label, timeline
from lib.rules import Rules
from lib.store import read_frame
from lib.store.filters import Filters


#: Funnel steps in order; each is a subset of the one before.
FUNNEL_STEPS: tuple[str, ...] = ("acquired", "survived", "grew", "mature", "active")


@dataclass(frozen=True)
class Funnel:
    """The join-cohort funnel (see ``funnel``).

    cohorts : long, one row per cohort × step: ``cohort`` (first join month index of the
        cohort), ``label`` (``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``), ``step`` (``FUNNEL_STEPS``),
        ``step_index`` (0–4), ``customers`` (null when not yet observable), ``step_conversion``
        (share of the previous step, 0–1; null for ``acquired``, when not observable or when the
        previous step is 0) and ``overall`` (share of the acquired, 0–1).
    period : "month", "quarter" or "year".
    steps : the parameters used (months and spend share).
    """

    cohorts: pl.DataFrame
    period: str
    steps: FunnelSteps


def cohort_period(join_months: int, setting: str, max_cohorts: int) -> str:
    """The cohort period: ``setting`` unless "auto", then the finest period that gives at most
    ``max_cohorts`` cohorts over ``join_months`` join months (years otherwise)."""
    if setting != "auto":
        return setting
    for name, months in COHORT_PERIODS.items():
        if -(-join_months // months) <= max_cohorts:
            return name
    return "year"


def _cohort_label(start: int, period: str) -> str:
    year, month = divmod(int(start), 12)
    if period == "quarter":
        return f"{year:04d}-Q{month // 3 + 1}"
    if period == "year":
        return f"{year:04d}"
    return month_label(start)


def funnel_table(rows: pl.DataFrame, chosen_month: int, steps: FunnelSteps,
                 period: str) -> pl.DataFrame:
    """Per-cohort funnel from the per-join-month counts of ``lib.lifecycle.queries.funnel``.

    Months are summed into cohorts of ``period`` (quarters start in January, April, July,
    October; years in January). Censoring is per cohort: a step needing ``m`` months of life is
    observable only when the cohort's **latest** join month is at least ``m`` months old at the
    chosen snapshot (``chosen_month - join_month + 1 >= m``), and growth only when every
    survivor also has the rows it compares stored. A step that is not observable, and every step after it, has null
    counts and shares: "not yet observable", never 0 %.
    """
    schema = {"cohort": pl.Int64, "label": pl.String, "step": pl.String, "step_index": pl.Int64,
              "customers": pl.Int64, "step_conversion": pl.Float64, "overall": pl.Float64}
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    width = COHORT_PERIODS[period]
    counts = ["acquired", "survived", "grew_known", "grew", "mature", "active"]
    grouped = (rows.with_columns(pl.col("join_month").cast(pl.Int64),
                                 *(pl.col(k).cast(pl.Int64) for k in counts))
               .with_columns(cohort=pl.col("join_month") - pl.col("join_month") % width)
               .group_by("cohort")
               .agg(*(pl.col(k).sum() for k in counts), last_join=pl.col("join_month").max())
               .sort("cohort"))
    out = []
    for r in grouped.iter_rows(named=True):
        age = chosen_month - r["last_join"] + 1          # months of life of the youngest member
        observable = {
            "acquired": True,
            "survived": age >= steps.survival_months,
        }
        observable["grew"] = (observable["survived"] and age >= steps.growth_months
                              and r["grew_known"] == r["survived"])
        observable["mature"] = observable["grew"] and age >= steps.mature_months
        observable["active"] = observable["mature"]
        previous = None
        for i, step in enumerate(FUNNEL_STEPS):
            value = r[step] if observable[step] else None
            conversion = (None if i == 0 or value is None or not previous
                          else value / previous)
            overall = None if value is None or not r["acquired"] else value / r["acquired"]
            out.append((r["cohort"], _cohort_label(r["cohort"], period), step, i, value,
                        conversion, overall))
            previous = value
    return pl.DataFrame(out, schema=schema, orient="row")


def funnel(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
           dimension: str | None = None, value: str | None = None) -> Funnel:
    """Funnel per join cohort: acquired → survived → grew → mature → still active.

    Steps (each a subset of the one before), at the chosen snapshot:

    * **acquired**: joined in the cohort and in the analysis base (the definition's
      exclusions of involuntary churners and group-paid lines apply; the minimum-tenure
      exclusion does not, since the funnel is about early months). Churners of types outside
      the definition are left out.
    * **survived**: completed ``funnel_survival_months`` months of life as a customer (active
      at a month-end snapshot counts that month; a churner completed the months before the
      churn month).
    * **grew**: survived, and at the end of month ``funnel_growth_months`` of life (or in
      their churn row if they left before) a higher star tier **or** a six-month average spend
      at least ``funnel_growth_spend_share`` above the one in their row at the end of the
      survival months (which averages their first months when earlier spend months are
      blank). Needs those rows stored: files with a single snapshot cannot show growth, and the
      steps after it are then not observable.
    * **mature**: grew and completed ``maturity_min_tenure_months`` (``[lifecycle]``) months.
    * **active**: mature and still active at the chosen snapshot.

    Cohorts are the join months of the last ``funnel_join_months`` months (from the first
    stored snapshot on when there are several: earlier joiners are left-truncated), grouped by
    ``funnel_cohort_period``. Optionally only where ``dimension`` equals ``value``.
    """
    s = settings(rules)
    steps = FunnelSteps(s.funnel_survival_months, s.funnel_growth_months,
                        s.funnel_growth_spend_share, int(rules.maturity_min_tenure_months))
    line = timeline(conn, filters.snapshot_date)
    first_join = line.chosen_month - s.funnel_join_months + 1
    if line.first_month is not None:
        first_join = max(first_join, line.first_month)
    period = cohort_period(line.chosen_month - first_join + 1, s.funnel_cohort_period,
                           s.funnel_max_cohorts)
    # coarser cohorts start on a period boundary, so the first one is whole
    width = COHORT_PERIODS[period]
    first_join += (-first_join) % width
    base = ChurnDefinition(definition.types, definition.exclude_involuntary, 0.0,
                           definition.exclude_group_paid)
    rows = read_frame(conn, q.funnel(filters, base, rules, line, first_join, steps, dimension,
                                     stored_value(dimension, value)))
    return Funnel(funnel_table(rows, line.chosen_month, steps, period), period, steps)
