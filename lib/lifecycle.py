"""Lifecycle and churn cohorts: settings, stages, cohort matrix, survival, sBG projection, CLV.

Every function taking ``conn`` first runs the queries of ``lib.queries.lifecycle`` and returns
small polars frames or dataclasses of them (picklable, so pages cache them with ``ui.compute``).
Units: lifetimes in months, money in currency per month unless a name says ``_currency`` (a
value in currency), shares 0–1.

sBG fits and customer value per tier (read by the Offers ROI page) are in ``lib.lifecycle_value``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib import queries
from lib.lifecycle_survival import KaplanMeier, LogRank, logrank
from lib.queries import Filters
from lib.queries import lifecycle as q
from lib.queries.lifecycle import DIMENSIONS, ChurnDefinition, Timeline
from lib.rules import STAGES, Rules, RulesError, default_rules
from lib.schema import CHURN_TYPES
from lib.store import read_frame

SECTION = "lifecycle_analysis"


@dataclass(frozen=True)
class Settings:
    """The ``[lifecycle_analysis]`` rules section, checked.

    churn_types : churn types counted as churn by default.
    value_drop_share : share of spend lost (last three months against the three before) that
        makes an active customer a value decliner (0–1).
    cohort_months : join months shown in the cohort heatmap.
    projection_months : months the sBG projection runs to.
    margin_share : default margin on spend (0–1), an input on the page.
    annual_discount_rate : default yearly discount rate (0–1), an input on the page.
    max_groups : most groups drawn in one survival chart.
    min_fit_customers : fewest customers a tier needs for an sBG fit.
    """

    churn_types: tuple[str, ...]
    value_drop_share: float
    cohort_months: int
    projection_months: int
    margin_share: float
    annual_discount_rate: float
    max_groups: int
    min_fit_customers: int


def _number(section: dict, key: str, low: float, high: float) -> float:
    value = section.get(key)
    if value is None:
        raise RulesError("rules_missing_key", key=f"{SECTION}.{key}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RulesError("rules_bad_number", key=f"{SECTION}.{key}", low=low, high=high)
    return float(value)


def settings(rules: Rules) -> Settings:
    """Parse and check the ``[lifecycle_analysis]`` section of ``rules``.

    Rules saved before the section existed do not have it: the shipped defaults'
    (``data/rules.toml``) apply until an analyst saves a version that has it.
    """
    section = rules.section(SECTION) or default_rules().section(SECTION)
    types = section.get("churn_types")
    if not isinstance(types, list) or not types or any(t not in CHURN_TYPES for t in types):
        raise RulesError("lifecycle_bad_churn_types", key=f"{SECTION}.churn_types",
                         allowed=", ".join(CHURN_TYPES))
    return Settings(
        churn_types=tuple(types),
        value_drop_share=_number(section, "value_drop_share", 0.01, 1),
        cohort_months=int(_number(section, "cohort_months", 1, 240)),
        projection_months=int(_number(section, "projection_months", 1, 600)),
        margin_share=_number(section, "margin_share", 0, 1),
        annual_discount_rate=_number(section, "annual_discount_rate", 0, 1),
        max_groups=int(_number(section, "max_groups", 1, 20)),
        min_fit_customers=int(_number(section, "min_fit_customers", 1, 1e9)),
    )


def default_definition(rules: Rules) -> ChurnDefinition:
    """The churn definition the rules give: their churn types and exclusions."""
    return ChurnDefinition(settings(rules).churn_types, rules.exclude_involuntary,
                           rules.exclude_min_tenure_months, rules.exclude_group_paid)


def timeline(conn: sa.Connection, snapshot_date: dt.date) -> Timeline:
    """Month indexes of the stored snapshots up to ``snapshot_date``."""
    listing = read_frame(conn, queries.snapshot_list())
    listing = listing.filter(pl.col("snapshot_date") <= snapshot_date)
    dates = listing["snapshot_date"].to_list()
    months = listing["snapshot_month"].to_list()
    previous = tuple((d, months[i - 1] if i else None) for i, d in enumerate(dates))
    first = months[0] if len(months) > 1 else None
    chosen = months[-1] if months else snapshot_date.year * 12 + snapshot_date.month - 1
    return Timeline(chosen, previous, first)


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
    summary : per ``segment``: ``customers``, ``churners``, ``median_months`` (null when the
        curve never reaches 0.5), largest group first.
    lifetimes : the grouped lifetimes the curves were fitted on (``queries.lifecycle.lifetimes``).
    """

    dimension: str | None
    curves: pl.DataFrame
    summary: pl.DataFrame
    lifetimes: pl.DataFrame


def lifetime_counts(conn: sa.Connection, filters: Filters, rules: Rules,
                    definition: ChurnDefinition, dimension: str | None) -> pl.DataFrame:
    """Customers per (segment, duration_months, event, entry_months, active): see
    ``queries.lifecycle.lifetimes``; ``segment`` as text."""
    frame = read_frame(conn, q.lifetimes(filters, definition, rules,
                                          timeline(conn, filters.snapshot_date), dimension))
    if frame.height == 0:
        return pl.DataFrame(schema={"segment": pl.String, "duration_months": pl.Int64,
                                    "event": pl.Int64, "entry_months": pl.Int64,
                                    "active": pl.Int64, "customers": pl.Int64})
    return frame.with_columns(pl.col("segment").cast(pl.String))


def kaplan_meier(rows: pl.DataFrame) -> KaplanMeier:
    """Kaplan–Meier fitted on rows of ``lifetime_counts``."""
    return KaplanMeier().fit(rows["duration_months"].to_numpy(), rows["event"].to_numpy(),
                             rows["customers"].to_numpy(), rows["entry_months"].to_numpy())


def survival(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
             dimension: str | None, max_groups: int) -> SurvivalView:
    """Kaplan–Meier survival per value of ``dimension`` (the largest ``max_groups`` groups), or
    of the whole base when ``dimension`` is None."""
    rows = lifetime_counts(conn, filters, rules, definition, dimension)
    sizes = (rows.group_by("segment").agg(customers=pl.col("customers").sum(),
                                          churners=(pl.col("customers") * pl.col("event")).sum())
             .sort(["customers", "segment"], descending=[True, False]).head(max_groups))
    if dimension == "tier":
        sizes = sizes.sort(pl.col("segment").cast(pl.Int64))
    curves, medians = [], []
    for group in sizes["segment"].to_list():
        part = rows.filter(pl.col("segment").eq_missing(group))
        km = kaplan_meier(part)
        curves.append(km.survival_.with_columns(segment=pl.lit(group, pl.String)))
        medians.append(km.median_months_)
    summary = sizes.with_columns(median_months=pl.Series(medians, dtype=pl.Float64))
    curve = pl.concat(curves) if curves else pl.DataFrame(
        schema={"months": pl.Float64, "survival": pl.Float64, "lower": pl.Float64,
                "upper": pl.Float64, "at_risk": pl.Float64, "events": pl.Float64,
                "segment": pl.String})
    return SurvivalView(dimension, curve, summary, rows)


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

def cohort_matrix(rows: pl.DataFrame, chosen_month: int) -> pl.DataFrame:
    """Share of each join cohort still active (not lost to the chosen churn) per month of life.

    Input: rows of ``queries.lifecycle.cohorts`` (join_month, duration_months, event,
    customers). Output, long: ``join_month``, ``months`` (1 = the joining month),
    ``cohort_size``, ``active`` (customers, null when censored), ``share`` (0–1, null when
    censored). A cohort joined in month j is observed for ``chosen_month - j + 1`` months; later
    cells are censored (blank), not zero.
    """
    if rows.height == 0:
        return pl.DataFrame(schema={"join_month": pl.Int64, "months": pl.Int64,
                                    "cohort_size": pl.Int64, "active": pl.Int64,
                                    "share": pl.Float64})
    first = int(rows["join_month"].min())
    width = chosen_month - first + 1
    grid = pl.DataFrame({"join_month": list(range(first, chosen_month + 1))}).join(
        pl.DataFrame({"months": list(range(1, width + 1))}), how="cross")
    sizes = rows.group_by("join_month").agg(cohort_size=pl.col("customers").sum())
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
    observed = pl.col("months") <= chosen_month - pl.col("join_month") + 1
    return out.select(
        "join_month", "months", pl.col("cohort_size").cast(pl.Int64),
        pl.when(observed).then(pl.col("cohort_size") - pl.col("lost")).cast(pl.Int64).alias("active"),
        pl.when(observed).then((pl.col("cohort_size") - pl.col("lost")) / pl.col("cohort_size"))
        .cast(pl.Float64).alias("share"),
    )


def cohorts(conn: sa.Connection, filters: Filters, rules: Rules, definition: ChurnDefinition,
            cohort_months: int, dimension: str | None = None,
            value: str | None = None) -> pl.DataFrame:
    """The cohort matrix (see ``cohort_matrix``) of the last ``cohort_months`` join months,
    optionally for one value of a segment dimension. With several snapshots only cohorts that
    joined from the first stored snapshot on are shown (earlier ones are left-truncated)."""
    line = timeline(conn, filters.snapshot_date)
    column_value: object = value
    if dimension == "tier" and value is not None:
        column_value = int(value)
    first_join = line.chosen_month - cohort_months + 1
    if line.first_month is not None:
        # joiners before the first snapshot are seen only if they survived to it: left out
        first_join = max(first_join, line.first_month)
    rows = read_frame(conn, q.cohorts(filters, definition, rules, line, first_join, dimension,
                                       column_value))
    return cohort_matrix(rows, line.chosen_month)


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
               .sort("customers", descending=True))
    chosen = rows.filter(pl.col("counted") & pl.col("churn_type").is_in(list(definition.types)))
    by_reason = (chosen.filter(pl.col("churn_reason").is_not_null())
                 .group_by("churn_reason").agg(customers=pl.col("customers").sum())
                 .sort("customers", descending=True))
    decline = read_frame(conn, q.tier_values(filters, value_drop_share))
    if decline.height:
        decline = decline.select("tier", "active", "value_declined").with_columns(
            value_declined_share=pl.col("value_declined") / pl.col("active"))
    return ChurnBreakdown(by_type, by_reason, decline)


def dimension_names() -> list[str]:
    """Dimensions offered for grouping survival and filtering cohorts."""
    return list(DIMENSIONS)
