"""Checks of a validated file against the store and the answers given at import, shown before
the Import button (and printed by ``python -m lib import``): they only warn.

- ``precheck_date_stored``: a snapshot date the file would write is already stored (the
  import replaces it only when asked to, otherwise it is refused);
- ``precheck_churn_share_window``: the churn share is implausible for the stated churn window
  (above ``[import_checks] churn_share_max_per_month`` × months);
- ``precheck_churn_none``: no accepted customer is flagged churned;
- ``precheck_ids_generated_stored``: the file has no customer id column (ids are made from row
  numbers) and the store already holds snapshots: row 1 of this file would be taken for row 1 of
  the stored ones, so every comparison across snapshots (changes, VIP retention, migration,
  lifetimes) would pair unrelated customers;
- ``precheck_spend_lowest_tier`` / ``precheck_spend_top_tier``: most customers' spend sits
  below the second star tier's floor, or at or above the top tier's (another currency or scale
  than the thresholds).

Not here: a snapshot date after today and the tenure and spend units (``lib.ingest.plausibility``,
in the validation report), and whether the file repeats the previous snapshot's base.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from lib.common import fmt
from lib.i18n import t_text
from lib.ingest.mapping import Mapping
from lib.ingest.plausibility import ImportChecks, import_checks
from lib.ingest.profile import churn_share
from lib.pipeline.snapshots import list_snapshots
from lib.rules import Rules
from lib.store.schema import SPEND_COLUMNS

#: A warning: i18n code and its fields; ``tier`` fields are tier numbers, named when rendered.
Precheck = tuple[str, dict[str, object]]


def snapshot_dates_of(accepted: pl.DataFrame, snapshot_date: dt.date | None) -> list[dt.date]:
    """The snapshot dates an import of ``accepted`` writes: its column, else the given date."""
    if "snapshot_date" in accepted.columns:
        return sorted(accepted["snapshot_date"].drop_nulls().unique().to_list())
    return [snapshot_date] if snapshot_date is not None else []


def stored_date_checks(engine: sa.Engine, dates: list[dt.date]) -> list[Precheck]:
    """One warning per date already stored, with its stored row count."""
    stored = list_snapshots(engine)
    if stored.height == 0:
        return []
    rows = dict(zip(stored["snapshot_date"].to_list(), stored["row_count"].to_list()))
    return [("precheck_date_stored", {"date": d.isoformat(), "rows": f"{rows[d]:,}"})
            for d in dates if d in rows]


def generated_id_checks(engine: sa.Engine, mapping: Mapping) -> list[Precheck]:
    """A warning when ids will be generated (no ``customer_id`` in the mapping) for a store that
    already holds snapshots, with how many."""
    if "customer_id" in mapping:
        return []
    stored = list_snapshots(engine)
    return [("precheck_ids_generated_stored", {"snapshots": stored.height})] if stored.height else []


def churn_window_checks(accepted: pl.DataFrame, mapping: Mapping, window_months: int | None,
                        checks: ImportChecks) -> list[Precheck]:
    """The churn share against the stated window (months; ``None`` = unknown: only the
    no-churner check applies)."""
    share = churn_share(accepted)
    if share is None:
        return []
    column = " + ".join(next((mapping[f].columns for f in ("churned", "churn_date") if f in mapping), ()))
    if share == 0:
        return [("precheck_churn_none", {"column": column or "–"})]
    if window_months is None:
        return []
    limit = min(1.0, window_months * checks.churn_share_max_per_month)
    if share <= limit:
        return []
    return [("precheck_churn_share_window", {
        "share": fmt.number(share, "share"), "months": window_months,
        "limit": fmt.number(limit, "share"),
        "per_month": fmt.number(checks.churn_share_max_per_month, "share")})]


def customer_spend(accepted: pl.DataFrame) -> pl.Series | None:
    """Each accepted row's average monthly spend (currency per month) as the star tiers read
    it: the mean of the spend months present, else ``arpu``; ``None`` when no spend is mapped."""
    months = [c for c in SPEND_COLUMNS if c in accepted.columns]
    parts = []
    if months:
        parts.append(pl.mean_horizontal(months))
    if "arpu" in accepted.columns:
        parts.append(pl.col("arpu"))
    if not parts:
        return None
    return accepted.select(pl.coalesce(parts).alias("spend"))["spend"].drop_nulls()


def tier_fit_checks(accepted: pl.DataFrame, rules: Rules, checks: ImportChecks) -> list[Precheck]:
    """Spend against the star-tier thresholds (``[tiers] spend_min``)."""
    spend = customer_spend(accepted)
    bounds = rules.tier_spend_min
    if spend is None or spend.len() == 0 or len(bounds) < 2:
        return []
    out: list[Precheck] = []
    below = float((spend < bounds[1]).mean())
    top = float((spend >= bounds[-1]).mean())
    if below > checks.lowest_tier_share_max:
        out.append(("precheck_spend_lowest_tier", {
            "share": fmt.number(below, "share"), "floor": fmt.number(bounds[1], "currency"),
            "tier": 2}))
    if top > checks.top_tier_share_max:
        out.append(("precheck_spend_top_tier", {
            "share": fmt.number(top, "share"), "floor": fmt.number(bounds[-1], "currency"),
            "tier": len(bounds)}))
    return out


def import_prechecks(engine: sa.Engine | None, accepted: pl.DataFrame, mapping: Mapping,
                     snapshot_date: dt.date | None, window_months: int | None,
                     rules: Rules) -> list[Precheck]:
    """Every check before an import of the accepted rows of a validated file into the store of
    ``engine`` (``None``: a store still to be made, where no date can clash)."""
    checks = import_checks(rules)
    stored = ([] if engine is None
              else stored_date_checks(engine, snapshot_dates_of(accepted, snapshot_date)))
    if engine is not None:
        stored = stored + generated_id_checks(engine, mapping)
    return (stored
            + churn_window_checks(accepted, mapping, window_months, checks)
            + tier_fit_checks(accepted, rules, checks))


def precheck_text(check: Precheck, rules: Rules, lang: str = "en", **fields: object) -> str:
    """A check's message in ``lang`` as plain text; tier numbers named by the rules; ``fields``
    add what the surface names (the Data page's "replace" box label)."""
    code, params = check
    params = dict(params)
    if "tier" in params:
        params["tier"] = rules.tier_name(int(params["tier"]), lang)
    return t_text(code, lang, **params, **fields)
