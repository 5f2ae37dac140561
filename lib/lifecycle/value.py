"""sBG retention projection and customer value (CLV) per tier.

Fits the shifted-beta-geometric model (``lib.lifecycle.sbg``) per tier to the lifetimes of
``lib.lifecycle.curves.lifetime_counts`` and values customers with it. Other pages (Offers ROI) read the value of a
customer per tier from ``tier_clv``; every money column is in currency and named ``_currency``,
lifetimes in months (``_months``).

Values are of customers followed from joining: the fits use every customer, including those the
minimum-tenure exclusion leaves out of the churn analysis. A curve conditional on staying three
months would credit a new customer with three certain months and the lower churn of those who
stayed, overstating a new customer's value; today's youngest customers, the riskiest, would also
drop out of the residual value.

A tier's sBG fit is used only when the data identify it (``fit_status`` "fitted"). When the tier
has no churner, too few customers, or the maximum likelihood runs to the optimiser's bound
(``lib.lifecycle.sbg.SBG.problem_``), the tier's value falls back to the simple CLV of
``lib.offers.roi.simple_clv`` at the tier's observed monthly churn (churners per customer-month at
risk, the maximum-likelihood rate of a single churn rate for everyone), and ``clv_source`` says
so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.lifecycle.curves import kaplan_meier, lifetime_counts
from lib.lifecycle.settings import default_definition, settings
from lib.lifecycle.sbg import SBG, monthly_rate
from lib.offers.roi import simple_clv
from lib.store.filters import Filters
from lib.lifecycle import queries as q
from lib.lifecycle.queries import ChurnDefinition
from lib.rules import TIERS, Rules
from lib.store import read_frame


@dataclass(frozen=True)
class ValueView:
    """sBG fits, projections and customer value per tier.

    tiers : per ``tier``: ``gamma``, ``delta``, ``fitted_customers``, ``active``,
        ``spend_avg_6m`` (currency per month), ``margin_per_month_currency``,
        ``expected_lifetime_months`` (discounted, a new customer, joining month included),
        ``derl_months`` (mean discounted expected residual lifetime of the active customers),
        ``clv_new_customer_currency``, ``residual_clv_per_customer_currency``,
        ``residual_value_currency`` (all active customers of the tier).
        ``fit_status``: "fitted" (sBG identified), "no_lifetimes", "too_few_customers",
        "no_churners", "at_bound" or "not_converged" (see ``fit_status``); ``gamma``/``delta``
        are where the optimiser ended (null when no fit was tried). ``observed_monthly_churn``
        (share per month): churners / customer-months at risk. ``clv_source``: "sbg" (the
        values come from the fit), "simple" (not identifiable: lifetime and values are the
        simple CLV at the observed churn, ``(1 + d) / (d + churn)`` months) or null (no value:
        no lifetimes, or no churn and no discount).
    projection : per ``tier`` and ``months`` 0..projection: ``km`` (observed, null beyond the
        data), ``sbg`` (fitted and projected survival; null where the fit is not identifiable).
    margin_share, discount_per_month : the inputs used.
    """

    tiers: pl.DataFrame
    projection: pl.DataFrame
    margin_share: float
    discount_per_month: float


def fit_tiers(rows: pl.DataFrame, min_customers: int) -> dict[int, SBG]:
    """sBG fitted per tier to the tier's lifetimes (censored and left-truncated): ``rows`` are
    ``lifecycle.lifetime_counts`` by tier; tiers with fewer than ``min_customers`` or no churn
    are left out. A fit may still not be identifiable: see ``SBG.problem_``."""
    fits: dict[int, SBG] = {}
    for tier in TIERS:
        part = rows.filter(pl.col("segment") == str(tier))
        if part.height == 0 or part["customers"].sum() < min_customers or part["event"].sum() == 0:
            continue
        fits[tier] = SBG().fit(part["duration_months"].to_numpy(), part["event"].to_numpy(),
                               part["customers"].to_numpy(), part["entry_months"].to_numpy())
    return fits


def fit_status(part: pl.DataFrame, fit: SBG | None, min_customers: int) -> str:
    """Why a tier's sBG fit is (not) used: "fitted", or the first reason it is not —
    "no_lifetimes", "too_few_customers" (fewer than ``min_customers``), "no_churners" (the
    likelihood then rises without bound towards no churn at all: nothing to fit), "at_bound" or
    "not_converged" (``SBG.problem_``). ``part``: the tier's ``lifetime_counts`` rows."""
    if part.height == 0:
        return "no_lifetimes"
    if part["customers"].sum() < min_customers:
        return "too_few_customers"
    if (part["event"] * part["customers"]).sum() == 0:
        return "no_churners"
    if fit is None:
        return "not_converged"
    return fit.problem_ or "fitted"


def observed_monthly_churn(part: pl.DataFrame) -> float | None:
    """Churners per customer-month at risk (share per month) of a tier's lifetime rows: the
    maximum-likelihood churn rate when every customer shares one (geometric lifetimes,
    censored and left-truncated: a row observed from ``entry_months`` to ``duration_months``
    is at risk ``duration − entry`` months). None when no customer-month is at risk."""
    if part.height == 0:
        return None
    exposure = float(((part["duration_months"] - part["entry_months"]).clip(lower_bound=0)
                      * part["customers"]).sum())
    churners = float((part["event"] * part["customers"]).sum())
    return churners / exposure if exposure > 0 else None


def customer_value(conn: sa.Connection, filters: Filters, rules: Rules,
                   definition: ChurnDefinition, margin_share: float, annual_discount_rate: float,
                   projection_months: int, min_customers: int) -> ValueView:
    """Fit sBG per tier, project survival and value the tiers' customers.

    ``margin_share`` (0–1) of the six-month average spend is the monthly margin;
    ``annual_discount_rate`` is converted to a monthly rate.
    """
    discount = monthly_rate(annual_discount_rate)
    rows = lifetime_counts(conn, filters, rules, definition.unconditional, "tier")
    fits = fit_tiers(rows, min_customers)
    spend = read_frame(conn, q.tier_values(filters, 0.0))
    spend_by_tier = {int(r["tier"]): r for r in spend.iter_rows(named=True)}
    records, projections = [], []
    months = np.arange(0, projection_months + 1)
    for tier in TIERS:
        part = rows.filter(pl.col("segment") == str(tier))
        fit = fits.get(tier)
        info = spend_by_tier.get(tier, {"active": 0, "spend_avg_6m": None})
        margin = (info["spend_avg_6m"] or 0.0) * margin_share
        record = {"tier": tier, "gamma": None, "delta": None,
                  "fitted_customers": float(part["customers"].sum()) if part.height else 0.0,
                  "active": int(info["active"] or 0), "spend_avg_6m": info["spend_avg_6m"],
                  "margin_per_month_currency": margin if info["spend_avg_6m"] is not None else None,
                  "expected_lifetime_months": None, "derl_months": None,
                  "clv_new_customer_currency": None, "residual_clv_per_customer_currency": None,
                  "residual_value_currency": None}
        status = fit_status(part, fit, min_customers)
        churn = observed_monthly_churn(part)
        record.update(fit_status=status, observed_monthly_churn=churn, clv_source=None)
        if fit is not None:
            record.update(gamma=fit.gamma_, delta=fit.delta_)
        usable = fit if status == "fitted" else None
        if part.height:
            km = kaplan_meier(part)
            observed = km.survival_
            km_at = np.where(months <= observed["months"].max(), km.survival_at(months), np.nan)
        else:
            km_at = np.full(months.size, np.nan)
        sbg_at = usable.survival(months) if usable else np.full(months.size, np.nan)
        projections.append(pl.DataFrame({"tier": [tier] * months.size, "months": months,
                                         "km": km_at, "sbg": sbg_at}))
        if usable:
            active = part.filter(pl.col("active") == 1)
            weights = active["customers"].to_numpy().astype(np.float64)
            derls = usable.derl_months(discount, active["duration_months"].to_numpy())
            mean_derl = float(np.sum(weights * derls) / weights.sum()) if weights.sum() else None
            lifetime = float(1.0 + usable.derl_months(discount, 0) / (1.0 + discount))
            record.update(expected_lifetime_months=lifetime, derl_months=mean_derl,
                          clv_new_customer_currency=lifetime * margin, clv_source="sbg")
            if mean_derl is not None:
                record.update(residual_clv_per_customer_currency=mean_derl * margin,
                              residual_value_currency=mean_derl * margin * record["active"])
        elif churn is not None and discount + churn > 0:
            # one churn rate for all: memoryless, so a new and an active customer are worth the
            # same — the simple CLV the Offers page uses, at this tier's observed churn
            months_worth = float(simple_clv(1.0, churn, discount))
            record.update(expected_lifetime_months=months_worth, derl_months=months_worth,
                          clv_new_customer_currency=months_worth * margin,
                          residual_clv_per_customer_currency=months_worth * margin,
                          residual_value_currency=months_worth * margin * record["active"],
                          clv_source="simple")
        records.append(record)
    schema = {"tier": pl.Int64, "gamma": pl.Float64, "delta": pl.Float64,
              "fitted_customers": pl.Float64, "active": pl.Int64, "spend_avg_6m": pl.Float64,
              "margin_per_month_currency": pl.Float64, "expected_lifetime_months": pl.Float64,
              "derl_months": pl.Float64, "clv_new_customer_currency": pl.Float64,
              "residual_clv_per_customer_currency": pl.Float64,
              "residual_value_currency": pl.Float64, "fit_status": pl.String,
              "observed_monthly_churn": pl.Float64, "clv_source": pl.String}
    return ValueView(pl.DataFrame(records, schema=schema), pl.concat(projections),
                     margin_share, discount)


def tier_clv(conn: sa.Connection, filters: Filters, rules: Rules,
             margin_share: float | None = None,
             annual_discount_rate: float | None = None) -> pl.DataFrame:
    """Customer value per tier for other pages (Offers ROI), with the rules' churn definition.

    Returns the ``tiers`` frame of ``ValueView``: per tier ``clv_new_customer_currency``,
    ``residual_clv_per_customer_currency`` (value of keeping one of today's active customers),
    ``derl_months``, ``margin_per_month_currency``, the sBG ``gamma``/``delta``, and where
    the values come from: ``clv_source`` ("sbg", "simple" fallback, null), ``fit_status`` and
    ``observed_monthly_churn``.
    ``margin_share`` and ``annual_discount_rate`` default to the rules'.
    """
    s = settings(rules)
    view = customer_value(conn, filters, rules, default_definition(rules),
                          s.margin_share if margin_share is None else margin_share,
                          s.annual_discount_rate if annual_discount_rate is None
                          else annual_discount_rate,
                          s.projection_months, s.min_fit_customers)
    return view.tiers
