"""Lifecycle and churn cohorts: settings, stages, cohort matrix, survival, sBG projection, CLV.

Every function taking ``conn`` first runs the queries of ``lib.lifecycle.queries`` and returns
small polars frames or dataclasses of them (picklable, so pages cache them with ``ui.compute``).
Units: lifetimes in months, money in currency per month unless a name says ``_currency`` (a
value in currency), shares 0–1.

sBG fits and customer value per tier (read by the Offers ROI page) are in ``lib.lifecycle.value``.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.lifecycle.survival import KaplanMeier, LogRank, logrank
from lib.store.filters import Filters
from lib.lifecycle import queries as q
from lib.lifecycle.queries import (
    ATTRIBUTE_PREFIX,
    DIMENSIONS,
    ChurnDefinition,
    FunnelSteps,
    attribute_dimension,
)
# the section reader and the churn definition live below (the lifetime cube needs them);
# imported here under their old names for the pages and tests
from lib.pipeline.lifetimes import default_definition, timeline  # noqa: F401 - re-exported
from lib.rules import STAGES, Rules
from lib.rules.lifecycle_analysis import COHORT_PERIODS, SECTION, Settings, settings  # noqa: F401
from lib.store import read_frame

def month_label(month_index: int) -> str:
    """``YYYY-MM`` of a stored month index."""
    year, month = divmod(int(month_index), 12)
    return f"{year:04d}-{month + 1:02d}"


# --- stages -----------------------------------------------------------------------------------

def stages(conn: sa.Connection, filters: Filters) -> pl.DataFrame:
    """Customers per stage × tier in the chosen snapshot (every stage present, in order)."""
    counts = read_frame(conn, q.stage_by_tier(filters))
    full = pl.DataFrame({"stage": list(STAGES)}).join(
        pl.DataFrame({"tier": list(range(1, 7))}, schema={"tier": pl.Int64}), how="cross")
    if counts.height:
        counts = counts.with_columns(pl.col("tier").cast(pl.Int64), pl.col("customers").cast(pl.Int64))
        full = full.join(counts, on=["stage", "tier"], how="left")
    else:
        full = full.with_columns(customers=pl.lit(0, pl.Int64))
    return full.with_columns(pl.col("customers").fill_null(0))


# --- survival ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurvivalView:
    """Kaplan–Meier curves per group.

    curves : ``segment``, ``months``, ``survival``, ``lower``, ``upper``, ``at_risk``, ``events``.
    summary : per ``segment``: ``customers``, ``churners``, ``median_months`` (months of life;
        null when the curve never reaches 0.5), largest group first.
    lifetimes : the grouped lifetimes the curves were fitted on (``lib.lifecycle.queries.lifetimes``).
    truncation_months : under the minimum-tenure exclusion, the months of life the curves are
        conditional on (they start at 1 there; customers and churners are those who stayed that
        long); 0 without it.
    """

    dimension: str | None
    curves: pl.DataFrame
    summary: pl.DataFrame
    lifetimes: pl.DataFrame
    truncation_months: int = 0


def lifetime_counts(conn: sa.Connection, filters: Filters, rules: Rules,
                    definition: ChurnDefinition, dimension: str | None) -> pl.DataFrame:
    """Customers per (segment, duration_months, event, entry_months, active): see
    ``lib.lifecycle.queries.lifetimes`` (left-truncated under the minimum-tenure exclusion);
    ``segment`` as text."""
    if dimension in (None, *q.CUBE_DIMENSIONS) and conn.execute(
            q.cube_built(filters.snapshot_date, definition)).first():
        frame = read_frame(conn, q.cube_lifetimes(filters, definition, dimension))
    else:
        frame = read_frame(conn, q.lifetimes(filters, definition, rules,
                                              timeline(conn, filters.snapshot_date), dimension))
    if frame.height == 0:
        return pl.DataFrame(schema={"segment": pl.String, "duration_months": pl.Int64,
                                    "event": pl.Int64, "entry_months": pl.Int64,
                                    "active": pl.Int64, "customers": pl.Int64})
    return frame.with_columns(pl.col("segment").cast(pl.String))


def kaplan_meier(rows: pl.DataFrame, origin_months: int = 0) -> KaplanMeier:
    """Kaplan–Meier fitted on rows of ``lifetime_counts``, conditional on surviving
    ``origin_months`` months of life (the curve starts at 1 there)."""
    return KaplanMeier().fit(rows["duration_months"].to_numpy(), rows["event"].to_numpy(),
                             rows["customers"].to_numpy(), rows["entry_months"].to_numpy(),
                             origin=origin_months)


def survival(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
             dimension: str | None, max_groups: int) -> SurvivalView:
    """Kaplan–Meier survival per value of ``dimension`` (the largest ``max_groups`` groups), or
    of the whole base when ``dimension`` is None. Under the minimum-tenure exclusion the curves
    are those of the customers who stayed ``definition.truncation_months`` months, from then on
    (conditional survival, not 100 % over the first months)."""
    origin = definition.truncation_months
    rows = lifetime_counts(conn, filters, rules, definition, dimension)
    sizes = (rows.group_by("segment").agg(customers=pl.col("customers").sum(),
                                          churners=(pl.col("customers") * pl.col("event")).sum())
             .sort(["customers", "segment"], descending=[True, False]).head(max_groups))
    if dimension == "tier":
        sizes = sizes.sort(pl.col("segment").cast(pl.Int64))
    curves, medians = [], []
    for group in sizes["segment"].to_list():
        part = rows.filter(pl.col("segment").eq_missing(group))
        km = kaplan_meier(part, origin)
        curves.append(km.survival_.with_columns(segment=pl.lit(group, pl.String)))
        medians.append(km.median_months_)
    summary = sizes.with_columns(median_months=pl.Series(medians, dtype=pl.Float64))
    curve = pl.concat(curves) if curves else pl.DataFrame(
        schema={"months": pl.Float64, "survival": pl.Float64, "lower": pl.Float64,
                "upper": pl.Float64, "at_risk": pl.Float64, "events": pl.Float64,
                "segment": pl.String})
    return SurvivalView(dimension, curve, summary, rows, origin)


def compare(view: SurvivalView, group_a: str, group_b: str) -> LogRank:
    """Log-rank test of equal survival between two groups of a ``SurvivalView`` (no query:
    the view carries the lifetimes it was fitted on)."""
    rows = view.lifetimes

    def arrays(group: str) -> tuple:
        part = rows.filter(pl.col("segment") == group)
        return (part["duration_months"].to_numpy(), part["event"].to_numpy(),
                part["customers"].to_numpy(), part["entry_months"].to_numpy())

    return logrank(arrays(group_a), arrays(group_b))


def dimension_values(conn: sa.Connection, filters: Filters, dimension: str,
                     limit: int) -> list[str]:
    """The most frequent values of ``dimension`` in the chosen snapshot, as text."""
    frame = read_frame(conn, q.dimension_values(filters, dimension, limit))
    return [str(v) for v in frame["value"].to_list()] if frame.height else []


# --- cohorts ----------------------------------------------------------------------------------

def cohort_matrix(rows: pl.DataFrame, chosen_month: int,
                  truncation_months: int = 0) -> pl.DataFrame:
    """Share of each join cohort still active (not lost to the chosen churn) per month of life.

    Input: rows of ``lib.lifecycle.queries.cohorts`` (join_month, duration_months, event,
    customers). Output, long: ``join_month``, ``months`` (1 = the joining month),
    ``cohort_size``, ``active`` (customers, null when censored), ``share`` (0–1, null when
    censored), ``applicable``. A cohort joined in month j is observed for
    ``chosen_month - j + 1`` months; later cells are censored (blank), not zero.

    With ``truncation_months`` m > 0 (the minimum-tenure exclusion) each cohort is its
    customers who stayed m months (``cohort_size``: not lost to the chosen churn in months
    1..m and observed to the end of month m), the share of month m is 1 by construction, and
    months before m are not applicable (``applicable`` false, ``active`` and ``share`` null)
    rather than a 100 % that only reflects who was left out.
    """
    schema = {"join_month": pl.Int64, "months": pl.Int64, "cohort_size": pl.Int64,
              "active": pl.Int64, "share": pl.Float64, "applicable": pl.Boolean}
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    first = int(rows["join_month"].min())
    width = chosen_month - first + 1
    grid = pl.DataFrame({"join_month": list(range(first, chosen_month + 1))}).join(
        pl.DataFrame({"months": list(range(1, width + 1))}), how="cross")
    m = truncation_months
    joined = rows.select(pl.col("join_month").unique())
    # who stayed m months: churned after month m, or still observed at the end of month m
    rows = rows.filter((pl.col("duration_months") > m)
                       | ((pl.col("duration_months") == m) & (pl.col("event") == 0)))
    sizes = joined.join(rows.group_by("join_month").agg(cohort_size=pl.col("customers").sum()),
                        on="join_month", how="left").with_columns(pl.col("cohort_size").fill_null(0))
    lost = (rows.filter(pl.col("event") == 1)
            .group_by("join_month", "duration_months").agg(lost=pl.col("customers").sum())
            .rename({"duration_months": "months"}))
    cast = {"join_month": pl.Int64, "months": pl.Int64}
    out = (grid.with_columns(pl.col(k).cast(v) for k, v in cast.items())
           .join(sizes.with_columns(pl.col("join_month").cast(pl.Int64)), on="join_month", how="inner")
           .join(lost.with_columns(pl.col(k).cast(v) for k, v in cast.items()),
                 on=["join_month", "months"], how="left")
           .sort("join_month", "months")
           .with_columns(pl.col("lost").fill_null(0).cum_sum().over("join_month").alias("lost")))
    applicable = pl.col("months") >= m
    shown = (pl.col("months") <= chosen_month - pl.col("join_month") + 1) & applicable
    return out.select(
        "join_month", "months", pl.col("cohort_size").cast(pl.Int64),
        pl.when(shown).then(pl.col("cohort_size") - pl.col("lost")).cast(pl.Int64).alias("active"),
        pl.when(shown & (pl.col("cohort_size") > 0))
        .then((pl.col("cohort_size") - pl.col("lost")) / pl.col("cohort_size"))
        .cast(pl.Float64).alias("share"),
        applicable.alias("applicable"),
    )


def cohorts(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
            cohort_months: int, dimension: str | None = None,
            value: str | None = None) -> pl.DataFrame:
    """The cohort matrix (see ``cohort_matrix``) of the last ``cohort_months`` join months,
    optionally for one value of a segment dimension. With several snapshots only cohorts that
    joined from the first stored snapshot on are shown (earlier ones are left-truncated). Under
    the minimum-tenure exclusion each cohort is its customers who stayed that long."""
    line = timeline(conn, filters.snapshot_date)
    column_value = _dimension_value(dimension, value)
    first_join = line.chosen_month - cohort_months + 1
    if line.first_month is not None:
        # joiners before the first snapshot are seen only if they survived to it: left out
        first_join = max(first_join, line.first_month)
    rows = read_frame(conn, q.cohorts(filters, definition, rules, line, first_join, dimension,
                                       column_value))
    return cohort_matrix(rows, line.chosen_month, definition.truncation_months)


# --- churn types and reasons --------------------------------------------------------------------

@dataclass(frozen=True)
class ChurnBreakdown:
    """Churners of the chosen snapshot by type and by reason, and value decliners per tier.

    by_type : ``churn_type``, ``customers``, ``counted`` (in the analysis base), ``in_definition``.
    by_reason : ``churn_reason``, ``customers`` (counted churners of the chosen types).
    value_decline : per ``tier``: ``active``, ``value_declined`` (active customers whose spend
        fell by at least the share), ``value_declined_share``.
    """

    by_type: pl.DataFrame
    by_reason: pl.DataFrame
    value_decline: pl.DataFrame


def churn_breakdown(conn: sa.Connection, filters: Filters, rules: Rules,
                    definition: ChurnDefinition, value_drop_share: float) -> ChurnBreakdown:
    """Counts of churn types and reasons in the chosen snapshot and value decliners per tier."""
    line = timeline(conn, filters.snapshot_date)
    rows = read_frame(conn, q.churn_breakdown(filters, definition, rules, line))
    if rows.height == 0:
        rows = pl.DataFrame(schema={"churn_type": pl.String, "churn_reason": pl.String,
                                    "counted": pl.Boolean, "customers": pl.Int64,
                                    "spend": pl.Float64})
    rows = rows.with_columns(pl.col("churn_type").fill_null("unknown"))
    by_type = (rows.group_by("churn_type")
               .agg(customers=pl.col("customers").sum(),
                    counted=pl.col("customers").filter(pl.col("counted")).sum())
               .with_columns(in_definition=pl.col("churn_type").is_in(list(definition.types)))
               .sort(["customers", "churn_type"], descending=[True, False]))
    chosen = rows.filter(pl.col("counted") & pl.col("churn_type").is_in(list(definition.types)))
    by_reason = (chosen.filter(pl.col("churn_reason").is_not_null())
                 .group_by("churn_reason").agg(customers=pl.col("customers").sum())
                 .sort(["customers", "churn_reason"], descending=[True, False]))
    decline = read_frame(conn, q.tier_values(filters, value_drop_share))
    if decline.height:
        decline = decline.select("tier", "active", "value_declined").with_columns(
            value_declined_share=pl.col("value_declined") / pl.col("active"))
    return ChurnBreakdown(by_type, by_reason, decline)


def dimension_names(conn: sa.Connection, filters: Filters, max_values: int = 50) -> list[str]:
    """Dimensions offered for grouping and filtering: the stored segment columns, then every
    extra column of the imported file stored for the chosen snapshot (``attr:NAME``) with at
    most ``max_values`` distinct values (``dimension_max_values`` in the rules)."""
    extra = read_frame(conn, q.attribute_names(filters.snapshot_date, max_values))
    names = extra["name"].to_list() if extra.height else []
    return [*DIMENSIONS, *(attribute_dimension(n) for n in names)]


def is_attribute(dimension: str | None) -> bool:
    """Whether ``dimension`` is an extra file column (not a stored contract column)."""
    return bool(dimension) and dimension.startswith(ATTRIBUTE_PREFIX)


def attribute_name(dimension: str) -> str:
    """The file's column name of an attribute dimension."""
    return dimension[len(ATTRIBUTE_PREFIX):]


def _dimension_value(dimension: str | None, value: str | None) -> object:
    """A chosen value as the stored column compares it (tiers are integers)."""
    if dimension == "tier" and value is not None:
        return int(value)
    return value


# --- funnel per join cohort ---------------------------------------------------------------------

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
                                     _dimension_value(dimension, value)))
    return Funnel(funnel_table(rows, line.chosen_month, steps, period), period, steps)
