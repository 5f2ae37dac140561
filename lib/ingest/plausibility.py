"""Plausibility checks of a mapped file, shown in the validation report before an import.

Row checks (``lib.ingest.validate``) judge one value at a time: a tenure of 10 is a fine number of
months. These judge a whole column against what a customer base looks like: a tenure column
whose 99th percentile is 10 "months" is more likely years, a "monthly spend" with a median of
100,000 is more likely a balance, a snapshot dated after today describes a day not yet seen.
They only warn (file-level report rows, severity "warning"): the user checks them and
confirms or corrects the mapping. Thresholds come from ``[import_checks]`` in the rules.

Already covered by the row checks and not repeated here: tenure beyond 1,200 months (100
years), negative spend, join/churn dates after today, snapshot dates in a file's column after
today (those rows are rejected).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from lib.ingest.report import Term
from lib.ingest.flags import header_says
from lib.ingest.mapping import FieldSource, header_unit
from lib.rules import Rules, RulesError, finite_number
from lib.store.schema import SPEND_COLUMNS, UNIT_FACTORS

#: Units a tenure column may be read in, in the order they are offered (the contract unit first).
TENURE_UNITS: tuple[str, ...] = ("months", "years", "days")
#: Spend fields checked (currency per month each).
SPEND_FIELDS: tuple[str, ...] = (*SPEND_COLUMNS, "arpu")
#: Header words that name a stock or an income rather than a monthly spend.
NOT_SPEND_WORDS: tuple[str, ...] = (
    "balance", "salary", "income", "wage", "wages", "deposit", "deposits", "savings", "annual",
    "yearly", "余额", "工资", "薪资", "存款", "年薪", "年收入", "年度",
)
#: Report codes of these checks: the Data page asks the user to confirm them before importing.
CODES: frozenset[str] = frozenset({
    "ingest_tenure_unit_values", "ingest_tenure_unit_header", "ingest_spend_implausible",
    "ingest_spend_named_like_balance", "ingest_snapshot_in_future",
})
#: Quantile standing for "the longest tenure": robust to a few stray values.
TENURE_QUANTILE = 0.99

Warning = tuple[str, dict[str, object]]


@dataclass(frozen=True)
class ImportChecks:
    """The ``[import_checks]`` rules.

    Attributes
    ----------
    tenure_longest_months : (low, high) band, in months, for the 99th percentile of tenure.
    tenure_min_values : fewest tenure values the unit is judged by.
    spend_multiple : median monthly spend above ``spend_multiple`` × the top star-tier
        threshold (currency per month) is questioned.
    top_tier_spend : that threshold, currency per month ([tiers] spend_min, last bound).
    churn_share_max_per_month : a churn share (0–1) above this many times the churn window
        (months) is questioned before an import (``lib.pipeline.prechecks``).
    lowest_tier_share_max : a share (0–1) of customers spending below the second tier's floor
        (all in the lowest tier) above this is questioned.
    top_tier_share_max : a share (0–1) of customers at or above the top tier's floor above this
        is questioned.
    """

    tenure_longest_months: tuple[float, float]
    tenure_min_values: int
    spend_multiple: float
    top_tier_spend: float
    churn_share_max_per_month: float = 0.1
    lowest_tier_share_max: float = 0.9
    top_tier_share_max: float = 0.5


def import_checks(rules: Rules) -> ImportChecks:
    """Read and check ``[import_checks]`` (shipped defaults for keys a saved version lacks).

    Raises
    ------
    RulesError naming the first bad key.
    """
    section = rules.read("import_checks")
    band = section.value("tenure_longest_months")
    if (not isinstance(band, list) or len(band) != 2
            or not all(finite_number(b) for b in band) or not 0 < band[0] < band[1]):
        raise RulesError("rules_bad_number", key="import_checks.tenure_longest_months",
                         low=0, high=1200)
    return ImportChecks(
        tenure_longest_months=(float(band[0]), float(band[1])),
        tenure_min_values=section.integer("tenure_min_values", 1, 1e6),
        spend_multiple=section.number("spend_median_max_top_tier_multiple", 1, 1e6),
        top_tier_spend=float(rules.tier_spend_min[-1]),
        churn_share_max_per_month=section.share("churn_share_max_per_month", 0.001, 1),
        lowest_tier_share_max=section.share("lowest_tier_share_max", 0.01, 1),
        top_tier_share_max=section.share("top_tier_share_max", 0.01, 1),
    )


def figure(value: float) -> str:
    """A number for a message: thousands separated, at most one decimal ("9.9", "120", "52,000")."""
    return f"{value:,.1f}".removesuffix(".0")


# --------------------------------------------------------------------------- the checks

def statistics(work: pl.DataFrame, sources: dict[str, FieldSource],
               tenure_column: str) -> dict[str, float | None]:
    """The figures the checks read, in one pass over the validation work frame.

    Parameters
    ----------
    work : the validation work frame: ``tenure_column`` holds the parsed tenure in months
        (before range checks), ``v_<field>`` the kept spend values (currency per month),
        ``rejected`` and ``blank`` the row flags.
    sources : mapped fields.
    tenure_column : name of the parsed tenure column in ``work``.

    Returns
    -------
    ``tenure_n``, ``tenure_low``, ``tenure_high``, ``tenure_median``, ``tenure_longest``
    (99th percentile) in the source's unit, and ``median_<field>`` per mapped spend field.
    """
    exprs: list[pl.Expr] = []
    if "tenure_months" in sources and tenure_column in work.columns:
        unit = sources["tenure_months"].unit or "months"
        written = (pl.col(tenure_column) / UNIT_FACTORS["tenure_months"][unit]).filter(
            ~pl.col("blank"))
        exprs += [written.count().alias("tenure_n"), written.min().alias("tenure_low"),
                  written.max().alias("tenure_high"), written.median().alias("tenure_median"),
                  written.quantile(TENURE_QUANTILE, "higher").alias("tenure_longest")]
    accepted = ~pl.col("rejected")
    exprs += [pl.col(f"v_{f}").filter(accepted).median().alias(f"median_{f}")
              for f in SPEND_FIELDS if f in sources and f"v_{f}" in work.columns]
    if not exprs:
        return {}
    return work.select(exprs).row(0, named=True)


def tenure_warnings(source: FieldSource, stats: dict[str, float | None],
                    checks: ImportChecks) -> list[Warning]:
    """Warn when the tenure column's unit looks wrong, with its evidence and the unit to choose.

    Two kinds of evidence, reported separately:

    * the header states a unit other than the one the column is read in;
    * read in its unit, the 99th percentile of tenure (months) falls outside the rules' band
      while another unit brings it inside (0–10 read as months → years; 1–243 read as days,
      at most 8 months → months; 0–3,000 read as months → days).
    """
    unit = source.unit or "months"
    column = " + ".join(source.columns)
    warnings: list[Warning] = []
    n, longest = stats.get("tenure_n") or 0, stats.get("tenure_longest")
    evidence = {"column": column, "field": "tenure_months", "unit": Term(f"ingest_unit_{unit}")}
    if n:
        evidence |= {"low": figure(stats["tenure_low"]), "high": figure(stats["tenure_high"]),
                     "median": figure(stats["tenure_median"])}
    stated = header_unit("tenure_months", source.columns[0]) if len(source.columns) == 1 else None
    if stated and stated != unit and n:
        warnings.append(("ingest_tenure_unit_header", evidence | {
            "stated": Term(f"ingest_unit_{stated}"), "stated_code": stated}))
    elif n >= checks.tenure_min_values and longest is not None:
        low, high = checks.tenure_longest_months
        factors = UNIT_FACTORS["tenure_months"]
        as_read = longest * factors[unit]
        fitting = [u for u in TENURE_UNITS if low <= longest * factors[u] <= high]
        if not low <= as_read <= high and fitting:
            better = fitting[0]
            warnings.append(("ingest_tenure_unit_values", evidence | {
                "longest": figure(longest), "longest_months": figure(as_read),
                "band_low": figure(low), "band_high": figure(high),
                "suggested": Term(f"ingest_unit_{better}"), "suggested_code": better,
                "suggested_months": figure(longest * factors[better])}))
    return warnings


def spend_warnings(sources: dict[str, FieldSource], stats: dict[str, float | None],
                   checks: ImportChecks) -> list[Warning]:
    """Warn about each spend field whose median (currency per month) is far above the top star
    tier, or whose header names a balance, salary or income ("Balance", "EstimatedSalary",
    "账户余额")."""
    warnings: list[Warning] = []
    ceiling = checks.spend_multiple * checks.top_tier_spend
    for field in SPEND_FIELDS:
        source, median = sources.get(field), stats.get(f"median_{field}")
        if source is None or median is None:
            continue
        params = {"column": " + ".join(source.columns), "field": field,
                  "median": figure(median), "top": figure(checks.top_tier_spend),
                  "multiple": figure(checks.spend_multiple), "ceiling": figure(ceiling)}
        if median > ceiling:
            warnings.append(("ingest_spend_implausible", params))
        elif any(header_says(c, NOT_SPEND_WORDS) for c in source.columns):
            warnings.append(("ingest_spend_named_like_balance", params))
    return warnings


def snapshot_warnings(snapshot: dt.date | None, today: dt.date) -> list[Warning]:
    """Warn when the snapshot date given at import is after ``today``.

    (Dates in a snapshot column after today are row errors in ``lib.ingest.validate``.)
    """
    if snapshot is None or snapshot <= today:
        return []
    return [("ingest_snapshot_in_future", {"field": "snapshot_date",
                                           "snapshot": snapshot.isoformat(),
                                           "today": today.isoformat(),
                                           "days": (snapshot - today).days})]


def plausibility_warnings(work: pl.DataFrame, sources: dict[str, FieldSource],
                          tenure_column: str, snapshot: dt.date | None, today: dt.date,
                          rules: Rules) -> list[Warning]:
    """Every plausibility warning of one validation, as ``(code, params)`` file-level rows."""
    checks = import_checks(rules)
    stats = statistics(work, sources, tenure_column)
    warnings = snapshot_warnings(snapshot, today)
    if "tenure_months" in sources:
        warnings += tenure_warnings(sources["tenure_months"], stats, checks)
    return warnings + spend_warnings(sources, stats, checks)
