"""Executive KPIs: from the counts SQL returns to figures with targets and changes.

Units: counts of customers, shares 0–1, money in currency per month unless a name says
otherwise (``revenue_at_risk`` is currency over the rules' horizon).
"""
from __future__ import annotations

import dataclasses

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.common import fmt
from lib.overview import queries
from lib.store.filters import Filters
from lib.rules import Rules
from lib.store import read_frame

Unit = Literal["count", "share", "currency", "ratio"]


@dataclass(frozen=True)
class Kpi:
    """One KPI card. ``key`` is its i18n key; ``target_kind`` says whether the target is a
    floor ("min") or a ceiling ("max")."""

    key: str
    value: float | None
    unit: Unit
    previous: float | None = None
    target: float | None = None
    target_kind: Literal["min", "max"] | None = None
    #: i18n key of the card's explanation when it is not ``key + "_help"``
    help_key: str | None = None
    #: whether a rise is good news (colours the change); None: as the target says (a ceiling:
    #: no). Churn and revenue at risk say False, as their rise is bad with or without a ceiling.
    up_is_good: bool | None = None

    @property
    def good_when_up(self) -> bool:
        """A rise is good news: ``up_is_good``, else true unless the target is a ceiling."""
        return self.up_is_good if self.up_is_good is not None else self.target_kind != "max"

    @property
    def meets_target(self) -> bool | None:
        """True/False against the target; None when there is no target or no value."""
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.target_kind == "min" else self.value <= self.target

    @property
    def change(self) -> float | None:
        """Value minus the previous snapshot's value (same unit)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def delta_color(kpi: Kpi) -> Literal["normal", "inverse", "off"]:
    """How a card colours its change: "off" (grey) for a change that shows as zero, since
    "+0.0 pp" in green is no news; otherwise green when the change goes the good way: up for
    a floor target or none, down for a ceiling and for revenue at risk ("inverse")."""
    if kpi.change is None or fmt.is_zero_change(kpi.change, kpi.unit):
        return "off"
    return "normal" if kpi.good_when_up else "inverse"


def delta_arrow(kpi: Kpi) -> Literal["auto", "off"]:
    """No arrow on a change that shows as zero (an up arrow on "0" would still read as a rise)."""
    return "off" if kpi.change is not None and fmt.is_zero_change(kpi.change, kpi.unit) else "auto"


def vip_spend_min(rules: Rules) -> float | None:
    """Lower bound of the first VIP tier (currency a month); None when VIPs are six-star
    only (graded by points or as key persons, not by spend)."""
    return rules.tier_spend_min[rules.vip_min_tier - 1] if rules.vip_min_tier < 6 else None


def share(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` as a share 0–1, None when the whole is empty."""
    if part is None or not whole:
        return None
    return float(part) / float(whole)


def monthly_rate(period_share: float | None, window_months: int | None) -> float | None:
    """Turn a churn share observed over ``window_months`` into a constant monthly rate.

    1 - (1 - s) ** (1 / w): a 14.5 % share over 3 months is 5.1 % a month. None when the
    share is missing or the window is unknown (None): a share over an unknown period is no
    rate per month.
    """
    if period_share is None or window_months is None:
        return None
    return 1.0 - (1.0 - period_share) ** (1.0 / window_months)


def revenue_at_risk(monthly_revenue: float, monthly_churn: float, horizon_months: int) -> float:
    """Expected revenue lost over the horizon if the monthly churn rate holds (currency).

    Each month k of the horizon loses the revenue of the share 1 - (1 - c) ** k of today's
    customers who have left by then: R * sum_{k=1..H} (1 - (1 - c) ** k).
    """
    survival = sum((1.0 - monthly_churn) ** k for k in range(1, horizon_months + 1))
    return monthly_revenue * (horizon_months - survival)


def quarter_photo_date(current: dt.date, stored: list[dt.date]) -> dt.date | None:
    """The snapshot that photographs the base at the start of ``current``'s quarter.

    That is the latest stored snapshot from before the quarter's first month (the base as
    the quarter opened); None when there is none.
    """
    first_month = (current.month - 1) // 3 * 3 + 1
    quarter_start = dt.date(current.year, first_month, 1)
    earlier = [d for d in stored if d < quarter_start]
    return max(earlier) if earlier else None


def pareto_curve(buckets: pl.DataFrame) -> pl.DataFrame:
    """Cumulative share of revenue against cumulative share of customers, richest first.

    Input: rows of ``queries.revenue_by_spend_band``, highest spend first. Output columns
    ``customer_share`` and ``revenue_share`` (0–1), starting at (0, 0).
    """
    if buckets.height == 0:
        return pl.DataFrame({"customer_share": [0.0], "revenue_share": [0.0]})
    total_customers = buckets["customers"].sum()
    total_revenue = buckets["revenue"].sum() or 1.0
    curve = buckets.select(
        customer_share=pl.col("customers").cum_sum() / total_customers,
        revenue_share=pl.col("revenue").cum_sum() / total_revenue,
    )
    return pl.concat([pl.DataFrame({"customer_share": [0.0], "revenue_share": [0.0]}), curve])


def revenue_share_of_top(curve: pl.DataFrame, customer_share: float) -> float:
    """Share of revenue from the top ``customer_share`` of customers, interpolated on the
    banded curve (off by up to a fraction of a point inside a band: the Overview's headline is
    counted exactly by ``top_revenue_share`` instead)."""
    return float(np.interp(customer_share, curve["customer_share"].to_numpy(),
                           curve["revenue_share"].to_numpy()))


def top_revenue_share(conn: sa.Connection, filters: Filters, customer_share: float) -> float | None:
    """Exact share of revenue (0–1) from the top ``customer_share`` (0–1) of active customers,
    highest latest-month spend first: the first ceil(customers × share) of them
    (``queries.top_customers_revenue``). None when the selection has no revenue."""
    fraction = Fraction(customer_share).limit_denominator(10**6)   # 0.2 -> 1/5, exactly
    row = read_frame(conn, queries.top_customers_revenue(filters, fraction)).row(0, named=True)
    return share(row["top_revenue"], row["revenue"])


def trend_frame(counts: pl.DataFrame, windows: dict[dt.date, int | None]) -> pl.DataFrame:
    """Per snapshot: active, VIP active, churn share of the file (churners over the counted
    base, 0–1, whatever period the flag covers), monthly churn rate (None where the window
    is unknown), churn/gross-add ratio, ARPU, VIP revenue share. ``windows`` maps snapshot
    date to its churn window (months, None when unknown)."""
    rows = []
    for r in counts.iter_rows(named=True):
        churn_share = share(r["churners_counted"], r["base_counted"])
        rows.append({
            "snapshot_date": r["snapshot_date"],
            "active": r["active"],
            "vip_active": r["vip_active"],
            "churn_share": churn_share,
            "monthly_churn": monthly_rate(churn_share, windows.get(r["snapshot_date"])),
            "churn_to_gross_add": share(r["churners"], r["gross_adds"]),
            "arpu": share(r["revenue"], r["active"]),
            "vip_revenue_share": share(r["vip_revenue"], r["revenue"]),
            "revenue": r["revenue"],
        })
    schema = {"snapshot_date": pl.Date, "active": pl.Int64, "vip_active": pl.Int64,
              "churn_share": pl.Float64, "monthly_churn": pl.Float64, "churn_to_gross_add": pl.Float64,
              "arpu": pl.Float64, "vip_revenue_share": pl.Float64, "revenue": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def risk_by_tier(tiers: pl.DataFrame, window_months: int | None, horizon_months: int) -> pl.DataFrame:
    """Per tier: observed monthly churn rate and revenue at risk over the horizon (currency).

    With an unknown window (None) both are None: the churn share of the file is no rate.
    """
    rows = []
    for r in tiers.iter_rows(named=True):
        rate = None
        if window_months is not None:
            rate = monthly_rate(share(r["churners_counted"], r["base_counted"]), window_months) or 0.0
        rows.append({"tier": r["tier"], "active": r["active"], "revenue": r["revenue"],
                     "monthly_churn": rate,
                     "revenue_at_risk": None if rate is None else revenue_at_risk(r["revenue"], rate, horizon_months)})
    return pl.DataFrame(rows, schema={"tier": pl.Int64, "active": pl.Int64, "revenue": pl.Float64,
                                      "monthly_churn": pl.Float64, "revenue_at_risk": pl.Float64})


@dataclass(frozen=True)
class Overview:
    """Everything the Overview page shows for one snapshot and filter set."""

    snapshot_date: dt.date
    previous_date: dt.date | None
    photo_date: dt.date | None
    rules_version: int
    kpis: tuple[Kpi, ...]
    trend: pl.DataFrame
    pareto: pl.DataFrame
    risk_by_tier: pl.DataFrame
    horizon_months: int
    #: the headline: the top ``top_customer_share`` of active customers (0–1, from the rules)
    #: bring ``top_revenue_share`` of revenue (0–1, exact; None without revenue). ``pareto`` is
    #: the chart's curve, grouped by spend band.
    top_customer_share: float
    top_revenue_share: float | None
    #: months the chosen snapshot's churn flag covers; None when unknown (no monthly rate)
    churn_window_months: int | None
    risk_source: Literal["observed", "model"] = "observed"
    risk_model_id: int | None = None

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)

    @property
    def without_vips(self) -> bool:
        """Active customers but not one VIP: the tier thresholds likely do not fit the data's
        currency or scale (the Overview says so and links to the rules)."""
        return bool(self.kpi("kpi_active").value) and self.kpi("kpi_vip").value == 0


def _vip_retention(conn: sa.Connection, filters: Filters, rules: Rules,
                   photo: dt.date | None) -> float | None:
    if photo is None:
        return None
    row = read_frame(conn, queries.vip_retention(filters, rules, photo)).row(0, named=True)
    return share(row["retained"], row["photo_vips"])


def build_overview(conn: sa.Connection, filters: Filters, rules: Rules,
                   trend_snapshots: int = 12) -> Overview:
    """Run the Overview's queries for ``filters`` and turn them into KPIs, trend and curves."""
    listing = read_frame(conn, queries.snapshot_list())
    dates: list[dt.date] = listing["snapshot_date"].to_list()
    windows = dict(zip(dates, listing["churn_window_months"].to_list()))
    upto = [d for d in dates if d <= filters.snapshot_date]
    previous = upto[-2] if len(upto) > 1 else None
    counts = read_frame(conn, queries.kpi_counts(filters, rules, upto[-trend_snapshots:]))
    trend = trend_frame(counts, windows)
    now = _row_for(trend, filters.snapshot_date)
    before = _row_for(trend, previous)
    photo = quarter_photo_date(filters.snapshot_date, dates)
    photo_before = quarter_photo_date(previous, dates) if previous else None
    window = windows.get(filters.snapshot_date)
    risk = risk_by_tier(read_frame(conn, queries.tier_churn(filters, rules)), window,
                        rules.risk_horizon_months)
    scored = _risk_from_scores(conn, filters, rules.risk_horizon_months)
    if scored is not None:
        risk = scored
    curve = pareto_curve(read_frame(conn, queries.revenue_by_spend_band(filters)))
    previous_filters = dataclasses.replace(filters, snapshot_date=previous) if previous else None

    def pick(row: dict | None, key: str) -> float | None:
        return None if row is None else row[key]

    kpis = (
        Kpi("kpi_active", pick(now, "active"), "count", pick(before, "active")),
        Kpi("kpi_vip", pick(now, "vip_active"), "count", pick(before, "vip_active")),
        Kpi("kpi_vip_revenue_share", pick(now, "vip_revenue_share"), "share",
            pick(before, "vip_revenue_share")),
        Kpi("kpi_vip_retention", _vip_retention(conn, filters, rules, photo), "share",
            _vip_retention(conn, previous_filters, rules, photo_before) if previous_filters else None,
            rules.target_vip_retention_quarter_min, "min"),
        _churn_kpi(now, before, window, windows.get(previous) if previous else None, rules),
        Kpi("kpi_churn_to_gross_add", pick(now, "churn_to_gross_add"), "ratio",
            pick(before, "churn_to_gross_add"), rules.target_churn_to_gross_add_max, "max",
            up_is_good=False),
        Kpi("kpi_arpu", pick(now, "arpu"), "currency", pick(before, "arpu"),
            rules.target_arpu_min, "min"),
        Kpi("kpi_revenue_at_risk", _total_at_risk(risk), "currency",
            help_key="kpi_revenue_at_risk_unknown_help" if window is None and scored is None else None,
            up_is_good=False),
    )
    top = rules.overview_top_customer_share
    return Overview(filters.snapshot_date, previous, photo, rules.version, kpis, trend, curve, risk,
                    rules.risk_horizon_months, top, top_revenue_share(conn, filters, top), window,
                    "model" if scored is not None else "observed",
                    int(scored["model_id"][0]) if scored is not None else None)


def _churn_kpi(now: dict | None, before: dict | None, window: int | None,
               previous_window: int | None, rules: Rules) -> Kpi:
    """The monthly churn rate against its ceiling; with an unknown window, the churn share of
    the file instead, with no target (the ceiling is per month) and no change unless the
    previous snapshot's window is unknown too (shares over different periods do not compare)."""
    def pick(row: dict | None, key: str) -> float | None:
        return None if row is None else row[key]

    if window is None:
        previous = pick(before, "churn_share") if before is not None and previous_window is None else None
        return Kpi("kpi_churn_share_unknown_window", pick(now, "churn_share"), "share", previous,
                   up_is_good=False)
    return Kpi("kpi_monthly_churn", pick(now, "monthly_churn"), "share", pick(before, "monthly_churn"),
               rules.target_monthly_churn_max, "max", up_is_good=False)


def _total_at_risk(risk: pl.DataFrame) -> float | None:
    """Sum of the tiers' revenue at risk (currency); None when there is none or it is unknown."""
    if risk.height == 0 or risk["revenue_at_risk"].null_count() == risk.height:
        return None
    return float(risk["revenue_at_risk"].sum())


def _risk_from_scores(conn: sa.Connection, filters: Filters, horizon_months: int) -> pl.DataFrame | None:
    """Revenue at risk per tier from the churn model's scores, in ``risk_by_tier``'s columns
    (monthly churn is the rate the scored probabilities imply); None without scores."""
    from lib.churn.scores import revenue_at_risk_from_scores  # the model's code loads only here

    scored = revenue_at_risk_from_scores(conn, filters, horizon_months)
    if scored is None or scored.by_tier.height == 0:   # no scored customer in the selection
        return None
    share = (pl.col("expected_churners") / pl.col("customers")).clip(0.0, 1.0)
    return scored.by_tier.select(
        pl.col("tier").cast(pl.Int64), pl.col("customers").cast(pl.Int64).alias("active"),
        pl.col("revenue").cast(pl.Float64),
        (1 - (1 - share) ** (1 / horizon_months)).alias("monthly_churn"),
        pl.col("revenue_at_risk").cast(pl.Float64),
    ).with_columns(model_id=pl.lit(scored.model_id))


def _row_for(trend: pl.DataFrame, date: dt.date | None) -> dict | None:
    if date is None:
        return None
    rows = trend.filter(pl.col("snapshot_date") == date)
    return rows.row(0, named=True) if rows.height else None
